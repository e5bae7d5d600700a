"""RWKV-4's WKV recurrence (Peng et al. 2023), per channel, in a form that never overflows.

    a_t = e^{−w} a_{t−1} + e^{k_t} v_t,   b_t = e^{−w} b_{t−1} + e^{k_t}           (w > 0)
    wkv_t = (a_{t−1} + e^{u + k_t} v_t) / (b_{t−1} + e^{u + k_t})

The transition is e^{−w} ∈ (0, 1). Since e^{k_t} overflows for large k, the state is kept as
(r, ℓ) = (a / b, log b): ℓ is the running log-sum-exp of the exponents (the running-max trick, done
by ``logaddexp``) and r a weighted average of the values, so nothing is ever exponentiated above 1:

    wkv_t = σ(ℓ − u − k_t) r + (1 − σ(ℓ − u − k_t)) v_t
    ℓ ← logaddexp(ℓ − w, k_t),   r ← σ(ℓ_old − w − k_t) r + (1 − σ(ℓ_old − w − k_t)) v_t

Chunked form: inside a chunk, Σ_{i<t} e^{−(t−1−i) w + k_i} x_i = e^{−(t−1) w} Σ_{i<t} e^{i w + k_i} x_i
is a cumulative log-sum-exp over i (``torch.logcumsumexp``), taken for x = 1 and for the positive
and negative parts of v; the entering state adds e^{ℓ − t w} (r, 1). Positions count from the
chunk's start, so i w stays small; the state is carried from chunk to chunk in a loop.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ._common import check_mode, chunked, result, unchunked


def rwkv4_wkv(w, u, k, v, *, initial_state=None, return_state=False, mode="chunked", chunk_size=32):
    """w, u: C (w > 0); k, v: B × T × C → wkv: B × T × C.

    The state is (r, ℓ), each B × C: r = a / b and ℓ = log b; the empty state is (0, −∞).
    """
    check_mode(mode, chunk_size)
    if initial_state is None:
        zeros = k.new_zeros(k.shape[0], k.shape[2])
        initial_state = (zeros, torch.full_like(zeros, float("-inf")))
    form = _recurrent if mode == "recurrent" else _chunked
    y, state = form(w, u, k, v, initial_state, chunk_size)
    return result(y, state, return_state)


def _recurrent(w, u, k, v, state, chunk_size):
    ratio, log_b = state
    outputs = []
    for t in range(k.shape[1]):
        key, value = k[:, t], v[:, t]
        past = torch.sigmoid(log_b - u - key)
        outputs.append(past * ratio + (1 - past) * value)
        keep = torch.sigmoid(log_b - w - key)
        ratio, log_b = keep * ratio + (1 - keep) * value, torch.logaddexp(log_b - w, key)
    return torch.stack(outputs, 1), (ratio, log_b)


LOG_ZERO = -1e30
"""Stands for log 0 inside ``logcumsumexp``, whose gradient is NaN at an input of −∞."""


def _log_parts(v):
    """log v⁺ and log v⁻ (``LOG_ZERO`` where that part is zero): v = e^{log v⁺} − e^{log v⁻}."""
    def log_of(x):
        return torch.where(x > 0, x.clamp_min(torch.finfo(x.dtype).tiny).log(), LOG_ZERO)
    return log_of(v), log_of(-v)


def _chunked(w, u, k, v, state, chunk_size):
    length = k.shape[1]
    size = min(chunk_size, length)
    k, v = chunked(k, 1, size, value=LOG_ZERO), chunked(v, 1, size)  # B n C Ch
    position = torch.arange(size, device=k.device, dtype=k.dtype)[:, None]
    rising = position * w + k
    plus, minus = _log_parts(v)
    # log Σ_{i≤t} e^{i w + k_i} x_i for x = 1, v⁺, v⁻
    sums = [torch.logcumsumexp(rising + x, 2) for x in (torch.zeros_like(k), plus, minus)]
    # log Σ_{i<t} e^{−(t−1−i) w + k_i} x_i (nothing before t = 0)
    past = [F.pad(s, (0, 0, 1, 0), value=LOG_ZERO)[:, :, :-1] - (position - 1) * w for s in sums]
    # log Σ_{i<L} e^{−(L−1−i) w + k_i} x_i at each chunk's end, L its true length (padding adds nothing)
    lengths = torch.full((k.shape[1], 1), float(size), device=k.device, dtype=k.dtype)
    lengths[-1] = length - (k.shape[1] - 1) * size
    end = [s[:, :, -1] - (lengths - 1) * w for s in sums]
    ratio, log_b = state
    entering = []
    for j in range(k.shape[1]):
        entering.append((ratio, log_b))
        carried = log_b - lengths[j] * w
        new_log_b = torch.logaddexp(carried, end[0][:, j])
        ratio = (torch.exp(carried - new_log_b) * ratio + torch.exp(end[1][:, j] - new_log_b)
                 - torch.exp(end[2][:, j] - new_log_b))
        log_b = new_log_b
    ratio_in, log_b_in = (torch.stack(s, 1)[:, :, None] for s in zip(*entering))  # B n 1 Ch
    carried = log_b_in - position * w
    now = u + k
    log_den = torch.logsumexp(torch.stack([carried.expand_as(now), past[0], now]), 0)
    wkv = (torch.exp(carried - log_den) * ratio_in + torch.exp(past[1] - log_den) - torch.exp(past[2] - log_den)
           + torch.exp(now - log_den) * v)
    return unchunked(wkv, 1, length), (ratio, log_b)
