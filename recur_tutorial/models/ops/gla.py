"""Gated linear attention (Yang et al. 2024) and RWKV-6's time-mixing recurrence (Peng et al. 2024).

    S_t = diag(α_t) S_{t−1} + k_t ⊗ v_t,   α_t ∈ (0, 1)^K depends on the input
    GLA:    y_t = q_tᵀ S_t
    RWKV-6: y_t = q_tᵀ (S_{t−1} + diag(u) k_t ⊗ v_t)   (the current token enters through the bonus u)

The transition is diag(α_t): eigenvalues in (0, 1). Both forms are :func:`decay_attention`'s.
"""

from __future__ import annotations

import torch

from ._common import check_inputs
from .decay_attention import decay_attention


def gated_linear_attention(q, k, v, alpha, u=None, *, initial_state=None, return_state=False,
                           mode="chunked", chunk_size=16):
    """q, k, alpha: B × H × T × K; v: B × H × T × V; u: H × K or None → y: B × H × T × V.

    The state is S: B × H × K × V. ``alpha`` is clamped away from 0 before its logarithm is taken.
    """
    check_inputs("gated_linear_attention", q=(q, "B H T K"), k=(k, "B H T K"), v=(v, "B H T V"),
                 alpha=(alpha, "B H T K"), u=(u, "H K"), initial_state=(initial_state, "B H K V"))
    log_alpha = alpha.clamp_min(torch.finfo(alpha.dtype).tiny).log()
    return decay_attention(q, k, v, log_alpha, u, initial_state=initial_state, return_state=return_state,
                           mode=mode, chunk_size=chunk_size)
