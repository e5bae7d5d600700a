"""Chapter 6 exercises: reading the atlas's kept records.

- :func:`check_verdict`: what a cell shows from its score and its in-distribution accuracy;
- :func:`check_best_of`: the chance that the best of k seeds solves a task when each seed does with
  probability p, :math:`1 - (1 - p)^k` (why a best of 30 and a best of 3 differ);
- :func:`check_solved_per_model`: from Delétang et al.'s Table 2, how many tasks each architecture solves.
"""

from __future__ import annotations

from typing import Callable

from ..published import published_scores
from .verdict import Wrong, checker

CASES = [(1.0, 1.0), (0.95, 0.99), (0.5, 1.0), (0.62, 0.96), (0.5, 0.6), (0.3, 0.94), (0.9, 0.9)]
"""(score, in-distribution accuracy) pairs on which the verdict is checked."""


@checker(hint="solves: score at least 0.9; otherwise compare the in-distribution accuracy with 0.95")
def check_verdict(verdict: Callable[[float, float], str]) -> str:
    """Exercise 6.1: ``verdict(score, in_distribution)`` is ``"solves"`` (score ≥ 0.9), ``"fitted, did not
    generalise"`` (score below 0.9, in distribution ≥ 0.95) or ``"did not fit"`` (in distribution below 0.95)."""
    from ..experiments.atlas import FITS, SOLVES

    for score, inside in CASES:
        expected = "solves" if score >= SOLVES else "fitted, did not generalise" if inside >= FITS else "did not fit"
        got = verdict(score, inside)
        if got != expected:
            raise Wrong(f"score {score}, in distribution {inside}: {expected!r}, not {got!r}")
    return f"right on {len(CASES)} cells, the bounds included"


@checker(hint="the best of k seeds fails only when every one of the k seeds fails, each with probability 1 - p")
def check_best_of(best_of: Callable[[float, int], float]) -> str:
    """Exercise 6.2: ``best_of(p, k)``, the probability that at least one of k independent seeds solves."""
    for p in (0.0, 0.1, 0.3, 0.8, 1.0):
        for k in (1, 3, 30):
            expected, got = 1 - (1 - p) ** k, best_of(p, k)
            if got is None or abs(float(got) - expected) > 1e-9:
                raise Wrong(f"p = {p}, k = {k}: {expected:.4f}, not {got!r}")
    return (f"a cell whose seeds solve with p = 0.1 shows a solved best of 30 with probability "
            f"{1 - 0.9 ** 30:.2f}, a solved best of 3 with probability {1 - 0.9 ** 3:.2f}")


@checker(hint="count, per model, the tasks whose published score is at least 0.9")
def check_solved_per_model(solved: Callable[[], dict]) -> str:
    """Exercise 6.3: ``solved()`` → {model: how many of Delétang et al.'s 15 tasks its best run solves}."""
    table = published_scores("deletang2023chomsky")
    expected = (table.score >= 0.9).groupby(table.model, sort=False).sum().astype(int).to_dict()
    got = solved()
    if not isinstance(got, dict) or {k: int(v) for k, v in got.items()} != expected:
        raise Wrong(f"expected {expected}, got {got!r}")
    return ", ".join(f"{model}: {count} of 15" for model, count in expected.items())


__all__ = ["check_best_of", "check_solved_per_model", "check_verdict"]
