"""Where a number came from: package, commit, torch, device, threads, workers, date and seconds.

Every record of the run store and every chapter's results JSON carries one of these, so a number in
the book can be traced to the code and the machine that measured it.
"""

from __future__ import annotations

import functools
import platform
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import torch

from ..runtime import EMULATED, get_device

ROOT = Path(__file__).resolve().parents[2]


@functools.lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The commit of the checkout the package runs from (``+dirty`` when files changed), or None
    when it runs from an installed wheel."""
    if not (ROOT / ".git").exists():
        return None
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "")


@functools.lru_cache(maxsize=1)
def device_name(device: str | None = None) -> str:
    """The GPU's name, or the CPU's model name (from /proc/cpuinfo where there is one); an emulated
    device is named as such."""
    device = torch.device(device) if device else get_device()
    if device in EMULATED:
        return "emulated device (tests)"
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def provenance(*, workers: int = 1, threads: int | None = None, seconds: float | None = None,
               device: str | None = None) -> dict:
    """The provenance of a result measured now, as JSON values (``threads``: the torch threads it
    ran on; default: the current number)."""
    from .. import __version__

    return {
        "package": __version__, "commit": git_commit(), "torch": torch.__version__,
        "python": platform.python_version(), "device": device_name(device),
        "threads": threads or torch.get_num_threads(),
        "workers": workers, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": None if seconds is None else round(float(seconds), 3),
    }
