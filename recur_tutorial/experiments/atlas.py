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
            "overrides": {"lstm": {"lr": 1e-2}, "stack_rnn": {"steps": 500, "lr": 3e-3},
                          "tape_rnn": {"lr": 3e-3, "schedule": "cosine", "batch_size": 128},
                          "transformer": {"steps": 300, "schedule": "cosine"}}}
"""The budget of every run and the per-model changes: Chapter 1's quick settings per model as they
were when the atlas was started (without its per-task changes), written out so that a later change of
Chapter 1's settings does not make every kept record stale."""
MODEL_CONFIG = {"transformer": {"d_model": 64, "n_layers": 2, "n_heads": 4, "positional": "rope"},
                "tape_rnn": {"training_memory_size": 64, "write_layers": ()}}
"""Chapter 1's configurations (rotary positions for the Transformer; the Tape-RNN's training tape)."""
CELLS_PER_SYMBOL = {"stack_rnn": 1, "tape_rnn": 2}
"""Memory cells per symbol of the longest test input (one more cell is added), as in Chapter 1."""
LAYOUT_OPTIONS = {"duplicate_string": {"computation_steps": 1}}
FAMILY_OF = {
    "rnn": "Elman RNN", "gru": "gated RNN", "lstm": "gated RNN", "slstm": "gated RNN",
    "stack_rnn": "memory-augmented RNN", "tape_rnn": "memory-augmented RNN",
    "transformer": "Transformer", "universal_transformer": "Transformer", "memory_transformer": "Transformer",
    "recurrent_transformer": "recurrent Transformer", "mlstm": "linear, eigenvalues in [0, 1]",
    **dict.fromkeys(("linear_transformer", "retnet", "rwkv4", "rwkv6", "rwkv7", "mamba", "deltanet", "diagonal_rnn",
                     "gated_deltanet", "deltaproduct"), "linear, eigenvalues in [0, 1]"),
    **dict.fromkeys(("mamba_neg", "deltanet_neg", "diagonal_rnn_neg", "gated_deltanet_neg", "deltaproduct_neg"),
                    "linear, eigenvalues in [-1, 1]"),
}
"""Zoo name → the family of its state transition (the heatmap's column groups): a nonlinear update
(Elman), a gated nonlinear update (GRU, LSTM, sLSTM), a controller with a differentiable stack or
tape, attention over the whole input, attention recurrent over time, and recurrences linear in the
state with transition eigenvalues in [0, 1] or in [-1, 1] (Grazzi et al.)."""
FAMILY_ORDER = ("Elman RNN", "gated RNN", "memory-augmented RNN", "Transformer", "recurrent Transformer",
                "linear, eigenvalues in [0, 1]", "linear, eigenvalues in [-1, 1]")
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


def protocol() -> str:
    """One sentence of the protocol every atlas run follows, written from the settings above."""
    return (f"trained on lengths 1-40; tested on {len(test_lengths())} lengths up to {TEST_MAX}; seeds {SEEDS}; "
            f"{SETTINGS['test_batch_size']} test sequences per length")


def model_config(model: str) -> dict:
    config = dict(MODEL_CONFIG.get(model, {}))
    if model in CELLS_PER_SYMBOL:
        config["memory_size"] = CELLS_PER_SYMBOL[model] * TEST_MAX + 1
    return config


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


def settings_table(models=None) -> pd.DataFrame:
    """Per model (default: every model of the atlas): the training settings and configuration that
    every one of its runs uses, as the runs are built."""
    rows = []
    for model in models or model_names():
        run = atlas_run("parity_check", model, 0)
        rows.append({"model": model, "family": FAMILY_OF[model], "steps": run.steps, "batch": run.batch_size,
                     "lr": run.lr, "warm-up steps": run.train_options["warmup"],
                     "lr schedule": run.train_options["schedule"], "curriculum": run.curriculum,
                     "configuration": ", ".join(f"{k} {v}" for k, v in run.model_config.items()) or "defaults"})
    return pd.DataFrame(rows)


def chapter_runs(profile: str) -> list[Run]:
    """The runs the chapter trains in ``profile``: none (it reads the kept records)."""
    from ..engine.profiles import PROFILES

    check(profile in PROFILES, f"unknown profile {profile!r}; allowed: {', '.join(PROFILES)}")
    return []


def task_label(record: dict) -> str:
    """The atlas's task label of a kept record (the word problem's group added)."""
    group = record["settings"]["task_options"].get("group")
    return f"{record['task']} · {group}" if group else record["task"]


def records_table(path: str | Path = RECORDS) -> pd.DataFrame:
    """One row per kept record that finished: task (label), model, seed, score, in_distribution,
    train_seconds, level, family. The records live in the repository: a clear error where the package
    runs without it (installed from a wheel)."""
    check(Path(path).exists(), f"the atlas's records are kept in the repository ({RECORDS.relative_to(ROOT)}), "
                               f"not in the installed package: run this page from a clone, or rebuild them "
                               f"with python -m recur_tutorial atlas --records {path}")
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


SOLVES = 0.9
"""A seed solves a task when its score is at least this (the book's bound)."""
FITS = 0.95
"""A seed fits the training lengths when its in-distribution accuracy is at least this."""
GAP = 0.10
"""Our best seed and Delétang et al.'s best differ when they are more than this apart (10 points)."""


def task_order() -> list[str]:
    """The atlas's task labels, regular tasks first, then deterministic context-free, then
    context-sensitive (the suite's order within a level)."""
    return sorted(TASKS, key=lambda label: list(LEVELS).index(level(label)))


def chance(label: str) -> float:
    """Uniform guessing over the task's output symbols."""
    task = suite.get(task_name(label), **TASKS[label])
    return 1 / len(set(task.output_alphabet) - {suite.END})


def planned_runs() -> int:
    return len(TASKS) * len(model_names()) * len(SEEDS)


def coverage(table: pd.DataFrame) -> pd.DataFrame:
    """Per model (in the atlas's order): its family, the runs kept of those planned, and the tasks
    with at least one kept seed; a model with none is *pending*."""
    rows = []
    for model in model_names():
        mine = table[table.model == model]
        rows.append({"model": model, "family": FAMILY_OF[model],
                     "runs kept": f"{len(mine)} of {len(TASKS) * len(SEEDS)}",
                     "tasks with a seed": f"{mine.task.nunique()} of {len(TASKS)}",
                     "state": "measured" if len(mine) == len(TASKS) * len(SEEDS) else
                              "in part" if len(mine) else "pending"})
    return pd.DataFrame(rows)


def cells(table: pd.DataFrame) -> pd.DataFrame:
    """Per task and model with a kept seed: level, family, seeds, median, best and worst score, the
    median in-distribution accuracy, and what the cell shows: *solves* (the median seed's score is at
    least SOLVES), *fitted, did not generalise* (median in distribution at least FITS, score below
    SOLVES), or *did not fit* (in distribution below FITS)."""
    groups = table.groupby(["task", "model"], sort=False)
    out = groups.agg(seeds=("seed", "count"), median=("score", "median"), best=("score", "max"),
                     worst=("score", "min"), in_distribution=("in_distribution", "median")).reset_index()
    out.insert(1, "level", out.task.map(level))
    out.insert(3, "family", out.model.map(FAMILY_OF))
    out["shows"] = [("solves" if m >= SOLVES else "fitted, did not generalise" if i >= FITS else "did not fit")
                    for m, i in zip(out["median"], out.in_distribution)]
    return out


def published_comparison(table: pd.DataFrame) -> pd.DataFrame:
    """Delétang et al.'s Table 2 (their best of 30 runs per cell, lengths 41-500) beside our median and
    best seed (lengths 41-200) for each of their cells, with the difference of the bests, whether it
    is more than GAP, and the median in-distribution accuracy of our seeds; cells without a kept seed
    are *not yet measured*."""
    from ..published import published_scores

    ours = cells(table).set_index(["task", "model"])
    rows = []
    for task, model, theirs in published_scores("deletang2023chomsky").itertuples(index=False):
        row = {"task": task, "level": level(task), "model": model, "Delétang et al. (best)": theirs}
        if (task, model) in ours.index:
            cell = ours.loc[(task, model)]
            row.update({"seeds": int(cell.seeds), "ours (median)": cell["median"], "ours (best)": cell.best,
                        "in distribution (median)": cell.in_distribution,
                        "best − theirs": cell.best - theirs})
            row["differs"] = abs(row["best − theirs"]) > GAP
        else:
            row.update({"seeds": 0, "differs": None})
        rows.append(row)
    return pd.DataFrame(rows)


SHORTCUTS = {"missing_duplicate": "every symbol occurs an even number of times in w w, so the hidden one is "
                                  "the parity of the visible ones: a finite automaton answers it"}
"""Tasks of the suite that a simpler machine than their level's answers (see each task's docstring):
where ours is higher than the published best, the shortcut is the explanation, not the test range."""


def why_different(row) -> str:
    """What a cell whose best seed differs from Delétang et al.'s best by more than GAP shows: ours lower
    without fitting the training lengths (*budget*: {steps} steps, not enough to fit), ours lower after
    fitting them (*seeds or budget*: it fitted and did not generalise on our seeds, where one of their 30
    did), ours higher on a task with a shortcut (*task*: :data:`SHORTCUTS`), or ours higher otherwise
    (*protocol*: we test to length 200, they to 500, and a model that degrades with length scores higher
    on the shorter range)."""
    if row["best − theirs"] > 0 and row["task"] in SHORTCUTS:
        return f"task: ours higher; {SHORTCUTS[row['task']]}"
    if row["best − theirs"] > 0:
        return f"protocol: ours higher; our test lengths end at {TEST_MAX}, theirs at 500"
    if row["in distribution (median)"] < FITS:
        return f"budget: our seeds did not fit the training lengths (median {row['in distribution (median)']:.2f})"
    return "seeds or budget: fitted the training lengths, did not generalise on our seeds"


def differences(comparison: pd.DataFrame) -> pd.DataFrame:
    """The cells of :func:`published_comparison` that differ by more than GAP, each with :func:`why_different`."""
    rows = comparison[comparison.differs.fillna(False).astype(bool)].copy()
    rows["why"] = [why_different(row) for _, row in rows.iterrows()]
    return rows[["task", "model", "Delétang et al. (best)", "ours (best)", "ours (median)",
                 "in distribution (median)", "why"]]


def family_levels(table: pd.DataFrame) -> pd.DataFrame:
    """Per family (rows) and Chomsky level (columns): how many tasks of the level its models solve
    (median seed), of the tasks measured for it; an empty entry is a level not measured."""
    per_cell = cells(table)
    rows = []
    for family in FAMILY_ORDER:
        mine = per_cell[per_cell.family == family]
        row = {"family": family, "models measured": ", ".join(dict.fromkeys(mine.model)) or "none yet"}
        for code, name in LEVELS.items():
            at = mine[mine.level == code]
            row[name] = (f"{int((at['shows'] == 'solves').sum())} of {len(at)}" if len(at) else "not yet measured")
        rows.append(row)
    return pd.DataFrame(rows)


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
    command.add_argument("--workers", type=int, default=None,
                         help="worker processes, or on a Ray cluster the runs in flight at once "
                              f"(default: {usable_cores()})")
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
