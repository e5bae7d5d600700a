"""What the staging (``tools/stage_book.py``) writes into the first and the closing page, generated
from the chapters, ``book/chapters.yml`` and the results this build measured, never typed:

- the thesis figure of the first page (:mod:`recur_tutorial.plots.thesis`), drawn from Chapters 3
  and 4's results, with a caption whose numbers come from the same results;
- the reading time (the words of the chapters' prose at :data:`WORDS_PER_MINUTE`) and the
  prerequisites (Chapter 1's, then what each later chapter adds that is not an earlier chapter);
- the closing page's table of what each chapter measured, from each chapter's results JSON.
"""

from __future__ import annotations

import re
from pathlib import Path

from tools.chapter_cards import chapter_number

ROOT = Path(__file__).resolve().parents[1]
FIGURE_MARKER = "<!-- book figure -->"  # in book/intro.md
FRONT_MARKER = "<!-- reading time and prerequisites -->"  # in book/intro.md
MEASURED_MARKER = "<!-- measured by this build -->"  # in book/conclusion.md
FIGURE_NAME = "book-figure.png"
WORDS_PER_MINUTE = 150  # a careful reading of technical prose with mathematics
LATER_QUESTIONS = {  # revisit.QUESTIONS asks those of Chapters 1-4, for Chapter 5's closing table
    5: "what does each recurrent Transformer design buy, and what does it give up?",
    6: "what does every model of the zoo learn on every task, under one protocol?",
}


def prose_words(chapter: str) -> int:
    """The words of a chapter's markdown cells (its prose, exercises included; no code)."""
    import nbformat

    notebook = nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4)
    return sum(len(re.findall(r"[A-Za-z]+", cell.source)) for cell in notebook.cells if cell.cell_type == "markdown")


def duration(minutes: float) -> str:
    hours, rest = divmod(int(round(minutes / 10) * 10), 60)
    return (f"{hours} h " if hours else "") + (f"{rest} min" if rest or not hours else "").strip()


def reading_and_prerequisites(chapters: list[str], cards: dict) -> str:
    """Two paragraphs for the first page: how long the chapters take to read, and what a reader
    needs first (Chapter 1's prerequisites, then what each later chapter adds)."""
    words = sum(prose_words(chapter) for chapter in chapters)
    first = cards[chapters[0]]["prerequisites"]
    first = [item.replace("this chapter", f"Chapter {chapter_number(chapters[0])}") for item in first]
    first = [first[0][:1].upper() + first[0][1:], *first[1:]]
    later = [f"{item} (Chapter {chapter_number(chapter)})" for chapter in chapters[1:]
             for item in cards.get(chapter, {}).get("prerequisites", []) if not item.startswith("Chapter")]
    return (f"**Reading time.** About {duration(words / WORDS_PER_MINUTE)} for the prose of the {len(chapters)} "
            f"chapters ({words:,} words at {WORDS_PER_MINUTE} words a minute), more with the exercises; "
            "running a chapter is extra, and each chapter card gives its measured time.\n\n"
            f"**What you need first.** {'; '.join(first)}. Later chapters add: {'; '.join(later)}.")


def thesis_figure(results_dir: Path, book_dir: Path) -> str:
    """The thesis figure as Markdown, its image saved beside intro.md; a sentence when Chapters 3 and
    4 have not written their results."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from recur_tutorial.plots.style import use_book_style
    from recur_tutorial.plots.thesis import thesis_caption, thesis_scores
    from recur_tutorial.plots.thesis import thesis_figure as draw

    scores = thesis_scores(results_dir)
    if scores is None:
        return "*(The book's figure appears here once Chapters 3 and 4 have been executed.)*"
    use_book_style()
    figure = draw(scores)
    figure.savefig(book_dir / FIGURE_NAME)
    plt.close(figure)
    alt = ("Three diagrams side by side, a recurrence, a Transformer answering directly and the same Transformer "
           "writing its state as tokens, each above a bar of its measured parity accuracy beyond training")
    return (f"```{{figure}} {FIGURE_NAME}\n:name: fig-book-thesis\n:width: 100%\n:alt: {alt}\n\n"
            f"{thesis_caption(scores)}\n```")


def chapter5_answer(measurements: dict) -> str:
    import pandas as pd

    designs = pd.DataFrame(measurements.get("designs", []))
    if designs.empty:
        return ""
    return "parity beyond 40, mean over seeds: " + ", ".join(
        f"{row.model} {row.mean:.2f}" for row in designs.itertuples())


def chapter6_answer(measurements: dict) -> str:
    kept, planned = measurements.get("kept_runs"), measurements.get("planned_runs")
    return f"the atlas's trained runs kept so far: {kept} of {planned} planned" if kept is not None and planned else ""


LATER_ANSWERS = {5: chapter5_answer, 6: chapter6_answer}  # one line of what Chapters 5 and 6 measured


def measured_table(chapters: list[str], results: dict[str, dict]) -> str:
    """Per chapter: its question, one line of what this build measured and how many of its findings
    held, as a Markdown table (a chapter not run says so)."""
    from recur_tutorial.experiments.revisit import QUESTIONS, measured_answer

    rows = ["| chapter | its question | measured by this build | findings that held |", "|---|---|---|---|"]
    for chapter in chapters:
        number = chapter_number(chapter)
        key = f"chapter{number}"
        record = results.get(chapter)
        question = QUESTIONS.get(key, LATER_QUESTIONS.get(number, ""))
        if record is None:
            rows.append(f"| {{doc}}`Chapter {number} <../{chapter}>` | {question} | not run | — |")
            continue
        measurements, claims = record.get("measurements", {}), record.get("claims", [])
        answer = (measured_answer(key, measurements) if key in QUESTIONS
                  else LATER_ANSWERS[number](measurements) if number in LATER_ANSWERS else "")
        held = f"{sum(bool(c['holds']) for c in claims)} of {len(claims)}"
        rows.append(f"| {{doc}}`Chapter {number} <../{chapter}>` | {question} | {answer.replace('|', '/')} | {held} |")
    return "\n".join(rows)


def stage_pages(book_dir: Path, results_dir: Path, chapters: list[str], results: dict[str, dict]) -> None:
    """Fill the staged first page (thesis figure, reading time, prerequisites) and closing page (the
    table of what each chapter measured) in ``book_dir``, from ``results_dir`` and ``results``."""
    import yaml

    cards = yaml.safe_load((ROOT / "book" / "chapters.yml").read_text())
    intro = book_dir / "intro.md"
    text = intro.read_text().replace(FIGURE_MARKER, thesis_figure(results_dir, book_dir))
    intro.write_text(text.replace(FRONT_MARKER, reading_and_prerequisites(chapters, cards)))
    conclusion = book_dir / "conclusion.md"
    conclusion.write_text(conclusion.read_text().replace(MEASURED_MARKER, measured_table(chapters, results)))
