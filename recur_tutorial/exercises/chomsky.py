"""Checkers for the exercises of Chapter 1 (neural networks and the Chomsky hierarchy).

Each answers with a :class:`~recur_tutorial.exercises.verdict.Verdict`: right, or a counter-example
and a hint.
"""

from __future__ import annotations

import itertools
from typing import Callable

from .. import tasks
from ..tables import chance_level
from ..theory.automata import DFA
from .verdict import Wrong, checker

SMALLEST = {"parity_check": 2, "cycle_navigation": 5}  # states of the minimal DFA of each task


def _agrees_with_the_task(name: str, dfa: DFA, max_length: int) -> None:
    task = tasks.get(name)
    if not isinstance(dfa, DFA) or set(dfa.alphabet) != set(task.input_alphabet):
        raise Wrong(f"{name}: give a DFA over the task's input alphabet {task.input_alphabet!r} "
                    "(built with recur_tutorial.theory.automata.from_function)")
    for length in range(1, max_length + 1):
        for symbols in itertools.product(task.input_alphabet, repeat=length):
            x = "".join(symbols)
            if dfa.answer(x) != task.solve(x):
                raise Wrong(f"{name}: on {x!r} your automaton answers {dfa.answer(x)!r}, the task's answer is "
                            f"{task.solve(x)!r}")


@checker(hint="a state must hold exactly what the rest of the input needs: for parity the parity so far, "
              "for cycle navigation the position on the cycle")
def check_smallest_automata(parity: DFA, cycle: DFA, max_length: int = 7) -> str:
    """Exercise 1.1: the smallest DFAs (or functions that build them) of ``parity_check`` and
    ``cycle_navigation``; each is compared with the task on every input up to ``max_length`` and must
    have as few states as possible."""
    for name, dfa in (("parity_check", parity), ("cycle_navigation", cycle)):
        dfa = dfa() if callable(dfa) and not isinstance(dfa, DFA) else dfa
        _agrees_with_the_task(name, dfa, max_length)
        if dfa.n_states > SMALLEST[name]:
            raise Wrong(f"{name}: your automaton is right but has {dfa.n_states} states; {SMALLEST[name]} suffice",
                        hint="two states that give the same answer on every continuation can be merged")
    return (f"both right on every input up to length {max_length}, with {SMALLEST['parity_check']} and "
            f"{SMALLEST['cycle_navigation']} states: 1 and 3 bits of state, at any length")


@checker(hint="two inputs of the same length that leave the machine in the same state get the same output")
def check_states_for_reversal(states_needed: Callable[[int], int], max_length: int = 20) -> str:
    """Exercise 1.2: ``states_needed(length)``, the number of states a machine must be able to reach
    after reading an input of ``length`` bits to write every such input reversed."""
    symbols = len(tasks.get("reverse_string").input_alphabet)
    for length in range(1, max_length + 1):
        expected, got = symbols ** length, states_needed(length)
        if got != expected:
            raise Wrong(f"for length {length} you say {got}, but the {expected} inputs of that length all have "
                        "different reversals, so each needs a state of its own")
    return "2^length states after length bits: more than any fixed automaton has, once length is large"


@checker(hint="chance is what guessing the output symbol uniformly at random scores: one over the size of the "
              "output alphabet")
def check_chance_levels(chance: Callable[[str], float]) -> str:
    """Exercise 1.3: ``chance(task)``, the per-symbol accuracy of a uniform guess, for the chapter's tasks."""
    from ..experiments.chomsky import QUICK_TASKS

    for name in QUICK_TASKS:
        got, expected = chance(name), chance_level(name)
        if got is None or abs(float(got) - expected) > 1e-9:
            raise Wrong(f"{name}: the output alphabet is {tasks.get(name).output_alphabet!r}, so chance is "
                        f"{expected:g}, not {got!r}")
    return f"right for the {len(QUICK_TASKS)} tasks: 0.5 on the binary ones, 0.2 on cycle navigation"


__all__ = ["SMALLEST", "check_chance_levels", "check_smallest_automata", "check_states_for_reversal"]
