"""Benchmark the Stack-RNN and Tape-RNN: the step-by-step equations against the fast forward pass,
in its Python loop and its compiled one.

    PYTHONPATH=. python bench/memory_rnn.py [--lengths 10 20 40] [--repeats 5] [--memory-size 201]

"plain" steps through the sequence with ``model.step`` (the update equations on the whole memory,
one token at a time: how ``forward`` ran before the fast form); "python" is ``model(tokens)`` with
the Python loop (``memory_kernels.python_loop``), "compiled" the same with the C++ loop of
``memory_scan.cpp`` (where the fast form is one autograd node: the Stack-RNN, and the Tape-RNN with a
linear write). All run forward + backward on one training batch of Chapter 1 (batch 64, the
read-then-write layout; the Tape-RNN with one computation token per input symbol), the forms taking
turns so that a slow spell of a shared machine hits all of them. The Tape-RNN runs on the shorter
tape that Chapter 1 trains on (``--training-memory-size``). Prints a table of median milliseconds and
the speed-ups over the plain form and of the compiled loop over the Python one.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from recur_tutorial import models, tasks
from recur_tutorial.models import memory_kernels

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
    size = {"training_memory_size": training_memory_size} if model_name == "tape_rnn" else {}
    model = models.build(model_name, layout, seed=0, memory_size=memory_size, **size, **config).train()
    tokens = layout.batch(batch_size, length, torch.Generator().manual_seed(0)).tokens

    def python(tokens):
        with memory_kernels.python_loop():
            return model(tokens).square().mean().backward()

    forms = {"plain": lambda tokens: model.run_steps(tokens).square().mean().backward(), "python": python,
             "compiled": lambda tokens: model(tokens).square().mean().backward()}
    times = {form: [] for form in forms}
    for _ in range(repeats + 1):  # the first round warms up
        for form, step in forms.items():
            started = time.perf_counter()
            step(tokens)
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
    if memory_kernels.unavailable():
        raise SystemExit(f"no compiled loop to time: {memory_kernels.unavailable()}")
    print(f"CPU, 1 thread, batch {options.batch_size}, {options.memory_size} memory cells "
          f"(the Tape-RNN's training tape {options.training_memory_size}); median ms of forward + backward")
    print("| model | ℓ | tokens | plain ms | python ms | compiled ms | python vs plain | compiled vs plain "
          "| compiled vs python |\n|---|---|---|---|---|---|---|---|---|")
    for name in options.models:
        for length in options.lengths:
            spent = seconds(name, length, options.repeats, options.batch_size, options.memory_size,
                            options.training_memory_size)
            plain, python, compiled = spent["plain"], spent["python"], spent["compiled"]
            print(f"| {name} | {length} | {spent['tokens']} | {1e3 * plain:.2f} | {1e3 * python:.2f} "
                  f"| {1e3 * compiled:.2f} | {plain / python:.1f}× | {plain / compiled:.1f}× "
                  f"| {python / compiled:.2f}× |", flush=True)


if __name__ == "__main__":
    main()
