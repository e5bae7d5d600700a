"""The auto-checked exercises of the book: for each, the code a student completes and its checker.

Each entry belongs to an ``{exercise}`` block of a chapter (by its label). ``solution`` is the
instructor's code in the annotation of Otter-Grader: a line ending in ``# SOLUTION`` or a block
between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` is the answer, which the student version
replaces by ``...`` (the rest, imports and names, stays as scaffolding). ``check`` is the
expression, run after that code, whose :class:`~recur_tutorial.exercises.verdict.Verdict` grades it;
``points`` its weight in an assignment. The student and instructor notebooks (tools/export_notebooks.py)
and the assignments (tools/assignment.py) are generated from this table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CodingExercise:
    label: str
    points: int
    solution: str
    check: str

    @property
    def name(self) -> str:
        """A Python identifier for the exercise (``ex-parity-by-hand`` -> ``parity_by_hand``)."""
        return self.label.removeprefix("ex-").replace("-", "_")


EXERCISES: dict[str, tuple[CodingExercise, ...]] = {
    "chapters/01_chomsky_hierarchy": (
        CodingExercise("ex-ch1-states", 2, '''\
from recur_tutorial.exercises.chomsky import check_smallest_automata
from recur_tutorial.theory import automata


def parity_automaton():
    # BEGIN SOLUTION
    return automata.from_function("parity", "01", [0, 1], 0, lambda q, b: (q + int(b)) % 2, lambda q: str(q))
    # END SOLUTION


def cycle_automaton():
    # BEGIN SOLUTION
    moves = {"+": 1, "-": -1, "0": 0}
    return automata.from_function("cycle", "0+-", range(5), 0, lambda q, s: (q + moves[s]) % 5, lambda q: str(q))
    # END SOLUTION''', "check_smallest_automata(parity_automaton, cycle_automaton)"),
        CodingExercise("ex-ch1-reverse", 1, '''\
from recur_tutorial.exercises.chomsky import check_states_for_reversal


def states_needed(length):
    return 2 ** length  # SOLUTION''', "check_states_for_reversal(states_needed)"),
        CodingExercise("ex-ch1-chance", 1, '''\
import recur_tutorial as rt
from recur_tutorial.exercises.chomsky import check_chance_levels


def chance(task):
    return 1 / len(rt.tasks.get(task).output_alphabet)  # SOLUTION''', "check_chance_levels(chance)"),
    ),
    "chapters/02_recurrence_vs_autoregression": (
        CodingExercise("ex-ch2-div3", 2, '''\
from recur_tutorial.exercises.depth import check_divisible_by_three
from recur_tutorial.theory import automata


def divisible_by_three_dfa():
    # BEGIN SOLUTION
    return automata.from_function("div3", "01", [0, 1, 2], 0, lambda r, b: (2 * r + int(b)) % 3,
                                  lambda r: "1" if r == 0 else "0")
    # END SOLUTION''', "check_divisible_by_three(divisible_by_three_dfa)"),
        CodingExercise("ex-ch2-window", 1, '''\
from recur_tutorial.exercises.depth import check_window_rule


def rule(previous, current):
    return int(previous == 0 and current == 0)  # SOLUTION''', "check_window_rule(rule)"),
        CodingExercise("ex-ch2-depth", 1, '''\
from recur_tutorial.exercises.depth import check_prefix_layers


def layers_needed(n):
    return (n - 1).bit_length()  # SOLUTION''', "check_prefix_layers(layers_needed)"),
    ),
    "chapters/03_chain_of_thought": (
        CodingExercise("ex-ch3-trace", 2, '''\
from recur_tutorial.exercises.cot import check_full_state_trace


def trace(x):
    return [x[0] + c for c in x]  # SOLUTION''', "check_full_state_trace(trace)"),
        CodingExercise("ex-ch3-cost", 1, '''\
from recur_tutorial.exercises.cot import check_trace_depth


def critical_path(layers, n):
    return layers * (n + 1)  # SOLUTION''', "check_trace_depth(critical_path)"),
        CodingExercise("ex-ch3-counter", 2, '''\
from itertools import accumulate

from recur_tutorial.exercises.cot import check_full_state_trace


def counter_trace(x):
    return [count % 4 for count in accumulate(symbol == "a" for symbol in x)]  # SOLUTION''',
                       'check_full_state_trace(counter_trace, task="modular_counter")'),
    ),
    "chapters/04_recurrence_completeness": (
        CodingExercise("ex-parity-by-hand", 2, '''\
from recur_tutorial.exercises.completeness import check_parity_rnn

a = (1.0, -1.0)  # SOLUTION
b = (0.0, 1.0)  # SOLUTION


def readout(h):
    return (h > 0.5).long()  # SOLUTION''', "check_parity_rnn(a, b, readout)"),
        CodingExercise("ex-lt-view", 1, '''\
from recur_tutorial.exercises.completeness import check_same_view

u = "10"  # SOLUTION
v = "1100"  # SOLUTION''', "check_same_view(u, v)"),
        CodingExercise("ex-mod3", 2, '''\
import math

import torch

from recur_tutorial.exercises.completeness import check_mod3_counter

turn = 2 * math.pi / 3
rotation = [[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]]  # SOLUTION
transition = {"a": rotation, "b": [[1, 0], [0, 1]]}  # SOLUTION
start = [1, 0]  # SOLUTION


def decode(h):
    return torch.round(torch.atan2(h[:, 1], h[:, 0]) / turn).long() % 3  # SOLUTION''',
                       "check_mod3_counter(transition, start, decode)"),
    ),
    "chapters/05_recurrent_transformers": (
        CodingExercise("ex-critical-path", 2, '''\
import math

from recur_tutorial.exercises.revisit import check_critical_path


def critical_path(kind, n, layers, depth_steps):
    # BEGIN SOLUTION
    return {"transformer": layers, "universal_transformer": depth_steps,
            "linear_rnn": layers * max(1, math.ceil(math.log2(n))),
            "nonlinear_rnn": layers * n, "recurrent_transformer": layers * n}[kind]
    # END SOLUTION''', "check_critical_path(critical_path)"),
        CodingExercise("ex-classify", 1, '''\
from recur_tutorial.exercises.revisit import check_classification

designs = {  # (axis, recurrence-complete per symbol); axis: "time", "depth" or "none"
    # BEGIN SOLUTION
    "LSTM": ("time", True), "Mamba": ("time", False), "Universal Transformer": ("depth", False),
    "Recurrent Transformer (seed paper)": ("time", True), "DeltaNet": ("time", False),
    # END SOLUTION
}''', "check_classification(designs)"),
        CodingExercise("ex-depth-per-token", 2, '''\
import math

from recur_tutorial.exercises.revisit import check_sequential_depth


def depth(design, t, layers):
    # BEGIN SOLUTION
    return {"Transformer": layers, "Recurrent Transformer (seed paper)": t * layers, "LSTM": t * layers,
            "Linear Transformer": layers * max(1, math.ceil(math.log2(t))),
            "Transformer + full-state chain of thought": (t + 1) * layers}[design]
    # END SOLUTION''', "check_sequential_depth(depth)"),
    ),
    "chapters/06_atlas": (
        CodingExercise("ex-ch6-verdict", 1, '''\
from recur_tutorial.exercises.atlas import check_verdict


def verdict(score, in_distribution):
    # BEGIN SOLUTION
    if score >= 0.9:
        return "solves"
    return "fitted, did not generalise" if in_distribution >= 0.95 else "did not fit"
    # END SOLUTION''', "check_verdict(verdict)"),
        CodingExercise("ex-ch6-best-of", 1, '''\
from recur_tutorial.exercises.atlas import check_best_of


def best_of(p, k):
    return 1 - (1 - p) ** k  # SOLUTION''', "check_best_of(best_of)"),
        CodingExercise("ex-ch6-solved", 1, '''\
from recur_tutorial.exercises.atlas import check_solved_per_model
from recur_tutorial.published import published_scores


def solved():
    # BEGIN SOLUTION
    table = published_scores("deletang2023chomsky")
    return (table.score >= 0.9).groupby(table.model, sort=False).sum().astype(int).to_dict()
    # END SOLUTION''', "check_solved_per_model(solved)"),
    ),
}


def exercises_of(chapter: str) -> tuple[CodingExercise, ...]:
    return EXERCISES.get(chapter, ())


__all__ = ["EXERCISES", "CodingExercise", "exercises_of"]
