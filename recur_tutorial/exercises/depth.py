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


@checker(hint="list the windows of two bits that occur in the stream and the bit that follows each")
def check_window_rule(rule, steps: int = 60) -> str:
    """Exercise 2.2: ``rule(previous, current) -> next`` on windows of two outputs of the Fibonacci
    stream modulo 2 (``recurrent_stream``), checked at every position of its first ``steps`` outputs."""
    from ..theory.fibonacci import recurrent_stream

    stream = recurrent_stream(steps)
    for t in range(2, len(stream)):
        got = rule(stream[t - 2], stream[t - 1])
        if got != stream[t]:
            raise Wrong(f"at t = {t + 1} the window is ({stream[t - 2]}, {stream[t - 1]}), the next output is "
                        f"{stream[t]}, your rule says {got!r}")
    return (f"your rule predicts all {len(stream) - 2} next outputs; the window (1, 1) never occurs, so "
            "either value there is right: two such rules")


@checker(hint="combine neighbouring pairs: each layer halves the number of partial products")
def check_prefix_layers(layers_needed, max_n: int = 4096) -> str:
    """Exercise 2.3: ``layers_needed(n)``, the layers of the pairwise scheme (layer l combines the
    products of blocks of 2^(l-1) elements) that compute the product of n group elements: ⌈log₂ n⌉."""
    for n in range(1, max_n + 1):
        expected = (n - 1).bit_length()
        got = layers_needed(n)
        if got != expected:
            raise Wrong(f"n = {n}: after {expected} layers one position holds the whole product "
                        f"(2^{expected} >= {n}), and {expected - 1} are not enough; you say {got!r}")
    return (f"⌈log₂ n⌉ layers for every n up to {max_n}: depth that grows with n, however slowly; for a "
            "non-solvable group (A₅, S₅) constant depth is not enough with log precision unless TC⁰ = NC¹")
