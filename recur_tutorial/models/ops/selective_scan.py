"""Mamba's selective scan (Gu & Dao 2023), a diagonal linear RNN with input-dependent step Δ_t.

    h_t = ā_t ⊙ h_{t−1} + Δ_t B_t x_t,   y_t = C_t · h_t + D x_t       (h_t: E × N per sequence)
    ā_t = exp(Δ_t A) ∈ (0, 1)          with A < 0, Δ_t > 0
    ā_t = 2 exp(Δ_t A) − 1 ∈ (−1, 1)   with ``negative_eigenvalues`` (Grazzi et al. 2025)

The recurrent form runs :func:`diagonal_linear_rnn`'s recurrent form on ā and Δ B x, one channel
pair (e, n) at a time. The chunked form runs its chunked scan inside one autograd node, because the
B × T × E × N tensors (ā, the drive, the states) are what costs time: it makes as few of them as it
can (the states are written over the drive) and computes its gradients itself. With u = Δ x and G
the gradient reaching the states (the diagonal RNN's reverse scan, fed ∂L/∂h_ten = ∂L/∂y_te C_tn):

    ∂L/∂C_tn = Σ_e ∂L/∂y_te h_ten,   ∂L/∂u_te = Σ_n G_ten B_tn,   ∂L/∂B_tn = Σ_e G_ten u_te,
    Z_ten = ∂L/∂(Δ_te A_en) = G_ten h_{t−1,en} ∂ā_ten/∂(Δ_te A_en),
    ∂ā/∂(ΔA) = ā   (2 exp(ΔA) = ā + 1 with negative eigenvalues),
    ∂L/∂A_en = Σ_{b,t} Z_ten Δ_te,   ∂L/∂Δ_te = Σ_n Z_ten A_en + x_te ∂L/∂u_te.
"""

from __future__ import annotations

import math

import torch
from torch.autograd.function import once_differentiable

from ._common import check_inputs, check_mode, result
from .diagonal import default_chunk_size, diagonal_linear_rnn, scan, transition_gradient


def selective_scan(x, delta, A, B, C, D, *, negative_eigenvalues=False, initial_state=None,
                   return_state=False, mode="chunked", chunk_size=None):
    """x, delta: B × T × E; A: E × N; B, C: B × T × N; D: E → y: B × T × E (state h: B × E × N)."""
    check_mode(mode, chunk_size)
    check_inputs("selective_scan", x=(x, "B T E"), delta=(delta, "B T E"), A=(A, "E N"), B=(B, "B T N"),
                 C=(C, "B T N"), D=(D, "E"), initial_state=(initial_state, "B E N"))
    if mode == "recurrent":
        states, last = diagonal_linear_rnn(transition(delta, A, negative_eigenvalues), drive(delta * x, B),
                                           initial_state=initial_state, return_state=True, mode=mode)
        y = sum_over_n(states, C)
    else:
        state = initial_state if initial_state is not None else x.new_zeros(x.shape[0], *A.shape)
        y, last = _ChunkedSelectiveScan.apply(delta, A, delta * x, B, C, state, negative_eigenvalues,
                                              chunk_size or default_chunk_size(x.shape[1]))
    return result(y + D * x, last, return_state)


def transition(delta, A, negative_eigenvalues, out=None):
    """ā_ten = exp(Δ_te A_en), or 2 exp(Δ_te A_en) − 1 = expm1(Δ_te A_en + ln 2) (in place,
    and still differentiable): B × T × E × N, written into ``out`` if given."""
    exponent = torch.mul(delta[..., None], A, out=out)
    return exponent.add_(math.log(2)).expm1_() if negative_eigenvalues else exponent.exp_()


def drive(u, B):
    """u_te B_tn: B × T × E × N."""
    return u[..., None] * B[:, :, None, :]


def sum_over_n(h, c):
    """Σ_n h_ten c_tn: B × T × E (a batched 1 × N by N × E product, much faster than the einsum's)."""
    return (c[:, :, None, :] @ h.transpose(-1, -2)).squeeze(2)


def sum_over_e(v, h):
    """Σ_e v_te h_ten: B × T × N."""
    return (v[:, :, None, :] @ h).squeeze(2)


class _ChunkedSelectiveScan(torch.autograd.Function):
    """(Δ, A, u = Δ x, B, C, h_0) ↦ (Σ_n C_tn h_tn, h_T) by :func:`scan`; backward: the module docstring."""

    @staticmethod
    def forward(ctx, delta, A, u, B, C, initial_state, negative_eigenvalues, chunk_size):
        transitions = delta.new_empty(delta.shape[0], delta.shape[1] + 1, *A.shape)  # ā_1 … ā_T, 1
        transitions[:, -1] = 1.0
        a = transition(delta, A, negative_eigenvalues, out=transitions[:, :-1])
        states = scan(a, drive(u, B), initial_state, chunk_size, overwrite=True)
        ctx.save_for_backward(delta, A, u, B, C, initial_state, transitions, states)
        ctx.negative_eigenvalues, ctx.chunk_size = negative_eigenvalues, chunk_size
        return sum_over_n(states, C), states[:, -1].clone()

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_y, grad_last):
        delta, A, u, B, C, initial_state, transitions, states = ctx.saved_tensors
        a, following = transitions[:, :-1], transitions[:, 1:]  # ā_t and ā_{t+1}
        total = scan(following, drive(grad_y, C), grad_last, ctx.chunk_size, reverse=True, overwrite=True)  # G
        grad_u, grad_B, grad_initial = sum_over_n(total, B), sum_over_e(u, total), a[:, 0] * total[:, 0]
        exponent = transition_gradient(total, states, initial_state, out=total)  # ∂L/∂ā, over G
        if ctx.negative_eigenvalues:  # Z = ∂L/∂ā ⊙ (ā + 1)
            exponent.addcmul_(exponent, a)
        else:  # Z = ∂L/∂ā ⊙ ā
            exponent.mul_(a)
        grad_A = (exponent * delta[..., None]).sum(1).sum(0)  # not into ā: saved tensors stay intact; T first is fast
        grad_delta = sum_over_n(exponent.mul_(A), torch.ones_like(C))  # Σ_n Z_ten A_en
        return grad_delta, grad_A, grad_u, grad_B, sum_over_e(grad_y, states), grad_initial, None, None
