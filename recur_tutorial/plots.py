"""The book's figures, drawn with seaborn in one style."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

PALETTE = "colorblind"


def use_book_style() -> None:
    """Seaborn's whitegrid style at a size that reads well in the book."""
    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook", font_scale=0.95)
    plt.rcParams.update({"figure.dpi": 110, "savefig.bbox": "tight", "axes.titleweight": "bold"})


def accuracy_vs_length(table: pd.DataFrame, *, train_max: int = 40, chance: dict | None = None,
                       col: str = "task", hue: str = "model", col_wrap: int = 2, height: float = 2.8):
    """One panel per ``col`` value: accuracy against test length, a line per ``hue`` value.

    The band around each line spans the seeds; the dotted line marks the longest training length and
    the dashed line the chance level (``chance`` maps panel → level).
    """
    grid = sns.relplot(data=table, x="length", y="accuracy", hue=hue, col=col, kind="line",
                       col_wrap=col_wrap, height=height, aspect=1.5, errorbar=("pi", 100),
                       facet_kws={"sharex": False})
    for name, ax in grid.axes_dict.items():
        ax.axvline(train_max, color="0.4", ls=":", lw=1)
        if chance and name in chance:
            ax.axhline(chance[name], color="0.4", ls="--", lw=1)
        ax.set_ylim(0, 1.03)
    grid.set_titles("{col_name}")
    grid.set_axis_labels("input length ℓ", "accuracy")
    return grid


def score_heatmap(scores: pd.DataFrame, *, value: str = "score", index: str = "task", columns: str = "model",
                  ax=None, title: str | None = None, order: list[str] | None = None):
    """A task × model grid of scores, annotated, green where solved (≥ 0.9)."""
    grid = scores.pivot(index=index, columns=columns, values=value)
    if order is not None:
        grid = grid.reindex([t for t in order if t in grid.index])
    ax = ax or plt.gca()
    sns.heatmap(grid, annot=True, fmt=".2f", vmin=0, vmax=1, cmap="RdYlGn", cbar=False, ax=ax,
                linewidths=0.5, linecolor="white")
    ax.set_xlabel("")
    ax.set_ylabel("")
    if title:
        ax.set_title(title)
    return ax
