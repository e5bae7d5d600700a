"""Per task and model, the scores over seeds of a sweep's per-length table
(:func:`~recur_tutorial.engine.run_grid`).

A seed's *score* is its mean accuracy over the tested lengths beyond training (Delétang et al.), its
*in-distribution* accuracy the mean over the tested training lengths.
"""

from __future__ import annotations

import pandas as pd

from ..claims import Measured

PER_SEED = ["score", "worst_beyond", "in_distribution"]


def per_seed(table: pd.DataFrame) -> pd.DataFrame:
    """Per task, model and seed: score (beyond training), in_distribution, and worst_beyond (the
    lowest accuracy at any tested length beyond training), as :class:`~recur_tutorial.claims.Measured`
    computes them for the claims."""
    measured, frames = Measured(table), []
    for task, model in table[["task", "model"]].drop_duplicates().itertuples(index=False):
        frames.append(pd.DataFrame({
            "task": task, "model": model, "score": measured.per_seed(model, task),
            "worst_beyond": measured.per_seed(model, task, reduce="min"),
            "in_distribution": measured.per_seed(model, task, lengths="inside")}))
    return pd.concat(frames).rename_axis("seed").reset_index()[["task", "model", "seed", *PER_SEED]]


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """Per task and model: the best, median, mean and worst score over seeds, the in-distribution
    accuracy of the best seed and the lowest in-distribution accuracy of any seed, and the number of
    seeds."""
    seeds = per_seed(table)
    groups = seeds.groupby(["task", "model"], sort=False)
    best = seeds.loc[groups.score.idxmax()].set_index(["task", "model"])
    return pd.DataFrame({
        "best": best.score, "median": groups.score.median(), "mean": groups.score.mean(),
        "worst": groups.score.min(),
        "in_distribution": best.in_distribution, "in_distribution_worst": groups.in_distribution.min(),
        "seeds": groups.seed.count(),
    }).reset_index()
