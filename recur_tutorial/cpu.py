"""Running small models on a shared CPU."""

from __future__ import annotations

import contextlib

import torch


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
