"""The delta rule (Schlag et al. 2021), DeltaNet's recurrence, with the chunked form of Yang et al. 2024.

    S_t = (I − β_t k_t k_tᵀ) S_{t−1} + β_t k_t ⊗ v_t = S_{t−1} + k_t ⊗ u_t,
    u_t = β_t (v_t − S_{t−1}ᵀ k_t),      y_t = S_tᵀ q_t                    (S: K × V, ‖k_t‖ = 1)

The transition I − β_t k_t k_tᵀ has eigenvalue 1 − β_t along k_t and 1 elsewhere: in (0, 1] for
β_t ∈ (0, 1), in (−1, 1] for β_t ∈ (0, 2) (Grazzi et al. 2025).

Chunked form: inside a chunk entered with state S₀, S_{t−1} = S₀ + Σ_{i<t} k_i ⊗ u_i, so the written
values solve a unit lower-triangular system, (I + L) U = diag(β)(V − K S₀) with
L_ti = β_t k_t · k_i for i < t. Hence U = Ũ − W S₀ with Ũ = (I + L)⁻¹ diag(β) V and
W = (I + L)⁻¹ diag(β) K, solved for all chunks at once; then Y = Q S₀ + tril(Q Kᵀ) U and
S_out = S₀ + Kᵀ U, carrying only S from chunk to chunk.
"""

from __future__ import annotations

import torch

from ._common import check_mode, chunked, result, unchunked


def delta_rule(q, k, v, beta, *, initial_state=None, return_state=False, mode="chunked", chunk_size=32):
    """q, k: B × H × T × K (k unit-norm); v: B × H × T × V; beta: B × H × T → y: B × H × T × V.

    The state is S: B × H × K × V.
    """
    check_mode(mode, chunk_size)
    batch, heads, _, width = q.shape
    state = initial_state if initial_state is not None else q.new_zeros(batch, heads, width, v.shape[-1])
    form = _recurrent if mode == "recurrent" else _chunked
    y, state = form(q, k, v, beta, state, chunk_size)
    return result(y, state, return_state)


def _recurrent(q, k, v, beta, state, chunk_size):
    outputs = []
    for query, key, value, rate in zip(q.unbind(2), k.unbind(2), v.unbind(2), beta.unbind(2)):
        written = rate[..., None] * (value - torch.einsum("bhk,bhkv->bhv", key, state))
        state = state + key[..., None] * written[..., None, :]
        outputs.append(torch.einsum("bhk,bhkv->bhv", query, state))
    return torch.stack(outputs, 2), state


def _chunked(q, k, v, beta, state, chunk_size):
    length = q.shape[2]
    size = min(chunk_size, length)
    q, k, v, beta = (chunked(x, 2, size) for x in (q, k, v, beta))  # B H n C ·
    weighted = beta[..., None] * k
    system = torch.eye(size, dtype=q.dtype, device=q.device) + (weighted @ k.transpose(-1, -2)).tril(-1)
    w = torch.linalg.solve_triangular(system, weighted, upper=False, unitriangular=True)
    u_free = torch.linalg.solve_triangular(system, beta[..., None] * v, upper=False, unitriangular=True)
    entering, written = [], []
    for u_chunk, w_chunk, k_chunk in zip(u_free.unbind(2), w.unbind(2), k.unbind(2)):
        entering.append(state)
        written.append(u_chunk - w_chunk @ state)
        state = state + k_chunk.transpose(-1, -2) @ written[-1]
    y = q @ torch.stack(entering, 2) + (q @ k.transpose(-1, -2)).tril() @ torch.stack(written, 2)
    return unchunked(y, 2, length), state
