"""Deterministic finite automata (DFAs), given as transition tables, and the DFAs of the regular tasks.

A DFA is (Q, Σ, δ, q₀, out): states Q = {0, …, |Q|−1}, an input alphabet Σ (a string of one-character
symbols), a transition table δ[q, a] (a |Q| × |Σ| integer array), a start state q₀ and an output
symbol out(q) for each state. Reading x₁ … x_n it visits q_t = δ(q_{t−1}, x_t) and answers out(q_n).
The list q₁ … q_n is its *state trace*: the recurrence h_t = g(h_{t−1}, x_t) of Chapter 2 with a finite
state, and, written out as tokens, the full-state chain of thought of Chapter 3.

>>> dfa = get("parity_check")
>>> dfa.answer("0110"), dfa.answer("0111")
('0', '1')
>>> dfa.trace("0111")
[0, 1, 0, 1]

The task DFAs are tabulated from the task suite's own solvers (:mod:`recur_tutorial.tasks.solvers`);
:func:`from_function` builds others, such as the exercise's divisibility by three.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import torch

from .. import tasks
from ..errors import check
from ..tasks.traces import TRACES, get_trace, trace_kinds


@dataclass
class DFA:
    """A DFA with states 0..|Q|−1. ``state_names`` are for people (figures, traces, widgets)."""

    name: str
    alphabet: str  # or a tuple of symbol names (a group's elements)
    table: np.ndarray  # |Q| × |Σ|, table[q, a] = δ(q, a)
    start: int
    outputs: Sequence[str]  # out(q), one symbol per state
    state_names: Sequence[str] = field(default=())

    def __post_init__(self) -> None:
        self.table = np.asarray(self.table, dtype=np.int64)
        n_states, n_symbols = self.table.shape
        check(n_symbols == len(self.alphabet), f"{self.name}: the table has {n_symbols} columns for "
              f"{len(self.alphabet)} symbols {self.alphabet!r}")
        check(((0 <= self.table) & (self.table < n_states)).all(), f"{self.name}: a transition leaves Q")
        check(0 <= self.start < n_states, f"{self.name}: start state {self.start} is not in Q")
        check(len(self.outputs) == n_states, f"{self.name}: needs one output per state, got {len(self.outputs)}")
        if not self.state_names:
            self.state_names = [str(q) for q in range(n_states)]

    @property
    def n_states(self) -> int:
        return self.table.shape[0]

    @property
    def output_alphabet(self) -> str:
        return "".join(sorted(set(self.outputs)))

    # ---- running on strings ---------------------------------------------------------------
    def encode(self, x: str) -> list[int]:
        unknown = sorted(set(x) - set(self.alphabet))
        check(not unknown, f"symbols {unknown} are not in {self.name}'s alphabet {self.alphabet!r}")
        return [self.alphabet.index(c) for c in x]

    def trace(self, x: str) -> list[int]:
        """The states q₁ … q_n visited while reading ``x`` (q₀ is not included)."""
        q, states = self.start, []
        for a in self.encode(x):
            q = int(self.table[q, a])
            states.append(q)
        return states

    def answer(self, x: str) -> str:
        """out(q_n), the DFA's answer on ``x``."""
        states = self.trace(x)
        return self.outputs[states[-1] if states else self.start]

    # ---- running on batches of ids ----------------------------------------------------------
    def run(self, x: torch.Tensor | np.ndarray) -> np.ndarray:
        """State trace of a batch of input ids (B × n) as a B × n array."""
        x = np.asarray(x, dtype=np.int64)
        states = np.empty_like(x)
        q = np.full(x.shape[0], self.start, dtype=np.int64)
        for t in range(x.shape[1]):
            q = self.table[q, x[:, t]]
            states[:, t] = q
        return states

    def reachable(self) -> list[int]:
        """States reachable from q₀, in the order of a breadth-first search."""
        seen, frontier = [self.start], [self.start]
        while frontier:
            frontier = [int(r) for q in frontier for r in self.table[q] if int(r) not in seen]
            frontier = list(dict.fromkeys(frontier))
            seen += frontier
        return seen

    def __repr__(self) -> str:
        return f"<DFA {self.name}: {self.n_states} states over {self.alphabet!r}>"


def from_function(name: str, alphabet: str, states: Sequence, start, step: Callable, output: Callable) -> DFA:
    """Build a DFA from Python: ``states`` a list of hashable states, ``step(state, symbol)`` the next
    state, ``output(state)`` a one-character answer."""
    index = {s: i for i, s in enumerate(states)}
    table = [[index[step(s, a)] for a in alphabet] for s in states]
    return DFA(name, alphabet, table, index[start], [output(s) for s in states], [str(s) for s in states])


# ---- the DFAs of the book's regular tasks ----------------------------------------------------------
def get(name: str, **options) -> DFA:
    """The DFA of the regular task ``name``, tabulated from the left-to-right solver whose states the
    task's full chain-of-thought trace writes (:mod:`recur_tutorial.tasks.traces`), so the book has
    one definition of each automaton. ``options`` go to the task (``modulus=4``, ``group="S5"``)."""
    task = tasks.get(name, **options)
    check("full" in trace_kinds(task) and hasattr(get_trace(task, "full"), "automaton"),
          f"task {name!r} has no finite automaton; tasks with one: {', '.join(names())}")
    automaton = get_trace(task, "full").automaton
    states, table = automaton.tables(task.input_alphabet)
    alphabet = task.input_alphabet if isinstance(task.input_alphabet, str) else tuple(task.input_alphabet)
    label = name + "".join(f"({k}={v})" for k, v in options.items())
    return DFA(label, alphabet, table.numpy(), 0, [_answer(automaton, q) for q in states],
               [automaton.name(q) or "start" for q in states])


def _answer(automaton, state) -> str:
    """The answer in ``state``; states where the solver has none yet (before the first symbol of
    even_pairs, say) answer ``?``."""
    try:
        return automaton.answer(state)
    except (IndexError, KeyError, TypeError):
        return "?"


def names() -> list[str]:
    """The tasks whose full trace is the state of a finite automaton."""
    return [name for name in TRACES
            if "full" in TRACES[name] and hasattr(get_trace(tasks.get(name), "full"), "automaton")]
