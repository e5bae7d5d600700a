"""What every op shares: the two modes, padding the time axis to whole chunks, the optional state."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ...errors import ConfigError, check, check_choice

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


def check_inputs(op: str, **arguments) -> dict[str, int]:
    """Check an op's tensor arguments before it runs; return the sizes of the named axes.

    Each keyword is an argument's name and a pair (value, shape): the shape is a string of axis names
    (``"B H T K"``), a digit for an axis of that size, ``...`` for any number of trailing axes, or a
    tuple of such strings where several shapes are allowed. An axis name met twice must have the same
    size everywhere. A value None is an absent optional argument; a tuple value (a state made of
    several tensors) comes with a tuple of shapes, one per tensor. Every tensor must be floating point,
    of one dtype and on one device. The first argument that breaks a rule is named in the
    :class:`~recur_tutorial.errors.ConfigError`.
    """
    sizes: dict[str, object] = {}
    first: tuple[str, torch.Tensor] | None = None
    flat = []
    for name, (value, shape) in arguments.items():
        if isinstance(shape, list) and value is not None:
            check(isinstance(value, (tuple, list)) and len(value) == len(shape),
                  f"{op}: {name} must be a tuple of {len(shape)} tensors, got {type(value).__name__}")
            flat += [(f"{name}[{i}]", v, s) for i, (v, s) in enumerate(zip(value, shape))]
        else:
            flat.append((name, value, shape))
    for name, value, shape in flat:
        if value is None:
            continue
        alternatives = shape if isinstance(shape, tuple) else (shape,)
        check(torch.is_tensor(value), f"{op}: {name} must be a tensor of shape {' or '.join(alternatives)}, "
                                      f"got {type(value).__name__}")
        check(value.is_floating_point(), f"{op}: {name} must be a floating-point tensor, got {value.dtype}")
        if first is None:
            first = (name, value)
        check(value.dtype == first[1].dtype,
              f"{op}: {name} is {value.dtype} but {first[0]} is {first[1].dtype}; give every tensor one dtype")
        check(value.device == first[1].device,
              f"{op}: {name} is on {value.device} but {first[0]} is on {first[1].device}; give every tensor one device")
        for alternative in alternatives:
            bound = _bind(alternative.split(), tuple(value.shape), sizes)
            if bound is not None:
                sizes = bound
                break
        else:
            known = ", ".join(f"{axis}={size}" for axis, size in sizes.items() if axis != "...")
            expected = " or ".join(f"({', '.join(a.split())})" for a in alternatives)
            raise ConfigError(f"{op}: {name} has shape {tuple(value.shape)}, expected {expected}"
                              + (f" with {known} from the arguments before it" if known else ""))
    check(sizes.get("T", 1) >= 1, f"{op}: the time axis T is empty; give at least one step")
    return sizes


def check_range(op: str, name: str, value, low: float, high: float, allowed: str) -> None:
    """Refuse a tensor ``value`` with an entry outside [low, high] (``allowed`` says the range in words)."""
    if value is not None and not bool(((value >= low) & (value <= high)).all()):
        outside = value[(value < low) | (value > high) | value.isnan()]
        raise ConfigError(f"{op}: every entry of {name} must lie in {allowed}, got {outside.flatten()[0].item():.4g}")


def _bind(axes: list[str], shape: tuple[int, ...], sizes: dict) -> dict | None:
    """``sizes`` extended by the axes of ``shape``, or None if ``shape`` does not fit ``axes``."""
    sizes = dict(sizes)
    if axes and axes[-1] == "...":
        if len(shape) < len(axes) - 1:
            return None
        rest = shape[len(axes) - 1:]
        if sizes.setdefault("...", rest) != rest:
            return None
        axes, shape = axes[:-1], shape[:len(axes) - 1]
    if len(axes) != len(shape):
        return None
    for axis, size in zip(axes, shape):
        if axis.isdigit():
            if size != int(axis):
                return None
        elif sizes.setdefault(axis, size) != size:
            return None
    return sizes
