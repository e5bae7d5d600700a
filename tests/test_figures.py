"""Figures a reader can read: text at least the page's small print once the figure is scaled to the
page's column, colours that stay apart for colour-blind readers, a colour and a marker per series, one
convention for the training boundary and chance, named axes; heatmaps coloured by accuracy above
chance with a colour bar; a legend of what ran."""

from __future__ import annotations

import itertools
import types
from pathlib import Path

import matplotlib
import nbformat
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

from recur_tutorial import plots  # noqa: E402
from recur_tutorial.plots import style  # noqa: E402

# Colour vision deficiencies at full severity, as linear-RGB matrices (Machado, Oliveira & Fernandes 2009).
VIEWS = {
    "normal": np.eye(3),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
MIN_DIFFERENCE = 15  # CIELAB ΔE between any two series colours, in every view


def seen(colour, view: str) -> np.ndarray:
    """CIELAB coordinates of an sRGB colour as a reader with ``view`` sees it."""
    c = np.asarray(to_rgb(colour))
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    linear = np.clip(VIEWS[view] @ linear, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def closest_pair(colours) -> tuple[float, str]:
    """The smallest ΔE between two of ``colours`` over every view, and where it occurs."""
    return min((float(np.linalg.norm(seen(a, v) - seen(b, v))), f"{a} and {b} ({v})")
               for a, b in itertools.combinations(colours, 2) for v in VIEWS)


def test_series_colours_stay_apart_for_colour_blind_readers():
    difference, where = closest_pair(style.SERIES_COLOURS)
    assert difference >= MIN_DIFFERENCE, where
    # the check can fail: a red-green pair, and the palette the book used before, both do
    assert closest_pair(["tab:red", "tab:green"])[0] < MIN_DIFFERENCE
    assert closest_pair(plt.get_cmap("tab10").colors[:6])[0] < MIN_DIFFERENCE


def lightness(cmap: str, view: str) -> np.ndarray:
    colours = plt.get_cmap(cmap)(np.linspace(0, 1, 64))[:, :3]
    return np.array([seen(c, view)[0] for c in colours])


def test_heatmap_colours_rise_in_lightness_for_every_reader():
    for view in VIEWS:
        assert np.all(np.diff(lightness(style.HEATMAP, view)) > 0), view
    # a red-to-green map does not: its two ends look alike to a deuteranope
    ends = lightness("RdYlGn", "deuteranopia")
    assert not np.all(np.diff(ends) > 0)


def accuracy_table(models=("rnn", "lstm", "stack_rnn", "tape_rnn", "transformer"), tasks=("parity_check",
                   "cycle_navigation", "reverse_string", "duplicate_string", "count_anbn", "bracket_matching")):
    rng = np.random.default_rng(0)
    return pd.DataFrame([{"task": t, "model": m, "seed": s, "length": n, "accuracy": rng.uniform(0.4, 1)}
                         for t in tasks for m in models for s in range(2) for n in range(1, 101, 20)])


def every_figure():
    """Each plot function of the book on a small synthetic table, as the chapters call it."""
    rng = np.random.default_rng(1)
    table = accuracy_table()
    summary = table.groupby(["task", "model"]).accuracy.mean().rename("score").reset_index()
    depth = pd.DataFrame([{"group": g, "model": m, "seed": s, "length": n, "accuracy": rng.uniform(0.2, 1)}
                          for g in ("S3", "A5") for m in ("LSTM", "Transformer, 1 layer", "Transformer, 2 layers")
                          for s in range(2) for n in range(1, 9)])
    every = pd.DataFrame([{"model": f"model {i}", "length": n, "accuracy": 0.5 + i / 40, "seed": 0}
                          for i in range(10) for n in range(1, 80)])
    histories = pd.DataFrame([{"task": t, "model": m, "seed": s, "step": step, "loss": np.exp(-step / 300) + 0.01}
                              for t in ("parity_check", "cycle_navigation") for m in ("full", "direct")
                              for s in range(2) for step in range(0, 1000, 50)])
    cost = pd.DataFrame([{"model": m, "length": n, "tokens written": n * (i + 1), "sequential steps": n + i,
                          "seconds": 0.01 * n * (i + 1)} for i, m in enumerate(("full", "direct", "LSTM"))
                         for n in (10, 20, 40)])
    training_cost = pd.DataFrame([{"model": m, "form": f, "length": n, "seconds per token": 1e-4 * n ** (i / 3),
                                   "sequential depth per token": 1 + j}
                                  for i, m in enumerate(("Transformer", "LSTM")) for j, f in
                                  enumerate(("parallel", "recurrent")) for n in (64, 128, 256)])
    tokens = ["<bos>", "0", "1", "1", "<sep>", "s:0", "s:1", "s:0", "y:0"]
    maps = rng.uniform(0, 1, (4, 2, 2, len(tokens)))
    probes = [types.SimpleNamespace(model=name, eigenvalues=rng.uniform(-1, 1, 20) + 0j)
              for name in ("LSTM (trained)", "DeltaNet [-1, 1] (trained)", "Mamba [0, 1]", "diagonal RNN [-1, 1]")]
    probes.append(types.SimpleNamespace(model="Transformer", eigenvalues=np.array([])))
    return {
        "accuracy_vs_length": plots.accuracy_vs_length(table, chance={"parity_check": 0.5}, col_wrap=3).figure,
        "score_heatmap": plots.score_heatmap(summary, chance=0.5).figure,
        "depth_against_length": plots.depth_against_length(depth, chance={"S3": 1 / 6, "A5": 1 / 60},
                                                           first_new={"S3": 5, "A5": 5}),
        "accuracy_at_every_length": plots.accuracy_at_every_length(every, chance=0.5, title="parity").figure,
        "accuracy_by_group": plots.accuracy_by_group(pd.DataFrame({"count": range(4), "accuracy": [1, .8, .5, .3]}),
                                                     group="count", chance=0.2).figure,
        "training_curves": plots.training_curves(histories, title="training loss").figure,
        "cost": plots.cost(cost),
        "training_cost": plots.training_cost(training_cost),
        "attention_map": plots.attention_map(tokens, maps, layer=0).figure,
        "eigenvalue_figure": plots.eigenvalue_figure(probes, columns=5),
    }


@pytest.fixture(scope="module")
def figures():
    options = {o: pd.get_option(o) for o in ("display.max_colwidth", "display.max_columns", "display.max_rows",
                                             "display.width", "display.float_format")}
    with matplotlib.rc_context():
        plots.use_book_style()  # also sets pandas' display options: restored below
        yield every_figure()
        plt.close("all")
    for option, value in options.items():
        pd.set_option(option, value)


def test_figure_text_is_at_least_the_pages_small_print(figures):
    for name, fig in figures.items():
        assert plots.smallest_text_px(fig) >= style.SMALL_PRINT_PX, name
    # the check can fail: a figure 15 inches wide, as Chapter 1 drew its heatmaps, is scaled to a third
    wide, _ = plt.subplots(figsize=(15, 3))
    wide.axes[0].set(xlabel="x", ylabel="y")
    assert plots.smallest_text_px(wide) < style.SMALL_PRINT_PX
    plt.close(wide)


def data_axes(fig):
    return [ax for ax in fig.axes if ax.get_label() != "<colorbar>" and ax.axison]


def test_every_panel_names_its_axes_in_its_row_and_column(figures):
    for name, fig in figures.items():
        axes = [ax for ax in data_axes(fig) if ax.get_subplotspec() is not None]
        rows, columns = {}, {}
        for ax in axes:
            spec = ax.get_subplotspec()
            rows.setdefault(spec.rowspan.start, []).append(ax.get_ylabel())
            columns.setdefault(spec.colspan.start, []).append(ax.get_xlabel())
        assert axes, name
        assert all(any(labels) for labels in rows.values()), (name, rows)
        assert all(any(labels) for labels in columns.values()), (name, columns)


def series_lines(ax):
    """The lines of ``ax`` that draw data with markers (reference lines have none)."""
    return [line for line in ax.get_lines()
            if line.get_marker() not in ("None", "", None) and len(line.get_xdata()) > 1]


@pytest.mark.parametrize("name", ["accuracy_vs_length", "depth_against_length", "accuracy_at_every_length",
                                  "training_curves", "cost", "training_cost"])
def test_every_series_has_its_own_colour_and_marker(figures, name):
    fig = figures[name]
    ax = data_axes(fig)[0]
    lines = series_lines(ax)
    colours = [matplotlib.colors.to_hex(line.get_color()) for line in lines]
    markers = [line.get_marker() for line in lines]
    if name == "training_cost":  # colour tells the model, marker the form: each pair once
        assert len(set(zip(colours, markers))) == len(lines) >= 4
        return
    per_series = dict(zip(colours, markers))
    assert len(per_series) >= 2, name
    assert len(set(per_series.values())) == len(per_series), (name, per_series)  # a marker per colour
    if name == "accuracy_at_every_length":  # ten series: colours repeat beyond eight, dashed, marker their own
        styles = {(c, m, line.get_linestyle()) for c, m, line in zip(colours, markers, lines)}
        assert len(styles) == len(lines) == 10
        assert len(set(markers)) == 10
    for colour in colours:
        assert colour.upper() in style.SERIES_COLOURS, (name, colour)


def reference_lines(ax):
    """(kind, position) of the book's reference lines in ``ax``: the boundary dashed and vertical,
    chance dotted and horizontal, both in the reference colour."""
    found = set()
    for line in ax.get_lines():
        x, y = line.get_xdata(), line.get_ydata()
        if matplotlib.colors.to_hex(line.get_color()) != matplotlib.colors.to_hex(style.REFERENCE_COLOUR):
            continue
        if line.get_linestyle() == "--" and len(set(x)) == 1:
            found.add(("boundary", float(x[0])))
        if line.get_linestyle() == ":" and len(set(y)) == 1:
            found.add(("chance", float(y[0])))
    return found


def test_one_convention_for_the_training_boundary_and_chance(figures):
    expected = {"accuracy_vs_length": {("boundary", 40.0), ("chance", 0.5)},
                "depth_against_length": {("boundary", 5.0), ("chance", 1 / 6)},
                "accuracy_at_every_length": {("boundary", 40.0), ("chance", 0.5)},
                "accuracy_by_group": {("chance", 0.2)}}
    for name, lines in expected.items():
        ax = data_axes(figures[name])[0]
        assert reference_lines(ax) == lines, name
        labels = {t.get_text() for t in ax.texts}
        assert "chance" in labels, name
        if any(kind == "boundary" for kind, _ in lines):
            assert any(t.startswith(("trained ≤", "unseen from")) for t in labels), (name, labels)


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
    assert ax.collections[0].get_cmap().name == style.HEATMAP
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("model", "task")
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


def test_accuracy_curves_list_only_what_ran(figures):
    table = pd.DataFrame([{"model": f"m{i}", "length": n, "accuracy": 0.5 + i / 40, "seed": 0}
                          for i in range(3) for n in (1, 50, 100)])
    ax = plots.accuracy_at_every_length(table, order=[f"m{i}" for i in range(10)], chance=0.5)
    labels = [t.get_text() for t in ax.figure.legends[0].get_texts()]
    assert labels == ["m0", "m1", "m2"]
    plt.close("all")


def test_a_figure_without_text_is_refused():
    fig = plt.figure()
    with pytest.raises(ValueError, match="axis names"):
        plots.smallest_text_px(fig)
    plt.close(fig)


DRAWING = sorted(set(plots.__all__) - {"HEATMAP", "PALETTE", "SERIES_COLOURS", "legend_below", "mark_references",
                                        "panels", "series_styles", "smallest_text_px", "use_book_style"})


def figure_cells():
    """(chapter, cell) for every chapter cell that draws one of the book's figures and is shown."""
    for path in sorted((Path(__file__).resolve().parents[1] / "chapters").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            shown = "remove-output" not in cell.metadata.get("tags", [])
            if cell.cell_type == "code" and shown and any(f"plots.{name}(" in cell.source for name in DRAWING):
                yield path.stem, cell


def test_every_chapter_figure_has_a_numbered_caption_and_alt_text():
    cells = list(figure_cells())
    assert len(cells) >= 10
    names = []
    for chapter, cell in cells:
        options = cell.metadata.get("mystnb", {})
        figure, image = options.get("figure", {}), options.get("image", {})
        assert len(figure.get("caption", "")) > 40 and figure.get("name", "").startswith("fig-"), (chapter, cell.id)
        assert len(image.get("alt", "")) > 40, (chapter, cell.id)
        names.append(figure["name"])
    assert len(names) == len(set(names)), "two figures share a label"


def test_a_captioned_figure_cell_shows_nothing_but_its_figure():
    """MyST-NB wraps every output of a cell with figure metadata in a figure of that label: a table or
    an ``<Axes>`` shown as the cell's result gives a second figure with the same label (a duplicate-target warning,
    which fails the strict build). So such a cell ends on ``plt.show()`` (or a statement whose result ``;`` hides)."""
    for chapter, cell in figure_cells():
        if "figure" not in cell.metadata.get("mystnb", {}):
            continue
        lines = [line for line in cell.source.strip().splitlines() if line.strip()]
        last = lines[-1].strip()
        assert last == "plt.show()" or last.endswith(";"), (chapter, cell.id, last)
