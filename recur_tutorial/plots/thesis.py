"""The book's thesis in one figure, for its first page: a recurrence, autoregression with a direct
answer, and autoregression with a chain of thought, drawn side by side, each above what this build
measured for it on parity beyond the training lengths.

The measured row is read from the results the chapters wrote (:func:`thesis_scores`): the LSTM from
Chapter 4's grid (its per-task summary: the worst, mean and best seed), the Transformer answering
directly and the same Transformer writing its full-state trace from Chapter 3 (its per-length table:
per seed, the mean accuracy over the tested lengths beyond training). Nothing in it is typed.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ..errors import check
from ..results import read_json
from .style import FONT_SIZE, REFERENCE_COLOUR, SERIES_COLOURS, WIDTH, mark_references

TASK = "parity_check"
CHANCE = 0.5
SOLVES = 0.9  # evaluation.SOLVED: a score of at least 0.9 solves a task
ARMS = (  # (column title, chapter file, model label in that chapter's results)
    ("recurrence", "chapter4", "LSTM"),
    ("autoregression", "chapter3", "direct · alibi"),
    ("autoregression + chain of thought", "chapter3", "full · alibi"),
)
MODEL_NAMES = {"LSTM": "LSTM (Chapter 4)", "direct · alibi": "Transformer, direct answer (Chapter 3)",
               "full · alibi": "same Transformer, full-state trace (Chapter 3)"}
SHORT_NAMES = dict(zip(MODEL_NAMES.values(), ("LSTM\n(Chapter 4)", "Transformer, direct\n(Chapter 3)",
                                              "Transformer, trace\n(Chapter 3)")))


def _chapter3(record: dict, model: str) -> dict:
    table = pd.DataFrame(record["measurements"]["per_length"])
    rows = table[(table.task == TASK) & (table.model == model) & table.beyond_training]
    check(len(rows) > 0, f"chapter 3's results hold no {model!r} on {TASK} beyond training")
    per_seed = rows.groupby("seed").accuracy.mean()
    return {"worst": per_seed.min(), "mean": per_seed.mean(), "best": per_seed.max(), "seeds": len(per_seed),
            "solving": int((per_seed >= SOLVES).sum())}


def _chapter4(record: dict, model: str) -> dict:
    table = pd.DataFrame(record["measurements"]["summary"])
    rows = table[(table.task == TASK) & (table.model == model)]
    check(len(rows) == 1, f"chapter 4's results hold no summary of {model!r} on {TASK}")
    row = rows.iloc[0]
    solving = None if row.worst < SOLVES <= row.best else (int(row.seeds) if row.worst >= SOLVES else 0)
    return {"worst": row.worst, "mean": row["mean"], "best": row.best, "seeds": int(row.seeds), "solving": solving}


def thesis_scores(results_dir) -> pd.DataFrame | None:
    """Per arm of the figure: the model, its worst, mean and best seed's accuracy on parity beyond the
    training lengths, its number of seeds and how many solve it (None where only the worst and best
    are kept and they straddle the bound); None when Chapter 3 or 4 has not written its results."""
    records = {name: read_json(Path(results_dir) / f"{name}.json", default=None) for name in ("chapter3", "chapter4")}
    if any(record is None for record in records.values()):
        return None
    rows = []
    for arm, chapter, model in ARMS:
        read = _chapter3 if chapter == "chapter3" else _chapter4
        rows.append({"arm": arm, "model": MODEL_NAMES[model], **read(records[chapter], model)})
    return pd.DataFrame(rows)


def _box(ax, x, y, text, width=0.16, height=0.14, colour="white"):
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.01",
                                fc=colour, ec="0.2", lw=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=FONT_SIZE)


def _arrow(ax, start, end, colour="0.2", curve=0.0):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=9, color=colour, lw=1.1,
                                 connectionstyle=f"arc3,rad={curve}", shrinkA=2, shrinkB=2))


XS = (0.14, 0.38, 0.62, 0.86)
INPUT_COLOUR = "#DCEBF6"


def _note(ax, text):
    ax.text(0.5, -0.02, text, ha="center", va="top", fontsize=FONT_SIZE)


def _layers(ax, text, colour):
    ax.add_patch(FancyBboxPatch((0.05, 0.45), 0.9, 0.2, boxstyle="round,pad=0.01", fc=colour + "55", ec="0.2", lw=1))
    ax.text(0.5, 0.55, text, ha="center", va="center", fontsize=FONT_SIZE)


def _recurrence(ax):
    for i, x in enumerate(XS):
        _box(ax, x, 0.2, f"x{'₁₂₃₄'[i]}", colour=INPUT_COLOUR)
        _box(ax, x, 0.55, f"h{'₁₂₃₄'[i]}", colour=SERIES_COLOURS[0] + "55")
        _arrow(ax, (x, 0.27), (x, 0.48))
        if i:
            _arrow(ax, (XS[i - 1] + 0.08, 0.55), (x - 0.08, 0.55), SERIES_COLOURS[0])
    _box(ax, XS[-1], 0.88, "y")
    _arrow(ax, (XS[-1], 0.62), (XS[-1], 0.81))
    _note(ax, "the state crosses\nevery step")


def _autoregression(ax):
    for i, x in enumerate(XS):
        _box(ax, x, 0.2, f"x{'₁₂₃₄'[i]}", colour=INPUT_COLOUR)
        _arrow(ax, (x, 0.27), (x, 0.43))
    _layers(ax, "L layers", SERIES_COLOURS[1])
    _box(ax, XS[-1], 0.88, "y")
    _arrow(ax, (XS[-1], 0.67), (XS[-1], 0.81))
    _note(ax, "a fixed depth L,\nwhatever the length")


def _chain_of_thought(ax):
    for x, token in zip(XS, ("x₁", "s₁", "x₂", "s₂")):
        _box(ax, x, 0.2, token, colour=INPUT_COLOUR if token[0] == "x" else "white")
        _arrow(ax, (x, 0.27), (x, 0.43))
    _layers(ax, "the same L layers", SERIES_COLOURS[2])
    for source, target, token in ((XS[0], XS[1], "s₁"), (XS[2], XS[3], "s₂")):  # written, then read back
        _box(ax, source, 0.88, token)
        _arrow(ax, (source, 0.67), (source, 0.81))
        _arrow(ax, (source + 0.08, 0.88), (target + 0.02, 0.27), SERIES_COLOURS[2], curve=-0.35)
    _box(ax, XS[3], 0.88, "y")
    _arrow(ax, (XS[3], 0.67), (XS[3], 0.81))
    _note(ax, "each state written as\na token, then read back")


def thesis_figure(scores: pd.DataFrame):
    """Three schematics side by side (a recurrence, autoregression answering directly, autoregression
    with a chain of thought), each above a bar of its measured accuracy on parity beyond training (the
    mean over seeds; the whisker runs from the worst seed to the best), chance dotted."""
    check(len(scores) == len(ARMS), f"the figure needs one row per arm {[a for a, _, _ in ARMS]}, got {len(scores)}")
    fig, axes = plt.subplots(2, 3, figsize=(WIDTH, 4.9), gridspec_kw={"height_ratios": [1.25, 1]})
    for ax, draw, (arm, _, _) in zip(axes[0], (_recurrence, _autoregression, _chain_of_thought), ARMS):
        ax.set(xlim=(0, 1), ylim=(-0.05, 1), aspect="auto")
        ax.axis("off")
        ax.set_title(arm.replace(" + ", "\n+ "), fontsize=FONT_SIZE + 1, fontweight="bold")
        draw(ax)
    for index, (ax, row) in enumerate(zip(axes[1], scores.itertuples())):
        colour = SERIES_COLOURS[index]
        ax.bar([0], [row.mean], width=0.5, color=colour, alpha=0.85)
        ax.errorbar([0], [row.mean], yerr=[[row.mean - row.worst], [row.best - row.mean]], color="0.15", capsize=4)
        ax.text(0, 0.7 * row.mean, f"{row.mean:.2f}", ha="center", va="center", fontsize=FONT_SIZE + 1,
                fontweight="bold", color="white")
        mark_references(ax, chance=CHANCE)
        ax.set(ylim=(0, 1.1), xlim=(-0.6, 0.6), xticks=[])
        ax.set_xlabel(SHORT_NAMES[row.model], fontsize=FONT_SIZE)
        ax.set_ylabel("parity accuracy\nbeyond training" if index == 0 else "")
        if index:
            ax.set_yticklabels([])
    for ax in axes[1]:
        ax.tick_params(axis="y", colors=REFERENCE_COLOUR)
    fig.tight_layout(h_pad=1.2)
    return fig


def thesis_caption(scores: pd.DataFrame) -> str:
    """The figure's caption, its numbers written from ``scores``."""
    parts = []
    for row in scores.itertuples():
        solving = "" if row.solving is None else f", {row.solving} of {row.seeds} seeds solve it"
        parts.append(f"{row.model}: {row.mean:.2f} (worst seed {row.worst:.2f}{solving})")
    return ("The book's argument in one figure. Top: a recurrence carries its state across every step; a "
            "Transformer answering directly has a fixed number of layers; the same Transformer, writing each "
            "state as a token and reading it back, runs a recurrence through the tokens it writes. Bottom: "
            "accuracy on parity (the parity of a bit string) at lengths beyond the training lengths, as this "
            "build measured it (bar: mean over seeds; whisker: worst to best seed; dotted: chance). "
            + "; ".join(parts) + ".")
