"""Published scores that the book's measurements are set beside.

``DELETANG_2023``: Table 2 of Delétang et al. (ICLR 2023), the score of each architecture on each
task (accuracy averaged over test lengths 41..500, in %, best of 10 seeds × 3 learning rates; RNNs
and LSTM read-then-write, Transformer encoder with relative positional encodings).
"""

from __future__ import annotations

import pandas as pd

_ARCHITECTURES = ("rnn", "stack_rnn", "tape_rnn", "transformer", "lstm")
_TABLE = {
    "even_pairs": (100.0, 100.0, 100.0, 96.4, 100.0),
    "modular_arithmetic": (100.0, 100.0, 100.0, 24.2, 100.0),
    "parity_check": (100.0, 100.0, 100.0, 52.0, 100.0),
    "cycle_navigation": (100.0, 100.0, 100.0, 61.9, 100.0),
    "stack_manipulation": (56.0, 100.0, 100.0, 57.5, 59.1),
    "reverse_string": (62.0, 100.0, 100.0, 62.3, 60.9),
    "modular_arithmetic_brackets": (41.3, 96.1, 95.4, 32.5, 59.2),
    "solve_equation": (51.0, 56.2, 64.4, 25.7, 67.8),
    "duplicate_string": (50.3, 52.8, 100.0, 52.8, 57.6),
    "missing_duplicate": (52.3, 55.2, 100.0, 56.4, 54.3),
    "odds_first": (51.0, 51.9, 100.0, 52.8, 55.6),
    "binary_addition": (50.3, 52.7, 100.0, 54.3, 55.5),
    "binary_multiplication": (50.0, 52.7, 58.5, 52.2, 53.1),
    "compute_sqrt": (54.3, 56.5, 57.8, 52.4, 57.5),
    "bucket_sort": (27.9, 78.1, 70.7, 91.9, 99.3),
}


def deletang_scores() -> pd.DataFrame:
    """Long table: task, model, score (a fraction in [0, 1])."""
    return pd.DataFrame(
        [(task, model, value / 100) for task, row in _TABLE.items() for model, value in zip(_ARCHITECTURES, row)],
        columns=["task", "model", "score"],
    )
