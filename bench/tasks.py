"""Examples per second that each task generates, at lengths 40 and 500 (batch 256).

Run: ``python bench/tasks.py [--threads N] [--repeats R]``. Each cell is the median over R timed
batches after one warm-up batch. Torch runs on one thread by default: batches this small gain
nothing from more, and on a busy machine extra threads mostly wait for each other.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from recur_tutorial import tasks

LENGTHS = (40, 500)
BATCH = 256
TARGET = 100_000  # examples/s at length 40
VARIANTS = {"modular_counter": {"modulus": 4}, "word_problem": {"group": "S5"}}


def examples_per_second(task, length: int, repeats: int) -> float:
    generator = torch.Generator().manual_seed(0)
    task.generate(BATCH, length, generator)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        task.generate(BATCH, length, generator)
        times.append(time.perf_counter() - started)
    return BATCH / statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    header = f"| task | level | {' | '.join(f'ℓ = {n}' for n in LENGTHS)} |"
    print(header, "|---|---|" + "---:|" * len(LENGTHS), sep="\n")
    for name in tasks.names():
        options = VARIANTS.get(name, {})
        task = tasks.get(name, **options)
        rates = [examples_per_second(task, n, args.repeats) for n in LENGTHS]
        label = name + "".join(f" ({v})" for v in options.values())
        flag = "" if rates[0] >= TARGET else " (below target)"
        print(f"| {label} | {task.level} | " + " | ".join(f"{r:,.0f}" for r in rates) + f" |{flag}")


if __name__ == "__main__":
    main()
