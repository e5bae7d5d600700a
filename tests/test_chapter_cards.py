"""Chapter cards, the landing page's results list and the syllabus (tools/chapter_cards.py)."""

from __future__ import annotations

from tools.chapter_cards import card, duration, provenance, results_table, syllabus
from tools.export_notebooks import chapters_in_toc

CHAPTERS = chapters_in_toc()


def test_a_card_shows_the_measured_time_and_an_estimate_or_says_it_was_not_measured():
    chapter = CHAPTERS[0]
    measured = card(chapter, {chapter: {"profile": "quick", "seconds": 185.0}})
    assert "**3 min 05 s**" in measured and "full profile trains" in measured and "CPU time" in measured
    assert "not measured in this build" in card(chapter, {})
    assert f"notebooks/student/{chapter.split('/')[1]}.ipynb" in measured and "results/chapter1.json" in measured


def test_provenance_is_read_wherever_it_was_written_and_missing_fields_show_a_dash():
    data = {"claims": [{"holds": True}, {"holds": False}], "measurements": {"profile": "quick"},
            "provenance": {"package": "0.1.0", "commit": "0123456789abcdef", "torch": "2.13.0+cpu", "seconds": None}}
    assert provenance(data) == {"profile": "quick", "package_version": "0.1.0", "git_commit": "0123456789ab",
                                "torch_version": "2.13.0+cpu"}
    table = results_table(CHAPTERS[:2], {CHAPTERS[0]: data}, {CHAPTERS[0]: {"profile": "quick", "seconds": 12.5}})
    first, second = table.split("\n")[2:4]
    assert "1 of 2" in first and "0.1.0" in first and "12.5" in first and "nan" not in table.lower()
    assert "not built" in second and second.count("| - ") >= 8


def test_the_syllabus_has_every_field_for_every_chapter():
    text = syllabus(CHAPTERS, {})
    for field in ("Time:", "Prerequisites:", "Lecture:", "Lab:", "Homework:"):
        assert text.count(field) == len(CHAPTERS)
    assert text.count("auto-checked") >= 3 * len(CHAPTERS)
    assert "Exercise 4.1 *Parity by hand*" in text  # numbered by chapter, as in the book and the notebooks
    assert duration(3725) == "1 h 02 min" and duration(42) == "42 s"
