"""Where code runs and how randomness is pinned down."""

from __future__ import annotations

import random

import numpy as np
import torch


def get_device(prefer: str | None = None) -> torch.device:
    """CUDA when it is available (or asked for), else the CPU."""
    if prefer is not None:
        return torch.device(prefer)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch; return a CPU generator seeded the same way for data."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def describe_device() -> str:
    """One line that tells a reader what will run the chapter."""
    device = get_device()
    if device.type == "cuda":
        return f"running on GPU: {torch.cuda.get_device_name(device)}"
    return f"running on CPU ({torch.get_num_threads()} threads); no GPU found"
