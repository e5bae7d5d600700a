"""Random bracketed expressions mod 5 of an exact length, and their batched evaluation.

Symbols (ids): digits ``0``-``4`` (0-4), ``+`` 5, ``-`` 6, ``*`` 7, ``(`` 8, ``)`` 9. The grammar:

    expr := term (op term)*      term := d | -d | ( expr )      op := + | - | *

**Sampling** writes one symbol per step for all samples at once. The sampler knows its mode
(``E`` expects a term, ``U`` follows a unary minus, ``O`` follows a term), the bracket depth d and
the symbols left r. With slack s = r − d (the closing brackets are owed), a finished expression of
exactly ℓ symbols is still reachable iff s ≥ 1 in mode E, and s = 0 or s ≥ 2 in mode O (after a
term the shortest continuation is two symbols, ``+d``). A choice is allowed when it keeps that
true; allowed choices are drawn with weights (term: digit 2, bracket 1, minus 1; after a term:
operator 2, close 1), which keeps the depth small.

**Evaluation** reads left to right with a stack of frames, one per open bracket. A frame is
(total, sign, term, mode) with value total + sign·term mod 5: ``+``/``-`` fold the term into
the total, ``*`` makes the next operand multiply the term, ``-`` before an operand negates it,
``(`` pushes the frame and starts a fresh one, ``)`` pops and feeds the inner value to the outer
frame as an operand. The frame moves are tabulated once, so a step costs a few table look-ups.
"""

from __future__ import annotations

import itertools

import numpy as np
import torch

from ..errors import check

ALPHABET = "01234+-*()"
PLUS, MINUS, TIMES, OPEN, CLOSE = range(5, 10)


def eval_mod5(expression: str) -> int:
    """Reference value mod 5 of an expression of the grammar (Python applies the precedence)."""
    check(set(expression) <= set(ALPHABET) and "**" not in expression, f"not an expression: {expression!r}")
    return eval(expression) % 5  # only digits, + - * and brackets reach eval


# ---- sampling ---------------------------------------------------------------------------------
DIGIT, OPERATOR, NEGATE, BRACKET, UNBRACKET = range(5)
EXPECT, UNARY, AFTER = range(3)
NEXT_MODE = np.array([AFTER, EXPECT, UNARY, EXPECT, AFTER])
DEPTH_CHANGE = np.array([0, 0, 0, 1, -1])
BUCKETS = 12  # every weight total below divides it


def allowed(mode: int, slack: int, nested: bool) -> dict[int, int]:
    """Weights of the choices that keep an expression of the exact length reachable."""
    if mode == UNARY:
        return {DIGIT: 1}
    if mode == EXPECT:
        choices = {DIGIT: 2 * (slack == 1 or slack >= 3), BRACKET: slack >= 3, NEGATE: slack == 2 or slack >= 4}
    else:
        choices = {OPERATOR: 2 * (slack >= 2), UNBRACKET: nested}
    return {c: int(w) for c, w in choices.items() if w}


def choice_table() -> np.ndarray:
    """choose[mode, min(slack, 4), nested, bucket]: the choice for each of BUCKETS equal slices
    of the allowed weights."""
    table = np.zeros((3, 5, 2, BUCKETS), dtype=np.int64)
    for mode, slack, nested in itertools.product(range(3), range(5), (0, 1)):
        weights = allowed(mode, slack, bool(nested))
        slices = [c for c, w in weights.items() for _ in range(w * BUCKETS // max(1, sum(weights.values())))]
        if slices:
            table[mode, slack, nested] = slices
    return table


CHOOSE = choice_table()


def sample_expressions(batch_size: int, length: int, generator: torch.Generator, multiply: bool = True) -> torch.Tensor:
    """B × ℓ ids of random expressions of exactly ℓ symbols; without ``*`` unless ``multiply``."""
    operators = [PLUS, MINUS, TIMES] if multiply else [PLUS, MINUS]
    symbol = np.array([[r % 5 for r in range(30)], [operators[r % len(operators)] for r in range(30)]]
                      + [[fixed] * 30 for fixed in (MINUS, OPEN, CLOSE)])
    buckets = torch.randint(0, BUCKETS, (length, batch_size), generator=generator).numpy()
    draws = torch.randint(0, 30, (length, batch_size), generator=generator).numpy()
    x = np.empty((length, batch_size), dtype=np.int64)
    mode = np.full(batch_size, EXPECT)
    depth = np.zeros(batch_size, dtype=np.int64)
    for t in range(length):
        choice = CHOOSE[mode, np.minimum(length - t - depth, 4), (depth > 0).astype(np.int64), buckets[t]]
        x[t] = symbol[choice, draws[t]]
        mode, depth = NEXT_MODE[choice], depth + DEPTH_CHANGE[choice]
    return torch.from_numpy(x.T.copy())


# ---- evaluation -------------------------------------------------------------------------------
ADD, ADD_NEGATED, MULTIPLY, MULTIPLY_NEGATED, DONE = range(5)
FRAMES = list(itertools.product(range(5), (1, -1), range(5), range(5)))  # total, sign, term, mode
INDEX = {frame: i for i, frame in enumerate(FRAMES)}
FRESH = INDEX[(0, 1, 0, ADD)]


def frame_value(frame: tuple) -> int:
    total, sign, term, _ = frame
    return (total + sign * term) % 5


def operand(frame: tuple, value: int) -> tuple:
    """The frame after an operand of the given value."""
    total, sign, term, mode = frame
    value = -value if mode in (ADD_NEGATED, MULTIPLY_NEGATED) else value
    term = term * value if mode in (MULTIPLY, MULTIPLY_NEGATED) else value
    return (total, sign, term % 5, DONE)


def symbol_move(frame: tuple, symbol: int) -> tuple:
    """The frame after a digit, operator or ``(`` (which starts a fresh frame)."""
    total, sign, term, mode = frame
    if symbol < 5:
        return operand(frame, symbol)
    if symbol == OPEN:
        return FRAMES[FRESH]
    if symbol == MINUS and mode != DONE:
        return (total, sign, term, {ADD: ADD_NEGATED, MULTIPLY: MULTIPLY_NEGATED}.get(mode, mode))
    if symbol == TIMES:
        return (total, sign, term, MULTIPLY)
    return ((total + sign * term) % 5, 1 if symbol == PLUS else -1, 0, ADD)


STEP = np.array([[INDEX[symbol_move(f, s)] if s != CLOSE else 0 for s in range(10)] for f in FRAMES])
RETURN = np.array([[INDEX[operand(outer, frame_value(inner))] for inner in FRAMES] for outer in FRAMES])
MOVE = np.repeat(STEP[:, :, None], len(FRAMES), 2)
MOVE[:, CLOSE, :] = RETURN.T
"""MOVE[frame, symbol, outer]: the next frame; ``outer`` (the frame below) matters only for ``)``."""
VALUE = torch.tensor([frame_value(f) for f in FRAMES])
DEPTH_OF = np.array([0] * OPEN + [1, -1])


def evaluate_expressions(x: torch.Tensor) -> torch.Tensor:
    """Value mod 5 (shape B) of each row of ids of a well-formed expression."""
    batch_size, length = x.shape
    rows = np.arange(batch_size)
    frame = np.full(batch_size, FRESH)
    stack = np.zeros((batch_size, length + 2), dtype=np.int64)  # frames below the top: slots 1..depth
    depth = np.zeros(batch_size, dtype=np.int64)
    for symbol in x.T.numpy():
        stack[rows, depth + 1] = frame  # kept only if this symbol is "("
        frame = MOVE[frame, symbol, stack[rows, depth]]
        depth = depth + DEPTH_OF[symbol]
    return VALUE[torch.from_numpy(frame)]
