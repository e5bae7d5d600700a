"""``python -m recur_tutorial sweep --chapter N --profile quick|full --store DIR``: a chapter's grid,
or the part of it that ``--tasks``, ``--models`` and ``--seeds`` select, run by the run engine with
the chapter's own settings for every run; then a summary per task and model (or, with ``--json``,
the records)."""

from __future__ import annotations

import argparse
import importlib
import json
import sys

from ..errors import ConfigError, check_choice
from ..runtime import CPU_FASTER, DEVICE_SETTINGS
from ..engine.executors import BACKENDS, run_grid, usable_cores
from ..engine.estimate import estimate
from ..engine.profiles import PROFILES
from ..engine.run import Run
from ..engine.store import DEFAULT_DEVICE, Store

CHAPTERS = {1: "chomsky", 2: "depth", 3: "cot", 4: "completeness", 5: "revisit"}
"""Chapter number → its module in :mod:`recur_tutorial.experiments`; each has ``runs(profile)``."""


def chapter_runs(chapter: int, profile: str) -> list[Run]:
    """Every run of a chapter's profile."""
    check_choice("chapter", chapter, CHAPTERS)
    module = importlib.import_module(f"{__package__}.{CHAPTERS[chapter]}")
    return module.runs(profile)


def _values(text: str | None, kind: str, convert=str) -> list | None:
    if text is None:
        return None
    try:
        values = [convert(v.strip()) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ConfigError(f"{kind} are a comma-separated list of integers, got {text!r}") from None
    if not values:
        raise ConfigError(f"--{kind} names no value")
    return values


def select(runs: list[Run], tasks=None, models=None, seeds=None) -> list[Run]:
    """The runs whose task, model (zoo name or label) and seed are among those given (None: all);
    a value that no run has is refused with the values allowed."""
    for kind, wanted, have in (("task", tasks, {r.task for r in runs}),
                               ("model", models, {r.model for r in runs} | {r.name for r in runs}),
                               ("seed", seeds, {r.seed for r in runs})):
        for value in wanted or ():
            check_choice(f"{kind} for this chapter and profile", value, sorted(have, key=str))
    return [r for r in runs if (tasks is None or r.task in tasks)
            and (models is None or r.model in models or r.name in models) and (seeds is None or r.seed in seeds)]


def add_parser(commands) -> None:
    sweep = commands.add_parser("sweep", help="run a chapter's grid (or part of it) with the run engine",
                                description=__doc__.splitlines()[0])
    sweep.add_argument("--chapter", type=int, required=True, help=f"one of {sorted(CHAPTERS)}")
    sweep.add_argument("--profile", default="quick", help=f"one of {', '.join(PROFILES)}")
    sweep.add_argument("--tasks", help="comma-separated task names (default: the chapter's)")
    sweep.add_argument("--models", help="comma-separated zoo names or labels (default: the chapter's)")
    sweep.add_argument("--seeds", help="comma-separated seeds (default: the chapter's)")
    sweep.add_argument("--workers", type=int, default=None, help=f"worker processes (default: {usable_cores()})")
    sweep.add_argument("--backend", default="local", help=f"one of {', '.join(BACKENDS)}")
    sweep.add_argument("--address", default=None, help="a Ray cluster's address (backend ray); default: local")
    sweep.add_argument("--device", default=DEFAULT_DEVICE,
                       help=f"one of {', '.join(DEVICE_SETTINGS)} (default: {DEFAULT_DEVICE}); auto: the GPU where "
                            f"there is one, except for {', '.join(CPU_FASTER)}, which are faster on the CPU")
    sweep.add_argument("--store", required=True, help="the run store's folder")
    sweep.add_argument("--json", action="store_true", help="print the records (one JSON object per run)")
    sweep.add_argument("--no-estimate", action="store_true", help="skip the time estimate of a full profile")


def summary_lines(runs: list[Run], store: Store) -> list[str]:
    """Per task and model: the score of every seed (in-distribution accuracy in brackets)."""
    lines, groups = [], {}
    for run in runs:
        groups.setdefault((run.task, run.name), []).append(run)
    width = max(len(f"{t}  {m}") for t, m in groups) + 2
    for (task, name), members in groups.items():
        cells = []
        for run in members:
            record = store.record(run)
            if record is None:
                cells.append(f"seed {run.seed}: not run")
            elif record["status"] == "failed":
                cells.append(f"seed {run.seed}: FAILED ({record['error']})")
            else:
                cells.append(f"seed {run.seed}: {record['score']:.3f} ({record['in_distribution']:.3f})")
        lines.append(f"{task}  {name}".ljust(width) + "   ".join(cells))
    return lines


def main(args: argparse.Namespace) -> int:
    check_choice("profile", args.profile, PROFILES)
    check_choice("backend", args.backend, BACKENDS)
    if args.workers is not None and args.workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {args.workers}")
    runs = select(chapter_runs(args.chapter, args.profile), _values(args.tasks, "tasks"),
                  _values(args.models, "models"), _values(args.seeds, "seeds", int))
    store, workers = Store(args.store, args.device), args.workers or usable_cores()
    todo = [run for run in runs if not store.done(run)]
    log = sys.stderr if args.json else sys.stdout
    print(f"chapter {args.chapter}, profile {args.profile}, device {args.device}: {len(runs)} runs, "
          f"{len(runs) - len(todo)} already in {store.directory}", file=log)
    if args.profile == "full" and todo and not args.no_estimate:
        print(estimate(todo, workers, args.device), file=log, flush=True)
    run_grid(runs, store, workers=workers, backend=args.backend, address=args.address, progress=True)
    if args.json:
        for run in runs:
            print(json.dumps({"task": run.task, "model": run.name, "seed": run.seed, **store.record(run)}))
    else:
        print("score beyond training per seed (in-distribution accuracy in brackets):")
        print("\n".join(summary_lines(runs, store)))
    return 0
