"""Where code runs (device), how much memory it has, on how many threads, and progress bars that the
book build can hide."""

from __future__ import annotations

import contextlib
import os

import torch

from .errors import ConfigError

SUPPORTED_DEVICES = ("cpu", "cuda", "cuda:N")
"""The devices this package runs on (``cuda:N``: the N-th GPU)."""


def available_devices() -> list[str]:
    """The devices of :data:`SUPPORTED_DEVICES` present on this machine."""
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    return ["cpu"] + (["cuda"] + [f"cuda:{i}" for i in range(gpus)] if gpus else [])


def get_device(prefer: str | torch.device | None = None) -> torch.device:
    """``prefer`` as a torch device, checked against the supported and available devices; None: CUDA
    when it is available, else the CPU."""
    if prefer is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    wrong = (f"this package runs on {', '.join(repr(d) for d in SUPPORTED_DEVICES)}; "
             f"available here: {', '.join(repr(d) for d in available_devices())}")
    try:
        device = torch.device(prefer)
    except (RuntimeError, TypeError, ValueError):
        raise ConfigError(f"unknown device {prefer!r}; {wrong}") from None
    if device.type not in ("cpu", "cuda"):
        raise ConfigError(f"device {prefer!r} is not supported; {wrong}")
    if device.type == "cuda" and str(device) not in available_devices():
        raise ConfigError(f"device {prefer!r} is not available; {wrong}")
    return device


def available_memory(device: torch.device) -> int | None:
    """Bytes that can still be allocated on ``device`` (Linux's MemAvailable for the CPU; None where
    the system does not say)."""
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    try:
        with open("/proc/meminfo") as info:
            fields = dict(line.split(":", 1) for line in info)
        return int(fields["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return None


CHECK_ABOVE = 2**28
"""Allocations estimated below this many bytes are not checked against the free memory."""


def check_fits(nbytes: float, what: str, device: torch.device, fix: str) -> None:
    """Raise a :class:`ConfigError` before allocating when ``what`` needs at least ``nbytes`` and
    ``device`` has less free memory; ``fix`` says what to lower."""
    if nbytes <= CHECK_ABOVE:
        return
    free = available_memory(device)
    if free is not None and nbytes > free:
        raise ConfigError(f"{what} needs at least {nbytes / 2**30:,.1f} GiB, and {device} has "
                          f"{free / 2**30:,.1f} GiB free; {fix}")


def describe_device() -> str:
    """One line that tells a reader what will run the chapter."""
    device = get_device()
    if device.type == "cuda":
        return f"running on GPU: {torch.cuda.get_device_name(device)}"
    return f"running on CPU ({torch.get_num_threads()} threads); no GPU found"


@contextlib.contextmanager
def threads(n: int = 1):
    """Run torch on ``n`` threads inside the block, then restore the previous number. Small models
    and step-by-step loops on a CPU shared with other work are several times faster on one thread
    than on two threads fighting for the same cores."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def progress_bar(iterable, *, desc: str, show: bool = True, **options):
    """A tqdm bar that renders in notebooks and terminals.

    Hidden when ``show`` is false or the environment sets ``RECUR_TUTORIAL_PROGRESS=0``, as the
    book's build does: a bar frozen in an executed notebook says nothing to a reader.
    """
    from tqdm.auto import tqdm

    hidden = not show or os.environ.get("RECUR_TUTORIAL_PROGRESS") == "0"
    return tqdm(iterable, desc=desc, disable=hidden, **options)
