"""DeltaProduct (Siems et al. 2025): n_h delta-rule steps per token, optionally after a gate.

Per token t, with state S (K × V):

    S ← g_t S                                              (when a gate is given, g_t ∈ (0, 1])
    S ← (I − β_{t,j} k_{t,j} k_{t,j}ᵀ) S + β_{t,j} k_{t,j} ⊗ v_{t,j}      for j = 1 … n_h
    y_t = S_tᵀ q_t                                                    (‖k_{t,j}‖ = 1)

The token's transition is g_t ∏_j (I − β_{t,j} k_{t,j} k_{t,j}ᵀ), a product of n_h generalised
Householder reflections: identity plus rank n_h. Each factor has eigenvalue 1 − β_{t,j} along
k_{t,j} and 1 elsewhere, so its spectral norm is ≤ 1 for β ∈ [0, 2]; the product's eigenvalues lie in
the closed disc of radius g_t and may be complex (two reflections with β = 2 compose a rotation, the
S₃ construction of Siems et al.). β ∈ (0, 1) keeps each factor's eigenvalues in (0, 1], β ∈ (0, 2)
puts them in (−1, 1] (Grazzi et al. 2025). n_h = 1 with a gate is Gated DeltaNet (Yang, Kautz &
Hatamizadeh 2025), n_h = 1 without one is :func:`.delta_rule`.

Chunked form: every Householder step is a step of :func:`.generalized_delta_rule` with one decay
per head, w = g_t on the token's first step (1 on the others), a = −w β k, b = k and write β k ⊗ v,
on a sequence of T·n_h steps, read (q_t) on each token's last step.
"""

from __future__ import annotations

import torch

from ._common import check_inputs, check_mode, check_range, result
from .generalized_delta import generalized_delta_rule


def delta_product(q, k, v, beta, gate=None, *, initial_state=None, return_state=False, mode="chunked",
                  chunk_size=16):
    """q: B × H × T × K; k: B × H × T × N × K (unit norm); v: B × H × T × N × V; beta: B × H × T × N;
    gate: B × H × T in (0, 1] or None → y: B × H × T × V. The state is S: B × H × K × V."""
    check_mode(mode, chunk_size)
    check_inputs("delta_product", q=(q, "B H T K"), k=(k, "B H T N K"), v=(v, "B H T N V"),
                 beta=(beta, "B H T N"), gate=(gate, "B H T"), initial_state=(initial_state, "B H K V"))
    check_range("delta_product", "gate", gate, torch.finfo(q.dtype).tiny, 1.0, "(0, 1]")
    batch, heads, _, width = q.shape
    state = initial_state if initial_state is not None else q.new_zeros(batch, heads, width, v.shape[-1])
    if mode == "recurrent":
        y, state = _recurrent(q, k, v, beta, gate, state)
        return result(y, state, return_state)
    steps = k.shape[3]
    w = torch.ones_like(k[..., :1])  # one decay per head: B H T N 1
    if gate is not None:
        w = torch.cat([gate[..., None, None], w[..., 1:, :]], 3)
    reads = torch.cat([torch.zeros_like(k[..., 1:, :]), q[..., None, :]], 3)  # q_t on the last step only
    y, state = generalized_delta_rule(*(x.flatten(2, 3) for x in (reads, beta[..., None] * k, v, w,
                                                                  -w * beta[..., None] * k, k)),
                                      initial_state=state, return_state=True, mode="chunked", chunk_size=chunk_size)
    return result(y[:, :, steps - 1 :: steps], state, return_state)


def _recurrent(q, k, v, beta, gate, state):
    outputs = []
    gates = gate.unbind(2) if gate is not None else [None] * q.shape[2]
    for query, keys, values, rates, g in zip(q.unbind(2), k.unbind(2), v.unbind(2), beta.unbind(2), gates):
        if g is not None:
            state = g[..., None, None] * state
        for key, value, rate in zip(keys.unbind(2), values.unbind(2), rates.unbind(2)):
            written = rate[..., None] * (value - torch.einsum("bhk,bhkv->bhv", key, state))
            state = state + key[..., None] * written[..., None, :]
        outputs.append(torch.einsum("bhk,bhkv->bhv", query, state))
    return torch.stack(outputs, 2), state
