"""The delta rule (Schlag et al. 2021), DeltaNet's recurrence, with the chunked form of Yang et al. 2024.

    S_t = (I − β_t k_t k_tᵀ) S_{t−1} + β_t k_t ⊗ v_t = S_{t−1} + k_t ⊗ u_t,
    u_t = β_t (v_t − S_{t−1}ᵀ k_t),      y_t = S_tᵀ q_t                    (S: K × V, ‖k_t‖ = 1)

The transition I − β_t k_t k_tᵀ has eigenvalue 1 − β_t along k_t and 1 elsewhere: in (0, 1] for
β_t ∈ (0, 1), in (−1, 1] for β_t ∈ (0, 2) (Grazzi et al. 2025).

Chunked form: inside a chunk entered with state S₀, S_{t−1} = S₀ + Σ_{i<t} k_i ⊗ u_i, so the written
values solve a unit lower-triangular system, (I + L) U = diag(β)(V − K S₀) with
L_ti = β_t k_t · k_i for i < t. Hence U = Ũ − W S₀ with Ũ = (I + L)⁻¹ diag(β) V and
W = (I + L)⁻¹ diag(β) K, solved for all chunks at once; then Y = Q S₀ + tril(Q Kᵀ) U and
S_out = S₀ + Kᵀ U = (I − Kᵀ W) S₀ + Kᵀ Ũ. Only that last step runs chunk after chunk, one batched
matrix product each; everything else is a few batched products over all chunks at once.
"""

from __future__ import annotations

import torch

from ._common import causal_mask, check_inputs, check_mode, chunked, result, unchunked


def delta_rule(q, k, v, beta, *, initial_state=None, return_state=False, mode="chunked", chunk_size=32):
    """q, k: B × H × T × K (k unit-norm); v: B × H × T × V; beta: B × H × T → y: B × H × T × V.

    The state is S: B × H × K × V.
    """
    check_mode(mode, chunk_size)
    check_inputs("delta_rule", q=(q, "B H T K"), k=(k, "B H T K"), v=(v, "B H T V"), beta=(beta, "B H T"),
                 initial_state=(initial_state, "B H K V"))
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
    lower = (weighted @ k.transpose(-1, -2)) * causal_mask(size, q, strict=True)  # L
    system = torch.eye(size, dtype=q.dtype, device=q.device) + lower
    solved = torch.linalg.solve_triangular(system, torch.cat([weighted, beta[..., None] * v], -1), upper=False,
                                           unitriangular=True)  # [W | Ũ]: B H n C (K + V)
    w, u_free = solved.split([k.shape[-1], v.shape[-1]], -1)
    carried = k.transpose(-1, -2) @ solved  # Kᵀ [W | Ũ]: B H n K (K + V)
    transitions = torch.eye(k.shape[-1], dtype=q.dtype, device=q.device) - carried[..., : k.shape[-1]]
    writes = carried[..., k.shape[-1] :]
    entering = [state.flatten(0, 1)]
    for transition, write in zip(transitions.flatten(0, 1).unbind(1), writes.flatten(0, 1).unbind(1)):
        entering.append(torch.baddbmm(write, transition, entering[-1]))
    entering = torch.stack(entering, 1).unflatten(0, state.shape[:2])  # B H n+1 K V
    written = u_free - w @ entering[:, :, :-1]
    y = q @ entering[:, :, :-1] + ((q @ k.transpose(-1, -2)) * causal_mask(size, q)) @ written
    return unchunked(y, 2, length), entering[:, :, -1]
