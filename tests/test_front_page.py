"""The first and the closing page as the staging fills them: the thesis figure and its caption drawn
from the chapters' results (never typed), the reading time and prerequisites from the chapters and
book/chapters.yml, and the closing page's table of what each chapter measured."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import matplotlib
import pytest
import yaml

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from recur_tutorial.plots import smallest_text_px, style  # noqa: E402
from recur_tutorial.plots.thesis import thesis_caption, thesis_figure, thesis_scores  # noqa: E402
from tools import front_page  # noqa: E402

CHAPTERS = [e["file"] for part in yaml.safe_load((ROOT / "_toc.yml").read_text())["parts"]
            for e in part["chapters"] if e["file"].startswith("chapters/")]


def chapter3(direct: list[float], trace: list[float]) -> dict:
    rows = [{"task": "parity_check", "model": model, "seed": seed, "length": length, "beyond_training": length > 40,
             "accuracy": value if length > 40 else 1.0}
            for model, values in (("direct · alibi", direct), ("full · alibi", trace))
            for seed, value in enumerate(values) for length in (40, 60, 200)]
    return {"claims": [{"holds": True}], "measurements": {"per_length": rows}}


def chapter4(worst: float, mean: float, best: float) -> dict:
    summary = [{"task": "parity_check", "model": "LSTM", "worst": worst, "mean": mean, "best": best, "seeds": 3}]
    return {"claims": [{"holds": True}, {"holds": False}], "measurements": {"summary": summary}}


@pytest.fixture
def results(tmp_path):
    (tmp_path / "chapter3.json").write_text(json.dumps(chapter3([0.52, 0.55, 0.61], [1.0, 0.97, 0.88])))
    (tmp_path / "chapter4.json").write_text(json.dumps(chapter4(0.93, 0.97, 1.0)))
    return tmp_path


def test_the_thesis_figure_is_drawn_from_the_results_and_readable(results):
    scores = thesis_scores(results).set_index("arm")
    assert scores.loc["recurrence", "mean"] == pytest.approx(0.97)
    assert scores.loc["autoregression", "worst"] == pytest.approx(0.52)
    assert scores.loc["autoregression + chain of thought", "solving"] == 2  # 0.88 does not solve
    style.use_book_style()
    figure = thesis_figure(thesis_scores(results))
    assert smallest_text_px(figure) >= style.SMALL_PRINT_PX
    caption = thesis_caption(thesis_scores(results))
    assert "0.56 (worst seed 0.52, 0 of 3 seeds solve it)" in caption and "2 of 3 seeds solve it" in caption


def test_without_chapters_3_and_4_the_first_page_says_so(tmp_path):
    assert thesis_scores(tmp_path) is None
    assert "once Chapters 3 and 4 have been executed" in front_page.thesis_figure(tmp_path, tmp_path)


def test_reading_time_and_prerequisites_come_from_the_chapters_and_their_cards():
    cards = yaml.safe_load((ROOT / "book" / "chapters.yml").read_text())
    text = front_page.reading_and_prerequisites(CHAPTERS, cards)
    words = sum(front_page.prose_words(chapter) for chapter in CHAPTERS)
    assert f"({words:,} words at {front_page.WORDS_PER_MINUTE} words a minute)" in text
    assert cards[CHAPTERS[0]]["prerequisites"][1] in text
    assert "(Chapter 4)" in text and "Chapter 1 (tasks" not in text  # a later chapter's earlier chapters are not listed


def test_staging_fills_both_pages_and_the_closing_page_is_in_the_contents(results, tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    for page in ("intro.md", "conclusion.md"):
        text = (ROOT / "book" / page).read_text()
        assert all(marker in text for marker in {"intro.md": (front_page.FIGURE_MARKER, front_page.FRONT_MARKER),
                                                  "conclusion.md": (front_page.MEASURED_MARKER,)}[page])
        shutil.copy2(ROOT / "book" / page, book / page)
    run = {CHAPTERS[3]: json.loads((results / "chapter4.json").read_text())}
    front_page.stage_pages(book, results, CHAPTERS, run)
    intro = (book / "intro.md").read_text()
    assert front_page.FIGURE_MARKER not in intro and front_page.FRONT_MARKER not in intro
    assert (book / front_page.FIGURE_NAME).exists() and "argument in one figure" in intro
    conclusion = (book / "conclusion.md").read_text()
    assert "<!--" not in conclusion and conclusion.count("| not run |") == len(CHAPTERS) - 1
    assert "| 1 of 2 |" in conclusion  # chapter 4's findings that held
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    assert "book/conclusion" in [e["file"] for part in toc["parts"] for e in part["chapters"]]
