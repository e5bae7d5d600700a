"""RetNet (Sun et al. 2023): multi-scale retention, a linear recurrence with a fixed decay per head.

Each head keeps a K × V state S_t = γ_h S_{t−1} + k_t ⊗ v_t, γ_h = 1 − 2^{−5−h}, and reads y_t = S_tᵀ q_t;
op :func:`~.ops.retention`. The transition's eigenvalues are γ_h ∈ (0, 1).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from . import ops
from .layer_stack import MLP, HeadNorm, LayerStack, MultiHeadMixer, merge_heads, mode_for


class RetentionMixer(MultiHeadMixer):
    """Retention with RetNet's fixed decays, per-head GroupNorm and a swish gate (no xPos rotation)."""

    LAW = "transition γI, γ ∈ (0, 1) fixed"

    def __init__(self, d_model: int, n_heads: int) -> None:
        super().__init__(d_model, n_heads)
        self.register_buffer("gamma", 1 - 2.0 ** (-5.0 - torch.arange(n_heads, dtype=torch.float32)))
        self.gate = nn.Linear(d_model, d_model, bias=False)
        self.norm = HeadNorm(n_heads, d_model)

    def forward(self, x, state):
        q, k, v = self.heads(x)
        k = k / k.shape[-1] ** 0.5
        y, state = ops.retention(q, k, v, self.gamma.to(x.dtype), initial_state=state, return_state=True,
                                 mode=mode_for(x))
        return self.out(F.silu(self.gate(x)) * self.norm(merge_heads(y))), state

    def transition(self, x):
        return self.gamma.to(x.dtype).expand(x.shape[0], x.shape[1], -1)


class RetNet(LayerStack):
    """Sun et al. 2023: multi-scale retention and an MLP per layer."""

    LAW = RetentionMixer.LAW

    def __init__(self, in_vocab, out_vocab, *, d_model: int = 32, n_layers: int = 1, n_heads: int = 4) -> None:
        super().__init__(in_vocab, out_vocab, d_model, [
            sub for _ in range(n_layers) for sub in (RetentionMixer(d_model, n_heads), MLP(d_model))])
