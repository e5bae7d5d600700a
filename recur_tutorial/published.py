"""Published scores that the book's measurements are set beside, under this package's task names.

One function, :func:`published_scores` (``source``) → a long table (task, model, score in [0, 1]),
and :data:`SOURCES`, what each table is and how its score was computed. The sources are named by
their keys in ``book/references.bib``:

- ``deletang2023chomsky``: Table 2 of Delétang et al. (ICLR 2023), the accuracy of each architecture
  on each task, averaged over test lengths 41..500, best of 10 seeds × 3 learning rates; RNNs and
  LSTM read-then-write, the Transformer an encoder with relative positional encodings. Not yet
  checked against the paper's text: a search of stored copies of arXiv 2207.02098 (v1, v3) and of
  the authors' repository on 2026-12-07 reached their abstracts and introductions but neither the
  table nor its caption, so the 75 numbers and this description of how they were computed await a
  check against the table itself.
- ``grazzi2025unlocking``: Table 3 (Section 5.1, "Chomsky hierarchy") of Grazzi, Siems, Zela, Franke,
  Hutter and Pontil (ICLR 2025, arXiv 2411.12537). Models trained on lengths 3 to 40 and evaluated on
  40 to 256; the score is the *scaled accuracy* (:func:`scaled_accuracy`), so 1 is perfect and 0 is
  chance; each cell is the best of 3 runs (their Table 5 gives the median). "[0, 1]" and "[-1, 1]"
  are the eigenvalue ranges of the state transition. Transcribed by hand from two independent text
  extractions of the ICLR 2025 version, which agree cell for cell (an earlier arXiv version printed
  different numbers in the modular-arithmetic-with-brackets column).
- ``beck2024xlstm``: the mLSTM and sLSTM scores of Beck et al. (2024) that the same Table 3 of Grazzi
  et al. quotes in parentheses (same score and protocol).
"""

from __future__ import annotations

import pandas as pd

from .errors import check_choice

SOURCES: dict[str, str] = {
    "deletang2023chomsky": "Delétang et al. (2023), Table 2: accuracy over test lengths 41..500, best of 10 seeds "
                           "× 3 learning rates",
    "grazzi2025unlocking": "Grazzi et al. (2025), Table 3: best of 3 runs, scaled accuracy, train 3..40, test 40..256",
    "beck2024xlstm": "Beck et al. (2024), as quoted in Grazzi et al. (2025), Table 3: scaled accuracy",
}
"""Source (its key in the bibliography) → one line that says what its numbers are."""

_DELETANG_MODELS = ("rnn", "stack_rnn", "tape_rnn", "transformer", "lstm")
_DELETANG = {  # task → score of each of _DELETANG_MODELS, in %
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

_GRAZZI_TASKS = ("parity_check", "modular_arithmetic", "modular_arithmetic_brackets")
"""The paper's "Parity", "Mod. Arithm. (w/o brackets)" and "Mod. Arithm. (w/ brackets)"."""
_GRAZZI = {  # model → scaled accuracy on each of _GRAZZI_TASKS
    "Transformer": (0.022, 0.031, 0.067),
    "mLSTM": (0.087, 0.040, 0.114),
    "sLSTM": (1.000, 0.787, 0.178),
    "Mamba [0, 1]": (0.000, 0.095, 0.123),
    "Mamba [-1, 1]": (1.000, 0.241, 0.116),
    "DeltaNet [0, 1]": (0.017, 0.314, 0.194),
    "DeltaNet [-1, 1]": (1.000, 0.971, 0.260),
}
_BECK = {
    "mLSTM": (0.04, 0.04, 0.03),
    "sLSTM": (1.00, 1.00, 0.57),
}


def published_scores(source: str) -> pd.DataFrame:
    """The scores of ``source`` (a key of :data:`SOURCES`) as a long table: task, model, score in [0, 1],
    rows in the order of the paper's table."""
    check_choice("published source", source, SOURCES)
    if source == "deletang2023chomsky":
        rows = [(task, model, value / 100) for task, row in _DELETANG.items()
                for model, value in zip(_DELETANG_MODELS, row)]
    else:
        table = _GRAZZI if source == "grazzi2025unlocking" else _BECK
        rows = [(task, model, value) for model, row in table.items() for task, value in zip(_GRAZZI_TASKS, row)]
    return pd.DataFrame(rows, columns=["task", "model", "score"])


def scaled_accuracy(accuracy: float, n_classes: int) -> float:
    """(accuracy − chance) / (1 − chance), the score of Grazzi et al.'s table; chance = 1/n_classes."""
    chance = 1.0 / n_classes
    return (accuracy - chance) / (1.0 - chance)


__all__ = ["SOURCES", "published_scores", "scaled_accuracy"]
