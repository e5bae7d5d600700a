"""The cost of an answer against input length (Chapter 3): tokens written, sequential steps, wall time."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns


def cost(table: pd.DataFrame):
    """Three panels against input length: tokens written to answer, sequential steps on the critical
    path, and wall time per batch."""
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    columns = {"tokens written": "tokens written", "sequential steps": "sequential steps",
               "seconds": "wall time per batch (s)"}
    for ax, (column, label) in zip(axes, columns.items()):
        sns.lineplot(data=table, x="length", y=column, hue="model", style="model", markers=True, ax=ax)
        ax.set_xlabel("input length n")
        ax.set_ylabel(label)
        ax.legend(title="", fontsize=8)
    axes[2].set_yscale("log")
    fig.tight_layout()
    return fig
