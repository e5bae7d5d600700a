"""RWKV-4 (Peng et al. 2023) and RWKV-6 (Peng et al. 2024): time-mixing then channel-mixing per layer.

Both mix each input with the previous one (token shift, x̃ = μ ⊙ x_t + (1 − μ) ⊙ x_{t−1}, one μ per
projection). Time-mixing:

- RWKV-4: r, k, v from x̃; out = W_o(σ(r) ⊙ wkv), wkv the per-channel WKV op with decay w = e^{w₀} > 0
  and bonus u; transition e^{−w} ∈ (0, 1) per channel.
- RWKV-6: r, k, v, g from x̃; per-channel data-dependent decay α_t = exp(−exp(w₀ + B tanh(A x̃_w)));
  y = GroupNorm(gated linear attention with bonus u) ⊙ SiLU(g); transition diag(α_t) ∈ (0, 1).
  (The static μ stands in for RWKV-6's data-dependent token shift.)

Channel-mixing: out = σ(W_r x̃_r) ⊙ W_v relu(W_k x̃_k)².
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import check
from . import ops
from .layer_stack import HeadNorm, LayerStack, TokenShift, merge_heads, mode_for, split_heads


class ShiftMix(nn.Module):
    """Token shift and ``n`` learned interpolations μ_i ⊙ x_t + (1 − μ_i) ⊙ x_{t−1}."""

    def __init__(self, d_model: int, n: int) -> None:
        super().__init__()
        self.mu = nn.Parameter(torch.rand(n, d_model))
        self.shift = TokenShift()

    def forward(self, x, state):
        previous, state = self.shift(x, state)
        return [previous + mu * (x - previous) for mu in self.mu], state


class ChannelMix(nn.Module):
    def __init__(self, d_model: int, expansion: int = 4) -> None:
        super().__init__()
        self.mix = ShiftMix(d_model, 2)
        self.key = nn.Linear(d_model, expansion * d_model, bias=False)
        self.value = nn.Linear(expansion * d_model, d_model, bias=False)
        self.receptance = nn.Linear(d_model, d_model, bias=False)

    def forward(self, x, state):
        (xk, xr), state = self.mix(x, state)
        return torch.sigmoid(self.receptance(xr)) * self.value(F.relu(self.key(xk)) ** 2), state


class RWKV4TimeMix(nn.Module):
    LAW = "diag(e^{−w}) ∈ (0, 1), input-independent"

    def __init__(self, d_model: int) -> None:
        super().__init__()
        self.mix = ShiftMix(d_model, 3)
        self.rkv = nn.ModuleList(nn.Linear(d_model, d_model, bias=False) for _ in range(3))
        self.out = nn.Linear(d_model, d_model, bias=False)
        self.log_decay = nn.Parameter(torch.linspace(-3, 1, d_model))  # w = e^{log_decay}
        self.bonus = nn.Parameter(torch.zeros(d_model))

    def forward(self, x, state):
        mixes, shift_state = self.mix(x, None if state is None else state[0])
        r, k, v = (proj(m) for proj, m in zip(self.rkv, mixes))
        wkv, wkv_state = ops.rwkv4_wkv(self.log_decay.exp(), self.bonus, k, v, return_state=True,
                                       initial_state=None if state is None else state[1], mode=mode_for(x))
        return self.out(torch.sigmoid(r) * wkv), (shift_state, wkv_state)

    def transition(self, x):
        return torch.exp(-self.log_decay.exp()).expand(x.shape[0], x.shape[1], -1)


class RWKV6TimeMix(nn.Module):
    LAW = "diag(α_t) ∈ (0, 1), input-dependent"

    def __init__(self, d_model: int, n_heads: int, decay_rank: int = 8) -> None:
        super().__init__()
        check(d_model % n_heads == 0, f"d_model ({d_model}) must be a multiple of n_heads ({n_heads})")
        self.n_heads = n_heads
        self.mix = ShiftMix(d_model, 5)
        self.rkvg = nn.ModuleList(nn.Linear(d_model, d_model, bias=False) for _ in range(4))
        self.decay_base = nn.Parameter(torch.linspace(-3, 1, d_model))
        self.decay_down = nn.Linear(d_model, decay_rank, bias=False)
        self.decay_up = nn.Linear(decay_rank, d_model, bias=False)
        self.bonus = nn.Parameter(torch.zeros(n_heads, d_model // n_heads))
        self.norm = HeadNorm(n_heads, d_model)
        self.out = nn.Linear(d_model, d_model, bias=False)

    def decays(self, xw):
        return torch.exp(-torch.exp(self.decay_base + self.decay_up(torch.tanh(self.decay_down(xw)))))

    def forward(self, x, state):
        (xr, xk, xv, xg, xw), shift_state = self.mix(x, None if state is None else state[0])
        r, k, v = (split_heads(proj(m), self.n_heads) for proj, m in zip(self.rkvg, (xr, xk, xv)))
        alpha = split_heads(self.decays(xw), self.n_heads)
        y, wkv_state = ops.gated_linear_attention(r, k, v, alpha, self.bonus, return_state=True,
                                                  initial_state=None if state is None else state[1],
                                                  mode=mode_for(x))
        return self.out(self.norm(merge_heads(y)) * F.silu(self.rkvg[3](xg))), (shift_state, wkv_state)

    def transition(self, x):
        previous, _ = self.mix.shift(x, None)
        return self.decays(previous + self.mix.mu[4] * (x - previous))


class RWKV4(LayerStack):
    LAW = RWKV4TimeMix.LAW

    def __init__(self, in_vocab, out_vocab, *, d_model: int = 32, n_layers: int = 1) -> None:
        super().__init__(in_vocab, out_vocab, d_model, [
            sub for _ in range(n_layers) for sub in (RWKV4TimeMix(d_model), ChannelMix(d_model))])


class RWKV6(LayerStack):
    LAW = RWKV6TimeMix.LAW

    def __init__(self, in_vocab, out_vocab, *, d_model: int = 32, n_layers: int = 1, n_heads: int = 4) -> None:
        super().__init__(in_vocab, out_vocab, d_model, [
            sub for _ in range(n_layers) for sub in (RWKV6TimeMix(d_model, n_heads), ChannelMix(d_model))])
