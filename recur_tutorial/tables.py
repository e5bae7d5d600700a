"""Small tables for the chapters: tasks shown as strings."""

from __future__ import annotations

import pandas as pd

from . import tasks


def task_examples(names, length: int = 8, per_task: int = 2, seed: int = 0) -> pd.DataFrame:
    """``per_task`` examples of each task at input length ℓ, with its Chomsky level."""
    rows = []
    for name in names:
        task = tasks.get(name)
        for x, y in task.samples(per_task, length, seed):
            rows.append({"task": name, "level": task.level, "input x": x, "output y": y})
    return pd.DataFrame(rows)
