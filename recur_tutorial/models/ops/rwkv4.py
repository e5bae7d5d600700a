"""RWKV-4's WKV recurrence (Peng et al. 2023), per channel, in a form that never overflows.

    a_t = e^{−w} a_{t−1} + e^{k_t} v_t,   b_t = e^{−w} b_{t−1} + e^{k_t}           (w > 0)
    wkv_t = (a_{t−1} + e^{u + k_t} v_t) / (b_{t−1} + e^{u + k_t})

The transition is e^{−w} ∈ (0, 1). Since e^{k_t} overflows for large k, the state is kept as
(â, b̂, p) with a = â e^p, b = b̂ e^p, and p the running maximum exponent: every update rescales by
e^{(exponent) − (new maximum)} ≤ 1.

Chunked form: inside a chunk every output is a ratio of two sums of terms e^{E_ti}(v_i or 1), with
E_ti = −(t − 1 − i) w + k_i for i < t, u + k_t for i = t, and the entering state's term
p − t w; each row is scaled by its own maximum exponent before exponentiating (log-sum-exp).
The state is carried from chunk to chunk in the same (â, b̂, p) form.
"""

from __future__ import annotations

import torch

from ._common import check_mode, chunked, result, unchunked


def rwkv4_wkv(w, u, k, v, *, initial_state=None, return_state=False, mode="chunked", chunk_size=32):
    """w, u: C (w > 0); k, v: B × T × C → wkv: B × T × C.

    The state is (â, b̂, p), each B × C, with a = â e^p and b = b̂ e^p; the empty state has p = −∞.
    """
    check_mode(mode, chunk_size)
    if initial_state is None:
        zeros = k.new_zeros(k.shape[0], k.shape[2])
        initial_state = (zeros, zeros, torch.full_like(zeros, float("-inf")))
    form = _recurrent if mode == "recurrent" else _chunked
    y, state = form(w, u, k, v, initial_state, chunk_size)
    return result(y, state, return_state)


def _recurrent(w, u, k, v, state, chunk_size):
    a, b, p = state
    outputs = []
    for t in range(k.shape[1]):
        key, value = k[:, t], v[:, t]
        top = torch.maximum(p, u + key)
        old, new = torch.exp(p - top), torch.exp(u + key - top)
        outputs.append((old * a + new * value) / (old * b + new))
        top = torch.maximum(p - w, key)
        old, new = torch.exp(p - w - top), torch.exp(key - top)
        a, b, p = old * a + new * value, old * b + new, top
    return torch.stack(outputs, 1), (a, b, p)


def _chunked(w, u, k, v, state, chunk_size):
    length = k.shape[1]
    size = min(chunk_size, length)
    k, v = chunked(k, 1, size, value=float("-inf")), chunked(v, 1, size)  # B n C Ch
    position = torch.arange(size, device=k.device)
    lag = (position[:, None] - 1 - position[None, :]).to(k.dtype)  # t − 1 − i
    past = -lag[..., None] * w + k[:, :, None]  # B n C(t) C(i) Ch, the key of step i
    now = (u + k)[:, :, :, None].expand_as(past)  # the key of step t
    exponent = torch.where((lag >= 0)[..., None], past,
                           torch.where((lag == -1)[..., None], now, float("-inf")))
    # state at each chunk's end: own terms e^{−(L−1−i) w + k_i}, L the chunk's true length
    lengths = torch.full((k.shape[1],), size, device=k.device, dtype=k.dtype)
    lengths[-1] = length - (k.shape[1] - 1) * size
    to_end = -(lengths[:, None] - 1 - position.to(k.dtype))[..., None] * w + k  # B n C Ch
    end_top = to_end.amax(2)
    end_a = (torch.exp(to_end - end_top[:, :, None]) * v).sum(2)
    end_b = torch.exp(to_end - end_top[:, :, None]).sum(2)
    a, b, p = state
    entering = []
    for j in range(k.shape[1]):
        entering.append((a, b, p))
        top = torch.maximum(p - lengths[j] * w, end_top[:, j])
        old, new = torch.exp(p - lengths[j] * w - top), torch.exp(end_top[:, j] - top)
        a, b, p = old * a + new * end_a[:, j], old * b + new * end_b[:, j], top
    a_in, b_in, p_in = (torch.stack(s, 1)[:, :, None] for s in zip(*entering))  # B n 1 Ch
    carried = p_in - position.to(k.dtype)[:, None] * w  # B n C Ch
    top = torch.maximum(exponent.amax(3), carried)
    weights, old = torch.exp(exponent - top[:, :, :, None]), torch.exp(carried - top)
    numerator = (weights * v[:, :, None]).sum(3) + old * a_in
    denominator = weights.sum(3) + old * b_in
    return unchunked(numerator / denominator, 1, length), (a, b, p)
