"""Classic recurrent networks: Elman RNN, GRU and LSTM, each a stack of torch's fused cells.

Elman: h_t = tanh(W h_{t−1} + U x_t + b). GRU and LSTM gate the same update with gates that also
read h_{t−1}; all three are nonlinear in the state, the property Chapter 4 calls
recurrence-completeness.
"""

from __future__ import annotations

from torch import nn

from ..errors import check_choice
from .base import SequenceModel

CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class RecurrentNet(SequenceModel):
    """Embedding → ``n_layers`` recurrent layers of width ``hidden`` → linear read-out."""

    causal = True
    LAW = "nonlinear in h: recurrence-complete"

    def __init__(self, in_vocab: int, out_vocab: int, *, cell: str = "lstm", hidden: int = 64,
                 n_layers: int = 1, embed: int = 16) -> None:
        super().__init__()
        check_choice("recurrent cell", cell, CELLS)
        self.cell = cell
        self.embed = nn.Embedding(in_vocab, embed)
        self.recurrent = CELLS[cell](embed, hidden, num_layers=n_layers, batch_first=True)
        self.head = nn.Linear(hidden, out_vocab)

    def forward(self, tokens):
        states, _ = self.recurrent(self.embed(tokens))
        return self.head(states)

    def initial_state(self, batch_size, device="cpu"):
        """None: torch's zero state (h, and c for the LSTM, of shape n_layers × B × hidden)."""
        return None

    def step(self, token, state):
        out, state = self.recurrent(self.embed(token)[:, None], state)
        return self.head(out[:, 0]), state
