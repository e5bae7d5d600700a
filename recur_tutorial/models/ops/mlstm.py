"""The mLSTM's gated matrix memory (Beck et al. 2024, xLSTM), with its normaliser and stabilised gates.

    C_t = f_t C_{t−1} + i_t k_t ⊗ v_t,   n_t = f_t n_{t−1} + i_t k_t,   y_t = C_tᵀ q_t / max(|n_tᵀ q_t|, 1)

with f_t = e^{log f_t} ∈ (0, 1] (log f_t ≤ 0) and an exponential input gate i_t = e^{log i_t} > 0.
The update is linear in the state (C, n): its transition is f_t times the identity, one eigenvalue
f_t ∈ (0, 1] per head, so the mLSTM is a linear recurrence with eigenvalues in [0, 1].

Stabilised: i_t can overflow, so the state is kept as (C̄, n̄, m) = (C e^{−m}, n e^{−m}, m) with
m_t = max(log f_t + m_{t−1}, log i_t) (m_0 = 0 from a zero state); then

    C̄_t = e^{log f_t + m_{t−1} − m_t} C̄_{t−1} + e^{log i_t − m_t} k_t ⊗ v_t   (n̄ alike),
    y_t = C̄_tᵀ q_t / max(|n̄_tᵀ q_t|, e^{−m_t}),

the same y, with every exponent ≤ 0. The returned state is (C̄: B × H × K × V, n̄: B × H × K, m: B × H).

Chunked form: inside a chunk entered with (C̄₀, n̄₀, m₀), let F_t = Σ_{s≤t} log f_s and
D_ti = F_t − F_i + log i_i (i ≤ t). Unrolling the max, m_t = max(F_t + m₀, max_{i≤t} D_ti), exactly
the recurrent m_t, and

    C̄_t = e^{F_t + m₀ − m_t} C̄₀ + Σ_{i≤t} e^{D_ti − m_t} k_i ⊗ v_i,

so the outputs of a chunk are two masked C × C products. The state entering each chunk runs chunk
after chunk, one small update each.
"""

from __future__ import annotations

import torch

from ._common import causal_mask, check_inputs, check_mode, check_range, chunked, result, unchunked


def mlstm(q, k, v, log_f, log_i, *, initial_state=None, return_state=False, mode="chunked", chunk_size=32):
    """q, k: B × H × T × K; v: B × H × T × V; log_f (≤ 0), log_i: B × H × T → y: B × H × T × V."""
    check_mode(mode, chunk_size)
    check_inputs("mlstm", q=(q, "B H T K"), k=(k, "B H T K"), v=(v, "B H T V"), log_f=(log_f, "B H T"),
                 log_i=(log_i, "B H T"), initial_state=(initial_state, ["B H K V", "B H K", "B H"]))
    check_range("mlstm", "log_f", log_f, float("-inf"), 0.0, "[−inf, 0] (a forget gate in [0, 1])")
    batch, heads, _, width = q.shape
    if initial_state is None:
        initial_state = (q.new_zeros(batch, heads, width, v.shape[-1]), q.new_zeros(batch, heads, width),
                         q.new_zeros(batch, heads))
    form = _recurrent if mode == "recurrent" else _chunked
    y, state = form(q, k, v, log_f, log_i, tuple(initial_state), chunk_size)
    return result(y, state, return_state)


def _read(memory, normaliser, m, q):
    """C̄ᵀ q / max(|n̄ᵀ q|, e^{−m}) for one step (B H K V, B H K, B H, B H K)."""
    denominator = torch.maximum(torch.einsum("bhk,bhk->bh", normaliser, q).abs(), torch.exp(-m))
    return torch.einsum("bhk,bhkv->bhv", q, memory) / denominator[..., None]


def _recurrent(q, k, v, log_f, log_i, state, chunk_size):
    memory, normaliser, m = state
    outputs = []
    for query, key, value, forget, write in zip(*(x.unbind(2) for x in (q, k, v, log_f, log_i))):
        new_m = torch.maximum(forget + m, write)
        keep, gain = torch.exp(forget + m - new_m), torch.exp(write - new_m)
        memory = keep[..., None, None] * memory + gain[..., None, None] * key[..., None] * value[..., None, :]
        normaliser = keep[..., None] * normaliser + gain[..., None] * key
        m = new_m
        outputs.append(_read(memory, normaliser, m, query))
    return torch.stack(outputs, 2), (memory, normaliser, m)


def _chunked(q, k, v, log_f, log_i, state, chunk_size):
    length = q.shape[2]
    size = min(chunk_size, length)
    q, k, v = (chunked(x, 2, size) for x in (q, k, v))  # B H n C ·
    forget = chunked(log_f, 2, size).cumsum(-1)  # F_t, padding log f = 0
    write = chunked(log_i, 2, size, value=float("-inf"))  # padding writes nothing
    mask = causal_mask(size, q).bool()
    pair = (forget[..., :, None] - forget[..., None, :] + write[..., None, :]).masked_fill(~mask, float("-inf"))
    local_m = pair.amax(-1)  # max_{i≤t} D_ti: B H n C (−inf only in a padded chunk's first steps: never)
    # each chunk's own contribution to the state at its end, scaled by e^{−its local max}
    end_scale = local_m[..., -1]
    end_weights = (pair[..., -1, :] - end_scale[..., None]).exp()  # B H n C
    own_memory = torch.einsum("bhnc,bhnck,bhncv->bhnkv", end_weights, k, v)
    own_normaliser = torch.einsum("bhnc,bhnck->bhnk", end_weights, k)
    memory, normaliser, m = state
    entering = [(memory, normaliser, m)]
    for total, own_m, own_c, own_n in zip(forget[..., -1].unbind(2), end_scale.unbind(2), own_memory.unbind(2),
                                          own_normaliser.unbind(2)):
        new_m = torch.maximum(total + m, own_m)
        keep, gain = torch.exp(total + m - new_m), torch.exp(own_m - new_m)
        memory = keep[..., None, None] * memory + gain[..., None, None] * own_c
        normaliser = keep[..., None] * normaliser + gain[..., None] * own_n
        m = new_m
        entering.append((memory, normaliser, m))
    start_c, start_n, start_m = (torch.stack(parts[:-1], 2) for parts in zip(*entering))  # per chunk
    m_t = torch.maximum(forget + start_m[..., None], local_m)  # B H n C
    carried = (forget + start_m[..., None] - m_t).exp()
    weights = (pair - m_t[..., None]).exp() * (q @ k.transpose(-1, -2))  # B H n C C
    numerator = weights @ v + carried[..., None] * (q @ start_c)
    denominator = weights.sum(-1) + carried * (q @ start_n[..., None])[..., 0]
    y = numerator / torch.maximum(denominator.abs(), torch.exp(-m_t))[..., None]
    return unchunked(y, 2, length), entering[-1]
