"""Mamba (Gu & Dao 2023): a selective state-space model.

Block: (x, z) = W_in u; x ← SiLU(causal depthwise conv₄(x)); Δ, B, C from x (Δ = softplus(W_Δ ·));
y = selective_scan(x, Δ, A, B, C, D) ⊙ SiLU(z); out W_out y (op :func:`~.ops.selective_scan`). Per
channel and state entry, h_t = exp(Δ_t A) h_{t−1} + Δ_t B_t x_t: the transition exp(Δ_t A) ∈ (0, 1),
or 2 exp(Δ_t A) − 1 ∈ (−1, 1) with ``negative_eigenvalues`` (Grazzi et al. 2025).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from . import ops
from .layer_stack import LayerStack, mode_for


class MambaMixer(nn.Module):
    LAW = ("diag(exp(Δ_t A)) ∈ (0, 1)", "diag(2 exp(Δ_t A) − 1) ∈ (−1, 1)")  # without, with negative_eigenvalues

    def __init__(self, d_model: int, expand: int, d_state: int, d_conv: int, negative_eigenvalues: bool) -> None:
        super().__init__()
        inner, self.rank = expand * d_model, math.ceil(d_model / 16)
        self.negative_eigenvalues = negative_eigenvalues
        self.inner = nn.Linear(d_model, 2 * inner, bias=False)
        self.conv = nn.Conv1d(inner, inner, d_conv, groups=inner)
        self.select = nn.Linear(inner, self.rank + 2 * d_state, bias=False)
        self.step_size = nn.Linear(self.rank, inner)
        with torch.no_grad():  # Δ starts in [1e-3, 1e-1], as in Mamba
            dt = torch.exp(torch.rand(inner) * (math.log(0.1) - math.log(1e-3)) + math.log(1e-3))
            self.step_size.bias.copy_(dt + torch.log(-torch.expm1(-dt)))
        self.log_A = nn.Parameter(torch.log(torch.arange(1, d_state + 1, dtype=torch.float32)).repeat(inner, 1))
        self.D = nn.Parameter(torch.ones(inner))
        self.out = nn.Linear(inner, d_model, bias=False)

    def convolve(self, x, state):
        """Causal depthwise convolution over time; the state is the last d_conv − 1 inputs (B × E × d_conv−1)."""
        x = x.transpose(1, 2)
        past = x.new_zeros(*x.shape[:2], self.conv.kernel_size[0] - 1) if state is None else state
        padded = torch.cat([past, x], 2)
        return F.silu(self.conv(padded)).transpose(1, 2), padded[:, :, padded.shape[2] - past.shape[2]:]

    def selection(self, x):
        delta, B, C = self.select(x).split([self.rank, self.log_A.shape[1], self.log_A.shape[1]], -1)
        return F.softplus(self.step_size(delta)), B, C

    def forward(self, x, state):
        x, z = self.inner(x).chunk(2, -1)
        x, conv_state = self.convolve(x, None if state is None else state[0])
        delta, B, C = self.selection(x)
        y, scan_state = ops.selective_scan(x, delta, -self.log_A.exp(), B, C, self.D,
                                           negative_eigenvalues=self.negative_eigenvalues, return_state=True,
                                           initial_state=None if state is None else state[1], mode=mode_for(x))
        return self.out(y * F.silu(z)), (conv_state, scan_state)

    def transition(self, x):
        delta, _, _ = self.selection(self.convolve(self.inner(x).chunk(2, -1)[0], None)[0])
        a = torch.exp(delta[..., None] * -self.log_A.exp())
        return (2 * a - 1 if self.negative_eigenvalues else a).flatten(2)


class Mamba(LayerStack):
    """Stacked Mamba blocks (each block is both the mixer and the channel MLP)."""

    LAW = MambaMixer.LAW

    def __init__(self, in_vocab, out_vocab, *, d_model: int = 32, n_layers: int = 1, expand: int = 2,
                 d_state: int = 8, d_conv: int = 4, negative_eigenvalues: bool = False) -> None:
        super().__init__(in_vocab, out_vocab, d_model, [
            MambaMixer(d_model, expand, d_state, d_conv, negative_eigenvalues) for _ in range(n_layers)])
