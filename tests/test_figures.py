"""Figures a reader can read: heatmaps coloured by accuracy above chance with a colour bar, accuracy
curves with a chance line, a legend of what ran, and distinct lines beyond six."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from recur_tutorial import plots  # noqa: E402


def test_heatmap_colours_chance_alike_on_every_task_and_has_a_colour_bar():
    scores = pd.DataFrame({"task": ["parity_check", "cycle_navigation", "parity_check", "cycle_navigation"],
                           "model": ["a", "a", "b", "b"], "score": [0.5, 0.2, 1.0, 0.6]})
    fig, ax = plt.subplots()
    plots.score_heatmap(scores, ax=ax, chance={"parity_check": 0.5, "cycle_navigation": 0.2})
    colours = ax.collections[0].get_array().reshape(2, 2)
    rows = [t.get_text() for t in ax.get_yticklabels()]
    at_chance = {rows[i]: colours[i, 0] for i in range(2)}  # model a: at chance on both tasks
    assert at_chance == {"cycle_navigation": 0.0, "parity_check": 0.0}
    assert colours[rows.index("cycle_navigation"), 1] == pytest.approx(0.5)  # (0.6 - 0.2) / 0.8
    assert "chance" in fig.axes[-1].get_ylabel()  # the colour bar
    assert {t.get_text() for t in ax.texts} >= {"0.50", "0.20", "1.00", "0.60"}  # the scores themselves
    plt.close(fig)


def test_heatmaps_with_one_order_line_up_leaving_a_missing_task_blank():
    scores = pd.DataFrame({"task": ["parity_check", "count_anbn"], "model": ["a", "a"], "score": [0.5, 0.9]})
    fig, (left, right) = plt.subplots(1, 2, sharey=True)
    order, chance = ["parity_check", "count_anbn"], {"parity_check": 0.5, "count_anbn": 0.5}
    plots.score_heatmap(scores, ax=left, order=order, chance=chance)
    plots.score_heatmap(scores[scores.task == "parity_check"], ax=right, order=order, chance=chance)
    assert [t.get_text() for t in left.get_yticklabels()] == order
    assert right.collections[0].get_array().shape == (2, 1)  # two rows, as on the left
    assert [(t.get_text(), t.get_position()[1]) for t in right.texts] == [("0.50", 0.5)]  # count_anbn blank
    plt.close(fig)


def test_heatmap_needs_a_chance_level_or_scaled_scores():
    scores = pd.DataFrame({"task": ["parity_check"], "model": ["a"], "score": [0.7]})
    with pytest.raises(ValueError, match="chance"):
        plots.score_heatmap(scores)
    with pytest.raises(ValueError, match="parity_check"):
        plots.score_heatmap(scores, chance={"other": 0.5})
    plots.score_heatmap(scores, scaled=True)
    plt.close("all")


def test_accuracy_curves_list_what_ran_with_a_chance_line_and_distinct_lines():
    table = pd.DataFrame([{"model": f"m{i}", "length": n, "accuracy": 0.5 + i / 40, "seed": 0}
                          for i in range(8) for n in (1, 50, 100)])
    ax = plots.accuracy_at_every_length(table, order=[f"m{i}" for i in range(10)], chance=0.5)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [f"m{i}" for i in range(8)] + ["chance (0.5)"]
    styles = {(line.get_color(), line.get_linestyle()) for line in ax.get_lines() if line.get_label().startswith("m")}
    assert len(styles) == 8
    plt.close("all")
