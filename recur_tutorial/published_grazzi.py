"""The published results that Chapter 4 sets its own measurements beside.

Grazzi, Siems, Zela, Franke, Hutter and Pontil, "Unlocking State-Tracking in Linear RNNs Through
Negative Eigenvalues", ICLR 2025 (arXiv 2411.12537), Table 3 in Section 5.1 ("Chomsky hierarchy").

Protocol of that table, as the paper states it: models trained on sequences of length 3 to 40 and
evaluated on lengths 40 to 256; the score is the *scaled accuracy*, (accuracy − chance) / (1 − chance),
so 1.0 is perfect and 0.0 is random guessing; each cell is the best of 3 runs (their Table 5 gives
the median). Numbers in ``BECK_2024`` are those the same table quotes in parentheses from Beck et al.
(2024), the xLSTM paper. "[0, 1]" and "[-1, 1]" are the eigenvalue ranges of the state transition.

The numbers were transcribed by hand from two independent text extractions of the ICLR 2025 version
of the paper, which agree cell for cell. An earlier arXiv version printed different numbers in the
modular-arithmetic-with-brackets column; this module keeps the ICLR 2025 ones.
"""

from __future__ import annotations

import pandas as pd

CITATION = "grazzi2025unlocking"
SOURCE = "Grazzi et al. (2025), Table 3: best of 3 runs, scaled accuracy, train 3..40, test 40..256"

TASKS = ("parity_check", "modular_arithmetic", "modular_arithmetic_brackets")
"""The three columns of the table, under this package's task names (the paper's "Parity",
"Mod. Arithm. (w/o brackets)" and "Mod. Arithm. (w/ brackets)")."""

GRAZZI_2025: dict[str, tuple[float, float, float]] = {
    "Transformer": (0.022, 0.031, 0.067),
    "mLSTM": (0.087, 0.040, 0.114),
    "sLSTM": (1.000, 0.787, 0.178),
    "Mamba [0, 1]": (0.000, 0.095, 0.123),
    "Mamba [-1, 1]": (1.000, 0.241, 0.116),
    "DeltaNet [0, 1]": (0.017, 0.314, 0.194),
    "DeltaNet [-1, 1]": (1.000, 0.971, 0.260),
}

BECK_2024: dict[str, tuple[float, float, float]] = {
    "mLSTM": (0.04, 0.04, 0.03),
    "sLSTM": (1.00, 1.00, 0.57),
}


def published_table(include_beck: bool = False) -> pd.DataFrame:
    """The table as a DataFrame: one row per model, one column per task (scaled accuracy)."""
    rows = dict(GRAZZI_2025)
    if include_beck:
        rows.update({f"{name} (Beck et al. 2024)": values for name, values in BECK_2024.items()})
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(TASKS))


def scaled_accuracy(accuracy: float, n_classes: int) -> float:
    """(accuracy − chance) / (1 − chance), the score of the published table; chance = 1/n_classes."""
    chance = 1.0 / n_classes
    return (accuracy - chance) / (1.0 - chance)


__all__ = ["BECK_2024", "CITATION", "GRAZZI_2025", "SOURCE", "TASKS", "published_table", "scaled_accuracy"]
