"""RWKV-4's WKV recurrence (Peng et al. 2023), per channel, in a form that never overflows.

    a_t = e^{−w} a_{t−1} + e^{k_t} v_t,   b_t = e^{−w} b_{t−1} + e^{k_t}           (w > 0)
    wkv_t = (a_{t−1} + e^{u + k_t} v_t) / (b_{t−1} + e^{u + k_t})

The transition is e^{−w} ∈ (0, 1). Since e^{k_t} overflows for large k, a state (a, b) is kept as
(r, ℓ) = (a / b, log b): ℓ is a log-sum-exp of the exponents (the running-max trick, done by
``logaddexp``) and r a weighted average of the values, so nothing is ever exponentiated above 1.
Everything is one operation, the sum of two such states,

    (r_1, ℓ_1) ⊕ (r_2, ℓ_2) = (σ(ℓ_1 − ℓ_2) r_1 + σ(ℓ_2 − ℓ_1) r_2, logaddexp(ℓ_1, ℓ_2)),

with a step (r, ℓ) ← (r, ℓ − w) ⊕ (v_t, k_t) and the output wkv_t = r of (r, ℓ) ⊕ (v_t, u + k_t).

Chunked form, a two-level scan like :func:`diagonal_linear_rnn`'s, time cut into chunks of C:

1. inside every chunk at once, the C steps from the empty state (0, log 0): the local state before
   each step and after the last;
2. from chunk to chunk, the state entering each chunk: (r, ℓ − C w) ⊕ (the chunk's local end state);
3. the state before step τ of a chunk: (r_in, ℓ_in − τ w) ⊕ (the local state before τ), for all τ at once.

That is about 2√T sequential steps on small tensors instead of T (C = 32 suits T ≈ 1,000).
"""

from __future__ import annotations

import torch

from ._common import check_inputs, check_mode, chunked, result, unchunked


def rwkv4_wkv(w, u, k, v, *, initial_state=None, return_state=False, mode="chunked", chunk_size=32):
    """w, u: C (w > 0); k, v: B × T × C → wkv: B × T × C.

    The state is (r, ℓ), each B × C: r = a / b and ℓ = log b; the empty state is (0, −∞).
    """
    check_mode(mode, chunk_size)
    check_inputs("rwkv4_wkv", w=(w, "C"), u=(u, "C"), k=(k, "B T C"), v=(v, "B T C"),
                 initial_state=(initial_state, ["B C", "B C"]))
    if initial_state is None:
        zeros = k.new_zeros(k.shape[0], k.shape[2])
        initial_state = (zeros, torch.full_like(zeros, float("-inf")))
    form = _recurrent if mode == "recurrent" else _chunked
    y, state = form(w, u, k, v, initial_state, chunk_size)
    return result(y, state, return_state)


def _add(ratio_1, log_1, ratio_2, log_2):
    """(r_1, ℓ_1) ⊕ (r_2, ℓ_2): the state of e^{ℓ_1} (r_1, 1) + e^{ℓ_2} (r_2, 1)."""
    return ratio_2 + torch.sigmoid(log_1 - log_2) * (ratio_1 - ratio_2), torch.logaddexp(log_1, log_2)


def _recurrent(w, u, k, v, state, chunk_size):
    ratio, log_b = state
    outputs = []
    for key, value in zip(k.unbind(1), v.unbind(1)):
        outputs.append(_add(ratio, log_b, value, u + key)[0])
        ratio, log_b = _add(ratio, log_b - w, value, key)
    return torch.stack(outputs, 1), (ratio, log_b)


LOG_ZERO = -1e30
"""Stands for log 0 where the gradient of ``logaddexp`` would be NaN (both arguments −∞)."""


def _chunked(w, u, k, v, state, chunk_size):
    length = k.shape[1]
    size = min(chunk_size, length)
    k, v = chunked(k, 1, size, value=LOG_ZERO), chunked(v, 1, size)  # B n C Ch; padding adds nothing
    local = [(torch.zeros_like(v[:, :, 0]), torch.full_like(k[:, :, 0], LOG_ZERO))]
    for key, value in zip(k.unbind(2), v.unbind(2)):
        ratio, log_b = local[-1]
        local.append(_add(ratio, log_b - w, value, key))
    local_ratio, local_log = (torch.stack(s, 2) for s in zip(*local))  # before each step and after: B n C+1 Ch
    entering = [state]
    for end in zip(local_ratio[:, :-1, -1].unbind(1), local_log[:, :-1, -1].unbind(1)):
        ratio, log_b = entering[-1]
        entering.append(_add(ratio, log_b - size * w, *end))
    ratio_in, log_in = (torch.stack(s, 1)[:, :, None] for s in zip(*entering))  # B n 1 Ch
    position = torch.arange(size + 1, device=k.device, dtype=k.dtype)[:, None]
    ratio, log_b = _add(ratio_in, log_in - position * w, local_ratio, local_log)
    wkv = _add(ratio[:, :, :-1], log_b[:, :, :-1], v, u + k)[0]
    last = length - (k.shape[1] - 1) * size  # steps in the last chunk
    return unchunked(wkv, 1, length), (ratio[:, -1, last], log_b[:, -1, last])
