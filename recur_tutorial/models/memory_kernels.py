"""The compiled loop of :class:`~recur_tutorial.models.memory_rnn.MemoryScan` (``memory_scan.cpp``).

The Stack-RNN and the Tape-RNN step through a sequence one token at a time. In Python each step costs
some fifty tensor operations of a few microseconds of overhead each, plus the passes over the memory
that the soft shift makes, one per action. The C++ loop makes the same computation (the equations in
:class:`~recur_tutorial.models.memory_rnn.MemoryScan`'s docstring) with a few calls per step and the
memory update as one loop over the cells; ``bench/memory_rnn.py`` times the two.

It is compiled with torch's C++ extension loader the first time it is asked for (about half a minute,
once per machine; cached in :func:`build_directory`, under ``TORCH_EXTENSIONS_DIR``, by default
``~/.cache/torch_extensions``). Where it cannot be built (no C++ compiler) the Python loop runs
instead, with the same numbers up to rounding, and :func:`unavailable` says why. Setting
``RECUR_TUTORIAL_COMPILED=0`` chooses the Python loop.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import warnings
from pathlib import Path

import torch

SOURCE = Path(__file__).with_name("memory_scan.cpp")
FLAGS = ("-O3", "-fopenmp-simd")
STALE_LOCK_SECONDS = 600
"""A build lock older than this was left by a process killed while it built (a build takes about half
a minute): :func:`clear_stale_lock` removes it."""
_state: dict = {}


def kernels():
    """The compiled module (``forward``, ``backward``), or None where it is switched off or cannot be built."""
    if _state.get("python"):
        return None
    if "module" not in _state:
        _state["module"], _state["reason"] = _load()
        if _state["reason"] and os.environ.get("RECUR_TUTORIAL_COMPILED") != "0":
            warnings.warn(f"the memory RNNs run their Python loop, about twice as slow: {_state['reason']}",
                          RuntimeWarning, stacklevel=2)
    return _state["module"]


def unavailable() -> str | None:
    """Why the compiled loop is not used, or None when it is."""
    kernels()
    return _state["reason"]


@contextlib.contextmanager
def python_loop():
    """Inside this block the memory RNNs run their Python loop (to compare it with the compiled one)."""
    _state["python"] = True
    try:
        yield
    finally:
        _state["python"] = False


LOOPS = {"compiled": contextlib.nullcontext, "python": python_loop}
"""The two loops by name: each a context manager inside which the memory RNNs run it ("compiled" where
it could be built)."""


def build_directory() -> Path:
    """Where the loop is built and cached: one folder per Python and torch version."""
    from torch.utils.cpp_extension import get_default_build_root
    root = os.environ.get("TORCH_EXTENSIONS_DIR") or get_default_build_root()
    python = f"py{sys.version_info.major}{sys.version_info.minor}"
    return Path(root) / "recur_tutorial" / f"{python}-torch{torch.__version__}"


def clear_stale_lock(directory: Path, now: float | None = None) -> bool:
    """Remove the lock file that a build killed midway left in ``directory`` (older than
    :data:`STALE_LOCK_SECONDS`); torch would otherwise wait for it for ever. True when one was removed."""
    lock = Path(directory) / "lock"
    try:
        age = (time.time() if now is None else now) - lock.stat().st_mtime
    except FileNotFoundError:
        return False
    if age < STALE_LOCK_SECONDS:
        return False
    lock.unlink(missing_ok=True)
    warnings.warn(f"removed the lock of a build of the memory RNNs' loop left {age:.0f} s ago: {lock}",
                  RuntimeWarning, stacklevel=3)
    return True


def _load():
    if os.environ.get("RECUR_TUTORIAL_COMPILED") == "0":
        return None, "switched off (RECUR_TUTORIAL_COMPILED=0)"
    path = os.environ.get("PATH", "")
    os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), path])  # the ninja installed beside us
    try:
        from torch.utils.cpp_extension import load
        directory = build_directory()
        directory.mkdir(parents=True, exist_ok=True)
        clear_stale_lock(directory)
        return load(name="recur_tutorial_memory_scan", sources=[str(SOURCE)], extra_cflags=list(FLAGS),
                    build_directory=str(directory)), None
    except Exception as error:  # noqa: BLE001 -- any failure to build falls back to the Python loop
        return None, f"the C++ loop could not be built ({type(error).__name__}: {str(error).strip()[:300]})"
    finally:
        os.environ["PATH"] = path
