"""Retention (Sun et al. 2023), RetNet's recurrence: linear attention with a fixed decay per head.

    S_t = γ S_{t−1} + k_t ⊗ v_t,   y_t = q_tᵀ S_t = Σ_{i ≤ t} γ^{t−i} (q_t · k_i) v_i

with γ ∈ (0, 1) per head: the transition is γ I. Both forms are :func:`decay_attention`'s.
"""

from __future__ import annotations

from ...errors import ConfigError
from ._common import check_inputs
from .decay_attention import decay_attention


def retention(q, k, v, gamma, *, initial_state=None, return_state=False, mode="chunked", chunk_size=16):
    """q, k: B × H × T × K; v: B × H × T × V; gamma: H → y: B × H × T × V (state S: B × H × K × V)."""
    check_inputs("retention", q=(q, "B H T K"), k=(k, "B H T K"), v=(v, "B H T V"), gamma=(gamma, "H"),
                 initial_state=(initial_state, "B H K V"))
    if not bool(((gamma > 0) & (gamma <= 1)).all()):  # the message is built only when it is needed
        raise ConfigError(f"retention: every decay gamma must lie in (0, 1], got {gamma.tolist()}")
    log_gamma = gamma.log()[None, :, None, None]  # constant in time: every chunk's decays are alike
    return decay_attention(q, k, v, log_gamma, initial_state=initial_state, return_state=return_state,
                           mode=mode, chunk_size=chunk_size)
