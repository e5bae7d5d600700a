"""How long a sweep will take on this device, measured before it starts.

For each distinct model setup in the sweep (model, its settings, layout, task, batch size), the first
run is timed for a few training steps at its mean training length and for its evaluation at a few of
its test lengths; the sweep's time is the sum over runs of

    steps × (seconds per step) + (number of test lengths) × (seconds per test length),

each setup timed on the device its runs use (:func:`~recur_tutorial.runtime.run_device`); the GPU
runs' time is divided over the GPUs (one worker each, as the run engine does), the CPU runs' over the
other workers, and the wall time is the longer of the two. It is an estimate: curricula, the
machine's other load and the longest test lengths move it, and it says so when printed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import torch

from ..runtime import device_type, run_device, threads
from .run import Run

PROBE_STEPS = 10
PROBE_LENGTHS = 3


@dataclass(frozen=True)
class Estimate:
    runs: int
    run_seconds: float  # the sum over runs, one worker
    workers: int
    probed: int  # how many setups were timed
    probe_seconds: float
    gpu_seconds: float = 0.0  # the part of run_seconds on GPUs
    gpus: int = 0  # the GPUs those runs share (one worker each)
    gpu_runs: int = 0

    @property
    def wall_seconds(self) -> float:
        gpu = self.gpu_seconds / max(1, min(self.gpus, self.gpu_runs)) if self.gpu_runs else 0.0
        cpu_workers = max(1, min(self.workers - (min(self.gpus, self.gpu_runs)), self.runs - self.gpu_runs))
        return max(gpu, (self.run_seconds - self.gpu_seconds) / cpu_workers)

    def __str__(self) -> str:
        return (f"{self.runs} runs; estimated {format_seconds(self.run_seconds)} of training and testing on one "
                f"worker, about {format_seconds(self.wall_seconds)} of wall time on {self.workers} worker(s)"
                f"{f' ({self.gpu_runs} runs on {self.gpus} GPU(s), one worker each)' if self.gpu_runs else ''} "
                f"(from timing {self.probed} setup(s) for {PROBE_STEPS} steps each, {self.probe_seconds:.0f} s)")


def format_seconds(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _setup(run: Run) -> str:
    return repr(
        (run.task, run.model, run.layout, sorted(run.model_config.items()), sorted(run.layout_options.items()),
         sorted(run.task_options.items()), run.batch_size, run.train_lengths, run.evaluator, run.test_batch_size))


def _time_setup(run: Run, device=None) -> tuple[float, float]:
    """Seconds per training step and per test length of ``run``'s setup."""
    low, high = run.train_lengths
    middle = (low + high) // 2
    lengths = sorted(run.test_lengths)
    sample = tuple(lengths[round(i * (len(lengths) - 1) / max(1, PROBE_LENGTHS - 1))] for i in range(PROBE_LENGTHS))
    probe = replace(run, steps=PROBE_STEPS, train_lengths=(middle, middle), curriculum="uniform",
                    test_lengths=tuple(sorted(set(sample))))
    with threads(1):
        model, layout = probe.build()
        _, seconds = probe.fit(model, layout, device)
        started = time.perf_counter()
        probe.score(model, layout, device)
        eval_seconds = time.perf_counter() - started
    return seconds / PROBE_STEPS, eval_seconds / len(probe.test_lengths)


def estimate(runs: list[Run], workers: int, device: str | None = "cpu", deadline: float | None = None) -> Estimate:
    """Time one run of every distinct setup in ``runs`` briefly (on its device under the setting
    ``device``) and extrapolate to all of them. ``deadline`` (a ``time.perf_counter()`` value): raise
    :class:`TimeoutError` rather than start timing a setup after it."""
    started, timed = time.perf_counter(), {}
    total = on_gpu = 0.0
    gpu_runs, gpus = 0, 0
    for run in runs:
        setup, where = _setup(run), run_device(run.model, device)
        if setup not in timed:
            if deadline is not None and time.perf_counter() > deadline:
                raise TimeoutError(f"timed {len(timed)} setups before the deadline")
            timed[setup] = _time_setup(run, where)
        per_step, per_length = timed[setup]
        seconds = run.steps * per_step + len(run.test_lengths) * per_length
        total += seconds
        if device_type(run.model, device) == "cuda":
            on_gpu, gpu_runs = on_gpu + seconds, gpu_runs + 1
            gpus = max(1, torch.cuda.device_count()) if where.index is None else 1
    return Estimate(len(runs), total, workers, len(timed), time.perf_counter() - started, on_gpu, gpus, gpu_runs)
