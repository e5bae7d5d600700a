"""DeltaNet (Schlag et al. 2021, Yang et al. 2024): the delta rule, a linear recurrence on a matrix state.

Each head keeps a K × V state S_t = (I − β_t k_t k_tᵀ) S_{t−1} + β_t k_t ⊗ v_t and reads y_t = S_tᵀ q_t;
op :func:`~.ops.delta_rule`. The transition's eigenvalues are 1 − β_t (along k_t) and 1 (elsewhere),
with β_t = σ(·) ∈ (0, 1), or 2σ(·) ∈ (0, 2) with ``negative_eigenvalues`` (Grazzi et al. 2025), which
puts 1 − β_t in (−1, 1).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from . import ops
from .layer_stack import MLP, HeadNorm, LayerStack, MultiHeadMixer, merge_heads, mode_for


class DeltaRuleMixer(MultiHeadMixer):
    """DeltaNet: q, k = L2-normalised SiLU projections, β_t = σ(w_β · x_t) per head (× 2 if negative)."""

    LAW = ("I − β_t k kᵀ, eigenvalues 1 − β_t ∈ (0, 1) and 1",  # without, with negative_eigenvalues
           "I − β_t k kᵀ, β_t ∈ (0, 2): eigenvalues in (−1, 1]")

    def __init__(self, d_model: int, n_heads: int, negative_eigenvalues: bool) -> None:
        super().__init__(d_model, n_heads)
        self.beta = nn.Linear(d_model, n_heads)
        self.scale = 2.0 if negative_eigenvalues else 1.0
        self.norm = HeadNorm(n_heads, d_model)

    def betas(self, x):
        return self.scale * torch.sigmoid(self.beta(x))  # B T H

    def forward(self, x, state):
        q, k, v = self.heads(x)
        q, k = F.normalize(F.silu(q), dim=-1), F.normalize(F.silu(k), dim=-1)
        y, state = ops.delta_rule(q, k, v, self.betas(x).transpose(1, 2), initial_state=state, return_state=True,
                                  mode=mode_for(x))
        return self.out(self.norm(merge_heads(y))), state

    def transition(self, x):
        beta = self.betas(x)
        ones = beta.new_ones(*beta.shape, x.shape[-1] // self.n_heads - 1)
        return torch.cat([1 - beta[..., None], ones], -1).flatten(2)


class DeltaNet(LayerStack):
    """Schlag et al. 2021, Yang et al. 2024: the delta rule and an MLP per layer."""

    LAW = DeltaRuleMixer.LAW

    def __init__(self, in_vocab, out_vocab, *, d_model: int = 32, n_layers: int = 1, n_heads: int = 4,
                 negative_eigenvalues: bool = False) -> None:
        super().__init__(in_vocab, out_vocab, d_model, [
            sub for _ in range(n_layers)
            for sub in (DeltaRuleMixer(d_model, n_heads, negative_eigenvalues), MLP(d_model))])
