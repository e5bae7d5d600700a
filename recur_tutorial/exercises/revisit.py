"""Checkers for the exercises of Chapter 5 (recurrent Transformers revisited)."""

from __future__ import annotations

import math
from typing import Callable

from .verdict import Wrong, checker

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


@checker(hint="a parallel design's critical path does not grow with n (or grows like log n for a scan); "
               "a recurrence along time must wait for every earlier token")
def check_critical_path(answer: Callable[[str, int, int, int], int]) -> str:
    """Exercise 5.1: ``answer(kind, n, layers, depth_steps)`` must agree with the reference on every
    kind, for n in 1..4096 and 1..4 layers."""
    for kind in KINDS:
        for n in (1, 2, 3, 40, 257, 4096):
            for layers in (1, 2, 4):
                expected = reference_critical_path(kind, n, layers, depth_steps=6)
                got = answer(kind, n, layers, 6)
                if got != expected:
                    raise Wrong(f"{kind}, n={n}, layers={layers}, depth_steps=6: expected {expected}, got {got}")
    return "right for every kind: only the nonlinear recurrences along time grow linearly with n"


# Along which axis each design of the chapter's table carries its recurrence.
AXES = {
    "Transformer": "none", "Universal Transformer": "depth", "Looped Transformer": "depth",
    "Transformer-XL": "time", "Recurrent Memory Transformer": "time", "Block-Recurrent Transformer": "time",
    "Recurrent Transformer (seed paper)": "time", "Feedback Transformer": "time",
    "Transformer + full-state chain of thought": "time", "Linear Transformer": "time", "RetNet": "time",
    "RWKV-4 / RWKV-6": "time", "RWKV-7": "time", "Mamba": "time", "Mamba-2": "time", "DeltaNet": "time",
    "Gated DeltaNet": "time", "xLSTM: mLSTM": "time", "xLSTM: sLSTM": "time", "LSTM": "time",
}
AXIS_NAMES = ("time", "depth", "none")
MIN_DESIGNS = 5


def reference_classification() -> dict[str, tuple[str, bool]]:
    """(axis, recurrence-complete per symbol) for every design of ``revisit.COMPARISON``."""
    from ..experiments.revisit import COMPARISON

    return {d.name: (AXES[d.name], d.complete.startswith("yes")) for d in COMPARISON}


@checker(hint="ask of each design: what is carried from one step to the next, along which axis, and is "
              "one step per symbol a nonlinear function of the carried state?")
def check_classification(answer: dict[str, tuple[str, bool]]) -> str:
    """Exercise 5.2: at least five designs, each as (axis, recurrence-complete per symbol), axis one of
    ``"time"``, ``"depth"``, ``"none"``; ``answer`` maps design names of ``revisit.COMPARISON``."""
    table = reference_classification()
    if not isinstance(answer, dict) or len(answer) < MIN_DESIGNS:
        count = len(answer) if isinstance(answer, dict) else 0
        raise Wrong(f"the exercise asks for at least {MIN_DESIGNS} designs, you classified {count}",
                    hint=f"the designs of the table: {', '.join(sorted(table))}")
    for name, pair in answer.items():
        if name not in table:
            raise Wrong(f"unknown design {name!r}", hint=f"the designs of the table: {', '.join(sorted(table))}")
        if not (isinstance(pair, tuple) and len(pair) == 2 and pair[0] in AXIS_NAMES and isinstance(pair[1], bool)):
            raise Wrong(f"{name}: give a pair (axis, complete) with axis one of {AXIS_NAMES} and complete "
                        f"True or False, not {pair!r}")
        axis, complete = pair
        want_axis, want_complete = table[name]
        if axis != want_axis:
            raise Wrong(f"{name}: the recurrence runs along {want_axis!r}, not {axis!r}")
        if complete != want_complete:
            raise Wrong(f"{name}: recurrence-complete per symbol is {want_complete}, not {complete}")
    return f"{len(answer)} designs classified as in the chapter's table"




def _reference_depths():
    return {
        "Transformer": lambda t, layers: layers,
        "Recurrent Transformer (seed paper)": lambda t, layers: t * layers,
        "LSTM": lambda t, layers: t * layers,
        "Linear Transformer": lambda t, layers: layers * max(1, math.ceil(math.log2(t))),
        "Transformer + full-state chain of thought": lambda t, layers: (t + 1) * layers,
    }


@checker(hint="count the layer applications that must run one after another between the inputs and the "
              "output at position t: a recurrence waits for t - 1, a scan for log2 t rounds")
def check_sequential_depth(depth: Callable[[str, int, int], int]) -> str:
    """Exercise 5.3: ``depth(design, t, layers)``, the sequential depth of the output at position t
    (the table's *depth* column) for five designs of the chapter's table."""
    for name, reference in _reference_depths().items():
        for t in (1, 2, 7, 40, 500):
            for layers in (1, 3):
                expected, got = reference(t, layers), depth(name, t, layers)
                if got != expected:
                    raise Wrong(f"{name}, t = {t}, L = {layers}: depth {expected}, not {got!r}")
    return "right for the five designs: only the recurrences along time (and the trace) grow linearly with t"


__all__ = ["AXES", "KINDS", "check_classification", "check_critical_path", "check_sequential_depth",
           "reference_classification", "reference_critical_path"]
