"""The diagonal linear RNN, Chapter 4's minimal linear recurrence.

h_t = a_t ⊙ h_{t−1} + W_b x_t with a_t = σ(W_a x_t) ∈ (0, 1), or 2σ(W_a x_t) − 1 ∈ (−1, 1) with
``negative_eigenvalues``; output W_o h_t, then the layer's MLP. Op :func:`~.ops.diagonal_linear_rnn`;
the transition's eigenvalues are the entries of a_t.
"""

from __future__ import annotations

import torch
from torch import nn

from . import ops
from .layer_stack import MLP, LayerStack, mode_for


class DiagonalMixer(nn.Module):
    LAW = ("diag(a_t), a_t ∈ (0, 1)", "diag(a_t), a_t ∈ (−1, 1)")  # without, with negative_eigenvalues

    def __init__(self, d_model: int, negative_eigenvalues: bool) -> None:
        super().__init__()
        self.negative_eigenvalues = negative_eigenvalues
        self.gate, self.drive = nn.Linear(d_model, d_model), nn.Linear(d_model, d_model)
        self.out = nn.Linear(d_model, d_model)

    def transition(self, x):
        a = torch.sigmoid(self.gate(x))
        return 2 * a - 1 if self.negative_eigenvalues else a

    def forward(self, x, state):
        h, state = ops.diagonal_linear_rnn(self.transition(x), self.drive(x), initial_state=state,
                                           return_state=True, mode=mode_for(x))
        return self.out(h), state


class DiagonalRNN(LayerStack):
    """A diagonal linear RNN and an MLP read-out per layer (Chapter 4's minimal linear recurrence)."""

    LAW = DiagonalMixer.LAW

    def __init__(self, in_vocab, out_vocab, *, d_model: int = 32, n_layers: int = 1,
                 negative_eigenvalues: bool = False) -> None:
        super().__init__(in_vocab, out_vocab, d_model, [
            sub for _ in range(n_layers) for sub in (DiagonalMixer(d_model, negative_eigenvalues), MLP(d_model))])
