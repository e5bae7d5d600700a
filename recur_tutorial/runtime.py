"""Where code runs (device), on how many threads, and progress bars that the book build can hide."""

from __future__ import annotations

import contextlib
import os

import torch


def get_device(prefer: str | None = None) -> torch.device:
    """CUDA when it is available (or asked for), else the CPU."""
    if prefer is not None:
        return torch.device(prefer)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


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
