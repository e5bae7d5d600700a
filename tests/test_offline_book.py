"""The built book as a reader without a network meets it: every page opened in headless Chromium
from file://, inside a network namespace of its own (tools/check_pages.py), every interactive figure of
a chapter page clicked (its slider, legend entry or menu) and found changed, and the widget's static
stand-in."""

from __future__ import annotations

import base64
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from recur_tutorial import models, tasks  # noqa: E402
from recur_tutorial.widgets import eigenvalue_explorer  # noqa: E402
from recur_tutorial.theory.probe import probe  # noqa: E402
from tools.check_pages import book_pages, check_book  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "_build" / "screenshots"


def test_the_widget_output_carries_a_static_figure_of_its_first_state(monkeypatch):
    import IPython.display

    bundles = []
    monkeypatch.setattr(IPython.display, "display", lambda data, raw=False: bundles.append(data))
    layout = tasks.get_layout("tagging", tasks.get("parity_check"))
    results = [probe(models.build(name, layout, seed=0, hidden=8), 2, name=name) for name in ("lstm", "gru")]
    eigenvalue_explorer(results)
    assert len(bundles) == 1
    assert "application/vnd.jupyter.widget-view+json" in bundles[0]
    assert base64.b64decode(bundles[0]["image/png"]).startswith(b"\x89PNG")


@pytest.mark.slow
def test_every_page_reads_offline_in_chromium(built_book):
    pages = book_pages(built_book)
    names = {str(p.relative_to(built_book)) for p in pages}
    assert {"book/intro.html", "chapters/04_recurrence_completeness.html"} <= names
    reports = check_book(built_book, SCREENSHOTS)
    for report in reports:
        print(f"{report.page}: {report.formulas} formulas, {report.images} images, {report.interactive} interactive "
              f"figures ({', '.join(report.answered)}) -> {report.screenshot}")
    problems = {report.page: report.problems for report in reports if report.problems}
    assert not problems, problems
    chapters = [r for r in reports if "/chapters/" in r.page]
    assert chapters and all(r.formulas > 0 and r.images >= 1 and r.images + r.interactive >= 3 for r in chapters)
    # each chapter page: at least two figures a reader can manipulate, each of which answered a click
    # (a figure not drawn, or unchanged by its click, is among the problems above)
    interactive = {r.page: (r.interactive, len(r.answered)) for r in chapters}
    assert all(drawn >= 2 and answered == drawn for drawn, answered in interactive.values()), interactive
    assert all(Path(r.screenshot).stat().st_size > 10_000 for r in reports)


def test_the_trace_viewer_output_carries_a_static_figure_of_its_first_step(monkeypatch):
    import IPython.display

    from recur_tutorial.experiments import cot
    from recur_tutorial.widgets import trace_viewer

    bundles = []
    monkeypatch.setattr(IPython.display, "display", lambda data, raw=False: bundles.append(data))
    model, layout = cot.cot_run("parity_check", "full", "alibi", 0, cot.SETTINGS["quick"]).build()
    trace_viewer(model, layout, "0110")
    assert len(bundles) == 1 and "application/vnd.jupyter.widget-view+json" in bundles[0]
    assert base64.b64decode(bundles[0]["image/png"]).startswith(b"\x89PNG")
