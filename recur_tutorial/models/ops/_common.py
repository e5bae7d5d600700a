"""What every op shares: the two modes, padding the time axis to whole chunks, the optional state."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ...errors import check, check_choice

MODES = ("recurrent", "chunked")
"""``recurrent``: the definition, one step at a time. ``chunked``: the fast form for training."""


def check_mode(mode: str, chunk_size: int | None) -> None:
    check_choice("op mode", mode, MODES)
    check(chunk_size is None or (isinstance(chunk_size, int) and chunk_size >= 1),
          f"chunk_size must be a positive integer, got {chunk_size!r}")


def pad_time(x: torch.Tensor, dim: int, length: int, value: float = 0.0) -> torch.Tensor:
    """Pad ``x`` along ``dim`` with ``value`` up to ``length`` entries."""
    missing = length - x.shape[dim]
    if missing == 0:
        return x
    widths = [0, 0] * (x.dim() - dim % x.dim() - 1) + [0, missing]
    return F.pad(x, widths, value=value)


def chunked(x: torch.Tensor, dim: int, size: int, value: float = 0.0) -> torch.Tensor:
    """Split the time axis ``dim`` into ``n`` chunks of ``size`` (padding with ``value``): … × n × size × …"""
    n = math.ceil(x.shape[dim] / size)
    x = pad_time(x, dim, n * size, value)
    dim = dim % x.dim()
    return x.reshape(*x.shape[:dim], n, size, *x.shape[dim + 1 :])


def unchunked(x: torch.Tensor, dim: int, length: int) -> torch.Tensor:
    """Inverse of :func:`chunked` for the chunk axes ``dim, dim + 1``, cut back to ``length``."""
    dim = dim % x.dim()
    x = x.reshape(*x.shape[:dim], -1, *x.shape[dim + 2 :])
    return x.narrow(dim, 0, length)


def causal_mask(size: int, like: torch.Tensor, strict: bool = False) -> torch.Tensor:
    """The C × C matrix with 1 where key i may reach query t (i ≤ t, or i < t if ``strict``), else 0.

    Multiplying by it is several times faster on a CPU than ``tril`` or ``masked_fill``."""
    return torch.ones(size, size, dtype=like.dtype, device=like.device).tril(-1 if strict else 0)


def result(y: torch.Tensor, state, return_state: bool):
    return (y, state) if return_state else y
