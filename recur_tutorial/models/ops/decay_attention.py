"""Linear attention with a diagonal decay, the core that four ops share.

    S_t = diag(α_t) S_{t−1} + k_t ⊗ v_t                      (S: K × V per batch and head)
    y_t = q_tᵀ S_t                                            (``u`` is None: inclusive)
    y_t = q_tᵀ (S_{t−1} + diag(u) k_t ⊗ v_t)                  (RWKV-6 bonus ``u``)

The decay is given as ``log_alpha`` (≤ 0), of shape B × H × T × K (one rate per key channel, GLA and
RWKV-6) or B × H × T × 1 (one per head, retention; zero for plain linear attention).

The chunked form splits time into chunks of C steps. With c_t the cumulative log-decay inside the
chunk (relative to its start, so no exponential ever exceeds 1):

    y_t = (q_t ⊙ e^{c_t}) S_in + Σ_{i ≤ t in chunk} (Σ_k q_tk k_ik e^{c_tk − c_ik}) v_i
    S_out = diag(e^{c_C}) S_in + Σ_i (k_i ⊙ e^{c_C − c_i}) ⊗ v_i

Every exponent is a sum of log-decays over a stretch of time, hence ≤ 0: nothing overflows, whatever
the length. The chunks' own terms are computed for all chunks at once; only the K × V state is
carried from chunk to chunk in a loop of T / C steps.
"""

from __future__ import annotations

import torch

from ._common import check_mode, chunked, result, unchunked


def decay_attention(q, k, v, log_alpha, u=None, *, initial_state=None, return_state=False,
                    mode="chunked", chunk_size=32):
    """q, k: B × H × T × K; v: B × H × T × V; log_alpha: B × H × T × (K or 1); u: H × K or None.

    Returns y (B × H × T × V), and the final state S (B × H × K × V) when ``return_state``.
    """
    check_mode(mode, chunk_size)
    batch, heads, _, width = q.shape
    state = initial_state if initial_state is not None else q.new_zeros(batch, heads, width, v.shape[-1])
    form = _recurrent if mode == "recurrent" else _chunked
    y, state = form(q, k, v, log_alpha, u, state, chunk_size)
    return result(y, state, return_state)


def _recurrent(q, k, v, log_alpha, u, state, chunk_size):
    alpha = log_alpha.exp()
    outputs = []
    for t in range(q.shape[2]):
        write = k[:, :, t, :, None] * v[:, :, t, None, :]
        if u is not None:
            outputs.append(torch.einsum("bhk,bhkv->bhv", q[:, :, t], state + u[..., None] * write))
        state = alpha[:, :, t, :, None] * state + write
        if u is None:
            outputs.append(torch.einsum("bhk,bhkv->bhv", q[:, :, t], state))
    return torch.stack(outputs, 2), state


def _chunked(q, k, v, log_alpha, u, state, chunk_size):
    length = q.shape[2]
    size = min(chunk_size, length)
    q, k, v, log_alpha = (chunked(x, 2, size) for x in (q, k, v, log_alpha))  # B H n C ·
    c = log_alpha.cumsum(3)
    c_query = c if u is None else c - log_alpha  # with the bonus, y_t reads S_{t−1}
    position = torch.arange(size, device=q.device)
    visible = position[:, None] >= position[None, :] if u is None else position[:, None] > position[None, :]
    exponent = (c_query[..., :, None, :] - c[..., None, :, :]).masked_fill(~visible[..., None], float("-inf"))
    if log_alpha.shape[-1] == 1:
        scores = (q @ k.transpose(-1, -2)) * exponent.squeeze(-1).exp()
    else:
        scores = torch.einsum("bhntk,bhnik,bhntik->bhnti", q, k, exponent.exp())
    y = scores @ v
    if u is not None:
        y = y + (q * u[:, None, None, :] * k).sum(-1, keepdim=True) * v
    end = c[..., -1:, :]
    updates = (k * (end - c).exp()).transpose(-1, -2) @ v  # B H n K V
    decays = end.squeeze(-2).exp()[..., None]  # B H n (K or 1) 1
    entering = []
    for j in range(q.shape[2]):
        entering.append(state)
        state = decays[:, :, j] * state + updates[:, :, j]
    y = y + (q * c_query.exp()) @ torch.stack(entering, 2)
    return unchunked(y, 2, length), state
