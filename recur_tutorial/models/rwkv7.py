"""RWKV-7 "Goose" (Peng et al. 2025): the generalised delta rule with a vector decay, then channel mixing.

Time mixing, per head of width K (op :func:`~.ops.generalized_delta_rule`):

    x̃_* = μ_* ⊙ x_t + (1 − μ_*) ⊙ x_{t−1}                       (token shift, one μ per use)
    r, k, v = W_r x̃_r, W_k x̃_k, W_v x̃_v
    w_t = exp(−e^{−1/2} σ(w₀ + B_w tanh(A_w x̃_w))) ∈ (e^{−e^{−1/2}}, 1) ≈ (0.545, 1)   (decay)
    α_t = σ(a₀ + B_a A_a x̃_a) ∈ (0, 1)                          (in-context learning rate)
    κ̂_t = normalise(k ⊙ ξ) per head                              (removal key)
    k̃_t = k ⊙ (1 + (α_t − 1) ⊙ ζ)                               (replacement key)
    S_t = (diag(w_t) − (α_t ⊙ κ̂_t) κ̂_tᵀ) S_{t−1} + k̃_t ⊗ v_t,     y_t = S_tᵀ r_t
    out = W_o(((GroupNorm(y) + ((r ⊙ ρ ⊙ k̃)·1) v) ⊙ g)),  g = B_g σ(A_g x̃_g)   (per head: bonus ρ)

The transition diag(w_t) − diag(α_t) κ̂ κ̂ᵀ is similar to the symmetric diag(w_t) − uuᵀ with
u = √α_t ⊙ κ̂_t, so its eigenvalues are real, interlace with the w's, and are at least
min w_t − max α_t > e^{−e^{−1/2}} − 1 ≈ −0.455; with w and α uniform across channels the one along κ̂
is w − α. No eigenvalue reaches −1 in this parametrisation (the released one): a token read again
and again is an affine map whose negative eigenvalues all have modulus < 0.46, so the states it
produces converge instead of alternating for ever, which one layer needs for parity.

Simplified against the paper: no value residual from the first layer, static token-shift μ, and the
channel mixing is RWKV-4/6's (with a receptance gate) rather than RWKV-7's plain squared ReLU.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import check
from . import ops
from .layer_stack import HeadNorm, LayerStack, merge_heads, mode_for, split_heads
from .rwkv import ChannelMix, ShiftMix

DECAY_FLOOR = math.exp(-math.exp(-0.5))
"""e^{−e^{−1/2}} ≈ 0.545, the smallest decay w_t of RWKV-7's parametrisation."""


class LowRank(nn.Sequential):
    """x ↦ B f(A x) with A: d → r, B: r → d (RWKV's low-rank data-dependent terms)."""

    def __init__(self, d_model: int, rank: int, inner: nn.Module) -> None:
        super().__init__(nn.Linear(d_model, rank, bias=False), inner, nn.Linear(rank, d_model, bias=False))


class RWKV7TimeMix(nn.Module):
    LAW = "diag(w_t) − diag(α_t) κ̂ κ̂ᵀ, w_t ∈ (0.545, 1), α_t ∈ (0, 1): real eigenvalues in (−0.455, 1)"
    EIGENVALUE_FLOOR = DECAY_FLOOR - 1
    """The infimum of the transition's eigenvalues over the parametrisation's range: min w − max α."""

    def __init__(self, d_model: int, n_heads: int, rank: int = 8) -> None:
        super().__init__()
        check(d_model % n_heads == 0, f"d_model ({d_model}) must be a multiple of n_heads ({n_heads})")
        self.n_heads = n_heads
        self.mix = ShiftMix(d_model, 6)  # r, w, k, v, a, g
        self.rkv = nn.ModuleList(nn.Linear(d_model, d_model, bias=False) for _ in range(3))
        self.decay_base = nn.Parameter(torch.linspace(-2, 2, d_model))
        self.decay = LowRank(d_model, rank, nn.Tanh())
        self.rate_base = nn.Parameter(torch.zeros(d_model))
        self.rate = LowRank(d_model, rank, nn.Identity())
        self.gate = LowRank(d_model, rank, nn.Sigmoid())
        self.removal_scale = nn.Parameter(torch.ones(d_model))  # ξ
        self.replacement_mix = nn.Parameter(torch.zeros(d_model))  # ζ
        self.bonus = nn.Parameter(torch.zeros(n_heads, d_model // n_heads))  # ρ
        self.norm = HeadNorm(n_heads, d_model)
        self.out = nn.Linear(d_model, d_model, bias=False)

    def parts(self, mixes):
        """Decay w, learning rate α, unit removal key κ̂ and the key k, each B × T × d."""
        _, xw, xk, _, xa, _ = mixes
        decay = torch.exp(-math.exp(-0.5) * torch.sigmoid(self.decay_base + self.decay(xw)))
        rate = torch.sigmoid(self.rate_base + self.rate(xa))
        k = self.rkv[1](xk)
        removal = F.normalize((k * self.removal_scale).unflatten(-1, (self.n_heads, -1)), dim=-1).flatten(-2)
        return decay, rate, removal, k

    def forward(self, x, state):
        mixes, shift_state = self.mix(x, None if state is None else state[0])
        decay, rate, removal, k = self.parts(mixes)
        replacement = k * (1 + (rate - 1) * self.replacement_mix)
        r, v = self.rkv[0](mixes[0]), self.rkv[2](mixes[3])
        heads = [split_heads(t, self.n_heads) for t in (r, replacement, v, decay, -rate * removal, removal)]
        y, wkv_state = ops.generalized_delta_rule(*heads, initial_state=None if state is None else state[1],
                                                  return_state=True, mode=mode_for(x))
        r, replacement, v = heads[:3]
        bonus = (r * self.bonus[:, None] * replacement).sum(-1, keepdim=True) * v
        y = self.norm(merge_heads(y)) + merge_heads(bonus)
        return self.out(y * self.gate(mixes[5])), (shift_state, wkv_state)

    def transition(self, x):
        """The real eigenvalues of diag(w) − uuᵀ (u = √α ⊙ κ̂) per head: B × T × d."""
        previous, _ = self.mix.shift(x, None)
        decay, rate, removal, _ = self.parts([previous + mu * (x - previous) for mu in self.mix.mu])
        w, u = (t.unflatten(-1, (self.n_heads, -1)) for t in (decay, rate.sqrt() * removal))
        return torch.linalg.eigvalsh(torch.diag_embed(w) - u[..., :, None] * u[..., None, :]).flatten(2)


class RWKV7(LayerStack):
    LAW = RWKV7TimeMix.LAW

    def __init__(self, in_vocab, out_vocab, *, d_model: int = 32, n_layers: int = 1, n_heads: int = 4) -> None:
        super().__init__(in_vocab, out_vocab, d_model, [
            sub for _ in range(n_layers) for sub in (RWKV7TimeMix(d_model, n_heads), ChannelMix(d_model))])
