"""Runs per hour of the run engine with 1 worker and with 2, on a fixed part of Chapter 1's grid.

    PYTHONPATH=. python bench/sweep.py [--repeats 1]

The runs: parity_check and cycle_navigation, the Elman RNN and the LSTM, seeds 0 and 1, with
Chapter 1's quick settings (8 runs). Each worker count runs them into a fresh store, the two counts
taking turns when repeated; the table gives the median wall time (worker start-up included), runs
per hour and the ratio of 2 workers to 1.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from recur_tutorial.engine import run_grid
from recur_tutorial.experiments import chomsky
from recur_tutorial.engine.provenance import device_name

TASKS = ("parity_check", "cycle_navigation")
MODELS = ("rnn", "lstm")
SEEDS = (0, 1)


def bench_runs():
    return [run for run in chomsky.runs("quick", tasks=TASKS, models=MODELS) if run.seed in SEEDS]


def wall_seconds(workers: int) -> float:
    with tempfile.TemporaryDirectory() as store:
        started = time.perf_counter()
        run_grid(bench_runs(), store, workers=workers, progress=False)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    n = len(bench_runs())
    times = {1: [], 2: []}
    for _ in range(args.repeats):
        for workers in times:
            times[workers].append(wall_seconds(workers))
    print(f"{n} runs of Chapter 1's quick grid on {device_name()}, median of {args.repeats}")
    print(f"{'workers':>8} {'seconds':>9} {'runs/hour':>10}")
    rate = {}
    for workers, values in times.items():
        seconds = statistics.median(values)
        rate[workers] = n * 3600 / seconds
        print(f"{workers:>8} {seconds:>9.1f} {rate[workers]:>10.0f}")
    print(f"ratio 2 workers / 1 worker: {rate[2] / rate[1]:.2f}")


if __name__ == "__main__":
    main()
