"""The controller that RNNs with a differentiable external memory share (Delétang et al. 2023).

A tanh RNN controller reads the memory's head cell with its input, h_t = tanh(W [e(x_t); m_{t−1}[0]] +
U h_{t−1} + b), predicts y_t = W_y h_t, and updates the memory (``memory_size`` cells of width
``cell_size``) by a soft mixture of discrete actions, π_t = softmax(W_π h_t). The memories are the
Stack-RNN's (:mod:`.stack_rnn`) and the Tape-RNN's (:mod:`.tape_rnn`). Both read one token at a time,
so ``forward`` is the ``step`` loop.
"""

from __future__ import annotations

import torch
from torch import nn

from .base import SequenceModel


class MemoryRNN(SequenceModel):
    """The controller loop; subclasses define ``n_actions``, ``n_values`` and ``update``."""

    causal = True
    n_actions: int
    n_values: int

    def __init__(self, in_vocab: int, out_vocab: int, *, hidden: int = 64, embed: int = 16,
                 memory_size: int = 30, cell_size: int = 8) -> None:
        super().__init__()
        self.memory_size, self.cell_size = memory_size, cell_size
        self.embed = nn.Embedding(in_vocab, embed)
        self.cell = nn.RNNCell(embed + cell_size, hidden)
        self.actions = nn.Linear(hidden, self.n_actions)
        self.values = nn.Linear(hidden, self.n_values * cell_size)
        self.head = nn.Linear(hidden, out_vocab)

    def initial_state(self, batch_size, device="cpu"):
        like = {"device": device, "dtype": self.head.weight.dtype}
        return (torch.zeros(batch_size, self.cell.hidden_size, **like),
                torch.zeros(batch_size, self.memory_size, self.cell_size, **like))

    def step(self, token, state):
        h, memory = state
        h = self.cell(torch.cat([self.embed(token), memory[:, 0]], -1), h)
        actions = torch.softmax(self.actions(h), -1)[:, :, None, None]  # B × actions × 1 × 1
        values = self.values(h).unflatten(-1, (self.n_values, self.cell_size))
        return self.head(h), (h, self.update(memory, actions, values))

    def update(self, memory, actions, values):  # pragma: no cover - interface
        raise NotImplementedError

    def forward(self, tokens):
        return self.run_steps(tokens)
