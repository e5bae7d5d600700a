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


def training_cost(table: pd.DataFrame):
    """Two panels against sequence length n (log-log): training seconds per token measured on this
    machine, and the sequential depth per token (critical path of training on n tokens, divided by
    n), which does not depend on the hardware. One line per model and form."""
    fig, axes = plt.subplots(1, 2, figsize=(11.5, 3.6))
    for ax, column in zip(axes, ("seconds per token", "sequential depth per token")):
        sns.lineplot(data=table, x="length", y=column, hue="model", style="form", markers=True, ax=ax)
        ax.set(xscale="log", yscale="log", xlabel="sequence length n")
        ax.set_xticks(sorted(table.length.unique()), [str(n) for n in sorted(table.length.unique())])
        ax.legend(title="", fontsize=7)
    axes[0].set_title("training time per token (this machine)", fontsize=9)
    axes[1].set_title("sequential depth per token (any machine)", fontsize=9)
    fig.tight_layout()
    return fig
