"""Benchmark one training step of every model of Chapter 4, at the chapter's sizes.

    PYTHONPATH=. python bench/train_step.py [--repeats 10] [--length 40] [--models LABEL ...]

A step is what the run engine repeats ``steps`` times: the forward pass on a batch of parity_check in
the tagging layout (batch 64, every sequence of ``--length`` tokens, as Chapter 4 trains), the
cross-entropy at every position, the backward pass and one AdamW update, on one CPU thread (as the
engine's workers). The models take turns, one step each per round, so that a slow spell of a shared
machine hits all of them. Prints a table of the median milliseconds per step, the parameters, and the
time relative to the reference row (DeltaNet with eigenvalues in [-1, 1], the recurrence the newer
models generalise).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from recur_tutorial import models, tasks
from recur_tutorial.experiments.completeness import MODELS
from recur_tutorial.tasks.layouts import IGNORE

REFERENCE = "DeltaNet [-1, 1]"


def training_step(label: str, batch_size: int, length: int):
    """A function doing one training step of the chapter's model ``label``, and its parameter count."""
    name, config = MODELS[label]
    layout = tasks.get_layout("tagging", tasks.get("parity_check"))
    model = models.build(name, layout, seed=0, **config).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    batch = layout.batch(batch_size, length, torch.Generator().manual_seed(0))

    def step() -> None:
        optimizer.zero_grad()
        logits = model(batch.tokens)
        F.cross_entropy(logits.flatten(0, 1), batch.targets.flatten(), ignore_index=IGNORE).backward()
        optimizer.step()

    return step, model.num_parameters()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--length", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--models", nargs="+", default=[label for label in MODELS if label != "Transformer"],
                        choices=list(MODELS))
    options = parser.parse_args()
    torch.set_num_threads(1)
    labels = list(dict.fromkeys([REFERENCE, *options.models]))
    steps = {label: training_step(label, options.batch_size, options.length) for label in labels}
    times = {label: [] for label in labels}
    for _ in range(options.repeats + 1):  # the first round warms up
        for label, (step, _) in steps.items():
            started = time.perf_counter()
            step()
            times[label].append(time.perf_counter() - started)
    median = {label: statistics.median(spent[1:]) for label, spent in times.items()}
    print(f"one training step, batch {options.batch_size} x length {options.length}, 1 thread; "
          f"median of {options.repeats}")
    print(f"| model | parameters | ms per step | relative to {REFERENCE} |\n|---|---|---|---|")
    for label in labels:
        print(f"| {label} | {steps[label][1]} | {1e3 * median[label]:.2f} | {median[label] / median[REFERENCE]:.2f} |")


if __name__ == "__main__":
    main()
