"""Command line: ``python -m recur_tutorial train --task parity_check --model lstm``, ``sweep``
(a chapter's grid, :mod:`recur_tutorial.experiments.sweep`) and ``robustness`` (a chapter's positive
claims on ten seeds, :mod:`recur_tutorial.experiments.robustness`) and ``atlas`` (the closing chapter's
records, :mod:`recur_tutorial.experiments.atlas`).

Bad names or impossible settings exit with status 2 and a message that says what is allowed; a run
whose loss diverges (NaN or infinite) exits with status 1 and names the step, the loss and the
learning rate.
"""

from __future__ import annotations

import argparse
import sys

from . import models, tasks
from .errors import ConfigError, TrainingDiverged
from .evaluation import evaluate
from .experiments import atlas, robustness, sweep
from .runtime import configure_numerics, describe_device, get_device
from .training import Curriculum, train


def length_range(text: str) -> range:
    """``41:200`` → range(41, 201); ``100`` → range(100, 101); ``41:200:10`` with a step."""
    form = "lengths look like 100, 41:200 or 41:200:10 (first:last[:step], integers)"
    try:
        parts = [int(p) for p in text.split(":")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{form}, got {text!r}") from None
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) not in (2, 3):
        raise argparse.ArgumentTypeError(f"{form}, got {text!r}")
    if parts[0] < 1 or parts[1] < parts[0]:
        raise argparse.ArgumentTypeError(f"lengths need 1 <= first <= last, got {text!r}")
    if len(parts) == 3 and parts[2] < 1:
        raise argparse.ArgumentTypeError(f"the step between lengths must be a positive integer, got {text!r}")
    return range(parts[0], parts[1] + 1, parts[2] if len(parts) == 3 else 1)


def option(text: str) -> tuple[str, object]:
    """``KEY=VALUE`` → (key, value), the value read as an integer, a float, true/false, none, or else a
    string: ``modulus=5``, ``group=S3``, ``trace=full``, ``negative_eigenvalues=true``."""
    key, equals, value = text.partition("=")
    if not equals or not key.isidentifier():
        raise argparse.ArgumentTypeError(f"options look like KEY=VALUE (modulus=5, group=S3), got {text!r}")
    words = {"true": True, "false": False, "none": None}
    if value.lower() in words:
        return key, words[value.lower()]
    for kind in (int, float):
        try:
            return key, kind(value)
        except ValueError:
            pass
    return key, value


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m recur_tutorial", description=__doc__.splitlines()[0])
    commands = top.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list tasks, layouts and models")
    sweep.add_parser(commands)
    robustness.add_parser(commands)
    atlas.add_parser(commands)
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
    run.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: cuda when available)")
    for what, example in (("task", "modulus=5, group=S3"), ("layout", "trace=full"), ("model", "hidden=32")):
        run.add_argument(f"--{what}-option", type=option, action="append", default=[], metavar="KEY=VALUE",
                         help=f"an option of the {what} ({example}); repeat for more")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "list":
        print("tasks:  ", ", ".join(tasks.names()))
        print("layouts:", ", ".join(tasks.LAYOUTS.names()))
        print("models: ", ", ".join(models.names()))
        return 0
    if args.command in ("sweep", "robustness", "atlas"):
        try:
            return {"sweep": sweep, "robustness": robustness, "atlas": atlas}[args.command].main(args)
        except ConfigError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    try:
        device = get_device(args.device)
        train_max = args.train_lengths.stop - 1
        if args.train_lengths.step != 1:
            raise ConfigError(f"training lengths are every length min..max, so they take no step; "
                              f"got {args.train_lengths.start}:{train_max}:{args.train_lengths.step}")
        if max(args.test_lengths) <= train_max:
            raise ConfigError(f"every test length ({args.test_lengths.start}..{max(args.test_lengths)}) lies within "
                              f"the training lengths (..{train_max}), so nothing would be scored beyond training; "
                              f"give test lengths above {train_max}, e.g. --test-lengths {train_max + 1}:200")
        task = tasks.get(args.task, **dict(args.task_option))
        layout = tasks.get_layout(args.layout, task, **dict(args.layout_option))
        model = models.build(args.model, layout, seed=args.seed, **dict(args.model_option))
        print(describe_device(args.device), file=sys.stderr)
        configure_numerics(device)
        train(model, layout, steps=args.steps, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
              curriculum=Curriculum(args.train_lengths.start, train_max), device=device)
        result = evaluate(model, layout, args.test_lengths, train_max=train_max, device=device)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except TrainingDiverged as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(result.table.to_string(index=False, float_format="%.3f"))
    print(f"in distribution: {result.in_distribution:.3f}   score beyond training: {result.score:.3f}")
    return 0
