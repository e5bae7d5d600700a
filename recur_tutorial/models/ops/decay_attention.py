"""Linear attention with a diagonal decay, the core that four ops share.

    S_t = diag(α_t) S_{t−1} + k_t ⊗ v_t                      (S: K × V per batch and head)
    y_t = q_tᵀ S_t                                            (``u`` is None: inclusive)
    y_t = q_tᵀ (S_{t−1} + diag(u) k_t ⊗ v_t)                  (RWKV-6 bonus ``u``)

The decay is given as ``log_alpha`` (≤ 0), of shape B × H × T × K (one rate per key channel, GLA and
RWKV-6) or B × H × T × 1 (one per head, retention; zero for plain linear attention).

The chunked form splits time into chunks of C steps. With c_t the cumulative log-decay inside the
chunk (relative to its start) and c'_t the one that the query reads (c_t, or c_{t−1} with the bonus):

    y_t = (q_t ⊙ e^{c'_t}) S_in + Σ_{i ≤ t in chunk} (Σ_k q_tk k_ik e^{c'_tk − c_ik}) v_i
    S_out = diag(e^{c_C}) S_in + Σ_i (k_i ⊙ e^{c_C − c_i}) ⊗ v_i

Every exponent is a sum of log-decays over a stretch of time, hence ≤ 0: nothing overflows, whatever
the length. The chunks' own terms are computed for all chunks at once; only the K × V state is
carried from chunk to chunk in a loop of T / C steps.

With a decay per channel the pairwise factor e^{c'_tk − c_ik} would be C × C × K per chunk. Instead the
chunk is halved, and the halves halved, down to leaves of s steps (``LEAF``, or odd): only pairs in
one leaf use the pairwise factor. A pair i < t in different leaves is split where the smallest block
holding both is halved, at the cumulative decay m of the end of its first half (i ≤ m's step < t):

    e^{c'_tk − c_ik} = e^{c'_tk − m_k} · e^{m_k − c_ik},   both exponents ≤ 0,

so each of the log₂(C / s) levels is two matrix products of rescaled queries and keys, per block.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ._common import check_mode, chunked, result, unchunked

LEAF = 2
"""With a decay per channel, chunks are halved down to leaves of at most this many steps (tuned on CPU)."""


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
    outputs = []
    for query, key, value, alpha in zip(q.unbind(2), k.unbind(2), v.unbind(2), log_alpha.exp().unbind(2)):
        write = key[..., None] * value[..., None, :]
        if u is not None:
            outputs.append(torch.einsum("bhk,bhkv->bhv", query, state + u[..., None] * write))
        state = alpha[..., None] * state + write
        if u is None:
            outputs.append(torch.einsum("bhk,bhkv->bhv", query, state))
    return torch.stack(outputs, 2), state


def _chunked(q, k, v, log_alpha, u, state, chunk_size):
    length = q.shape[2]
    size = min(chunk_size, length)
    q, k, v, log_alpha = (chunked(x, 2, size) for x in (q, k, v, log_alpha))  # B H n C ·
    c = log_alpha.cumsum(3)
    c_query = c if u is None else c - log_alpha  # with the bonus, y_t reads S_{t−1}
    leaf = size
    while log_alpha.shape[-1] > 1 and leaf % 2 == 0 and leaf > LEAF:
        leaf //= 2
    y = _within_leaves(q, k, v, c_query, c, leaf, strict=u is not None)
    half = leaf
    while half < size:
        y = y + _across_halves(q, k, v, c_query, c, half)
        half *= 2
    if u is not None:
        y = y + (q * u[:, None, None, :] * k).sum(-1, keepdim=True) * v
    end = c[..., -1:, :]
    updates = (k * (end - c).exp()).transpose(-1, -2) @ v  # B H n K V
    decays = end.transpose(-1, -2).exp()  # B H n (K or 1) 1
    entering = []
    for decay, update in zip(decays.unbind(2), updates.unbind(2)):
        entering.append(state)
        state = decay * state + update
    y = y + (q * c_query.exp()) @ torch.stack(entering, 2)
    return unchunked(y, 2, length), state


def _within_leaves(q, k, v, c_query, c, leaf, strict):
    """Σ_{i ≤ t (i < t if ``strict``), same leaf} (Σ_k q_tk k_ik e^{c'_tk − c_ik}) v_i: B H n C V."""
    q, k, v, c_query, c = (x.unflatten(3, (-1, leaf)) for x in (q, k, v, c_query, c))  # B H n m s ·
    position = torch.arange(leaf, device=q.device)
    hidden = position[:, None] <= position[None, :] if strict else position[:, None] < position[None, :]
    exponent = (c_query[..., :, None, :] - c[..., None, :, :]).masked_fill(hidden[..., None], float("-inf"))
    if c.shape[-1] == 1:
        scores = (q @ k.transpose(-1, -2)) * exponent.squeeze(-1).exp()
    else:
        scores = (q[..., :, None, :] * k[..., None, :, :] * exponent.exp()).sum(-1)
    return (scores @ v).flatten(3, 4)


def _across_halves(q, k, v, c_query, c, half):
    """Σ_{i in the first half of t's block of 2·half steps} (Σ_k q_tk k_ik e^{c'_tk − c_ik}) v_i: B H n C V,
    zero in the first halves."""
    q, k, v, c_query, c = (x.unflatten(3, (-1, 2, half)) for x in (q, k, v, c_query, c))  # B H n p 2 h ·
    middle = c[..., 0, -1:, :]  # the cumulative decay at the end of the first half
    queries = q[..., 1, :, :] * (c_query[..., 1, :, :] - middle).exp()
    keys = k[..., 0, :, :] * (middle - c[..., 0, :, :]).exp()
    y = (queries @ keys.transpose(-1, -2)) @ v[..., 0, :, :]  # B H n p h V
    return F.pad(y, (0, 0, half, 0)).flatten(3, 4)
