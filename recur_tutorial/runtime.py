"""Where code runs (device), how much memory it has, on how many threads, and progress bars that the
book build can hide."""

from __future__ import annotations

import contextlib
import os

import torch

from .errors import ConfigError

SUPPORTED_DEVICES = ("cpu", "cuda", "cuda:N")
"""The devices this package runs on (``cuda:N``: the N-th GPU)."""
DEVICE_SETTINGS = ("auto", *SUPPORTED_DEVICES)
"""What a sweep or a chapter may be told to run on: a device, or ``auto`` (:func:`run_device`)."""
CPU_FASTER = ("stack_rnn", "tape_rnn")
"""Zoo models that ``auto`` keeps on the CPU. Their memory update is a loop over time of some forty
small operations per token (fifty for the Tape-RNN): on a GPU each is a kernel launch and the host's
launch cost bounds the step, while the CPU runs the loop compiled (see ``bench/launches.py``)."""
EMULATED: list[torch.device] = []
"""The devices an :class:`~recur_tutorial.emulated_device.EmulatedDevice` block emulates now (tests)."""


def available_devices() -> list[str]:
    """The devices of :data:`SUPPORTED_DEVICES` present on this machine."""
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    return ["cpu"] + (["cuda"] + [f"cuda:{i}" for i in range(gpus)] if gpus else [])


def get_device(prefer: str | torch.device | None = None) -> torch.device:
    """``prefer`` as a torch device, checked against the supported and available devices; None or
    ``auto``: CUDA when it is available (an emulated device inside its block), else the CPU."""
    if prefer is None or prefer == "auto":
        return EMULATED[-1] if EMULATED else torch.device("cuda" if torch.cuda.is_available() else "cpu")
    wrong = (f"this package runs on {', '.join(repr(d) for d in SUPPORTED_DEVICES)}; "
             f"available here: {', '.join(repr(d) for d in available_devices())}")
    try:
        device = torch.device(prefer)
    except (RuntimeError, TypeError, ValueError):
        raise ConfigError(f"unknown device {prefer!r}; {wrong}") from None
    if device in EMULATED:
        return device
    if device.type not in ("cpu", "cuda"):
        raise ConfigError(f"device {prefer!r} is not supported; {wrong}")
    if device.type == "cuda" and str(device) not in available_devices():
        raise ConfigError(f"device {prefer!r} is not available; {wrong}")
    return device


def run_device(model: str, prefer: str | torch.device | None = None) -> torch.device:
    """The device that a run of zoo model ``model`` trains and is scored on, under the setting
    ``prefer``: ``auto`` (or None) is :func:`get_device`'s choice except for the models of
    :data:`CPU_FASTER`, which stay on the CPU; a device named is that device, for every model."""
    if prefer is None or prefer == "auto":
        return torch.device("cpu") if model in CPU_FASTER else get_device()
    return get_device(prefer)


def model_device(model: torch.nn.Module) -> torch.device:
    """The device of ``model``'s parameters (the CPU for a model without any): where its inputs go."""
    return next((p.device for p in model.parameters()), torch.device("cpu"))


def check_device_setting(setting: str | torch.device | None) -> None:
    """Refuse a device setting that is not ``auto``, ``cpu``, ``cuda`` or ``cuda:N`` (available or
    not: a store of GPU records can be read on a machine without one)."""
    if setting is None or setting == "auto":
        return
    try:
        device = torch.device(setting)
    except (RuntimeError, TypeError, ValueError):
        device = None
    if device is None or device.type not in ("cpu", "cuda") and device not in EMULATED:
        raise ConfigError(f"unknown device setting {setting!r}; allowed: {', '.join(map(repr, DEVICE_SETTINGS))}")


def device_type(model: str, prefer: str | torch.device | None = None) -> str:
    """The type (``cpu``, ``cuda``) of the device a run of ``model`` uses under the setting
    ``prefer`` (:func:`run_device`): what a run's key in the store says of its device. An emulated
    device counts as ``cuda``."""
    check_device_setting(prefer)
    device = run_device(model, prefer) if prefer is None or prefer == "auto" else torch.device(prefer)
    return "cuda" if device in EMULATED else device.type


def configure_numerics(device: str | torch.device) -> None:
    """Float32 as on the CPU and deterministic kernels, for the whole process, once a GPU is used:
    no TF32 in matrix products and cuDNN (its RNNs and convolutions), cuDNN's deterministic
    algorithms without autotuning, cuBLAS with a fixed workspace, attention by PyTorch's math kernel
    (the memory-efficient kernel's backward adds in a varying order), and
    ``torch.use_deterministic_algorithms(True, warn_only=True)``: an operation that has no
    deterministic CUDA kernel (a floating-point ``cumsum``) still runs, with a warning. Nothing is
    changed for the CPU."""
    if torch.device(device).type != "cuda":
        return
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # read when cuBLAS starts
    torch.backends.cuda.matmul.fp32_precision = "ieee"
    torch.backends.cudnn.fp32_precision = "ieee"
    torch.backends.cudnn.rnn.fp32_precision = "ieee"
    torch.backends.cudnn.conv.fp32_precision = "ieee"
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    torch.backends.cuda.enable_flash_sdp(False)
    torch.backends.cuda.enable_mem_efficient_sdp(False)
    torch.backends.cuda.enable_cudnn_sdp(False)
    torch.use_deterministic_algorithms(True, warn_only=True)


@contextlib.contextmanager
def gpu_numerics(device: str | torch.device):
    """:func:`configure_numerics` for ``device`` inside the block, and afterwards PyTorch's
    deterministic-algorithms mode as it was before, so that CPU work later in the same process (a
    memory RNN's run after a Transformer's on the GPU) runs as it would alone. The other settings
    concern CUDA only and stay."""
    before = torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled()
    configure_numerics(device)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before[0], warn_only=before[1])


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


def describe_device(prefer: str | torch.device | None = None) -> str:
    """One line that tells a reader what will run the chapter under the device setting ``prefer``."""
    device = get_device(prefer)
    if device.type == "cuda":
        kept = f"; {', '.join(CPU_FASTER)} on the CPU, where they are faster" if prefer in (None, "auto") else ""
        return f"running on GPU: {torch.cuda.get_device_name(device)}{kept}"
    found = "" if prefer not in (None, "auto") else "; no GPU found"
    return f"running on CPU ({torch.get_num_threads()} threads){found}"


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
