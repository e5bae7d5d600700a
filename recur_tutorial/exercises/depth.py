"""Chapter 2 exercise: write a DFA as a transition table, then run it with the hand-built RNN.

The task: read a binary number, most significant bit first, and answer ``1`` when it is divisible by
3, else ``0`` (the empty string is 0, divisible). Build a :class:`~recur_tutorial.theory.automata.DFA`
over the alphabet ``"01"`` and pass it to :func:`check_divisible_by_three`.
"""

from __future__ import annotations

import itertools

from ..theory.automata import DFA
from ..theory.dfa_rnn import DFARNN
from .verdict import Verdict, Wrong, checker


def divisible_by_three(x: str) -> str:
    """The reference answer, by arithmetic."""
    return "1" if int(x or "0", 2) % 3 == 0 else "0"


@checker(hint="read the bits left to right and keep the value so far modulo 3: reading bit b turns value v into 2v + b")
def check_divisible_by_three(dfa: DFA, max_length: int = 10) -> Verdict:
    """Compare ``dfa`` (a DFA, or a function that builds one) with the reference on every binary
    string up to ``max_length``, then check that the hand-built RNN of ``dfa`` agrees with it on a
    long string. Answers with a verdict."""
    if callable(dfa) and not isinstance(dfa, DFA):
        dfa = dfa()
    if not isinstance(dfa, DFA) or tuple(dfa.alphabet) != ("0", "1"):
        raise Wrong("give a DFA over the alphabet '01'")
    for length in range(max_length + 1):
        for bits in itertools.product("01", repeat=length):
            x = "".join(bits)
            if dfa.answer(x) != divisible_by_three(x):
                raise Wrong(f"on {x!r} (= {int(x or '0', 2)}) your DFA answers {dfa.answer(x)!r}, "
                            f"the answer is {divisible_by_three(x)!r}")
    import torch

    x = torch.randint(0, 2, (4, 2000), generator=torch.Generator().manual_seed(0))
    states, _ = DFARNN(dfa).run(x)
    if not (states.numpy() == dfa.run(x.numpy())).all():
        raise Wrong("the hand-built RNN of your DFA does not follow it (is the table well formed?)")
    return (f"{dfa.n_states} states; the hand-built RNN of your DFA ({DFARNN(dfa).hidden} hidden units) "
            "tracks it on 4 strings of 2,000 bits")
