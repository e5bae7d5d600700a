"""Command line: ``python -m recur_tutorial train --task parity_check --model lstm``, and ``sweep``
(a chapter's grid, :mod:`recur_tutorial.experiments.sweep`).

Bad names or impossible settings exit with status 2 and a message listing what is allowed.
"""

from __future__ import annotations

import argparse
import sys

from . import models, tasks
from .errors import ConfigError
from .evaluation import evaluate
from .experiments import sweep
from .runtime import describe_device, get_device
from .training import Curriculum, train


def length_range(text: str) -> range:
    """``41:200`` → range(41, 201); ``100`` → range(100, 101); ``41:200:10`` with a step."""
    try:
        parts = [int(p) for p in text.split(":")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"lengths look like 41:200 or 41:200:10, got {text!r}") from None
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) not in (2, 3) or parts[0] < 1 or parts[1] < parts[0]:
        raise argparse.ArgumentTypeError(f"lengths need 1 <= first <= last, got {text!r}")
    return range(parts[0], parts[1] + 1, parts[2] if len(parts) == 3 else 1)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m recur_tutorial", description=__doc__.splitlines()[0])
    commands = top.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list tasks, layouts and models")
    sweep.add_parser(commands)
    run = commands.add_parser("train", help="train one model on one task, then print accuracy per length")
    run.add_argument("--task", required=True)
    run.add_argument("--model", required=True)
    run.add_argument("--layout", default="read_then_write")
    run.add_argument("--steps", type=int, default=1000)
    run.add_argument("--batch-size", type=int, default=128)
    run.add_argument("--lr", type=float, default=1e-3)
    run.add_argument("--train-lengths", type=length_range, default=range(1, 41), metavar="MIN:MAX")
    run.add_argument("--test-lengths", type=length_range, default=range(1, 201, 1), metavar="MIN:MAX[:STEP]")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "list":
        print("tasks:  ", ", ".join(tasks.names()))
        print("layouts:", ", ".join(tasks.LAYOUTS.names()))
        print("models: ", ", ".join(models.names()))
        return 0
    if args.command == "sweep":
        try:
            return sweep.main(args)
        except ConfigError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    try:
        if args.device not in (None, "cpu", "cuda"):
            raise ConfigError(f"unknown device {args.device!r}; allowed: 'cpu', 'cuda'")
        if args.device == "cuda" and not get_device().type == "cuda":
            raise ConfigError("device 'cuda' asked for, but no CUDA GPU is available")
        layout = tasks.get_layout(args.layout, tasks.get(args.task))
        model = models.build(args.model, layout, seed=args.seed)
        train_lengths = args.train_lengths
        print(describe_device(), file=sys.stderr)
        train(model, layout, steps=args.steps, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
              curriculum=Curriculum(train_lengths.start, train_lengths.stop - 1), device=args.device)
        result = evaluate(model, layout, args.test_lengths, train_max=train_lengths.stop - 1, device=args.device)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(result.table.to_string(index=False, float_format="%.3f"))
    print(f"in distribution: {result.in_distribution:.3f}   score beyond training: {result.score:.3f}")
    return 0
