"""Benchmark a training step of Chapter 1's Transformer computed at every position against one
computed only from the first scored position on (``Transformer.logits_from``).

    PYTHONPATH=. python bench/transformer.py [--lengths 10 20 40] [--repeats 5] [--batch-size 64]

The model is Chapter 1's (d_model 64, 2 layers, 4 heads, rotary positions), the layout read-then-write
(duplicate_string with one computation token per input symbol, as in Chapter 1). In that layout the
answer follows the input, so the loss reads only the last positions: "every position" runs the whole
forward pass, "from the answer" leaves out the last block's queries, attention output and MLP before
the answer (its keys and values still cover every position). Both run forward + backward of the
training loss, taking turns, so that a slow spell of a shared machine hits both. Prints a table of
median milliseconds and the speed-up.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from recur_tutorial import models, tasks
from recur_tutorial.experiments.chomsky import LAYOUT_OPTIONS, MODEL_CONFIG
from recur_tutorial.training import loss_and_accuracy

TASKS = ("parity_check", "reverse_string", "duplicate_string")


def seconds(task: str, length: int, repeats: int, batch_size: int) -> dict[str, float]:
    """Median wall time of forward + backward of the training loss, in each form."""
    layout = tasks.get_layout("read_then_write", tasks.get(task), **LAYOUT_OPTIONS.get(task, {}))
    model = models.build("transformer", layout, seed=0, **MODEL_CONFIG["transformer"]).train()
    batch = layout.batch(batch_size, length, torch.Generator().manual_seed(0))
    first = batch.first_scored
    forms = {"every": lambda: model(batch.tokens), "from": lambda: model.logits_from(batch.tokens, first)}
    times = {form: [] for form in forms}
    for _ in range(repeats + 1):  # the first round warms up
        for form, logits in forms.items():
            started = time.perf_counter()
            loss_and_accuracy(logits(), batch)[0].backward()
            times[form].append(time.perf_counter() - started)
            model.zero_grad(set_to_none=True)
    return {form: statistics.median(spent[1:]) for form, spent in times.items()} | {
        "tokens": batch.tokens.shape[1], "first": first}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[10, 20, 40], help="input lengths ℓ")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=TASKS)
    options = parser.parse_args()
    torch.set_num_threads(1)
    print(f"CPU, 1 thread, batch {options.batch_size}; median ms of forward + backward of the training loss")
    print("| task | ℓ | tokens | answer from | every position ms | from the answer ms | speed-up |\n"
          "|---|---|---|---|---|---|---|")
    for task in options.tasks:
        for length in options.lengths:
            spent = seconds(task, length, options.repeats, options.batch_size)
            print(f"| {task} | {length} | {spent['tokens']} | {spent['first']} | {1e3 * spent['every']:.2f} "
                  f"| {1e3 * spent['from']:.2f} | {spent['every'] / spent['from']:.2f}× |", flush=True)


if __name__ == "__main__":
    main()
