"""The last cell of every chapter: assert what the prose says on the numbers just measured.

>>> claims = Claims("chapter1")
>>> claims.at_least("LSTM solves parity", 1.0, 0.99)
>>> claims.save("results")  # writes results/chapter1.json with every claim and its numbers

A failed claim raises ``AssertionError`` naming the claim, the measured value and the bound; the
JSON is written before that, so the numbers of a failing run can still be read. That is the strict
mode, the default (tests and CI). A reader's build (``tools/execute_chapters.py``) sets the
environment variable ``RECUR_TUTORIAL_CLAIMS=warn``: then a claim that does not hold is printed,
with its numbers, under a warning in the chapter's output and left in the JSON as not holding, and
the chapter goes on (:data:`MODES`).

*Findings* and *checks* are kept apart. A finding is what the chapter measured about the models
(a model solves a task, fails beside a control); a check of the implementation holds by
construction when the code is right (an affine map is affine, a recurrent form takes n steps), so
it tests the code and is no evidence about the models: record it with ``claims.checks.at_least(...)``
(the same methods), and it goes to a table of its own (:meth:`Claims.checks_table`, the JSON's
``checks``).

:class:`Measured` holds the lookups the claims cells make on a per-length table (a seed's score,
its in-distribution accuracy, its accuracy at one length), so that a claim reads as one line:
``claims.at_least("...", measured.score("LSTM", "min"), 0.9)``; :meth:`Claims.seeds_at_least`
counts the seeds that meet a bound, for a claim of the form "k of 3 seeds".

A chapter ends on :meth:`Claims.checklist`: each finding as one line a reader reads ("✓ stack_rnn
solves reverse_string (score beyond training): 3 of 3 seeds at ≥ 0.9 (≥ 2 needed)"), written from
the claim's own record, in a collapsed block with the numbers (value, bound, each seed's value) one
click further, and the checks of the implementation in a block of their own.
"""

from __future__ import annotations

import html
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import check, check_choice
from .results import write_json
from .tables import html_table, number_text

AGGREGATES = ("min", "max", "mean")
MODES = ("strict", "warn")
"""What :meth:`Claims.save` does when a claim does not hold: raise (strict, the default) or print a
warning and go on (warn), as the environment variable :data:`MODE_VARIABLE` says."""
MODE_VARIABLE = "RECUR_TUTORIAL_CLAIMS"
"""How a claim combines its seeds: the worst seed (min), the best (max) or their mean."""


class Measured:
    """Per-seed lookups on a per-length table with columns model, seed, length and the measured
    ``column`` (default accuracy), and optionally task (then every lookup names its task).

    A seed's *score* is its mean over the lengths beyond training (Delétang et al.), its
    *in-distribution* accuracy the mean over the lengths within it; a lookup combines the seeds of
    one model with ``how`` (min: the worst seed, max: the best, mean). A length is beyond training
    where the table's ``beyond_training`` column says so (the run engine's tables carry it, from each
    run's own training lengths), and otherwise where it exceeds ``train_max``.
    """

    def __init__(self, table: pd.DataFrame, train_max: int = 40) -> None:
        check({"model", "seed", "length"} <= set(table.columns),
              f"a per-length table needs the columns model, seed and length, got {list(table.columns)}")
        self.table, self.train_max = table, train_max

    def rows(self, model: str, task: str | None = None) -> pd.DataFrame:
        """The table's rows of ``model`` (and ``task``); a clear error when there are none."""
        selected = self.table.model == model
        if task is not None:
            selected &= self.table.task == task
        rows = self.table[selected]
        check(len(rows) > 0, f"no measurement of model {model!r}" + (f" on task {task!r}" if task else "")
              + f"; measured models: {sorted(self.table.model.unique())}")
        return rows

    def per_seed(self, model: str, task: str | None = None, *, lengths: str = "beyond",
                 column: str = "accuracy", reduce: str = "mean") -> pd.Series:
        """Per seed, ``reduce`` (mean or min) of ``column`` over the lengths beyond training
        (``lengths="beyond"``), within it (``"inside"``) or all of them (``"all"``)."""
        check_choice("lengths", lengths, ("beyond", "inside", "all"))
        check_choice("reduce", reduce, ("mean", "min"))
        rows = self.rows(model, task)
        if lengths != "all":
            beyond = rows.beyond_training if "beyond_training" in rows else rows.length > self.train_max
            rows = rows[beyond == (lengths == "beyond")]
        check(len(rows) > 0, f"{model!r} was measured at no length {lengths} training (train_max {self.train_max})")
        return rows.groupby("seed")[column].agg(reduce)

    @staticmethod
    def combine(values: pd.Series, how: str) -> float:
        check_choice("how", how, AGGREGATES)
        return float(values.agg(how))

    def score(self, model: str, how: str = "min", task: str | None = None) -> float:
        """Mean accuracy beyond training, of the worst seed (min), the best (max) or the mean."""
        return self.combine(self.per_seed(model, task), how)

    def worst_length(self, model: str, how: str = "min", task: str | None = None) -> float:
        """The accuracy at the worst length beyond training, combined over seeds."""
        return self.combine(self.per_seed(model, task, reduce="min"), how)

    def in_distribution(self, model: str, how: str = "min", task: str | None = None) -> float:
        """Mean accuracy over the tested lengths up to ``train_max``, combined over seeds."""
        return self.combine(self.per_seed(model, task, lengths="inside"), how)

    def at_length(self, model: str, length: int, how: str = "min", task: str | None = None,
                  column: str = "accuracy") -> float:
        """``column`` at one tested length, combined over seeds."""
        rows = self.rows(model, task)
        rows = rows[rows.length == length]
        check(len(rows) > 0,
              f"{model!r} was not measured at length {length}; measured: {sorted(self.table.length.unique())}")
        return self.combine(rows.groupby("seed")[column].mean(), how)

    def seeds(self, model: str, task: str | None = None) -> int:
        return int(self.rows(model, task).seed.nunique())


def claims_mode() -> str:
    """The mode of :data:`MODE_VARIABLE` (strict when it is not set); anything else is refused."""
    mode = os.environ.get(MODE_VARIABLE, "strict")
    check_choice(MODE_VARIABLE, mode, MODES)
    return mode


class Assertions:
    """Statements asserted on measured numbers, each kept with its value, bound and verdict."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def _add(self, claim: str, value: float, relation: str, bound: float, holds: bool) -> None:
        self.records.append(
            {"claim": claim, "value": float(value), "relation": relation, "bound": float(bound),
             "holds": bool(holds)}
        )

    def at_least(self, claim: str, value: float, bound: float) -> None:
        self._add(claim, value, ">=", bound, not math.isnan(value) and value >= bound)

    def at_most(self, claim: str, value: float, bound: float) -> None:
        self._add(claim, value, "<=", bound, not math.isnan(value) and value <= bound)

    def seeds_at_least(self, claim: str, per_seed: pd.Series, bound: float, k: int | None = None) -> None:
        """The claim holds for at least ``k`` seeds (default: every seed) when each seed's value is at
        least ``bound``; the record's value is the number of seeds that meet it ("k of n")."""
        self._seeds(claim, per_seed, ">=", bound, k, per_seed >= bound)

    def seeds_at_most(self, claim: str, per_seed: pd.Series, bound: float, k: int | None = None) -> None:
        """As :meth:`seeds_at_least`, for values at most ``bound``."""
        self._seeds(claim, per_seed, "<=", bound, k, per_seed <= bound)

    def _seeds(self, claim, per_seed, relation, bound, k, meets) -> None:
        k = len(per_seed) if k is None else k
        check(1 <= k <= len(per_seed), f"k must be between 1 and the {len(per_seed)} seeds measured, got {k}")
        self.records.append({"claim": f"{claim} [seeds with a value {relation} {bound:g}, of {len(per_seed)}]",
                             "value": float(meets.sum()), "relation": ">=", "bound": float(k),
                             "holds": bool(meets.sum() >= k),
                             "per_seed": {str(seed): float(v) for seed, v in per_seed.items()},
                             "statement": claim, "seed_relation": relation, "seed_bound": float(bound)})

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [r for r in self.records if not r["holds"]]

    def table(self) -> pd.DataFrame:
        """The records as a pandas table, for display in the chapter (numbers to three decimals)."""
        return pd.DataFrame(self.records).round(3)

    def checklist(self, title: str = "Findings checked on this run") -> Checklist:
        """The records as a reader's checklist (:func:`checklist_line`), in a collapsed block."""
        return Checklist([(title, self.records)])


class Claims(Assertions):
    """A chapter's findings (the methods of :class:`Assertions`) and, apart, its checks of the
    implementation (``claims.checks``, the same methods)."""

    def __init__(self, chapter: str) -> None:
        super().__init__()
        self.chapter = chapter
        self.checks = Assertions()
        self.measurements: dict[str, Any] = {}

    def record(self, **measurements: Any) -> None:
        """Numbers to keep beside the claims (tables as lists of dicts, timings, settings)."""
        self.measurements.update(measurements)

    def save(self, directory: str | Path) -> Path:
        """Write the findings, the checks, the measurements and their provenance (package, commit,
        torch, device, the run engine's workers, date) to ``directory/<chapter>.json``; then assert
        them all: raise in strict mode, print a warning that names each one that does not hold in
        warn mode (:func:`claims_mode`)."""
        from .engine.executors import usable_cores
        from .engine.provenance import provenance

        mode = claims_mode()
        path = write_json(
            Path(directory) / f"{self.chapter}.json",
            {"chapter": self.chapter, "claims": self.records, "checks": self.checks.records,
             "measurements": self.measurements, "provenance": provenance(workers=usable_cores())},
        )
        failed = self.failed + self.checks.failed
        if failed:
            lines = [f"  {r['claim']}: measured {r['value']:.3f}, needed {r['relation']} {r['bound']}"
                     + (f" (per seed: {', '.join(f'{k}: {v:.3f}' for k, v in r['per_seed'].items())})"
                        if "per_seed" in r else "") for r in failed]
            message = f"{len(failed)} claim(s) of {self.chapter} do not hold:\n" + "\n".join(lines)
            if mode == "strict":
                raise AssertionError(message)
            print(f"WARNING: on this machine {message}\nThe chapter's table of claims shows them as not holding "
                  "(holds: False); see 'When a claim does not hold' in the page on running the book.")
        return path

    def checks_table(self) -> pd.DataFrame:
        """The checks of the implementation as a pandas table (numbers to three decimals)."""
        return self.checks.table()

    def checklist(self, title: str = "Findings checked on this run") -> Checklist:
        """The findings, then (when there are any) the checks of the implementation, each as a
        checklist in a collapsed block of its own (:class:`Checklist`)."""
        sections = [(title, self.records)]
        if self.checks.records:
            sections.append(("Checks of the implementation (evidence about the code, not the models)",
                             self.checks.records))
        return Checklist(sections)


RELATIONS = {">=": "≥", "<=": "≤"}
MARKS = {True: "✓", False: "✗"}


def value_text(value: float) -> str:
    """A measured value or bound as a reader reads it: whole numbers (counts) whole, others as
    :func:`~recur_tutorial.tables.number_text` writes them."""
    return str(int(value)) if math.isfinite(value) and float(value).is_integer() else number_text(value)


def checklist_line(record: dict[str, Any]) -> str:
    """One claim as a reader reads it, written from its record: its mark (✓ holds, ✗ does not), the
    statement, and what was measured against what was needed. A claim over seeds reads "k of n seeds
    at ≥ b (≥ k₀ needed)"; any other reads "measured v (≥ b needed)"."""
    mark = MARKS[bool(record["holds"])]
    needed = f"{RELATIONS.get(record['relation'], record['relation'])} {value_text(record['bound'])}"
    if "seed_bound" in record:
        seeds = len(record["per_seed"])
        at = f"{RELATIONS.get(record['seed_relation'], record['seed_relation'])} {record['seed_bound']:g}"
        return (f"{mark} {record['statement']}: {int(record['value'])} of {seeds} seeds at {at} "
                f"(≥ {int(record['bound'])} needed)")
    return f"{mark} {record['claim']}: measured {value_text(record['value'])} ({needed} needed)"


def numbers_table(records: list[dict[str, Any]]) -> pd.DataFrame:
    """The numbers behind a checklist: per claim, the measured value, the bound it needed, whether it
    holds and, for a claim over seeds, each seed's value."""
    return pd.DataFrame([{"claim": r.get("statement", r["claim"]), "holds": r["holds"],
                          "measured": (f"{int(r['value'])} of {len(r['per_seed'])} seeds" if "seed_bound" in r
                                       else value_text(r["value"])),
                          "needed": (f"≥ {int(r['bound'])} seeds at {RELATIONS[r['seed_relation']]} {r['seed_bound']:g}"
                                     if "seed_bound" in r else f"{RELATIONS.get(r['relation'], r['relation'])} "
                                     f"{value_text(r['bound'])}"),
                          "per seed": r.get("per_seed")} for r in records])


class Checklist:
    """Sections of claims, each shown in a notebook (and in the book, without a kernel) as a collapsed
    block: its title and how many of its claims hold, then one :func:`checklist_line` per claim, and a
    second collapsed block with :func:`numbers_table`. Printed, it is the plain lines."""

    def __init__(self, sections: list[tuple[str, list[dict[str, Any]]]]) -> None:
        self.sections = sections

    @staticmethod
    def summary(title: str, records: list[dict[str, Any]]) -> str:
        return f"{title}: {sum(bool(r['holds']) for r in records)} of {len(records)} hold"

    def __repr__(self) -> str:
        return "\n\n".join("\n".join([self.summary(title, records), *map(checklist_line, records)])
                            for title, records in self.sections)

    def _repr_html_(self) -> str:
        blocks = []
        for title, records in self.sections:
            lines = "".join(f"<li>{html.escape(checklist_line(r))}</li>" for r in records)
            blocks.append(
                f'<details class="claims-checklist"><summary><strong>{html.escape(self.summary(title, records))}'
                f"</strong></summary>"
                f'<ul style="list-style: none; padding-left: 0.5em">{lines}</ul>'
                f"<details><summary>The numbers behind each line</summary>{html_table(numbers_table(records))}"
                f"</details></details>")
        return "".join(blocks)
