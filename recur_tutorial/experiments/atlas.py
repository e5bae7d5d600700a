"""The atlas (the book's closing chapter): every task of the suite × every model of the zoo × three seeds.

Each run trains on lengths 1-40 in the read-then-write layout (as Delétang et al. 2023) and is tested
at every third training length and at lengths 41-200 (every 16th, and 200); its *score* is the mean
accuracy beyond training, its *in-distribution* accuracy the mean over the tested training lengths.
Settings are the model's, never a cell's (:data:`SETTINGS`): Chapter 1's quick settings per model for
Delétang et al.'s five architectures (chosen for that chapter, not on the atlas's seeds or lengths),
the family defaults (:mod:`recur_tutorial.engine.families`) for the others. The only per-task setting
is the layout's computation step on ``duplicate_string`` (Chapter 1 says why).

The records are kept in the repository (``book/data/atlas/records.jsonl``, :mod:`recur_tutorial.engine.kept`)
and one command trains what is missing or stale (settings or code changed), keeping each record as
it finishes, so that the atlas can be built in parts, on several machines, or on a Ray cluster::

    python -m recur_tutorial atlas [--models rnn,lstm] [--tasks ...] [--seeds 0,1,2] [--workers N]
                                   [--backend ray --address HOST:PORT] [--estimate] [--budget SECONDS]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from .. import models as zoo
from .. import tasks as suite
from ..engine import kept as kept_records
from ..engine.estimate import estimate, format_seconds
from ..engine.executors import BACKENDS, run_grid, usable_cores
from ..engine.families import family_run
from ..engine.provenance import ROOT
from ..engine.run import Run
from ..engine.store import Store
from ..errors import check
from . import chomsky

RECORDS = ROOT / "book" / "data" / "atlas" / "records.jsonl"
SEEDS = (0, 1, 2)
TEST_MAX, TEST_STEP = 200, 16
TASKS: dict[str, dict] = {
    **{name: {} for name in suite.names() if name != "word_problem"},
    "word_problem · S3": {"group": "S3"}, "word_problem · A5": {"group": "A5"},
}
"""Task label → (its task is the label's first word) its options: the suite, with the word problem
for two groups."""
DELETANG_MODELS = chomsky.MODELS
SETTINGS = {"steps": 1000, "batch_size": 64, "test_batch_size": 64,
            "overrides": {model: changes for model, changes in chomsky.SETTINGS["quick"]["overrides"].items()
                          if " on " not in model}}
"""The budget of every run and the per-model changes (Chapter 1's quick settings, without its
per-task changes)."""
MODEL_CONFIG = {**chomsky.MODEL_CONFIG}
LAYOUT_OPTIONS = chomsky.LAYOUT_OPTIONS
FAMILY_OF = {
    "rnn": "classic RNN", "gru": "classic RNN", "lstm": "classic RNN",
    "stack_rnn": "memory-augmented RNN", "tape_rnn": "memory-augmented RNN",
    "transformer": "Transformer", "universal_transformer": "Transformer", "memory_transformer": "Transformer",
    "recurrent_transformer": "recurrent Transformer",
    "slstm": "nonlinear gated (xLSTM)", "mlstm": "linear, eigenvalues in [0, 1]",
    **dict.fromkeys(("linear_transformer", "retnet", "rwkv4", "rwkv6", "rwkv7", "mamba", "deltanet", "diagonal_rnn",
                     "gated_deltanet", "deltaproduct"), "linear, eigenvalues in [0, 1]"),
    **dict.fromkeys(("mamba_neg", "deltanet_neg", "diagonal_rnn_neg", "gated_deltanet_neg", "deltaproduct_neg"),
                    "linear, eigenvalues in [-1, 1]"),
}
"""Zoo name → the family of its state transition (the heatmap's column groups)."""
FAMILY_ORDER = ("classic RNN", "memory-augmented RNN", "Transformer", "recurrent Transformer",
                "nonlinear gated (xLSTM)", "linear, eigenvalues in [0, 1]", "linear, eigenvalues in [-1, 1]")
LEVELS = {"R": "regular", "DCF": "deterministic context-free", "CS": "context-sensitive"}


def task_name(label: str) -> str:
    return label.split(" · ")[0]


def level(label: str) -> str:
    """The Chomsky level of a task label (R, DCF or CS), as the suite states it."""
    return suite.get(task_name(label), **TASKS[label]).level


def model_names() -> list[str]:
    """Every model of the zoo, Delétang et al.'s five first, grouped by family."""
    rest = [m for m in zoo.names() if m not in DELETANG_MODELS]
    return [*DELETANG_MODELS, *sorted(rest, key=lambda m: (FAMILY_ORDER.index(FAMILY_OF[m]), m))]


def test_lengths() -> tuple[int, ...]:
    return chomsky.test_lengths(TEST_MAX, TEST_STEP)


def model_config(model: str) -> dict:
    return chomsky.model_config(model, TEST_MAX) if model in DELETANG_MODELS else dict(MODEL_CONFIG.get(model, {}))


def atlas_run(label: str, model: str, seed: int) -> Run:
    """The atlas's run of ``model`` on the task ``label`` with ``seed``."""
    check(label in TASKS, f"unknown atlas task {label!r}; allowed: {list(TASKS)}")
    check(model in FAMILY_OF, f"model {model!r} has no family in the atlas; allowed: {sorted(FAMILY_OF)}")
    name = task_name(label)
    return family_run(model, SETTINGS, task=name, task_options=TASKS[label], seed=seed,
                      label=model if label == name else f"{model} · {TASKS[label]['group']}",
                      test_lengths=test_lengths(), test_batch_size=SETTINGS["test_batch_size"],
                      model_config=model_config(model), layout_options=LAYOUT_OPTIONS.get(name, {}))


def runs(tasks=None, models=None, seeds=SEEDS) -> list[Run]:
    """The atlas's runs (optionally some tasks, models, seeds), seed by seed (so that an atlas built in
    parts has every cell's first seed before any cell's second), then task by task, model by model."""
    return [atlas_run(label, model, seed) for seed in seeds for label in (tasks or TASKS)
            for model in (models or model_names())]


def task_label(record: dict) -> str:
    """The atlas's task label of a kept record (the word problem's group added)."""
    group = record["settings"]["task_options"].get("group")
    return f"{record['task']} · {group}" if group else record["task"]


def records_table(path: str | Path = RECORDS) -> pd.DataFrame:
    """One row per kept record that finished: task (label), model, seed, score, in_distribution,
    train_seconds, level, family."""
    rows = [{"task": task_label(r), "model": r["model"], "seed": r["seed"], "score": r["score"],
             "in_distribution": r["in_distribution"], "train_seconds": r["train_seconds"]}
            for r in kept_records.KeptRecords(path).ok()]
    table = pd.DataFrame(rows, columns=["task", "model", "seed", "score", "in_distribution", "train_seconds"])
    table["level"] = table.task.map(level)
    table["family"] = table.model.map(FAMILY_OF)
    return table


def length_table(path: str | Path = RECORDS) -> pd.DataFrame:
    """One row per kept record and tested length: task (label), model, seed, length, accuracy."""
    rows = [{"task": task_label(r), "model": r["model"], "seed": r["seed"], "length": n, "accuracy": a}
            for r in kept_records.KeptRecords(path).ok() for n, a in zip(r["lengths"], r["accuracy"])]
    return pd.DataFrame(rows, columns=["task", "model", "seed", "length", "accuracy"])


def refresh(todo: list[Run], path: str | Path = RECORDS, *, store: str | Path = "_build/atlas/store",
            workers: int = 1, backend: str = "local", address: str | None = None,
            budget: float | None = None) -> int:
    """Train ``todo`` with the run engine, in its order, ``workers`` runs at a time, keeping each run's
    record in ``path`` as it finishes; with ``budget`` (seconds), start no run after it is spent.
    Returns how many were kept."""
    keep, started, done = kept_records.KeptRecords(path), time.perf_counter(), 0
    batch = max(1, workers)
    for first in range(0, len(todo), batch):
        if budget is not None and time.perf_counter() - started > budget:
            break
        chunk = todo[first:first + batch]
        run_grid(chunk, store, workers=workers, backend=backend, address=address, progress=False)
        for run in chunk:
            keep.put(kept_records.kept_record(run, Store(store).record(run)))
        done += len(chunk)
        print(f"{done} of {len(todo)} kept ({format_seconds(time.perf_counter() - started)})", flush=True)
    return done


def _names(text: str | None, allowed, kind: str, convert=str):
    if text is None:
        return None
    values = [convert(v.strip()) for v in text.split(",") if v.strip()]
    for value in values:
        check(value in allowed, f"unknown {kind} {value!r}; allowed: {', '.join(map(str, allowed))}")
    return values


def add_parser(commands) -> None:
    command = commands.add_parser("atlas", help="train the atlas's missing or stale runs, keeping each record",
                                  description=__doc__.splitlines()[0])
    command.add_argument("--tasks", help="comma-separated task labels (default: all)")
    command.add_argument("--models", help="comma-separated zoo names (default: all)")
    command.add_argument("--seeds", help="comma-separated seeds (default: 0,1,2)")
    command.add_argument("--records", default=str(RECORDS), help="the kept records (JSON lines)")
    command.add_argument("--store", default="_build/atlas/store", help="a run store for the weights (local)")
    command.add_argument("--workers", type=int, default=None, help=f"worker processes (default: {usable_cores()})")
    command.add_argument("--backend", default="local", help=f"one of {', '.join(BACKENDS)}")
    command.add_argument("--address", default=None, help="a Ray cluster's address (backend ray)")
    command.add_argument("--estimate", action="store_true", help="only estimate the time of what is to train")
    command.add_argument("--budget", type=float, default=None, help="start no run after this many seconds")


def main(args: argparse.Namespace) -> int:
    selected = runs(_names(args.tasks, list(TASKS), "task"), _names(args.models, model_names(), "model"),
                    _names(args.seeds, range(1000), "seed", int) or SEEDS)
    keep, workers = kept_records.KeptRecords(args.records), args.workers or usable_cores()
    todo = keep.stale(selected)
    reasons = pd.Series([keep.why_stale(run) for run in todo], dtype=object).value_counts().to_dict()
    print(f"atlas: {len(selected)} runs selected, {len(selected) - len(todo)} kept in {args.records}; to train: "
          f"{len(todo)} {reasons or ''}", flush=True)
    if args.estimate:
        print(estimate(todo, workers), flush=True)
        return 0
    refresh(todo, args.records, store=args.store, workers=workers, backend=args.backend, address=args.address,
            budget=args.budget)
    return 0
