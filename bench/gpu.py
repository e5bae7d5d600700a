"""The GPU check: every registered model on the GPU beside the CPU, and every chapter's profiles
estimated on that GPU, in one table, within a time budget.

    PYTHONPATH=. python bench/gpu.py [--steps 200] [--budget 480] [--device cuda:0] [--dry-run]

On a machine with CUDA it spends at most ``--budget`` seconds (8 minutes by default) on

* a row per registered model: ``--steps`` training steps of parity (tagging layout, batch 32, lengths
  1..20, AdamW at lr 1e-3, seed 0) on the CPU (one thread, as the run engine's workers) and on the
  GPU (with :func:`~recur_tutorial.runtime.gpu_numerics`: float32 without TF32, deterministic
  kernels); steps per second on each, the device that ``device="auto"`` gives the model, and whether
  the losses agree. The first step's loss (the same weights, the same batch) must agree within
  :data:`FIRST_TOLERANCE`; float32 sums taken in another order then drift apart, so the mean loss
  of the last tenth of the steps must agree within :data:`LAST_TOLERANCE` only;
* a row for one model trained twice on the GPU from the same seed: identical losses, as the
  deterministic settings promise (the operations that warned they are not deterministic are listed
  under the table);
* a row per chapter and profile: the run engine's estimate of its wall time here with
  ``device="auto"`` (:func:`~recur_tutorial.engine.estimate.estimate`: one worker per GPU, the
  other cores for the runs that stay on the CPU).

A row not reached within the budget says so. Exit status 1 if any losses disagree. Without CUDA the
script says so and exits 0; ``--dry-run`` runs it all on the emulated device instead
(:mod:`recur_tutorial.emulated_device`: a check of this script, its numbers mean nothing).
"""

from __future__ import annotations

import argparse
import contextlib
import time
import warnings

import numpy as np
import torch

from recur_tutorial import models, runtime, tasks
from recur_tutorial.emulated_device import DEVICE, EmulatedDevice
from recur_tutorial.engine.executors import usable_cores
from recur_tutorial.engine.estimate import estimate, format_seconds
from recur_tutorial.engine.profiles import PROFILES
from recur_tutorial.experiments.sweep import CHAPTERS, chapter_runs
from recur_tutorial.training import Curriculum, train

FIRST_TOLERANCE = 1e-4
"""Largest |GPU − CPU| of the first step's loss (nats): the same weights on the same batch."""
LAST_TOLERANCE = 0.1
"""Largest |GPU − CPU| of the mean loss over the last tenth of the steps (nats)."""
BATCH, LENGTHS, LR = 32, (1, 20), 1e-3
SMALL = {"memory_transformer": {"segment": 8, "n_memory": 2}}
TWICE = "transformer"
"""The model trained twice on the GPU to check that the same seed gives the same losses."""


def losses(name: str, device, steps: int) -> tuple[np.ndarray, float]:
    """The logged losses of ``steps`` training steps of ``name`` on ``device``, and steps per second."""
    layout = tasks.get_layout("tagging", tasks.get("parity_check"))
    model = models.build(name, layout, seed=0, **SMALL.get(name, {}))
    started = time.perf_counter()
    with runtime.threads(1), runtime.gpu_numerics(device):
        history = train(model, layout, steps=steps, batch_size=BATCH, curriculum=Curriculum(*LENGTHS), lr=LR,
                        seed=0, device=device, progress=False)
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)
    return history.loss.to_numpy(), steps / (time.perf_counter() - started)


def agreement(cpu: np.ndarray, gpu: np.ndarray) -> tuple[float, float, bool]:
    """|Δ| of the first loss, |Δ| of the mean of the last tenth, and whether both are within tolerance."""
    tail = max(1, len(cpu) // 10)
    first, last = abs(gpu[0] - cpu[0]), abs(gpu[-tail:].mean() - cpu[-tail:].mean())
    return float(first), float(last), bool(first <= FIRST_TOLERANCE and last <= LAST_TOLERANCE)


def model_rows(names, device, steps: int, deadline: float):
    """One table row per model (and whether every model's losses agreed)."""
    rows, agreed = [], True
    for name in names:
        if time.perf_counter() > deadline:
            rows.append(f"| {name} | — | — | — | not reached within the budget |")
            continue
        cpu, cpu_rate = losses(name, "cpu", steps)
        gpu, gpu_rate = losses(name, device, steps)
        first, last, ok = agreement(cpu, gpu)
        agreed &= ok
        auto = runtime.device_type(name, "auto")
        rows.append(f"| {name} | {cpu_rate:.1f} steps/s | {gpu_rate:.1f} steps/s | {gpu_rate / cpu_rate:.2f}× | "
                    f"first Δ {first:.1e}, last Δ {last:.3f}: {'agree' if ok else 'DIFFER'}; auto: {auto} |")
    return rows, agreed


def twice_row(device, steps: int, deadline: float) -> tuple[str, bool]:
    if time.perf_counter() > deadline:
        return f"| {TWICE}, same seed twice on the GPU | — | — | — | not reached within the budget |", True
    (first, _), (second, _) = losses(TWICE, device, steps), losses(TWICE, device, steps)
    same = bool(np.array_equal(first, second))
    gap = float(np.abs(first - second).max())
    return (f"| {TWICE}, same seed twice on the GPU | — | {'identical' if same else f'max Δ {gap:.1e}'} | — | "
            f"{'deterministic' if same else 'NOT deterministic'} |"), same


def chapter_rows(chapters, profiles, deadline: float):
    rows = []
    for profile in profiles:
        for chapter in chapters:
            runs = chapter_runs(chapter, profile)
            try:
                found = estimate(runs, usable_cores(), "auto", deadline)
            except TimeoutError:
                rows.append(f"| chapter {chapter}, {profile} | — | — | — | not estimated within the budget |")
                continue
            rows.append(f"| chapter {chapter}, {profile} | — | {format_seconds(found.wall_seconds)} (estimate) | — | "
                        f"{found.runs} runs, {found.gpu_runs} on the GPU; {found.probed} setups timed "
                        f"{found.probe_seconds:.0f} s |")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--budget", type=float, default=480, help="seconds (default: 8 minutes)")
    parser.add_argument("--device", default="cuda", help="the GPU to check (cuda or cuda:N)")
    parser.add_argument("--models", nargs="+", default=models.names(), choices=models.names())
    parser.add_argument("--chapters", type=int, nargs="*", default=sorted(CHAPTERS), choices=sorted(CHAPTERS))
    parser.add_argument("--profiles", nargs="*", default=list(PROFILES), choices=PROFILES)
    parser.add_argument("--dry-run", action="store_true", help="on the emulated device (a check of this script)")
    options = parser.parse_args()
    if options.steps < 10:
        parser.error(f"--steps must be at least 10 (a tenth of them is compared), got {options.steps}")
    if not options.dry_run and not torch.cuda.is_available():
        print(f"no CUDA device: torch {torch.__version__} sees no GPU here, so there is nothing to check; run this on "
              "a machine with one (or --dry-run, which runs the script on an emulated device)")
        return 0
    deadline = time.perf_counter() + options.budget
    with (EmulatedDevice() if options.dry_run else contextlib.nullcontext()), \
            warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        device = DEVICE if options.dry_run else runtime.get_device(options.device)
        name = "emulated device (dry run)" if options.dry_run else torch.cuda.get_device_name(device)
        print(f"{name} beside the CPU ({usable_cores()} cores; one thread per run); {options.steps} steps, batch "
              f"{BATCH}, lengths {LENGTHS[0]}..{LENGTHS[1]}; tolerances: first loss {FIRST_TOLERANCE:g}, "
              f"last tenth {LAST_TOLERANCE:g} nats\n")
        print("| row | CPU | GPU | GPU ÷ CPU | check |\n|---|---|---|---|---|")
        rows, agreed = model_rows(options.models, device, options.steps, deadline)
        print("\n".join(rows), flush=True)
        row, deterministic = twice_row(device, options.steps, deadline)
        print(row, flush=True)
        for row in chapter_rows(options.chapters, options.profiles, deadline):
            print(row, flush=True)
    nondeterministic = sorted({str(w.message).split(".")[0] for w in caught if "determinis" in str(w.message)})
    print("\noperations that warned they are not deterministic: " + ("; ".join(nondeterministic) or "none"))
    return 0 if agreed and deterministic else 1


if __name__ == "__main__":
    raise SystemExit(main())
