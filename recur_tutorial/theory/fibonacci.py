"""The seed paper's example, exactly: a stream that says whether each Fibonacci number is even.

The recurrence carries the full state h_t = (F_{t−1}, F_t) mod m and updates it with
h_t = g(h_{t−1}) = (F_t, F_{t−1} + F_t) mod m; it emits o_t = [F_t ≡ 0 (mod m)] (m = 2: "is F_t even?").
An autoregressive rule instead predicts o_{t+1} from the last k outputs it observed,
o_{t−k+1} … o_t, which hold one bit each where the state holds two numbers.

:func:`window_rules` enumerates *every* rule {0,1}^k → {0,1} and counts those that agree with the
stream at every step; a window length k suffices exactly when at least one rule survives.
"""

from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import check


def fibonacci_states(steps: int, modulus: int = 2) -> list[tuple[int, int]]:
    """(F_{t−1}, F_t) mod m for t = 1..steps (F_0 = 0, F_1 = 1): the recurrence's full state."""
    check(steps >= 1 and modulus >= 2, "need steps >= 1 and modulus >= 2")
    state, states = (0, 1), []
    for _ in range(steps):
        states.append(state)
        previous, current = state
        state = (current, (previous + current) % modulus)
    return states


def recurrent_stream(steps: int, modulus: int = 2) -> list[int]:
    """o_t = 1 if m divides F_t, for t = 1..steps, computed by the recurrence on the full state."""
    return [int(current % modulus == 0) for _, current in fibonacci_states(steps, modulus)]


def window_contexts(stream: Sequence[int], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Every (last k outputs, next output) pair of the stream: codes of the windows and targets."""
    stream = np.asarray(stream)
    if k == 0:
        return np.zeros(len(stream), dtype=np.int64), stream
    windows = np.lib.stride_tricks.sliding_window_view(stream[:-1], k)
    return (windows @ (2 ** np.arange(k)[::-1])).astype(np.int64), stream[k:]


def window_rules(stream, k: int) -> int:
    """How many of the 2^(2^k) rules {0,1}^k → {0,1} predict every next output of the stream.

    Each rule is a truth table; a rule survives when, for every position t ≥ k, applying it to
    o_{t−k+1} … o_t gives o_{t+1}. Enumerated one by one (k ≤ 4: at most 65,536 rules).
    """
    check(0 <= k <= 4, f"enumerating every rule is meant for k <= 4, got {k}")
    codes, targets = window_contexts(stream, k)
    survivors = 0
    for table in itertools.product((0, 1), repeat=2**k):
        survivors += bool((np.asarray(table)[codes] == targets).all())
    return survivors


def minimal_window(stream) -> int:
    """The smallest k for which some rule on the last k outputs predicts the stream exactly.

    Found without enumeration: k suffices when no window is followed by two different outputs.
    """
    stream = list(stream)
    for k in range(len(stream)):
        seen: dict[tuple, int] = {}
        if all(seen.setdefault(tuple(stream[t - k:t]), stream[t]) == stream[t] for t in range(k, len(stream))):
            return k
    return len(stream)


def window_table(steps: int = 60, modulus: int = 2, max_k: int = 4) -> pd.DataFrame:
    """For k = 0..max_k: the number of windows, of rules, and of rules that predict the stream."""
    stream = recurrent_stream(steps, modulus)
    return pd.DataFrame([
        {"k": k, "rules": 2 ** (2**k), "consistent rules": window_rules(stream, k),
         "suffices": window_rules(stream, k) > 0}
        for k in range(max_k + 1)
    ])


def modulus_table(moduli=range(2, 11), steps: int = 400) -> pd.DataFrame:
    """For each m: the number of distinct full states (F_{t−1}, F_t) mod m the recurrence visits (the
    Pisano period) against the shortest window of observed bits that predicts the stream."""
    rows = []
    for m in moduli:
        states = fibonacci_states(steps, m)
        rows.append({"m": m, "states visited": len(set(states)),
                     "shortest window k": minimal_window(recurrent_stream(steps, m))})
    return pd.DataFrame(rows)

