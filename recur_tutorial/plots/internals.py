"""Pictures of what a model computes inside: attention maps (Chapter 3), the hand-built RNN's hidden
units (Chapter 2) and transition eigenvalues in the complex plane (Chapter 4).

The eigenvalue figures take the :class:`~recur_tutorial.theory.probe.ProbeResult` objects of the
probe, whose ``eigenvalues`` hold every eigenvalue of the state Jacobian at the sampled states and
inputs: a linear recurrence whose eigenvalues all sit on [0, 1] cannot keep parity in finite precision.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.lines import Line2D

from .style import FONT_SIZE, HEATMAP, REFERENCE_COLOUR, SERIES_COLOURS, WIDTH, legend_below

NONNEGATIVE = {"color": SERIES_COLOURS[0], "marker": "o", "label": "eigenvalue, Re λ ≥ 0"}
NEGATIVE = {"color": SERIES_COLOURS[5], "marker": "^", "label": "eigenvalue, Re λ < 0"}
UNIT_INTERVAL = {"color": "0.55", "lw": 5, "alpha": 0.45, "label": "the interval [0, 1]"}
PANEL_MIN_WIDTH = 2.0  # inches: an eigenvalue panel whose title and ticks stay readable


def attention_map(tokens: list[str], maps: np.ndarray, layer: int = 0, ax=None, title: str | None = None):
    """Rows: the tokens the model wrote; columns: every position; colour: the attention of the query
    that wrote the row's token (heads combined by their maximum) in ``layer``, on a colour bar from 0
    to 1."""
    written = [i for i, t in enumerate(tokens) if t.startswith(("s:", "y:"))]
    weights = maps[:, layer].max(1)
    ax = ax or plt.subplots(figsize=(WIDTH, 0.24 * len(written) + 1.8))[1]
    sns.heatmap(weights, cmap=HEATMAP, vmin=0, vmax=1, ax=ax, linewidths=0.2, linecolor="0.9",
                cbar_kws={"label": "attention weight", "shrink": 0.8})
    ax.set_xticks(np.arange(len(tokens)) + 0.5, [t.strip("<>") for t in tokens], rotation=90, fontsize=FONT_SIZE)
    ax.set_yticks(np.arange(len(written)) + 0.5, [f"{tokens[i]} (pos {i})" for i in written], rotation=0,
                  fontsize=FONT_SIZE)
    ax.set_xlabel("position read")
    ax.set_ylabel("token written")
    title = title or f"layer {layer + 1}: where the query that wrote each token attended (max over heads)"
    ax.set_title(textwrap.fill(title, 70))
    return ax


def rnn_hidden_states(rnn, x: str, ax=None):
    """The hand-built RNN's hidden units (rows) over the steps of ``x`` (columns): one unit is on at a
    time, the pair (previous state, symbol read); the tick labels give the symbol and the automaton's
    state after it."""
    ids = rnn.dfa.encode(x)
    states, _, hidden = rnn.run([ids], keep_hidden=True)
    ax = ax or plt.subplots(figsize=(min(WIDTH, 0.35 * len(x) + 2.2), 0.3 * rnn.hidden + 1.2))[1]
    sns.heatmap(hidden[0].T.numpy(), cmap="Greys", vmin=0, vmax=1, cbar=False, ax=ax, linewidths=0.2,
                linecolor="0.85")
    ax.set_yticks(np.arange(rnn.hidden) + 0.5, rnn.unit_names(), rotation=0, fontsize=FONT_SIZE)
    ax.set_xticks(np.arange(len(x)) + 0.5, [f"{c}\n{rnn.dfa.state_names[q]}" for c, q in zip(x, states[0].tolist())],
                  rotation=0, fontsize=FONT_SIZE)
    ax.set_xlabel("symbol read, and the state M h_t after it")
    ax.set_ylabel("hidden unit (state·symbol)")
    return ax


def eigenvalue_panel(ax, result, title: str | None = None) -> None:
    """One probed model's transition eigenvalues λ in the complex plane (axes Re λ, Im λ), with the unit
    circle and the interval [0, 1] marked; eigenvalues with a negative real part differ in colour and
    marker."""
    circle = np.exp(1j * np.linspace(0, 2 * np.pi, 200))
    ax.plot(circle.real, circle.imag, color="0.75", lw=1)
    ax.axhline(0, color="0.85", lw=0.8)
    ax.axvline(0, color="0.85", lw=0.8)
    ax.plot([0, 1], [0, 0], color=UNIT_INTERVAL["color"], lw=UNIT_INTERVAL["lw"], alpha=UNIT_INTERVAL["alpha"],
            solid_capstyle="butt")
    values = result.eigenvalues
    if values.size:
        negative = values.real < -1e-3
        for chosen, style in ((~negative, NONNEGATIVE), (negative, NEGATIVE)):
            ax.scatter(values.real[chosen], values.imag[chosen], s=14, alpha=0.6, color=style["color"],
                       marker=style["marker"], linewidths=0)
    else:
        ax.text(0, 0.3, "no fixed-size\nstate", ha="center", fontsize=FONT_SIZE, color=REFERENCE_COLOUR)
    ax.set_xlim(-1.3, 1.3)
    ax.set_ylim(-1.3, 1.3)
    ax.set_aspect("equal")
    ax.set_xticks([-1, 0, 1])
    ax.set_yticks([-1, 0, 1])
    ax.set_xlabel("Re λ", labelpad=1)
    ax.set_ylabel("Im λ", labelpad=1)
    ax.set_title(textwrap.fill(title or result.model, 20, break_long_words=False))


def eigenvalue_legend(fig) -> None:
    """The legend of the eigenvalue panels, below the figure."""
    handles = [Line2D([], [], ls="", marker=s["marker"], color=s["color"]) for s in (NONNEGATIVE, NEGATIVE)]
    handles.append(Line2D([], [], color=UNIT_INTERVAL["color"], lw=UNIT_INTERVAL["lw"], alpha=UNIT_INTERVAL["alpha"]))
    legend_below(fig, handles, [NONNEGATIVE["label"], NEGATIVE["label"], UNIT_INTERVAL["label"]], columns=2)


def eigenvalue_figure(results, columns: int = 4, size: float | None = None):
    """One complex-plane panel per probed model, with one legend; at most ``columns`` panels a row,
    and no more than fit the page's width at a readable size (``size`` inches each, by default the
    page's width shared among them)."""
    columns = max(1, min(columns, len(results), int(WIDTH // PANEL_MIN_WIDTH)))
    size = size or WIDTH / columns
    rows = -(-len(results) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(size * columns, (size + 0.35) * rows), squeeze=False)
    for ax, result in zip(axes.flat, results):
        eigenvalue_panel(ax, result)
    for ax in list(axes.flat)[len(results):]:
        ax.axis("off")
    for ax in axes.flat:
        if not ax.get_subplotspec().is_first_col():
            ax.set_ylabel("")
    fig.tight_layout()
    eigenvalue_legend(fig)
    return fig
