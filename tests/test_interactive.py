"""The interactive figures (recur_tutorial.plots.interactive): built from small results, they hold the
traces, frames and controls the reader uses, in the book's colours and with named axes; bad input gets
a clear error; the chapters show at least two each, captioned; and in headless Chromium, offline, each
one is drawn and changes when its slider, legend entry or menu is clicked."""

from __future__ import annotations

import ast
import shutil
import types
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import plotly
import plotly.graph_objects as go
import pytest

from recur_tutorial.errors import ConfigError
from recur_tutorial.experiments.summary import per_seed
from recur_tutorial.plots import interactive
from recur_tutorial.plots.style import SERIES_COLOURS, SMALL_PRINT_PX
from recur_tutorial.theory import automata, dfa_rnn

ROOT = Path(__file__).resolve().parents[1]


def accuracy_table():
    """Two tasks, two models, two seeds, lengths 1-60 (training up to 40): seed s of model m scores
    0.9 - 0.1 s inside and 0.5 + 0.2 m - 0.1 s beyond."""
    rows = []
    for task in ("parity_check", "cycle_navigation"):
        for m, model in enumerate(("lstm", "transformer")):
            for seed in range(2):
                for length in range(1, 61):
                    accuracy = 0.9 - 0.1 * seed if length <= 40 else 0.5 + 0.2 * m - 0.1 * seed
                    rows.append({"task": task, "model": model, "seed": seed, "length": length, "accuracy": accuracy,
                                 "beyond_training": length > 40})
    return pd.DataFrame(rows)


CHANCE = {"parity_check": 0.5, "cycle_navigation": 0.2}


def valid(figure):
    """Plotly's own schema accepts the figure (a misspelt property raises)."""
    go.Figure(figure.spec)
    return figure


def test_accuracy_curves_a_line_per_model_and_panel_with_each_seed_on_hover():
    figure = valid(interactive.accuracy_curves(accuracy_table(), chance=CHANCE, title="two tasks"))
    assert [(t["name"], t["visible"]) for t in figure.data] == [("lstm", True), ("transformer", True),
                                                                ("lstm", False), ("transformer", False)]
    lstm = figure.data[0]
    assert lstm["x"][:2] == [1.0, 2.0] and lstm["y"][0] == pytest.approx(0.85) and lstm["y"][-1] == pytest.approx(0.45)
    assert lstm["customdata"][-1] == "seed 0: 0.50<br>seed 1: 0.40"
    colours = [t["line"]["color"] for t in figure.data[:2]]
    symbols = [t["marker"]["symbol"] for t in figure.data[:2]]
    assert colours == SERIES_COLOURS[:2] and len(set(symbols)) == 2
    assert figure.data[2]["line"]["color"] == colours[0]  # a model keeps its colour in every panel
    menu = figure.layout["updatemenus"][0]
    assert [b["label"] for b in menu["buttons"]] == ["parity_check", "cycle_navigation"]
    assert menu["buttons"][1]["args"][0]["visible"] == [False, False, True, True]
    chance_lines = [s["y0"] for b in menu["buttons"] for s in b["args"][1]["shapes"] if s["line"]["dash"] == "dot"]
    assert chance_lines == [0.5, 0.2]
    boundary = [s for s in figure.layout["shapes"] if s["line"]["dash"] == "dash"]
    assert [s["x0"] for s in boundary] == [40]
    assert {a["text"] for a in figure.layout["annotations"]} == {"trained ≤ 40", "chance"}
    assert figure.layout["xaxis"]["title"]["text"] and figure.layout["yaxis"]["title"]["text"]
    assert figure.layout["font"]["size"] >= SMALL_PRINT_PX
    assert "lstm, transformer" in figure.alt and "parity_check, cycle_navigation" in figure.alt


def test_accuracy_curves_of_one_panel_have_no_menu_and_take_a_boundary_per_panel():
    table = accuracy_table().rename(columns={"task": "group"})
    figure = valid(interactive.accuracy_curves(table[table.group == "parity_check"], panel="group", chance=0.5,
                                               train_max={"parity_check": 5}, boundary_label="unseen from {:g}"))
    assert "updatemenus" not in figure.layout and len(figure.data) == 2
    assert {a["text"] for a in figure.layout["annotations"]} == {"unseen from 5", "chance"}


def test_score_heatmap_colours_the_accuracy_above_chance_and_lists_each_seed():
    seeds = per_seed(accuracy_table())
    seeds = seeds[~((seeds.task == "cycle_navigation") & (seeds.model == "transformer"))]  # one cell not run
    figure = valid(interactive.score_heatmap(seeds, chance=CHANCE, order=["cycle_navigation", "parity_check"]))
    heat = figure.data[0]
    assert heat["y"] == ["cycle_navigation", "parity_check"] and heat["x"] == ["lstm", "transformer"]
    # cycle_navigation, lstm: seeds 0.5 and 0.4, mean 0.45; above chance (0.45 - 0.2) / 0.8
    assert heat["z"][0][0] == pytest.approx(0.3125) and heat["text"][0][0] == "0.45"
    assert heat["z"][0][1] is None and heat["text"][0][1] == "" and heat["customdata"][0][1] == "not run"
    assert heat["customdata"][1][1] == "seed 0: 0.70<br>seed 1: 0.60"
    assert heat["z"][1][0] == 0  # parity, lstm: 0.45 is below chance, clipped to 0
    assert heat["colorscale"] == "Cividis" and heat["zmin"] == 0 and heat["zmax"] == 1
    buttons = {b["label"]: b["args"][0] for b in figure.layout["updatemenus"][0]["buttons"]}
    assert list(buttons) == ["mean", "worst seed", "best seed"]
    assert buttons["worst seed"]["text"][0][1][1] == "0.60" and buttons["best seed"]["text"][0][1][1] == "0.70"
    assert figure.layout["xaxis"]["title"]["text"] == "model" and figure.layout["yaxis"]["title"]["text"] == "task"
    # models as rows: the chance levels, given per task, are read per column
    turned = valid(interactive.score_heatmap(seeds, chance=CHANCE, index="model", columns="task"))
    assert turned.data[0]["y"] == ["lstm", "transformer"] and turned.data[0]["z"][0] == pytest.approx([0, 0.3125])


def test_automaton_steps_one_frame_per_symbol_with_one_pair_unit_on():
    rnn = dfa_rnn.DFARNN(automata.get("modular_counter", modulus=4))
    word = "aababbaaab"
    figure = valid(interactive.automaton_steps(rnn, word))
    assert [f["name"] for f in figure.frames] == [str(t) for t in range(len(word) + 1)]
    assert [s["label"] for s in figure.layout["sliders"][0]["steps"]] == [f["name"] for f in figure.frames]
    path = figure.frames[-1]["data"][0]["y"]
    assert path == [rnn.dfa.start] + rnn.dfa.trace(word)  # the automaton's own states, read by the RNN
    for frame in figure.frames:
        units = frame["data"][2]["x"]
        assert sorted(units)[-1] == 1 and sum(units) == 1  # the step function: exactly one unit on
    assert frame["data"][1]["x"] == [len(word)]  # the last frame marks the state after the last symbol
    assert "step 10 of 10" in figure.frames[-1]["layout"]["title"]["text"]


def test_attention_steps_one_frame_per_written_token_heads_combined_by_their_maximum():
    tokens = ["<bos>", "0", "s:0", "1", "s:1", "<sep>", "y:1"]
    maps = np.random.default_rng(0).uniform(0, 1, (3, 2, 2, len(tokens)))
    figure = valid(interactive.attention_steps(tokens, maps))
    assert [f["name"] for f in figure.frames] == ["1", "2", "3"]
    second = figure.frames[1]["data"]
    assert len(second) == 2  # a row of bars per layer
    assert second[1]["y"] == pytest.approx(maps[1, 1].max(0), abs=1e-3)
    assert second[0]["marker"]["color"][3] == SERIES_COLOURS[5]  # the query's position (s:1 is written from 3)
    assert "wrote s:1 at position 4" in figure.frames[1]["layout"]["title"]["text"]


def test_eigenvalue_steps_one_frame_per_model_negative_real_parts_apart():
    probes = [types.SimpleNamespace(model="LSTM", eigenvalues=np.array([0.5, -0.5, -0.5, 0.2 + 0.1j])),
              types.SimpleNamespace(model="Transformer", eigenvalues=np.array([]))]
    figure = valid(interactive.eigenvalue_steps(probes))
    assert [f["name"] for f in figure.frames] == ["LSTM", "Transformer"]
    nonnegative, negative = figure.frames[0]["data"]
    assert sorted(zip(nonnegative["x"], nonnegative["y"])) == [(0.2, 0.1), (0.5, 0.0)]
    assert negative["x"] == [-0.5]  # repeated eigenvalues drawn once
    assert (nonnegative["marker"]["color"], negative["marker"]["color"]) == (SERIES_COLOURS[0], SERIES_COLOURS[5])
    assert "no fixed-size state" in figure.frames[1]["layout"]["title"]["text"]
    assert {s["type"] for s in figure.layout["shapes"]} == {"circle", "line"}


@pytest.mark.parametrize("build, message", [
    (lambda: interactive.accuracy_curves(accuracy_table().drop(columns="seed")), "missing \\['seed'\\]"),
    (lambda: interactive.accuracy_curves(accuracy_table().iloc[:0]), "empty table"),
    (lambda: interactive.accuracy_curves(accuracy_table().assign(accuracy=1.5)), "\\[0, 1\\]"),
    (lambda: interactive.accuracy_curves(accuracy_table(), chance={"parity_check": 0.5}),
     "no value for 'cycle_navigation'"),
    (lambda: interactive.accuracy_curves([1, 2]), "DataFrame"),
    (lambda: interactive.score_heatmap(per_seed(accuracy_table()), chance=None), "needs chance"),
    (lambda: interactive.automaton_steps(dfa_rnn.DFARNN(automata.get("parity_check")), "01x"), "'x'"),
    (lambda: interactive.attention_steps(["<bos>", "s:0"], np.zeros((1, 1, 1, 3))), "positions"),
    (lambda: interactive.eigenvalue_steps([]), "at least one"),
    (lambda: interactive.eigenvalue_steps([types.SimpleNamespace(model="a", eigenvalues=np.ones(2))] * 2),
     "share a model name"),
])
def test_bad_input_gets_a_clear_error(build, message):
    with pytest.raises(ConfigError, match=message):
        build()


def test_the_html_draws_with_the_pages_plotly_under_a_stable_id_and_says_what_it_shows():
    table = accuracy_table().replace({"model": {"lstm": "</script><b>x"}})
    figure = interactive.accuracy_curves(table, chance=CHANCE)
    page = figure.to_html()
    assert page == interactive.accuracy_curves(table, chance=CHANCE).to_html()  # same results, same page
    assert page.count("</script>") == 1  # a name holding </script> cannot end the script early
    assert 'class="recur-interactive"' in page and 'role="img"' in page
    assert "aria-label=\"Interactive line chart: accuracy" in page and "&lt;/script&gt;" in page
    assert "if (window.Plotly) { draw(); }" in page  # the book's own plotly.js; no other is fetched then
    bundle = figure._repr_mimebundle_()
    assert set(bundle) == {"application/vnd.plotly.v1+json", "text/html", "text/plain"}
    assert bundle["application/vnd.plotly.v1+json"]["data"][0]["name"] == "</script><b>x"


# ---- the chapters -------------------------------------------------------------------------------------
def interactive_cells():
    """(chapter, cell) for every chapter code cell that shows an interactive figure."""
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and "interactive." in cell.source:
                yield path.stem, cell


def shown_call(source: str) -> str | None:
    """The builder a cell's last statement calls (``interactive.<builder>(...)``), whose result is the
    cell's one output; None when the cell ends otherwise."""
    last = ast.parse(source).body[-1]
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
        func = last.value.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "interactive":
            return func.attr
    return None


def test_every_chapter_shows_two_captioned_interactive_figures_each_its_cells_one_output():
    """A Plotly cell's rule (the static figures' is in test_figures): the cell ends on the builder's
    call, so the figure is its one output (no ``plt.show()``, nothing else displayed), and it carries
    a numbered caption; its alt text is the figure's own (``aria-label``, tested above)."""
    per_chapter, names = {}, []
    for chapter, cell in interactive_cells():
        builder = shown_call(cell.source)
        assert builder in {"accuracy_curves", "score_heatmap", "automaton_steps", "attention_steps",
                           "eigenvalue_steps"}, (chapter, cell.id)
        assert "remove-output" not in cell.metadata.get("tags", []), (chapter, cell.id)
        figure = cell.metadata.get("mystnb", {}).get("figure", {})
        assert len(figure.get("caption", "")) > 40 and figure.get("name", "").startswith("fig-"), (chapter, cell.id)
        assert "plt." not in cell.source, (chapter, cell.id)
        names.append(figure["name"])
        per_chapter.setdefault(chapter, []).append(builder)
    chapters = sorted(p.stem for p in (ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
    assert {c: len(per_chapter.get(c, [])) >= 2 for c in chapters} == {c: True for c in chapters}, per_chapter
    assert len(names) == len(set(names)), "two figures share a label"
    # the check can fail: a cell that ends on plt.show() or shows its figure before another statement
    assert shown_call("fig = interactive.accuracy_curves(table)\nplt.show()") is None
    assert shown_call("interactive.accuracy_curves(table)\nx = 1") is None


# ---- in a browser, offline --------------------------------------------------------------------------------
def test_each_figure_is_drawn_offline_and_answers_a_click(tmp_path):
    from tools.check_pages import Chromium, check_page, chromium_executable

    rnn = dfa_rnn.DFARNN(automata.get("modular_counter", modulus=4))
    tokens = ["<bos>", "0", "s:0", "1", "s:1", "<sep>", "y:1"]
    probes = [types.SimpleNamespace(model=m, eigenvalues=np.array([0.5, -0.5 + 0.2j])) for m in ("a", "b")]
    figures = [interactive.accuracy_curves(accuracy_table(), chance=CHANCE),
               interactive.score_heatmap(per_seed(accuracy_table()), chance=CHANCE),
               interactive.automaton_steps(rnn, "aab"),
               interactive.attention_steps(tokens, np.random.default_rng(0).uniform(0, 1, (3, 2, 2, len(tokens)))),
               interactive.eigenvalue_steps(probes)]
    still = interactive.InteractiveFigure(  # no slider, legend or menu: nothing a reader can change
        {"data": [{"type": "scatter", "x": [1, 2], "y": [1, 2]}], "layout": {"showlegend": False}}, "still", 300)
    shutil.copy2(Path(plotly.__file__).parent / "package_data" / "plotly.min.js", tmp_path / "plotly.min.js")
    page = tmp_path / "page.html"
    page.write_text('<!DOCTYPE html><html><head><meta charset="utf-8"><script src="plotly.min.js"></script></head>'
                    f"<body>{''.join(f.to_html() for f in [*figures, still])}</body></html>")
    browser = Chromium(chromium_executable())
    try:
        report = check_page(browser, page, tmp_path / "page.png")
    finally:
        browser.close()
    assert report.interactive == 6
    assert report.answered == ["legend entry", "menu button", "slider", "slider", "slider"]
    # the one problem: the figure with nothing to use (the check can fail); no console error, no request
    assert len(report.problems) == 1 and "has no slider, legend or menu" in report.problems[0], report.problems
