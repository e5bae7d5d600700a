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
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import torch

from ..errors import Registry, check


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


# ---- the DFAs of the book's regular tasks -------------------------------------------------------
DFAS: Registry[Callable[..., DFA]] = Registry("automaton")


@DFAS.register("parity_check")
def parity() -> DFA:
    """Two states, the parity of the ones read so far."""
    return from_function("parity_check", "01", [0, 1], 0, lambda q, a: q ^ int(a), str)


@DFAS.register("modular_counter")
def modular_counter(m: int = 4) -> DFA:
    """m states, the number of ``a`` read so far, mod m."""
    check(m >= 2, f"modular_counter needs m >= 2, got {m}")
    return from_function(f"modular_counter(m={m})", "ab", list(range(m)), 0,
                         lambda q, a: (q + (a == "a")) % m, str)


@DFAS.register("cycle_navigation")
def cycle_navigation(positions: int = 5) -> DFA:
    """The position on a cycle; ``0`` stays, ``+`` and ``-`` move by one."""
    moves = {"0": 0, "+": 1, "-": -1}
    return from_function("cycle_navigation", "0+-", list(range(positions)), 0,
                         lambda q, a: (q + moves[a]) % positions, str)


@DFAS.register("even_pairs")
def even_pairs() -> DFA:
    """Remember the first symbol and the last one: five states (start, then (first, last))."""
    states = ["start"] + [f + l for f, l in itertools.product("ab", repeat=2)]

    def step(q, a):
        return a + a if q == "start" else q[0] + a

    # On the empty string there are no pairs, an even number: answer 1.
    return from_function("even_pairs", "ab", states, "start", step,
                         lambda q: "1" if q == "start" or q[0] == q[1] else "0")


@DFAS.register("modular_arithmetic")
def modular_arithmetic(modulus: int = 5) -> DFA:
    """Left-to-right evaluation of d op d op … d mod 5 with ``*`` before ``+``/``-``.

    The state after a digit is (total, sign, term): the value is total + sign·term. After an
    operator it is (total, sign, term, op), waiting for the next digit. Only reachable states are
    kept (the table of all tuples would be mostly unused).
    """
    digits = "".join(str(d) for d in range(modulus))
    alphabet = digits + "+-*"

    def step(q, a):
        if q == "start":
            return (0, 1, int(a)) if a in digits else "error"
        if q == "error":
            return "error"
        if len(q) == 3:  # after a digit: expects an operator
            if a in digits:
                return "error"
            total, sign, term = q
            if a == "*":
                return (total, sign, term, "*")
            return ((total + sign * term) % modulus, 1 if a == "+" else -1, 0, "+")
        total, sign, term, op = q  # after an operator: expects a digit
        if a not in digits:
            return "error"
        return (total, sign, term * int(a) % modulus) if op == "*" else (total, sign, int(a))

    def output(q):
        if q in ("start", "error") or len(q) == 4:
            return "?"
        total, sign, term = q
        return str((total + sign * term) % modulus)

    states, frontier = ["start"], ["start"]
    while frontier:
        frontier = list(dict.fromkeys(step(q, a) for q in frontier for a in alphabet))
        frontier = [q for q in frontier if q not in states]
        states += frontier
    return from_function("modular_arithmetic", alphabet, states, "start", step, output)


def from_group_table(name: str, names: Sequence[str], table) -> DFA:
    """The DFA of a group's word problem: the states are the group elements, δ(g, h) = g·h, the start
    state the identity; ``table[i, j]`` is the index of element i times element j."""
    table = np.asarray(table, dtype=np.int64)
    identity = [e for e in range(len(table)) if (table[e] == np.arange(len(table))).all()]
    check(len(identity) == 1, f"{name}: the table has no identity element")
    return DFA(name, tuple(names), table, identity[0], list(names), list(names))


def get(name: str, **options) -> DFA:
    """The DFA of the regular task ``name`` (an unknown name lists the valid ones)."""
    return DFAS[name](**options)


def names() -> list[str]:
    return DFAS.names()
