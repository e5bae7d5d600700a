"""The diagonal linear RNN: h_t = a_t ⊙ h_{t−1} + b_t, elementwise, the transition diag(a_t).

With a_t ∈ (0, 1) the state can only shrink towards, or grow along, the input; with a_t ∈ (−1, 1)
(Grazzi et al. 2025) it can also flip sign, which is what parity needs: a(1) = −1, b(1) = 1,
a(0) = 1, b(0) = 0 keeps h_t = ±… exactly.

The chunked form is a two-level scan that only ever multiplies transitions (no logarithms, no
division, so negative and zero a_t are fine and nothing overflows). Time is cut into chunks of C:

1. inside every chunk at once, the scan from a zero state (C vectorised steps), and the running
   product P_t = a_1 ⋯ a_t of the chunk's transitions;
2. from chunk to chunk, the state entering each chunk (T / C steps on one state each);
3. h_t = (local scan)_t + P_t ⊙ h_entering.

That is about 2√T sequential steps instead of T (C defaults to ⌈√T⌉).
"""

from __future__ import annotations

import math

import torch

from ._common import check_mode, chunked, result, unchunked


def diagonal_linear_rnn(a, b, *, initial_state=None, return_state=False, mode="chunked", chunk_size=None):
    """a, b: B × T × … (same shape) → every state h: B × T × …, and the last one (B × …) on request.

    ``initial_state`` is h_0 (zero by default).
    """
    check_mode(mode, chunk_size)
    state = initial_state if initial_state is not None else a.new_zeros(a.shape[:1] + a.shape[2:])
    if mode == "recurrent":
        states = []
        for step, drive in zip(a.unbind(1), b.unbind(1)):
            state = step * state + drive
            states.append(state)
        return result(torch.stack(states, 1), state, return_state)
    return _chunked(a, b, state, chunk_size or math.isqrt(a.shape[1] - 1) + 1, return_state)


def _chunked(a, b, state, chunk_size, return_state):
    length = a.shape[1]
    a, b = chunked(a, 1, chunk_size, value=1.0), chunked(b, 1, chunk_size)  # B n C …
    local, products = [], []
    h, product = torch.zeros_like(b[:, :, 0]), torch.ones_like(a[:, :, 0])
    for step, drive in zip(a.unbind(2), b.unbind(2)):
        h, product = step * h + drive, product * step
        local.append(h)
        products.append(product)
    entering = []
    for step, drive in zip(products[-1].unbind(1), local[-1].unbind(1)):
        entering.append(state)
        state = step * state + drive
    states = torch.stack(local, 2) + torch.stack(products, 2) * torch.stack(entering, 1)[:, :, None]
    return result(unchunked(states, 1, length), state, return_state)
