"""The cost of an answer against input length (Chapter 3): tokens written, sequential steps, wall time;
the cost of training against sequence length (Chapter 5)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.ticker import NullLocator

from .style import WIDTH, legend_below, seaborn_styles


def cost(table: pd.DataFrame):
    """Three panels against input length: tokens written to answer, sequential steps on the critical
    path, and wall time per batch (log scale); one colour and marker per model, one legend below."""
    fig, axes = plt.subplots(1, 3, figsize=(WIDTH, 2.6))
    columns = {"tokens written": "tokens written", "sequential steps": "sequential steps",
               "seconds": "seconds per batch"}
    styles = seaborn_styles(table.model.unique())
    for ax, (column, label) in zip(axes, columns.items()):
        sns.lineplot(data=table, x="length", y=column, hue="model", style="model", ax=ax, **styles)
        ax.set_xlabel("input length n")
        ax.set_ylabel(label)
    axes[2].set_yscale("log")
    handles, labels = axes[0].get_legend_handles_labels()
    for ax in axes:
        ax.get_legend().remove()
    fig.tight_layout()
    legend_below(fig, handles, labels)
    return fig


def training_cost(table: pd.DataFrame):
    """Two panels against sequence length n (log-log): training seconds per token measured on this
    machine, and the sequential depth per token (critical path of training on n tokens, divided by
    n), which does not depend on the hardware. One colour per model, one marker per form; one legend
    below."""
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH, 3.0))
    styles = seaborn_styles(table.model.unique())
    forms = seaborn_styles(table.form.unique())
    for ax, column in zip(axes, ("seconds per token", "sequential depth per token")):
        sns.lineplot(data=table, x="length", y=column, hue="model", style="form", ax=ax,
                     hue_order=styles["hue_order"], palette=styles["palette"], style_order=forms["style_order"],
                     markers=forms["markers"], dashes=forms["dashes"], alpha=0.85)
        ax.set(xscale="log", yscale="log", xlabel="sequence length n", ylabel=column)
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticks(sorted(table.length.unique()), [str(n) for n in sorted(table.length.unique())])
    axes[0].set_title("time per token (this machine)")
    axes[1].set_title("depth per token (any machine)")
    handles, labels = axes[0].get_legend_handles_labels()
    for ax in axes:
        ax.get_legend().remove()
    fig.tight_layout()
    legend_below(fig, handles, labels, columns=3)
    return fig
