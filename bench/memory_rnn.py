"""Benchmark the Stack-RNN and Tape-RNN: the step-by-step equations against the fast forward pass.

    PYTHONPATH=. python bench/memory_rnn.py [--lengths 10 20 40] [--repeats 5] [--memory-size 201]

"plain" steps through the sequence with ``model.step`` (the update equations on the whole memory,
one token at a time: how ``forward`` ran before the fast form); "fast" is ``model(tokens)``. Both
run forward + backward on one training batch of Chapter 1 (batch 64, the read-then-write layout;
the Tape-RNN with one computation token per input symbol), the forms taking turns so that a slow
spell of a shared machine hits all of them. For the Tape-RNN, "short tape" is the fast form on the
shorter tape that Chapter 1 trains on (``--training-memory-size``). Prints a table of median
milliseconds and the speed-ups over the plain form.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from recur_tutorial import models, tasks

CASES = {  # row name → model, task, layout options, model configuration
    "stack_rnn": ("stack_rnn", "reverse_string", {}, {}),
    "tape_rnn": ("tape_rnn", "duplicate_string", {"computation_steps": 1}, {}),
    "tape_rnn, linear write": ("tape_rnn", "duplicate_string", {"computation_steps": 1}, {"write_layers": ()}),
}
"""The Tape-RNN writes through Delétang et al.'s MLP by default; Chapter 1 writes through one linear
layer, whose fast form is one autograd node for the whole sequence (``MemoryScan``)."""


def seconds(name: str, length: int, repeats: int, batch_size: int, memory_size: int,
            training_memory_size: int) -> dict[str, float]:
    """Median wall time of one forward + backward pass of each form."""
    model_name, task, options, config = CASES[name]
    layout = tasks.get_layout("read_then_write", tasks.get(task), **options)
    model = models.build(model_name, layout, seed=0, memory_size=memory_size, **config)
    tokens = layout.batch(batch_size, length, torch.Generator().manual_seed(0)).tokens
    forms = {"plain": model.run_steps, "fast": model}
    if model_name == "tape_rnn":
        forms["short tape"] = models.build(model_name, layout, seed=0, memory_size=memory_size,
                                           training_memory_size=training_memory_size, **config)
    times = {form: [] for form in forms}
    for _ in range(repeats + 1):  # the first round warms up
        for form, forward in forms.items():
            started = time.perf_counter()
            forward(tokens).square().mean().backward()
            times[form].append(time.perf_counter() - started)
    return {form: statistics.median(spent[1:]) for form, spent in times.items()} | {"tokens": tokens.shape[1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[10, 20, 40], help="input lengths ℓ")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--memory-size", type=int, default=201, help="cells (Chapter 1: the longest test input + 1)")
    parser.add_argument("--training-memory-size", type=int, default=64, help="the Tape-RNN's training tape")
    parser.add_argument("--models", nargs="+", default=list(CASES), choices=CASES)
    options = parser.parse_args()
    torch.set_num_threads(1)
    print(f"CPU, 1 thread, batch {options.batch_size}, {options.memory_size} memory cells; "
          "median ms of forward + backward")
    print("| model | ℓ | tokens | plain ms | fast ms | speed-up | short tape ms | speed-up |\n"
          "|---|---|---|---|---|---|---|---|")
    for name in options.models:
        for length in options.lengths:
            spent = seconds(name, length, options.repeats, options.batch_size, options.memory_size,
                            options.training_memory_size)
            slow, fast, short = spent["plain"], spent["fast"], spent.get("short tape")
            last = f"{1e3 * short:.3f} | {slow / short:.1f}×" if short else "– | –"
            print(f"| {name} | {length} | {spent['tokens']} | {1e3 * slow:.3f} | {1e3 * fast:.3f} "
                  f"| {slow / fast:.1f}× | {last} |", flush=True)


if __name__ == "__main__":
    main()
