"""The diagonal linear RNN: h_t = a_t ⊙ h_{t−1} + b_t, elementwise, the transition diag(a_t).

With a_t ∈ (0, 1) the state can only shrink towards, or grow along, the input; with a_t ∈ (−1, 1)
(Grazzi et al. 2025) it can also flip sign, which is what parity needs: a(1) = −1, b(1) = 1,
a(0) = 1, b(0) = 0 keeps h_t = ±… exactly.

The chunked form is a two-level scan that only ever multiplies transitions (no logarithms, no
division, so negative and zero a_t are fine and nothing overflows). Time is cut into chunks of C:

1. inside every chunk at once, the scan from a zero state (C vectorised steps), keeping its last
   state, and the product of the chunk's transitions;
2. from chunk to chunk, the state entering each chunk (T / C steps on one state each);
3. inside every chunk at once, the scan again, now from the state entering it (C vectorised steps).

That is 2C + T / C sequential steps instead of T, about 3√T with the default C = ⌈√T⌉.

Its gradient is the same scan run backwards in time (the adjoint of a linear recurrence). With
g_t = ∂L/∂h_t from the outputs and g_last = ∂L/∂h_T from the returned final state, the total
gradient reaching h_t is

    G_t = g_t + a_{t+1} ⊙ G_{t+1}   (t = T … 1, from G_{T+1} = g_last and a_{T+1} = 1),

and then ∂L/∂b_t = G_t, ∂L/∂a_t = G_t ⊙ h_{t−1}, ∂L/∂h_0 = a_1 ⊙ G_1. The chunked form records
this as one autograd node (first-order only: differentiating the gradient again raises an error).
"""

from __future__ import annotations

import itertools
import math

import torch
from torch.autograd.function import once_differentiable

from ._common import check_inputs, check_mode, chunked, result, unchunked


def diagonal_linear_rnn(a, b, *, initial_state=None, return_state=False, mode="chunked", chunk_size=None):
    """a, b: B × T × … (same shape) → every state h: B × T × …, and the last one (B × …) on request.

    ``initial_state`` is h_0 (zero by default).
    """
    check_mode(mode, chunk_size)
    check_inputs("diagonal_linear_rnn", a=(a, "B T ..."), b=(b, "B T ..."), initial_state=(initial_state, "B ..."))
    state = initial_state if initial_state is not None else a.new_zeros(a.shape[:1] + a.shape[2:])
    if mode == "recurrent":
        states = []
        for step, drive in zip(a.unbind(1), b.unbind(1)):
            state = step * state + drive
            states.append(state)
        return result(torch.stack(states, 1), state, return_state)
    states, state = _ChunkedScan.apply(a, b, state, chunk_size or default_chunk_size(a.shape[1]))
    return result(states, state, return_state)


def default_chunk_size(length: int) -> int:
    """C = ⌈√T⌉."""
    return math.isqrt(length - 1) + 1


class _ChunkedScan(torch.autograd.Function):
    """(a, b, h_0) ↦ (every state h, the last one) by :func:`scan`; backward: G by :func:`scan` reversed."""

    @staticmethod
    def forward(ctx, a, b, initial_state, chunk_size):
        states = scan(a, b, initial_state, chunk_size)
        ctx.save_for_backward(a, initial_state, states)
        ctx.chunk_size = chunk_size
        return states, states[:, -1].clone()

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_states, grad_last):
        a, initial_state, states = ctx.saved_tensors
        following = torch.empty_like(a)  # a_{t+1}, and a_{T+1} = 1
        following[:, :-1], following[:, -1] = a[:, 1:], 1.0
        total = scan(following, grad_states, grad_last, ctx.chunk_size, reverse=True)  # G
        grad_a = transition_gradient(total, states, initial_state, out=following)  # its memory is free now
        return grad_a, total, a[:, 0] * total[:, 0], None


def transition_gradient(total, states, initial_state, out):
    """∂L/∂a_t = G_t ⊙ h_{t−1}, with h_0 the initial state, written into ``out`` (which may be G's)."""
    torch.mul(total[:, 1:], states[:, :-1], out=out[:, 1:])
    torch.mul(total[:, 0], initial_state, out=out[:, 0])
    return out


def scan(a, b, state, chunk_size, reverse=False, overwrite=False):
    """Every h_t = a_t ⊙ h_{t−1} + b_t (a, b: B × T × …) from h_0 = ``state`` (B × …), by chunks.

    With ``reverse`` time runs backwards: h_t = a_t ⊙ h_{t+1} + b_t from h_{T+1} = ``state``. With
    ``overwrite`` the states may be written over b. No autograd; the three stages of the module
    docstring, each step writing into preallocated tensors.
    """
    length = a.shape[1]
    # B × n × C × …; in the padding a = 1, b = 0, so h_t = h_{t−1}
    a, b = chunked(a, 1, chunk_size, value=1.0), chunked(b, 1, chunk_size)
    states = b if overwrite else torch.empty_like(b)  # stage 3 reads each b_t before writing h_t there
    order = slice(None, None, -1 if reverse else 1)  # of the views along time
    steps, drives, outs = (x.unbind(2)[order] for x in (a, b, states))
    local = drives[0].clone()  # 1. each chunk's scan from zero, keeping only its last state
    recur(steps[1:], drives[1:], local, itertools.repeat(local))
    entering = torch.empty_like(local)  # 2. the state entering each chunk
    into = entering.unbind(1)[order]
    into[0].copy_(state)
    recur(a.prod(2).unbind(1)[order][:-1], local.unbind(1)[order][:-1], state, into[1:])
    recur(steps, drives, entering, outs)  # 3. each chunk's scan from its entering state
    return unchunked(states, 1, length)


def recur(steps, drives, state, outs):
    """h ← step ⊙ h + drive for each step in turn, from h = ``state``, writing each h into the next of ``outs``."""
    for step, drive, out in zip(steps, drives, outs):
        state = torch.addcmul(drive, step, state, out=out)
