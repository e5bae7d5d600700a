"""Chapter 3 exercise: design a full-state chain-of-thought trace.

Write ``trace(x)`` for even_pairs: given an input string over ``ab`` it returns a list of trace tokens
(any hashable values), one per symbol. :func:`check_full_state_trace` checks the two properties that
make a trace a recurrence written out (Chapter 3):

1. each token is a function of the token before it and the current symbol only (the first token of
   the current symbol only): then a constant-depth model that reads those two tokens can write it;
2. the answer is a function of the last token.
"""

from __future__ import annotations

import itertools
from typing import Callable, Hashable

from .. import tasks
from .verdict import Verdict, Wrong, checker

START = object()


@checker(hint="let each token be the whole state after the symbol (for even_pairs: the first symbol and the last one)")
def check_full_state_trace(trace: Callable[[str], list[Hashable]], task: str = "even_pairs",
                           max_length: int = 8) -> Verdict:
    """Check ``trace`` on every string up to ``max_length``; answer with a verdict."""
    solver = tasks.get(task)
    alphabet = list(solver.input_alphabet)
    step: dict = {}
    answer_of: dict = {}
    for length in range(1, max_length + 1):
        for symbols in itertools.product(alphabet, repeat=length):
            x = "".join(symbols)
            tokens = list(trace(x))
            if len(tokens) != len(x):
                raise Wrong(f"trace({x!r}) has {len(tokens)} tokens for {len(x)} symbols")
            previous = START
            for t, (symbol, token) in enumerate(zip(x, tokens)):
                seen = step.setdefault((previous, symbol), (token, x[: t + 1]))
                if seen[0] != token:
                    before = "the start" if previous is START else f"token {previous!r}"
                    raise Wrong(f"after {before} and symbol {symbol!r} your trace writes {seen[0]!r} on "
                                f"{seen[1]!r} but {token!r} on {x[: t + 1]!r}: the token is not a function of "
                                "the previous token and the symbol, so the trace does not carry the full state")
                previous = token
            answer = solver.solve(x)
            if answer_of.setdefault(tokens[-1], (answer, x))[0] != answer:
                other = answer_of[tokens[-1]][1]
                raise Wrong(f"{x!r} and {other!r} both end on token {tokens[-1]!r} but their answers differ")
    n_tokens = len({token for token, _ in step.values()})
    return f"a full-state trace with {n_tokens} distinct tokens"


@checker(hint="every trace token needs all L layers after the token before it is known; count the tokens "
              "written before the answer, and the answer itself")
def check_trace_depth(critical_path) -> str:
    """Exercise 3.2: ``critical_path(layers, n)``, the layer applications on the critical path of a
    chain-of-thought model that writes ``n`` trace tokens and then its answer, compared with L (n + 1)."""
    for layers in (1, 2, 4, 12):
        for n in (1, 2, 10, 40, 200):
            got = critical_path(layers, n)
            if got != layers * (n + 1):
                raise Wrong(f"layers = {layers}, n = {n}: {layers * (n + 1)} layer applications, not {got!r}")
    return ("L (n + 1): the sequential depth grows with the input, as a recurrence's does when run step by "
            "step; a direct answer has sequential depth L")
