"""Linear attention (Katharopoulos et al. 2020), the Linear Transformer's recurrence.

    S_t = S_{t−1} + k_t ⊗ v_t,   z_t = z_{t−1} + k_t,   y_t = q_tᵀ S_t / (q_tᵀ z_t + ε)

q and k must already be non-negative feature maps, φ(x) = elu(x) + 1. The transition is the
identity: every eigenvalue is 1. The normaliser z is carried as one more value column (v_t, 1), so
both forms are those of :func:`decay_attention` without a decay.
"""

from __future__ import annotations

import torch

from ._common import check_inputs, result
from .decay_attention import decay_attention


def linear_attention(q, k, v, eps=1e-6, *, initial_state=None, return_state=False, mode="chunked",
                     chunk_size=16):
    """q, k: B × H × T × K (non-negative); v: B × H × T × V → y: B × H × T × V.

    The state is the pair (S: B × H × K × V, z: B × H × K).
    """
    check_inputs("linear_attention", q=(q, "B H T K"), k=(k, "B H T K"), v=(v, "B H T V"),
                 initial_state=(initial_state, ["B H K V", "B H K"]))
    fused = None if initial_state is None else torch.cat([initial_state[0], initial_state[1][..., None]], -1)
    out, fused = decay_attention(
        q, k, torch.cat([v, v.new_ones(*v.shape[:-1], 1)], -1), None,
        initial_state=fused, return_state=True, mode=mode, chunk_size=chunk_size,
    )
    y = out[..., :-1] / (out[..., -1:] + eps)
    return result(y, (fused[..., :-1], fused[..., -1]), return_state)
