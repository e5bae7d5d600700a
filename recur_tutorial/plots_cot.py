"""Figures of Chapters 2 and 3 (depth against length, cost of a chain of thought, attention maps)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns


def depth_against_length(table: pd.DataFrame, chance: float, ax=None):
    """Accuracy at the training length n against n, one line per model (band: the seeds)."""
    ax = ax or plt.subplots(figsize=(5.5, 3.2))[1]
    sns.lineplot(data=table, x="length", y="accuracy", hue="model", style="model", markers=True,
                 errorbar=("pi", 100), ax=ax)
    ax.axhline(chance, color="0.4", ls="--", lw=1)
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(table.length.unique()), [str(n) for n in sorted(table.length.unique())])
    ax.set_ylim(0, 1.03)
    ax.set_xlabel("sequence length n (trained and tested at n)")
    ax.set_ylabel("accuracy of the product")
    ax.legend(title="", fontsize=8)
    return ax


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


def attention_map(tokens: list[str], maps: np.ndarray, layer: int = 0, ax=None, title: str | None = None):
    """Rows: the tokens the model wrote; columns: every position; colour: the attention of the query
    that wrote the row's token (heads combined by their maximum) in ``layer``."""
    written = [i for i, t in enumerate(tokens) if t.startswith(("s:", "y:"))]
    weights = maps[:, layer].max(1)
    ax = ax or plt.subplots(figsize=(0.32 * len(tokens) + 1.5, 0.3 * len(written) + 1.2))[1]
    sns.heatmap(weights, cmap="Blues", vmin=0, vmax=1, cbar=False, ax=ax, linewidths=0.2, linecolor="0.9")
    ax.set_xticks(np.arange(len(tokens)) + 0.5, [t.strip("<>") for t in tokens], rotation=90, fontsize=7)
    ax.set_yticks(np.arange(len(written)) + 0.5, [f"{tokens[i]} (pos {i})" for i in written], rotation=0, fontsize=7)
    ax.set_xlabel("position read")
    ax.set_title(title or f"layer {layer + 1}: where the query that wrote each token attended (max over heads)",
                 fontsize=9)
    return ax


def rnn_hidden_states(rnn, x: str, ax=None):
    """The hand-built RNN's hidden units (rows) over the steps of ``x`` (columns): one unit is on at a
    time, the pair (previous state, symbol read); the title row gives the automaton's states."""
    ids = rnn.dfa.encode(x)
    states, _, hidden = rnn.run([ids], keep_hidden=True)
    ax = ax or plt.subplots(figsize=(0.3 * len(x) + 1.5, 0.25 * rnn.hidden + 1))[1]
    sns.heatmap(hidden[0].T.numpy(), cmap="Greys", vmin=0, vmax=1, cbar=False, ax=ax, linewidths=0.2,
                linecolor="0.85")
    ax.set_yticks(np.arange(rnn.hidden) + 0.5, rnn.unit_names(), rotation=0, fontsize=7)
    ax.set_xticks(np.arange(len(x)) + 0.5, [f"{c}\n{rnn.dfa.state_names[q]}" for c, q in zip(x, states[0].tolist())],
                  rotation=0, fontsize=7)
    ax.set_xlabel("symbol read, and the state M h_t after it")
    ax.set_ylabel("hidden unit (state·symbol)")
    return ax
