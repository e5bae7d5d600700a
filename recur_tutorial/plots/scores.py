"""Accuracy figures: accuracy against input length, task × model score grids, accuracy against depth."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns


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
                  ax=None, title: str | None = None, order: list[str] | None = None,
                  column_order: list[str] | None = None, chance=None, scaled: bool = False,
                  colorbar: bool = True):
    """A task × model grid of scores, annotated with the scores themselves and coloured by the
    accuracy above chance, (score − chance) / (1 − chance): 0 (red) is chance and 1 (green) perfect on
    every task, so two panels (or two tasks with different chance levels) share one colour scale.
    ``chance``: one level, or a mapping from task (row or column label) to its level; ``scaled``: the
    scores are already relative to chance (as the scaled accuracy of Grazzi et al. 2025). Rows and
    columns in the given orders; a row of ``order`` without scores is left blank, so that two panels
    with one ``order`` line up."""
    grid = scores.pivot(index=index, columns=columns, values=value)
    if order is not None:
        grid = grid.reindex(order)
    if column_order is not None:
        grid = grid[[c for c in column_order if c in grid.columns]]
    if scaled:
        relative = grid
    elif chance is None:
        raise ValueError("give chance (a level, or a mapping task -> level) or scaled=True: the colours show "
                         "accuracy above chance")
    else:
        def level(row, col):
            found = chance.get(row, chance.get(col)) if isinstance(chance, dict) else chance
            if found is None:
                raise ValueError(f"no chance level for {row!r} or {col!r}")
            return found

        levels = pd.DataFrame([[level(row, col) for col in grid.columns] for row in grid.index],
                              index=grid.index, columns=grid.columns, dtype=float)
        relative = (grid - levels) / (1 - levels)
    ax = ax or plt.gca()
    sns.heatmap(relative.clip(lower=0), annot=grid, fmt=".2f", vmin=0, vmax=1, cmap="RdYlGn", ax=ax,
                cbar=colorbar, cbar_kws={"label": "above chance: 0 = chance, 1 = perfect", "shrink": 0.8},
                linewidths=0.5, linecolor="white")
    ax.set_xlabel("")
    ax.set_ylabel("")
    if title:
        ax.set_title(title)
    return ax


def depth_against_length(table: pd.DataFrame, chance: dict, first_new: dict):
    """Accuracy of the product at every prefix length n, one panel per ``group`` of ``table`` and one
    line per model (band: the seeds); dashed: the group's ``chance``; dotted vertical: ``first_new``
    of the group, the length from which on the test inputs are not in the training data."""
    groups = list(table.group.unique())
    fig, axes = plt.subplots(1, len(groups), figsize=(5 * len(groups), 3.2), sharey=True, squeeze=False)
    for group, ax in zip(groups, axes[0]):
        sns.lineplot(data=table[table.group == group], x="length", y="accuracy", hue="model", style="model",
                     markers=True, errorbar=("pi", 100), ax=ax, legend=ax is axes[0, -1])
        ax.axhline(chance[group], color="0.4", ls="--", lw=1)
        ax.axvline(first_new[group], color="0.4", ls=":", lw=1)
        ax.set_ylim(0, 1.03)
        ax.set_title(f"word problem of {group}", fontsize=10)
        ax.set_xlabel("prefix length n")
        ax.set_ylabel("accuracy of the product")
    axes[0, -1].legend(title="", fontsize=8)
    fig.tight_layout()
    return fig


def accuracy_at_every_length(table: pd.DataFrame, *, train_max: int = 40, title: str = "", order=None,
                             chance: float | None = None, ax=None):
    """Accuracy at every prefix length (a tagging grid's per-length table), one line per model that
    ran, the mean over seeds; the dashed vertical line marks the longest training length, the dotted
    horizontal one chance. Beyond six lines, colours repeat with a different dash pattern, so that
    every line stays distinct; the legend lists only the models in ``table``."""
    curves = table.groupby(["model", "length"]).accuracy.mean().reset_index()
    ran = list(curves.model.unique())
    order = [m for m in order if m in ran] if order is not None else ran
    ax = ax or plt.subplots(figsize=(9, 3.8))[1]
    colours = sns.color_palette("tab10", 6)
    styles = ["-", "--", "-.", ":"]
    for index, model in enumerate(order):
        line = curves[curves.model == model]
        ax.plot(line.length, line.accuracy, lw=1.2, label=model, color=colours[index % 6],
                ls=styles[(index // 6) % len(styles)])
    ax.axvline(train_max, color="0.5", ls="--", lw=1)
    if chance is not None:
        ax.axhline(chance, color="0.3", ls=":", lw=1.2, label=f"chance ({chance:g})")
    ax.set(ylim=(0, 1.03), title=title, xlabel="length", ylabel="accuracy")
    ax.legend(fontsize=7, ncol=2 if len(order) > 6 else 1, bbox_to_anchor=(1.01, 1), loc="upper left")
    ax.figure.tight_layout()
    return ax


def accuracy_by_group(table: pd.DataFrame, *, group: str, chance: float, title: str = "", ax=None):
    """Bars of ``table.accuracy`` per value of ``table[group]``, with the chance level dashed."""
    ax = ax or plt.subplots(figsize=(6, 3))[1]
    ax.bar(table[group], table.accuracy, color="C0")
    ax.axhline(chance, color="0.5", ls="--", lw=1, label="chance")
    ax.set(xlabel=group, ylabel="accuracy", ylim=(0, 1), title=title)
    ax.legend()
    ax.figure.tight_layout()
    return ax


def training_curves(histories: pd.DataFrame, *, y: str = "loss", hue: str = "model", col: str = "task",
                    title: str = ""):
    """Training histories (columns step, ``y``, ``hue``, ``col``, seed), one panel per ``col`` value,
    one line per (``hue``, seed): where learning jumps."""
    grid = sns.relplot(data=histories, x="step", y=y, hue=hue, units="seed", estimator=None, col=col, kind="line",
                       height=2.8, aspect=1.4, lw=1, facet_kws={"sharey": True})
    if y == "loss":
        grid.set(yscale="log")
    grid.set_titles("{col_name}")
    if title:
        grid.figure.suptitle(title, y=1.03)
    return grid
