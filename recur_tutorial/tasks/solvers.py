"""Left-to-right solvers written in plain Python, whose states a chain-of-thought trace writes out.

An :class:`Automaton` has a start state, a step (state, input symbol) → state, and an answer
read from the last state. For a finite automaton, :meth:`Automaton.tables` enumerates the states
reachable from the start and tabulates the step, so a batch of traces costs one table look-up per
position. The stack machines at the end have unboundedly many states; they serve replay only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Hashable, Iterable

import torch

from ..errors import check
from .base import END, Task
from .expressions import ALPHABET, FRESH, FRAMES, frame_value, symbol_move

MAX_STATES = 10_000


@dataclass(frozen=True)
class Automaton:
    start: Hashable
    step: Callable[[Hashable, str], Hashable]
    answer: Callable[[Hashable], str]
    name: Callable[[Hashable], str] = str
    """The token that writes a state down."""

    def run(self, symbols: Iterable[str]) -> list:
        """The states after each symbol."""
        states, state = [], self.start
        for symbol in symbols:
            state = self.step(state, symbol)
            states.append(state)
        return states

    def tables(self, alphabet) -> tuple[list, torch.Tensor]:
        """The states reachable from the start (breadth first, the start first) and the step table
        (state id × symbol id → state id)."""
        states, index, rows = [self.start], {self.start: 0}, []
        while len(rows) < len(states):
            row = []
            for symbol in alphabet:
                target = self.step(states[len(rows)], symbol)
                if target not in index:
                    index[target] = len(states)
                    states.append(target)
                    check(len(states) <= MAX_STATES, f"automaton has more than {MAX_STATES} states")
                row.append(index[target])
            rows.append(row)
        return states, torch.tensor(rows)


def counter(weights: dict[str, int], modulus: int) -> Automaton:
    """Σ weights[x_t] mod m: parity (``1`` weighs 1, m = 2), cycle navigation, modular counter."""
    return Automaton(0, lambda s, c: (s + weights[c]) % modulus, str)


def even_pairs() -> Automaton:
    """State: the first and the current symbol (written ``ab``); the answer is whether they agree."""
    return Automaton(
        "", lambda s, c: (s[:1] or c) + c, lambda s: str(int(s[0] == s[1])), lambda s: s
    )


WAITING = ("+", "+-", "*", "*-", "")
"""How a frame's name ends, by its mode: waiting for a term, a negated term, a factor, a negated
factor, or nothing (a term was just read)."""


def arithmetic() -> Automaton:
    """The frame (total, sign, term, mode) of :mod:`.expressions`; the value is total + sign·term.

    A frame is written total, sign, term and what it waits for: ``3-2*`` is 3 − 2·(next digit).
    """
    return Automaton(
        FRAMES[FRESH],
        lambda f, c: symbol_move(f, ALPHABET.index(c)),
        lambda f: str(frame_value(f)),
        lambda f: f"{f[0]}{'+' if f[1] > 0 else '-'}{f[2]}{WAITING[f[3]]}",
    )


def group_product(task: Task) -> Automaton:
    """The running product p_t = p_{t−1} · g_t from the identity (element 0 of every group here)."""
    group = task.group
    element = dict(zip(group.names, group.elements))
    name = dict(zip(group.elements, group.names))
    return Automaton(group.elements[0], lambda p, g: group.compose(p, element[g]), name.get, name.get)


def stack_machine(task: Task) -> Automaton:
    """State: the stack (a tuple, bottom first); ``P`` pops (nothing if empty), others push."""
    pushed = {"0": "0", "1": "1", "x": "0", "y": "1"}
    return Automaton(
        (),
        lambda s, c: s[:-1] if c == "P" else s + (pushed[c],),
        lambda s: "".join(reversed(s)) + END,
        lambda s: s[-1] if s else "_",
    )


def bracket_machine(task: Task) -> Automaton:
    """State: the open brackets (a tuple), or ``!`` once a close does not match; answer: empty?"""
    closes = {")": "(", "]": "["}

    def step(s, c):
        if s == "!" or c in "([":
            return s if s == "!" else s + (c,)
        return s[:-1] if s and s[-1] == closes[c] else "!"

    return Automaton((), step, lambda s: str(int(s == ())), lambda s: "!" if s == "!" else (s[-1] if s else "_"))
