"""Mamba's selective scan (Gu & Dao 2023), a diagonal linear RNN with input-dependent step Δ_t.

    h_t = ā_t ⊙ h_{t−1} + Δ_t B_t x_t,   y_t = C_t · h_t + D x_t       (h_t: E × N per sequence)
    ā_t = exp(Δ_t A) ∈ (0, 1)          with A < 0, Δ_t > 0
    ā_t = 2 exp(Δ_t A) − 1 ∈ (−1, 1)   with ``negative_eigenvalues`` (Grazzi et al. 2025)

Both forms run :func:`diagonal_linear_rnn` on ā and Δ B x, one channel pair (e, n) at a time.
"""

from __future__ import annotations

import torch

from ._common import result
from .diagonal import diagonal_linear_rnn


def selective_scan(x, delta, A, B, C, D, *, negative_eigenvalues=False, initial_state=None,
                   return_state=False, mode="chunked", chunk_size=None):
    """x, delta: B × T × E; A: E × N; B, C: B × T × N; D: E → y: B × T × E (state h: B × E × N)."""
    transition = torch.exp(delta[..., None] * A)
    if negative_eigenvalues:
        transition = 2 * transition - 1
    drive = (delta * x)[..., None] * B[:, :, None, :]
    states, last = diagonal_linear_rnn(transition, drive, initial_state=initial_state, return_state=True,
                                       mode=mode, chunk_size=chunk_size)
    y = torch.einsum("bten,btn->bte", states, C) + D * x
    return result(y, last, return_state)
