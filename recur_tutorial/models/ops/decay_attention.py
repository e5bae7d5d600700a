"""Linear attention with a diagonal decay, the core that four ops share.

    S_t = diag(α_t) S_{t−1} + k_t ⊗ v_t                      (S: K × V per batch and head)
    y_t = q_tᵀ S_t                                            (``u`` is None: inclusive)
    y_t = q_tᵀ (S_{t−1} + diag(u) k_t ⊗ v_t)                  (RWKV-6 bonus ``u``)

The decay is given as ``log_alpha`` (≤ 0), of shape B × H × T × K (one rate per key channel, GLA and
RWKV-6), B × H × T × 1 (one per head), 1 × H × 1 × 1 (one per head, constant in time: retention), or
None (no decay: plain linear attention).

The chunked form splits time into chunks of C steps. With c_t the cumulative log-decay inside the
chunk (relative to its start) and c'_t the one that the query reads (c_t, or c_{t−1} with the bonus):

    y_t = (q_t ⊙ e^{c'_t}) S_in + Σ_{i ≤ t in chunk} (Σ_k q_tk k_ik e^{c'_tk − c_ik}) v_i
    S_out = diag(e^{c_C}) S_in + Σ_i (k_i ⊙ e^{c_C − c_i}) ⊗ v_i

Every exponent is a sum of log-decays over a stretch of time, hence ≤ 0: nothing overflows, whatever
the length. The chunks' own terms are computed for all chunks at once. The states entering the chunks
follow a diagonal linear recurrence over the T / C chunks, S_in(c + 1) = diag(e^{c_C}) S_in(c) + U_c
(U_c: the chunk's own sum above), run by the two-level scan of :func:`diagonal_linear_rnn`; without a
decay it is a cumulative sum. Masks multiply (a CPU computes that several times faster than ``tril``);
an exponent above the diagonal, which may be positive, is clamped to 0 before it is masked.

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

from ._common import causal_mask, check_inputs, check_mode, chunked, result, unchunked
from .diagonal import diagonal_linear_rnn

LEAF = 2
"""With a decay per channel, chunks are halved down to leaves of at most this many steps (tuned on CPU)."""


def decay_attention(q, k, v, log_alpha, u=None, *, initial_state=None, return_state=False,
                    mode="chunked", chunk_size=16):
    """q, k: B × H × T × K; v: B × H × T × V; log_alpha: B × H × T × (K or 1); u: H × K or None.

    Returns y (B × H × T × V), and the final state S (B × H × K × V) when ``return_state``.
    """
    check_mode(mode, chunk_size)
    check_inputs("decay_attention", q=(q, "B H T K"), k=(k, "B H T K"), v=(v, "B H T V"),
                 log_alpha=(log_alpha, ("B H T K", "B H T 1", "1 H 1 1")), u=(u, "H K"),
                 initial_state=(initial_state, "B H K V"))
    batch, heads, _, width = q.shape
    state = initial_state if initial_state is not None else q.new_zeros(batch, heads, width, v.shape[-1])
    form = _recurrent if mode == "recurrent" else _chunked
    y, state = form(q, k, v, log_alpha, u, state, chunk_size)
    return result(y, state, return_state)


def _recurrent(q, k, v, log_alpha, u, state, chunk_size):
    outputs = []
    steps = q.shape[2]
    alphas = [None] * steps if log_alpha is None else log_alpha.exp().expand(-1, -1, steps, -1).unbind(2)
    for query, key, value, alpha in zip(q.unbind(2), k.unbind(2), v.unbind(2), alphas):
        write = key[..., None] * value[..., None, :]
        if u is not None:
            outputs.append(torch.einsum("bhk,bhkv->bhv", query, state + u[..., None] * write))
        state = (state if alpha is None else alpha[..., None] * state) + write
        if u is None:
            outputs.append(torch.einsum("bhk,bhkv->bhv", query, state))
    return torch.stack(outputs, 2), state


def _chunked(q, k, v, log_alpha, u, state, chunk_size):
    length = q.shape[2]
    size = min(chunk_size, length)
    q, k, v = (chunked(x, 2, size) for x in (q, k, v))  # B H n C ·
    if log_alpha is None:
        y = _within_chunks_without_decay(q, k, v, strict=u is not None)
        updates = k.transpose(-1, -2) @ v  # B H n K V
        entering = state[:, :, None] + F.pad(updates.cumsum(2), (0, 0, 0, 0, 1, 0))  # B H n+1 K V
        reading = q
    else:
        if log_alpha.shape[2] == 1 and length % size == 0:  # constant in time: every chunk alike
            log_alpha = log_alpha[:, :, :, None].expand(-1, -1, -1, size, -1)
        else:
            log_alpha = chunked(log_alpha.expand(-1, -1, length, -1), 2, size)
        c = log_alpha.cumsum(3)
        c_query = c if u is None else c - log_alpha  # with the bonus, y_t reads S_{t−1}
        y = _within_chunks(q, k, v, c_query, c, strict=u is not None)
        end = c[..., -1:, :]
        updates = (k * (end - c).exp()).transpose(-1, -2) @ v  # B H n K V
        entering = _entering_states(updates, end.squeeze(3), state)
        reading = q * c_query.exp()
    if u is not None:
        y = y + (q * u[:, None, None, :] * k).sum(-1, keepdim=True) * v
    y = y + reading @ entering[:, :, :-1]
    return unchunked(y, 2, length), entering[:, :, -1]


def _entering_states(updates, end, state):
    """The state entering each chunk and, last, the final one: B H n+1 K V.

    From chunk to chunk the state follows a diagonal linear recurrence, run by
    :func:`diagonal_linear_rnn` (whose chunked form is a two-level scan):

        S_in(c + 1) = diag(e^{end_c}) S_in(c) + U_c,   S_in(0) = S₀.
    """
    transitions = end.exp()[..., None].expand_as(updates).transpose(1, 2)  # B n H K V
    after = diagonal_linear_rnn(transitions, updates.transpose(1, 2), initial_state=state)
    return torch.cat([state[:, :, None], after.transpose(1, 2)], 2)


def _within_chunks_without_decay(q, k, v, strict):
    """Σ_{i ≤ t (i < t if ``strict``), same chunk} (q_t · k_i) v_i: B H n C V."""
    return ((q @ k.transpose(-1, -2)) * causal_mask(q.shape[3], q, strict)) @ v


def _within_chunks(q, k, v, c_query, c, strict):
    """Σ_{i ≤ t (i < t if ``strict``), same chunk} (Σ_k q_tk k_ik e^{c'_tk − c_ik}) v_i: B H n C V."""
    size = q.shape[3]
    leaf = size
    while c.shape[-1] > 1 and leaf % 2 == 0 and leaf > LEAF:
        leaf //= 2
    y = _within_leaves(q, k, v, c_query, c, leaf, strict)
    half = leaf
    while half < size:
        y = y + _across_halves(q, k, v, c_query, c, half)
        half *= 2
    return y


def _within_leaves(q, k, v, c_query, c, leaf, strict):
    """Σ_{i ≤ t (i < t if ``strict``), same leaf} (Σ_k q_tk k_ik e^{c'_tk − c_ik}) v_i: B H n C V."""
    q, k, v, c_query, c = (x.unflatten(3, (-1, leaf)) for x in (q, k, v, c_query, c))  # B H n m s ·
    # above the diagonal the exponent is ≥ 0: clamped to 0 before e^·, then masked
    decay = (c_query[..., :, None, :] - c[..., None, :, :]).clamp(max=0).exp()
    mask = causal_mask(leaf, q, strict)
    if c.shape[-1] == 1:
        scores = (q @ k.transpose(-1, -2)) * (decay.squeeze(-1) * mask)
    else:
        scores = (q[..., :, None, :] * k[..., None, :, :] * decay).sum(-1) * mask
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
