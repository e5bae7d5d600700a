"""Matrix-state models: Linear Transformer, RetNet and DeltaNet (one mixer each, ops in :mod:`.ops`).

Each head keeps a K × V state S_t; the mixers project x_t to queries, keys and values and read the op's
output back through W_o. The transitions (eigenvalues of A_t acting on S):

- Linear Transformer, S_t = S_{t−1} + φ(k_t) ⊗ v_t: all 1.
- RetNet, S_t = γ_h S_{t−1} + k_t ⊗ v_t, γ_h = 1 − 2^{−5−h}: γ_h.
- DeltaNet, S_t = (I − β_t k_t k_tᵀ) S_{t−1} + β_t k_t ⊗ v_t: 1 − β_t (along k_t) and 1; β_t = σ(·) ∈ (0, 1),
  or 2σ(·) ∈ (0, 2) with ``negative_eigenvalues`` (Grazzi et al. 2025).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import check
from . import ops
from .stack import MLP, HeadNorm, LayerStack, elu_feature, merge_heads, mode_for, split_heads


class MultiHeadMixer(nn.Module):
    """Shared wiring: q, k, v = W_qkv x split into heads; output W_o y."""

    def __init__(self, d_model: int, n_heads: int) -> None:
        super().__init__()
        check(d_model % n_heads == 0, f"d_model ({d_model}) must be a multiple of n_heads ({n_heads})")
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model, bias=False)
        self.out = nn.Linear(d_model, d_model)

    def heads(self, x):
        return [split_heads(part, self.n_heads) for part in self.qkv(x).chunk(3, -1)]


class LinearAttentionMixer(MultiHeadMixer):
    def forward(self, x, state):
        q, k, v = self.heads(x)
        y, state = ops.linear_attention(elu_feature(q), elu_feature(k), v, initial_state=state,
                                        return_state=True, mode=mode_for(x))
        return self.out(merge_heads(y)), state

    def transition(self, x):
        return x.new_ones(x.shape[0], x.shape[1], 1)


class RetentionMixer(MultiHeadMixer):
    """Retention with RetNet's fixed decays, per-head GroupNorm and a swish gate (no xPos rotation)."""

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


class DeltaRuleMixer(MultiHeadMixer):
    """DeltaNet: q, k = L2-normalised SiLU projections, β_t = σ(w_β · x_t) per head (× 2 if negative)."""

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


class LinearTransformer(LayerStack):
    """Katharopoulos et al. 2020: linear attention (φ = elu + 1) and an MLP per layer."""

    def __init__(self, in_vocab, out_vocab, *, d_model: int = 32, n_layers: int = 1, n_heads: int = 4) -> None:
        super().__init__(in_vocab, out_vocab, d_model, [
            sub for _ in range(n_layers) for sub in (LinearAttentionMixer(d_model, n_heads), MLP(d_model))])


class RetNet(LayerStack):
    """Sun et al. 2023: multi-scale retention and an MLP per layer."""

    def __init__(self, in_vocab, out_vocab, *, d_model: int = 32, n_layers: int = 1, n_heads: int = 4) -> None:
        super().__init__(in_vocab, out_vocab, d_model, [
            sub for _ in range(n_layers) for sub in (RetentionMixer(d_model, n_heads), MLP(d_model))])


class DeltaNet(LayerStack):
    """Schlag et al. 2021, Yang et al. 2024: the delta rule and an MLP per layer."""

    def __init__(self, in_vocab, out_vocab, *, d_model: int = 32, n_layers: int = 1, n_heads: int = 4,
                 negative_eigenvalues: bool = False) -> None:
        super().__init__(in_vocab, out_vocab, d_model, [
            sub for _ in range(n_layers)
            for sub in (DeltaRuleMixer(d_model, n_heads, negative_eigenvalues), MLP(d_model))])
