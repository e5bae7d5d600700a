"""Accuracy figures: accuracy against input length, task × model score grids, accuracy against depth,
training curves. Every series has its own colour and marker (:func:`~.style.series_styles`), every
figure the book's reference lines (:func:`~.style.mark_references`) and named axes."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from .style import (FONT_SIZE, HEATMAP, SERIES_COLOURS, WIDTH, legend_below, mark_references, seaborn_styles,
                    series_styles)

DENSE_MARKERS = 0.1  # markevery for curves of many points: a marker every tenth of the axes' diagonal


def _panel_grid(panels: int, col_wrap: int) -> tuple[int, float, float]:
    """Columns, width and height (inches) of ``panels`` panels, at most ``col_wrap`` a row, sharing the
    page's width; the height in proportion to the width, between 2 and 3.2 inches."""
    columns = max(1, min(col_wrap, panels))
    width = WIDTH / columns
    return columns, width, min(3.2, max(2.0, 0.7 * width))


def _grid_legend_below(grid, columns: int = 3) -> None:
    """Move a seaborn grid's legend below its panels, without a title."""
    sns.move_legend(grid, "upper center", bbox_to_anchor=(0.5, 0.0), ncol=columns, title=None, frameon=False)


def accuracy_vs_length(table: pd.DataFrame, *, train_max: int = 40, chance: dict | None = None,
                       col: str = "task", hue: str = "model", col_wrap: int = 2, height: float | None = None):
    """One panel per ``col`` value: accuracy against test length, a line (colour and marker) per ``hue``
    value; the band around each line spans the seeds. Each panel marks the longest training length
    ``train_max`` and the chance level (``chance`` maps panel → level). The panels share the page's
    width, ``col_wrap`` a row, ``height`` inches tall (by default in proportion to their width)."""
    panels = table[col].nunique()
    columns, width, fitted = _panel_grid(panels, col_wrap)
    height = height or fitted
    styles = seaborn_styles(table[hue].unique())
    grid = sns.relplot(data=table, x="length", y="accuracy", hue=hue, style=hue, col=col, kind="line",
                       col_wrap=columns if panels > 1 else None, height=height, aspect=width / height,
                       errorbar=("pi", 100), facet_kws={"sharex": False}, **styles)
    for name, ax in grid.axes_dict.items():
        mark_references(ax, train_max=train_max, chance=chance.get(name) if chance else None)
        ax.set_ylim(0, 1.03)
    grid.set_titles("{col_name}")
    grid.set_axis_labels("input length ℓ", "accuracy")
    grid.tight_layout()
    _grid_legend_below(grid)
    return grid


def score_heatmap(scores: pd.DataFrame, *, value: str = "score", index: str = "task", columns: str = "model",
                  ax=None, title: str | None = None, order: list[str] | None = None,
                  column_order: list[str] | None = None, chance=None, scaled: bool = False,
                  colorbar: bool = True):
    """A task × model grid of scores, annotated with the scores themselves and coloured by the
    accuracy above chance, (score − chance) / (1 − chance), on the cividis map: 0 (dark blue) is
    chance and 1 (yellow) perfect on every task, so two panels (or two tasks with different chance
    levels) share one colour scale. ``chance``: one level, or a mapping from task (row or column label)
    to its level; ``scaled``: the scores are already relative to chance (as the scaled accuracy of
    Grazzi et al. 2025). Rows and columns in the given orders; a row of ``order`` without scores is
    left blank, so that two panels with one ``order`` line up."""
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
    ax = ax or plt.subplots(figsize=(WIDTH - 0.6, 0.45 * len(grid) + 1.6))[1]
    sns.heatmap(relative.clip(lower=0), annot=grid, fmt=".2f", vmin=0, vmax=1, cmap=HEATMAP, ax=ax,
                cbar=colorbar, annot_kws={"fontsize": FONT_SIZE},
                cbar_kws={"label": "above chance\n(0 = chance, 1 = perfect)", "shrink": 0.8},
                linewidths=0.5, linecolor="white")
    ax.set_xlabel(columns)
    ax.set_ylabel(index)
    if title:
        ax.set_title(title)
    return ax


def depth_against_length(table: pd.DataFrame, chance: dict, first_new: dict):
    """Accuracy of the product at every prefix length n, one panel per ``group`` of ``table`` and one
    line (colour and marker) per model (band: the seeds); each panel marks the group's ``chance`` and
    ``first_new`` of the group, the length from which on the test inputs are not in the training data."""
    groups = list(table.group.unique())
    styles = seaborn_styles(table.model.unique())
    fig, axes = plt.subplots(1, len(groups), figsize=(WIDTH, 2.9), sharey=True, squeeze=False)
    for group, ax in zip(groups, axes[0]):
        sns.lineplot(data=table[table.group == group], x="length", y="accuracy", hue="model", style="model",
                     errorbar=("pi", 100), ax=ax, legend=ax is axes[0, 0], **styles)
        mark_references(ax, train_max=first_new[group], chance=chance[group],
                        boundary_label=f"unseen from {first_new[group]:g}")
        ax.set_ylim(0, 1.03)
        ax.set_title(f"word problem of {group}")
        ax.set_xlabel("prefix length n")
        ax.set_ylabel("accuracy of the product")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    axes[0, 0].get_legend().remove()
    fig.tight_layout()
    legend_below(fig, handles, labels, columns=3)
    return fig


def accuracy_at_every_length(table: pd.DataFrame, *, train_max: int = 40, title: str = "", order=None,
                             chance: float | None = None, ax=None):
    """Accuracy at every prefix length (a tagging grid's per-length table), one line per model that
    ran, the mean over seeds, each with its own colour and marker (beyond eight, colours repeat
    dashed); the book's reference lines at the longest training length and at chance. The legend,
    below, lists only the models in ``table``."""
    curves = table.groupby(["model", "length"]).accuracy.mean().reset_index()
    ran = list(curves.model.unique())
    order = [m for m in order if m in ran] if order is not None else ran
    ax = ax or plt.subplots(figsize=(WIDTH, 3.4))[1]
    for model, style in series_styles(order).items():
        line = curves[curves.model == model]
        ax.plot(line.length, line.accuracy, label=model, markevery=DENSE_MARKERS, markersize=5, **style)
    mark_references(ax, train_max=train_max, chance=chance)
    ax.set(ylim=(0, 1.03), xlabel="prefix length", ylabel="accuracy")
    ax.set_title(textwrap.fill(title, 60))
    ax.figure.tight_layout()
    legend_below(ax.figure, *ax.get_legend_handles_labels(), columns=3)
    return ax


def accuracy_by_group(table: pd.DataFrame, *, group: str, chance: float, title: str = "", ax=None):
    """Bars of ``table.accuracy`` per value of ``table[group]``, with the book's chance line."""
    ax = ax or plt.subplots(figsize=(WIDTH, 2.8))[1]
    ax.bar(table[group].astype(str), table.accuracy, color=SERIES_COLOURS[0])
    mark_references(ax, chance=chance)
    ax.set(xlabel=group, ylabel="accuracy", ylim=(0, 1))
    ax.set_title(textwrap.fill(title, 60))
    ax.figure.tight_layout()
    return ax


def training_curves(histories: pd.DataFrame, *, y: str = "loss", hue: str = "model", col: str = "task",
                    title: str = ""):
    """Training histories (columns step, ``y``, ``hue``, ``col``, seed), one panel per ``col`` value,
    one line per (``hue``, seed), a colour and marker per ``hue`` value: where learning jumps."""
    panels = histories[col].nunique()
    columns, width, panel_height = _panel_grid(panels, 3)
    styles = seaborn_styles(histories[hue].unique())
    grid = sns.relplot(data=histories, x="step", y=y, hue=hue, style=hue, units="seed", estimator=None, col=col,
                       col_wrap=columns if panels > 1 else None, kind="line", height=panel_height,
                       aspect=width / panel_height, lw=1, markevery=DENSE_MARKERS, **styles)
    if y == "loss":
        grid.set(yscale="log")
    grid.set_titles("{col_name}")
    grid.set_axis_labels("training step", y)
    grid.tight_layout()
    _grid_legend_below(grid)
    if title:
        grid.figure.suptitle(textwrap.fill(title, 60), y=1.03)
    return grid
