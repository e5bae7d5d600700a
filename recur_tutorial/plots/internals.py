"""Pictures of what a model computes inside: attention maps (Chapter 3), the hand-built RNN's hidden
units (Chapter 2) and transition eigenvalues in the complex plane (Chapter 4).

The eigenvalue figures take the :class:`~recur_tutorial.theory.probe.ProbeResult` objects of the
probe, whose ``eigenvalues`` hold every eigenvalue of the state Jacobian at the sampled states and
inputs: a linear recurrence whose eigenvalues all sit on [0, 1] cannot keep parity in finite precision.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns


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


def eigenvalue_panel(ax, result, title: str | None = None) -> None:
    """One probed model's transition eigenvalues in the complex plane, with the unit circle and [0, 1]
    marked (red: negative real part)."""
    circle = np.exp(1j * np.linspace(0, 2 * np.pi, 200))
    ax.plot(circle.real, circle.imag, color="0.8", lw=1)
    ax.axhline(0, color="0.85", lw=0.8)
    ax.axvline(0, color="0.85", lw=0.8)
    ax.plot([0, 1], [0, 0], color="tab:green", lw=4, alpha=0.35, solid_capstyle="butt")
    values = result.eigenvalues
    if values.size:
        negative = values.real < -1e-3
        ax.scatter(values.real[~negative], values.imag[~negative], s=10, alpha=0.5, color="tab:blue")
        ax.scatter(values.real[negative], values.imag[negative], s=10, alpha=0.6, color="tab:red")
    else:
        ax.text(0, 0.3, "no fixed-size state", ha="center", fontsize=8)
    ax.set_xlim(-1.3, 1.3)
    ax.set_ylim(-1.3, 1.3)
    ax.set_aspect("equal")
    ax.set_xticks([-1, 0, 1])
    ax.set_yticks([-1, 0, 1])
    ax.set_title(title or result.model, fontsize=9)


def eigenvalue_figure(results, columns: int = 4, size: float = 2.4):
    """One small complex-plane panel per probed model (red: eigenvalues with negative real part)."""
    rows = -(-len(results) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(size * columns, size * rows), squeeze=False)
    for ax, result in zip(axes.flat, results):
        eigenvalue_panel(ax, result)
    for ax in list(axes.flat)[len(results):]:
        ax.axis("off")
    fig.tight_layout()
    return fig
