"""The run engine's table of a sweep: one row per run and tested length.

Columns: task, model (the run's name), seed, length, accuracy, beyond_training (the length exceeds the
longest training length), any column the run's evaluator wrote, and the run's training seconds.
"""

from __future__ import annotations

import pandas as pd

TABLE_COLUMNS = ["task", "model", "seed", "length", "accuracy", "beyond_training"]


def per_length_table(pairs) -> pd.DataFrame:
    """One row per (run, tested length) from (run, record) pairs; any extra column an evaluator
    wrote (``trace right``, ``seconds``) comes along, and ``train_seconds`` is the run's."""
    frames = [
        pd.DataFrame({"task": run.task, "model": run.name, "seed": run.seed, "length": record["lengths"],
                      "accuracy": record["accuracy"],
                      "beyond_training": [n > run.train_lengths[1] for n in record["lengths"]],
                      **record.get("columns", {}), "train_seconds": record["train_seconds"]})
        for run, record in pairs
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=TABLE_COLUMNS)
