"""The generalised delta rule: a diagonal-plus-rank-one transition (RWKV-7's, Peng et al. 2025).

    S_t = (diag(w_t) + a_t b_tᵀ) S_{t−1} + k_t ⊗ v_t,      y_t = S_tᵀ q_t       (S: K × V, S_0 = 0)

with w_t ∈ (0, 1]^K (a decay per key channel) and a_t, b_t, k_t any vectors. The transition
A_t = diag(w_t) + a_t b_tᵀ is diagonal plus rank one; its eigenvalues can be complex in general. Two
cases the zoo uses:

- RWKV-7: w_t its decay in (e^{−e^{−1/2}}, 1) ≈ (0.545, 1), a_t = −(α_t ⊙ κ̂_t), b_t = κ̂_t with κ̂_t a
  unit removal key and α_t ∈ (0, 1) its in-context learning rate. Then A_t = diag(w_t) − diag(α_t) κ̂ κ̂ᵀ
  is similar to the symmetric diag(w_t) − (√α_t ⊙ κ̂)(√α_t ⊙ κ̂)ᵀ, so its eigenvalues are real; with
  w and α uniform across channels they are w (K − 1 times) and w − α ∈ (−0.455, 1) along κ̂; in
  general they interlace with the w's (a symmetric rank-one downdate), the smallest ≥ min w − α_max.
- A gated delta step (:mod:`.delta_product`): w_t = g_t·1, a_t = −g_t β_t k_t, b_t = k_t: the
  eigenvalues g_t (1 − β_t) along k_t and g_t elsewhere.

Chunked form. Inside a chunk entered with state S₀, let Γ_t = w_1 ⊙ … ⊙ w_t (Γ_0 = 1) and
z_t = b_tᵀ S_{t−1} (a row of width V). Unrolling,

    S_t = diag(Γ_t) S₀ + Σ_{i≤t} diag(Γ_t / Γ_i) (a_i ⊗ z_i + k_i ⊗ v_i),

so z_t = (b_t ⊙ Γ_{t−1})ᵀ S₀ + Σ_{i<t} [(b_t ⊙ Γ_{t−1}/Γ_i)·a_i] z_i + [(b_t ⊙ Γ_{t−1}/Γ_i)·k_i] v_i:
a unit lower-triangular system (I − L) Z = B̃ S₀ + M V, solved for all chunks at once as
Z = W S₀ + Z̃. Each chunk's map S₀ ↦ S_C is then one K × K matrix and one write, run chunk after
chunk; the outputs follow from the same decomposition. The ratios Γ_t/Γ_i (i ≤ t) are taken as
exp(log Γ_t − log Γ_i) with an exponent ≤ 0, so small decays underflow to 0 and nothing overflows;
where a chunk's decays multiply to at least e^{−60} the same sums are one matrix product of the two
sides scaled by Γ and 1/Γ, which fit float32.
"""

from __future__ import annotations

import torch

from ._common import causal_mask, check_inputs, check_mode, check_range, chunked, result, unchunked


def generalized_delta_rule(q, k, v, w, a, b, *, initial_state=None, return_state=False, mode="chunked",
                           chunk_size=16):
    """q, k, a, b: B × H × T × K; w: B × H × T × K or B × H × T × 1 (one decay for every channel, as a
    gate); v: B × H × T × V → y: B × H × T × V; w in [0, 1].

    The state is S: B × H × K × V. ``w`` is clamped away from 0 before its logarithm is taken.
    """
    check_mode(mode, chunk_size)
    check_inputs("generalized_delta_rule", q=(q, "B H T K"), k=(k, "B H T K"), v=(v, "B H T V"),
                 w=(w, ("B H T K", "B H T 1")), a=(a, "B H T K"), b=(b, "B H T K"),
                 initial_state=(initial_state, "B H K V"))
    check_range("generalized_delta_rule", "w", w, 0.0, 1.0, "[0, 1]")
    batch, heads, _, width = q.shape
    state = initial_state if initial_state is not None else q.new_zeros(batch, heads, width, v.shape[-1])
    if mode == "recurrent":
        y, state = _recurrent(q, k, v, w, a, b, state)
    else:
        y, state = _chunked(q, k, v, w, a, b, state, chunk_size)
    return result(y, state, return_state)


def _recurrent(q, k, v, w, a, b, state):
    outputs = []
    for query, key, value, decay, left, right in zip(*(x.unbind(2) for x in (q, k, v, w, a, b))):
        removed = torch.einsum("bhk,bhkv->bhv", right, state)  # z_t = b_tᵀ S_{t−1}
        state = (decay[..., None] * state + left[..., None] * removed[..., None, :]
                 + key[..., None] * value[..., None, :])
        outputs.append(torch.einsum("bhk,bhkv->bhv", query, state))
    return torch.stack(outputs, 2), state


def _chunked(q, k, v, w, a, b, state, chunk_size):
    length = q.shape[2]
    size = min(chunk_size, length)
    log_w = w.clamp_min(torch.finfo(w.dtype).tiny).log()
    q, k, v, a, b = (chunked(x, 2, size) for x in (q, k, v, a, b))  # B H n C ·
    log_gamma = chunked(log_w, 2, size).cumsum(3)  # log Γ_t, padding w = 1
    before = torch.cat([torch.zeros_like(log_gamma[..., :1, :]), log_gamma[..., :-1, :]], 3)  # log Γ_{t−1}
    strict, inclusive = causal_mask(size, q, strict=True), causal_mask(size, q)
    lower, onto_values = (decayed_products(b, before, x, log_gamma, strict) for x in (a, k))  # L, M
    system = torch.eye(size, dtype=q.dtype, device=q.device) - lower
    rhs = torch.cat([b * before.exp(), onto_values @ v], -1)  # [B̃ | M V]
    solved = torch.linalg.solve_triangular(system, rhs, upper=False, unitriangular=True)
    w_map, z_free = solved.split([k.shape[-1], v.shape[-1]], -1)  # Z = W S₀ + Z̃
    last = log_gamma[..., -1:, :]
    to_end = (last - log_gamma).exp()  # Γ_C / Γ_i: B H n C K
    left_end, keys_end = (to_end * a).transpose(-1, -2), (to_end * k).transpose(-1, -2)  # K × C
    transitions = torch.diag_embed(last[..., 0, :].exp().expand(*a.shape[:3], a.shape[-1])) + left_end @ w_map
    writes = left_end @ z_free + keys_end @ v  # B H n K V
    entering = [state.flatten(0, 1)]
    for transition, write in zip(transitions.flatten(0, 1).unbind(1), writes.flatten(0, 1).unbind(1)):
        entering.append(torch.baddbmm(write, transition, entering[-1]))
    entering = torch.stack(entering, 1).unflatten(0, state.shape[:2])  # B H n+1 K V
    start = entering[:, :, :-1]
    z = w_map @ start + z_free
    on_left, on_keys = (decayed_products(q, log_gamma, x, log_gamma, inclusive) for x in (a, k))
    y = (q * log_gamma.exp()) @ start + on_left @ z + on_keys @ v
    return unchunked(y, 2, length), entering[:, :, -1]


FACTOR_RANGE = 60.0
"""Where a chunk's decays multiply to at least e^{−60}, Γ and 1/Γ both fit float32 (e^{±60} ≈ 1e±26)."""


def decayed_products(left, left_log, right, right_log, mask):
    """Σ_k left_tk e^{left_log_tk − right_log_ik} right_ik where ``mask`` (C × C) allows (i, t), else 0.

    With every chunk's decays multiplying to at least e^{−60} (RWKV-7's w > 0.545 over 16 steps gives
    e^{−9.7}), as one matrix product of the two sides each scaled by its own e^{±log Γ}; otherwise with
    the ratio per pair, e^{left_log − right_log} ≤ 1, taken inside (C × C × K, several times slower).
    """
    if bool(right_log.amin() > -FACTOR_RANGE):
        return ((left * left_log.exp()) @ (right * (-right_log).exp()).transpose(-1, -2)) * mask
    ratio = (left_log[..., :, None, :] - right_log[..., None, :, :]).masked_fill(~mask.bool()[..., None], float("-inf"))
    return (left[..., :, None, :] * ratio.exp() * right[..., None, :, :]).sum(-1)
