"""Checkers for the exercises of Chapter 5 (recurrent Transformers revisited)."""

from __future__ import annotations

import math
from typing import Callable

KINDS = ("transformer", "universal_transformer", "nonlinear_rnn", "linear_rnn", "recurrent_transformer")


def reference_critical_path(kind: str, n: int, layers: int, depth_steps: int = 1) -> int:
    """Length of the longest chain of dependent layer applications when a model is trained on one
    sequence of ``n`` tokens (a parallel scan counts ⌈log₂ n⌉ rounds per layer)."""
    if kind == "transformer":
        return layers
    if kind == "universal_transformer":
        return depth_steps
    if kind == "linear_rnn":
        return layers * max(1, math.ceil(math.log2(n)))
    if kind in ("nonlinear_rnn", "recurrent_transformer"):
        return layers * n
    raise ValueError(f"unknown kind {kind!r}; one of {KINDS}")


def check_critical_path(answer: Callable[[str, int, int, int], int]) -> str:
    """Exercise 5.1: ``answer(kind, n, layers, depth_steps)`` must agree with the reference on every
    kind, for n in 1..4096 and 1..4 layers."""
    for kind in KINDS:
        for n in (1, 2, 3, 40, 257, 4096):
            for layers in (1, 2, 4):
                expected = reference_critical_path(kind, n, layers, depth_steps=6)
                got = answer(kind, n, layers, 6)
                assert got == expected, f"{kind}, n={n}, layers={layers}: expected {expected}, got {got}"
    return "right for every kind: only the nonlinear recurrences along time grow linearly with n"


def check_classification(answer: dict[str, tuple[str, bool]]) -> str:
    """Exercise 5.2: for each design, (where the recurrence runs, recurrence-complete?) as in the
    chapter's table; ``answer`` maps design names of ``revisit.COMPARISON`` to such pairs."""
    from ..experiments.revisit import COMPARISON

    table = {d.name: (d.axis.split(" ")[0], d.complete == "yes") for d in COMPARISON}
    assert answer, "classify at least one design"
    for name, (axis, complete) in answer.items():
        assert name in table, f"unknown design {name!r}; the table has {sorted(table)}"
        want_axis, want_complete = table[name]
        assert axis == want_axis, f"{name}: the recurrence runs along {want_axis!r}, not {axis!r}"
        assert complete == want_complete, f"{name}: recurrence-complete is {want_complete}, not {complete}"
    return f"{len(answer)} design(s) classified as in the chapter's table"


__all__ = ["KINDS", "check_classification", "check_critical_path", "reference_critical_path"]
