"""The last cell of every chapter: assert what the prose says on the numbers just measured.

>>> claims = Claims("chapter1")
>>> claims.at_least("LSTM solves parity", 1.0, 0.99)
>>> claims.save("results")  # writes results/chapter1.json with every claim and its numbers

A failed claim raises ``AssertionError`` naming the claim, the measured value and the bound; the
JSON is written before that, so the numbers of a failing run can still be read.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .results import write_json


class Claims:
    def __init__(self, chapter: str) -> None:
        self.chapter = chapter
        self.records: list[dict[str, Any]] = []
        self.measurements: dict[str, Any] = {}

    def _add(self, claim: str, value: float, relation: str, bound: float, holds: bool) -> None:
        self.records.append(
            {"claim": claim, "value": float(value), "relation": relation, "bound": float(bound),
             "holds": bool(holds)}
        )

    def at_least(self, claim: str, value: float, bound: float) -> None:
        self._add(claim, value, ">=", bound, not math.isnan(value) and value >= bound)

    def at_most(self, claim: str, value: float, bound: float) -> None:
        self._add(claim, value, "<=", bound, not math.isnan(value) and value <= bound)

    def record(self, **measurements: Any) -> None:
        """Numbers to keep beside the claims (tables as lists of dicts, timings, settings)."""
        self.measurements.update(measurements)

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [r for r in self.records if not r["holds"]]

    def save(self, directory: str | Path) -> Path:
        """Write the claims, the measurements and their provenance (package, commit, torch, device,
        the run engine's workers, date) to ``directory/<chapter>.json``; then assert them all."""
        from .experiments.engine import usable_cores
        from .experiments.provenance import provenance

        path = write_json(
            Path(directory) / f"{self.chapter}.json",
            {"chapter": self.chapter, "claims": self.records, "measurements": self.measurements,
             "provenance": provenance(workers=usable_cores())},
        )
        if self.failed:
            lines = [f"  {r['claim']}: measured {r['value']:.3f}, needed {r['relation']} {r['bound']}"
                     for r in self.failed]
            raise AssertionError(f"{len(self.failed)} claim(s) of {self.chapter} do not hold:\n" + "\n".join(lines))
        return path

    def table(self):
        """The claims as a pandas table, for display in the chapter."""
        import pandas as pd

        return pd.DataFrame(self.records)
