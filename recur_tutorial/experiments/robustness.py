"""The robustness table: every positive claim of the book, measured on ten seeds.

A chapter runs three seeds; a sentence of it that says a model *solves*, *fits* or *learns*
something stands only where that cell succeeds on at least :data:`REQUIRED` of the ten seeds
:data:`SEEDS` at the chapter's quick settings (the developers' rule of evidence). This module keeps
the registry of those claims, measures them and writes the table that the book shows
(``book/robustness.md``)::

    python -m recur_tutorial robustness --chapter 1 [--store DIR] [--workers N]

measures every claim registered for Chapter 1 on seeds 0-9 with the run engine (runs already in the
store are not trained again, so an interrupted measurement resumes), writes
``book/data/robustness/chapter1.json`` (each seed's numbers, with the provenance: commit, machine,
torch, date) and rewrites the tables of ``book/robustness.md`` from every chapter's file.

Per seed the table gives four numbers, all means of the accuracy over tested lengths ℓ of the run:

- *in distribution*: ℓ ≤ ℓ_train (the training lengths);
- *validation band*: ℓ_train < ℓ ≤ ℓ_train + :data:`BAND` (41-60 for training on 1-40), the lengths on
  which settings are chosen, with seeds that are never reported (:data:`VALIDATION_SEEDS`);
- *beyond the band*: ℓ > ℓ_train + BAND, lengths no setting was chosen on;
- *score*: the quantity the chapter's claim bounds (the mean beyond training, ℓ > ℓ_train, for
  "solves", or the worst tested length ℓ > ℓ_train for a claim made at every length (``worst``);
  the in-distribution accuracy for "fits").

The numbers are of the accuracy, or of another per-length column of the chapter's evaluator where a
claim names one (``column``: Chapter 3's ``trace right``, the fraction of trace tokens written right).

A seed *succeeds* when its score meets the claim's bound; the claim is *robust* when at least
REQUIRED of the seeds succeed.

Registering a claim
-------------------
A claim names its chapter, task, model (the run's name in the chapter's table: its label, or the
zoo name), what it says (``"solves"``: score beyond training at least ``bound``; ``"fits"``:
in-distribution accuracy at least ``bound``) and the bound::

    from recur_tutorial.experiments.robustness import Positive, register
    register(Positive(chapter=3, task="parity_check", model="full · alibi", says="solves", bound=0.9))

Its runs are the chapter's own quick-profile runs of that task and model (``runs("quick")`` of the
chapter's module, :data:`.sweep.CHAPTERS`), with the seed replaced by each of the ten: so a cell
whose settings change in the chapter changes here too. Register at the end of this module, beside
the chapter's other claims (Chapter 1's are read from :data:`.chomsky.CLAIMS`).

A *control* (:class:`Control`, :data:`CONTROLS`) is a cell of the chapter run with one setting
changed, on the chapter's three seeds, so that a comparison across models can be made like with like
(Chapter 1's Transformer with the recurrent networks' curriculum); the same command measures it and
keeps it beside the claims.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
import time
from pathlib import Path

import pandas as pd

from ..errors import check, check_choice
from ..evaluation import SOLVED
from ..results import read_json, write_atomic
from . import chomsky
from ..engine.executors import run_grid, usable_cores
from ..engine.kept import write_kept_json
from ..engine.provenance import ROOT
from ..engine.run import Run
from .sweep import CHAPTERS, chapter_runs

SEEDS = tuple(range(10))
"""The seeds the table reports (the chapters' own three among them)."""
VALIDATION_SEEDS = tuple(range(100, 110))
"""Seeds on which settings are chosen; never reported in a chapter or in the table."""
REQUIRED = 9
"""A positive claim stands where at least this many of the ten seeds succeed."""
BAND = 20
"""The validation band: the BAND lengths just beyond training (41-60 for training on 1-40)."""
SAYS = {"solves": "beyond", "fits": "in distribution"}
"""What a claim says → the per-seed number its bound applies to."""
DATA = ROOT / "book" / "data" / "robustness"
PAGE = ROOT / "book" / "robustness.md"
MARKER = "<!-- robustness tables: written by python -m recur_tutorial robustness; do not edit below -->"


@dataclasses.dataclass(frozen=True)
class Positive:
    """A positive claim of a chapter: ``model`` (the run's name) ``says`` (solves or fits) ``task``,
    with the bound a seed's number must meet."""

    chapter: int
    task: str
    model: str
    says: str
    bound: float
    worst: bool = False
    column: str = "accuracy"

    def __post_init__(self) -> None:
        check_choice("chapter", self.chapter, CHAPTERS)
        check_choice("what a positive claim says", self.says, SAYS)
        check(0 < self.bound <= 1, f"a claim's bound is an accuracy in (0, 1], got {self.bound}")
        check(not self.worst or self.says == "solves",
              "only a claim that a model solves a task bounds its worst length beyond training")

    @property
    def text(self) -> str:
        where = "beyond training" if self.says == "solves" else "in distribution"
        where = f"worst length {where}" if self.worst else where
        where = where if self.column == "accuracy" else f"{self.column} {where}"
        return f"{self.model} {self.says} {self.task} ({where} ≥ {self.bound:g})"


REGISTRY: list[Positive] = []
"""Every registered positive claim, in the order registered."""


def register(*claims: Positive) -> None:
    """Add ``claims`` to :data:`REGISTRY` (a claim registered twice is refused)."""
    for claim in claims:
        check(claim not in REGISTRY, f"the claim {claim.text} of chapter {claim.chapter} is registered already")
        REGISTRY.append(claim)


def registered(chapter: int) -> list[Positive]:
    """The claims registered for ``chapter``; a clear error when there are none."""
    check_choice("chapter", chapter, CHAPTERS)
    claims = [c for c in REGISTRY if c.chapter == chapter]
    check(bool(claims), f"no positive claim is registered for chapter {chapter}; chapters with claims: "
                        f"{sorted({c.chapter for c in REGISTRY})}")
    return claims


@dataclasses.dataclass(frozen=True)
class Control:
    """A cell of a chapter run with some of its settings changed (``change``: pairs of a :class:`Run`
    field and its value), measured beside the chapter's claims so that its prose can compare like
    with like: e.g. the Transformer trained with the recurrent networks' curriculum. ``why`` says
    which comparison it controls."""

    chapter: int
    task: str
    model: str
    change: tuple[tuple[str, object], ...]
    why: str

    def __post_init__(self) -> None:
        known = {f.name for f in dataclasses.fields(Run)}
        unknown = sorted({name for name, _ in self.change} - known)
        check(not unknown, f"a control changes run settings; unknown {unknown}, allowed: {sorted(known)}")

    @property
    def text(self) -> str:
        return f"{self.model} on {self.task} with " + ", ".join(f"{k} {v}" for k, v in self.change)


CONTROLS: list[Control] = []
"""Every registered control."""
CONTROL_SEEDS = (0, 1, 2)
"""A control is measured on the chapters' own three seeds."""


def cell_runs(chapter: int, task: str, model: str, seeds, profile: str = "quick") -> list[Run]:
    """The chapter's runs of ``model`` on ``task`` in ``profile``, one per seed of ``seeds``."""
    cell = [r for r in chapter_runs(chapter, profile) if r.task == task and model in (r.name, r.model)]
    check(bool(cell), f"chapter {chapter} ({profile}) runs no {model!r} on {task!r}")
    template = min(cell, key=lambda r: r.seed)
    check(all(dataclasses.replace(r, seed=template.seed) == template for r in cell),
          f"the runs of {model!r} on {task!r} differ in more than their seed")
    return [dataclasses.replace(template, seed=int(seed)) for seed in seeds]


def claim_runs(claim: Positive, seeds=SEEDS, profile: str = "quick") -> list[Run]:
    """The chapter's runs of the claim's cell in ``profile``, one per seed of ``seeds``."""
    return cell_runs(claim.chapter, claim.task, claim.model, seeds, profile)


def control_runs(control: Control, seeds=CONTROL_SEEDS, profile: str = "quick") -> list[Run]:
    """The chapter's runs of the control's cell with its settings changed, one per seed."""
    return [dataclasses.replace(run, **dict(control.change))
            for run in cell_runs(control.chapter, control.task, control.model, seeds, profile)]


def score_key(claim: dict) -> str:
    """The key of a seed's numbers that a claim (as kept: its fields) bounds: the mean beyond training
    for "solves", its worst length for a claim on every length, the in-distribution mean for "fits"."""
    return "worst beyond" if claim.get("worst") else SAYS[claim["says"]]


def seed_numbers(table: pd.DataFrame, run: Run, column: str = "accuracy") -> dict:
    """One seed's in-distribution, validation-band, beyond-band and beyond-training means of
    ``column`` (the accuracy, or a column the evaluator adds) over the tested lengths of each range,
    and its worst length beyond training, from a per-length ``table``."""
    rows = table[(table.task == run.task) & (table.model == run.name) & (table.seed == run.seed)]
    check(len(rows) > 0, f"no measurement of {run.name} on {run.task}, seed {run.seed} (did the run fail?)")
    check(column in rows, f"the runs of {run.name} on {run.task} measure no {column!r}; they measure "
                          f"{[c for c in rows.columns if c not in ('task', 'model', 'seed', 'length')]}")
    train_max = run.train_lengths[1]

    def reduce(selected, how: str = "mean") -> float | None:
        return round(float(getattr(rows[selected][column], how)()), 4) if selected.any() else None

    beyond = rows.length > train_max
    return {"seed": run.seed, "in distribution": reduce(rows.length <= train_max),
            "validation band": reduce(beyond & (rows.length <= train_max + BAND)),
            "beyond band": reduce(rows.length > train_max + BAND), "beyond": reduce(beyond),
            "worst beyond": reduce(beyond, "min")}


def measure(claims: list[Positive], store, *, seeds=SEEDS, workers: int | None = None,
            controls: list[Control] = ()) -> tuple[list[dict], list[dict]]:
    """Train what ``store`` lacks; return per claim its per-seed numbers, how many seeds succeed and
    whether the claim is robust (at least REQUIRED of ``seeds`` when ``seeds`` are ten; the same
    fraction otherwise), and per control its per-seed numbers."""
    runs = {claim: claim_runs(claim, seeds) for claim in claims}
    checked = {control: control_runs(control) for control in controls}
    every = [r for cell in [*runs.values(), *checked.values()] for r in cell]
    table = run_grid(every, store, workers=workers, progress=False)
    required = math.ceil(REQUIRED * len(seeds) / len(SEEDS))
    rows = []
    for claim, cell in runs.items():
        numbers = [seed_numbers(table, run, claim.column) for run in cell]
        succeeded = sum(n[score_key(dataclasses.asdict(claim))] >= claim.bound for n in numbers)
        rows.append({**dataclasses.asdict(claim), "claim": claim.text, "seeds": numbers, "succeeded": succeeded,
                     "required": required, "robust": succeeded >= required,
                     "settings": {k: v for k, v in cell[0].settings.items() if k not in ("seed", "test_lengths")}})
    measured_controls = [{**dataclasses.asdict(control), "control": control.text,
                          "seeds": [seed_numbers(table, run) for run in cell]} for control, cell in checked.items()]
    return rows, measured_controls


def data_path(chapter: int, directory: Path = DATA) -> Path:
    return Path(directory) / f"chapter{chapter}.json"


def save(chapter: int, rows: list[dict], seconds: float, directory: Path = DATA, controls: list[dict] = (),
         workers: int | None = None) -> Path:
    """Write a chapter's table and controls with their provenance to ``directory/chapter<N>.json``
    (atomically); ``workers``: the worker processes that measured it (None: the usable cores, the
    command's default)."""
    table = {"chapter": chapter, "claims": rows, "controls": list(controls)}
    return write_kept_json(data_path(chapter, directory), table, workers=workers or usable_cores(),
                           seconds=round(seconds, 1))


def kept(chapter: int, directory: Path = DATA) -> dict:
    """The kept measurement of ``chapter`` (its ``chapter<N>.json``); a clear error when there is none."""
    record = read_json(data_path(chapter, directory))
    check(record is not None, f"no robustness table is kept for chapter {chapter} in {directory}; measure it with "
                              f"python -m recur_tutorial robustness --chapter {chapter}")
    return record


def kept_table(chapter: int, directory: Path = DATA) -> pd.DataFrame:
    """The kept table of ``chapter`` for display: per claim, how many seeds succeed and each seed's
    number (the one its bound applies to). Where the package runs without the repository (installed
    from a wheel, on Colab), one row says where the table is kept instead."""
    if not data_path(chapter, directory).exists():
        return pd.DataFrame([{"claim": f"the ten-seed table is kept in the repository "
                                       f"(book/data/robustness/chapter{chapter}.json) and shown in the book"}])
    return pd.DataFrame([{"claim": row["claim"], "seeds that succeed": f"{row['succeeded']} of {len(row['seeds'])}",
                          "stands (9 of 10)": row["robust"],
                          "per seed": ", ".join(_number(n[score_key(row)]) for n in row["seeds"])}
                         for row in kept(chapter, directory)["claims"]])


def kept_controls(chapter: int, directory: Path = DATA) -> pd.DataFrame:
    """The kept controls of ``chapter``: per control and seed, in distribution, validation band,
    beyond the band and beyond training."""
    if not data_path(chapter, directory).exists():
        return kept_table(chapter, directory)
    return pd.DataFrame([{"control": row["control"], **n} for row in kept(chapter, directory).get("controls", [])
                         for n in row["seeds"]])


def markdown(record: dict) -> str:
    """One chapter's table as Markdown: per claim, each seed's score (beyond training, or in
    distribution for a fit) with its in-distribution and beyond-band numbers, and the rate."""
    p = record["provenance"]
    lines = [f"## Chapter {record['chapter']}", "",
             f"Measured at commit `{p['commit']}` on {p['device']}, torch {p['torch']}, {p['date']} "
             f"(the command took {p['seconds']:.0f} s with {p['workers']} worker(s); runs already in its store "
             f"were read from it, not retrained).", "",
             "| claim | seeds that succeed | per seed: in distribution / validation band / beyond the band |",
             "|---|---|---|"]
    for row in record["claims"]:
        per_seed = "; ".join(f"{n['seed']}: {_number(n['in distribution'])} / {_number(n['validation band'])} / "
                             f"{_number(n['beyond band'])}"
                             + (f" (worst length {_number(n['worst beyond'])})" if row.get("worst") else "")
                             for n in row["seeds"])
        verdict = "" if row["robust"] else " (below the required number: the chapter states the rate)"
        lines.append(f"| {row['claim']} | {row['succeeded']} of {len(row['seeds'])}{verdict} | {per_seed} |")
    if record.get("controls"):
        lines += ["", "Controls (the chapter's three seeds, one setting changed):", "",
                  "| control | why | per seed: in distribution / validation band / beyond the band |", "|---|---|---|"]
        for row in record["controls"]:
            per_seed = "; ".join(f"{n['seed']}: {_number(n['in distribution'])} / {_number(n['validation band'])} / "
                                 f"{_number(n['beyond band'])}" for n in row["seeds"])
            lines.append(f"| {row['control']} | {row['why']} | {per_seed} |")
    return "\n".join(lines) + "\n"


def _number(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def render_page(page: Path = PAGE, directory: Path = DATA) -> str:
    """The page with its generated part (everything below :data:`MARKER`) rebuilt from every
    ``chapter<N>.json`` in ``directory`` (a page that does not exist yet starts from the book's)."""
    text = (page if page.exists() else PAGE).read_text()
    check(MARKER in text, f"{page} lacks the line {MARKER!r} below which the tables are written")
    files = sorted(Path(directory).glob("chapter*.json"), key=lambda p: int(re.sub(r"\D", "", p.stem)))
    tables = "\n".join(markdown(read_json(path)) for path in files)
    return text.split(MARKER)[0] + MARKER + "\n" + ("\n" + tables if tables else "")


def write_page(page: Path = PAGE, directory: Path = DATA) -> Path:
    text = render_page(page, directory).encode()
    return write_atomic(page, lambda stream: stream.write(text))


def add_parser(commands) -> None:
    command = commands.add_parser("robustness", help="measure a chapter's positive claims on seeds 0-9",
                                  description=__doc__.splitlines()[0])
    command.add_argument("--chapter", type=int, required=True,
                         help=f"one of {sorted({c.chapter for c in REGISTRY})} (the chapters with registered claims)")
    command.add_argument("--store", default="_build/robustness/store", help="the run store (resumes what is there)")
    command.add_argument("--workers", type=int, default=None, help=f"worker processes (default: {usable_cores()})")
    command.add_argument("--data", default=str(DATA), help="where chapter<N>.json is written")
    command.add_argument("--page", default=str(PAGE), help="the book page whose tables are rewritten")


def main(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    controls = [c for c in CONTROLS if c.chapter == args.chapter]
    rows, measured = measure(registered(args.chapter), args.store, workers=args.workers, controls=controls)
    path = save(args.chapter, rows, time.perf_counter() - started, Path(args.data), measured, args.workers)
    write_page(Path(args.page), Path(args.data))
    for row in rows:
        print(f"{row['succeeded']:>2} of {len(row['seeds'])}  {'robust' if row['robust'] else 'NOT ROBUST'}  "
              f"{row['claim']}")
    print(f"written: {path} and {args.page}")
    return 0 if all(row["robust"] for row in rows) else 1


# ---- the registry ------------------------------------------------------------------------------------
register(*(Positive(1, task, model, kind, chomsky.SOLVES if kind == "solves" else chomsky.FITS)
           for kind, task, model, *_ in chomsky.CLAIMS["quick"] if kind in SAYS))
register(Positive(2, "word_problem", "LSTM, 1 layer · S3", "fits", 0.99),
         *(Positive(3, task, "full · alibi", "solves", 0.95, worst=True)
           for task in ("parity_check", "cycle_navigation", "modular_counter")),
         Positive(3, "modular_counter", "partial · alibi", "solves", SOLVED, column="trace right"),
         Positive(3, "parity_check", "full · rope", "fits", 0.95),
         Positive(3, "binary_multiplication", "scratchpad · alibi", "fits", SOLVED))
register(*(Positive(4, "parity_check", model, "solves", SOLVED)  # Chapter 4's controls and the hierarchy
           for model in ("LSTM", "sLSTM", "DeltaNet [-1, 1]", "Mamba [-1, 1]", "diagonal RNN [-1, 1]")),
         Positive(4, "cycle_navigation", "LSTM", "solves", SOLVED),
         *(Positive(4, "word_problem", model, "solves", SOLVED) for model in ("LSTM", "DeltaProduct [-1, 1]")))
register(Positive(5, "parity_check", "Recurrent Transformer", "solves", SOLVED),
         Positive(5, "parity_check", "Recurrent Transformer", "fits", SOLVED))
CONTROLS += [Control(1, task, "transformer", (("curriculum", "increasing"),),
                     "the recurrent networks learn short inputs first, the Transformer every length from the start")
             for task in ("count_anbn", "bracket_matching")]
