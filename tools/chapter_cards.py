"""Chapter cards and the landing page's list of results, generated when the book is staged.

A chapter card opens each chapter page: what the reader will learn and needs first (from
``book/chapters.yml``), how long the quick profile took in the build that made the page (measured,
``_build/results/timings.json``), what the full profile is estimated to take, and links to the
chapter in Colab, its student and instructor notebooks and its results JSON. The estimate scales the
measured quick time by the ratio of training work in the two profiles' run lists,

    estimate(full) = seconds(quick) * sum_full(steps * batch) / sum_quick(steps * batch),

a CPU-time estimate at the quick run's rate (evaluation is not counted). The instructor notebook is
linked only in a book built with its solutions (``hide_solutions`` off in _config.yml).

The landing page gets one row per chapter: its results JSON and the provenance that the chapter
recorded (whichever of package version, commit, torch version, device, threads, workers, date and
seconds it holds; a field that a chapter never wrote shows as a dash, never as NaN).
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
CARD_TAG = "chapter-card"
PROVENANCE = ("package_version", "git_commit", "torch_version", "device", "threads", "workers", "date", "seconds")


def chapter_meta() -> dict:
    return yaml.safe_load((ROOT / "book" / "chapters.yml").read_text())


def chapter_number(chapter: str) -> int:
    return int(Path(chapter).name.split("_")[0])


def results_name(chapter: str) -> str:
    return f"chapter{chapter_number(chapter)}.json"


def duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def training_work(chapter: str, profile: str) -> int:
    """Training examples of a profile's runs: the sum over runs of steps × batch size."""
    work = 0
    for spec in chapter_meta()[chapter]["experiments"]:
        module, _, function = spec.partition(":")
        for run in getattr(importlib.import_module(module), function)(profile):
            work += run.steps * getattr(run, "batch_size", 1)
    return work


def colab_url(chapter: str) -> str:
    """Colab opens the student notebook that the build published with the book (GitHub Pages branch)."""
    from tools.export_notebooks import PAGES_BRANCH, repository

    url, _ = repository()
    owner_repo = url.split("github.com/", 1)[1]
    return (f"https://colab.research.google.com/github/{owner_repo}/blob/{PAGES_BRANCH}/notebooks/student/"
            f"{Path(chapter).name}.ipynb")


def card(chapter: str, timings: dict, instructor: bool = False) -> str:
    meta = chapter_meta()[chapter]
    name = Path(chapter).name
    measured = timings.get(chapter)
    if measured and measured.get("profile") == "quick":
        quick = training_work(chapter, "quick")
        ratio = training_work(chapter, "full") / max(quick, 1)
        time_line = f"the quick profile took **{duration(measured['seconds'])}** in the build of this page; " + (
            f"the full profile trains {ratio:,.0f}× as much (steps × batch), about "
            f"**{duration(measured['seconds'] * ratio)}** of CPU time at the same rate" if quick else
            "it trains nothing in either profile (it reads records kept in the repository)")
    else:
        time_line = "not measured in this build (the chapter was not executed in the quick profile)"
    learn = "\n".join(f"  - {item}" for item in meta["learn"])
    needs = "\n".join(f"  - {item}" for item in meta["prerequisites"])
    links = " · ".join([
        f'<a href="{colab_url(chapter)}">open in Colab</a>',
        f'<a href="../notebooks/student/{name}.ipynb">student notebook</a>',
        *([f'<a href="../notebooks/instructor/{name}.ipynb">instructor notebook</a>'] if instructor else []),
        f'<a href="../results/{results_name(chapter)}">results JSON</a>',
    ])
    return (f":::{{admonition}} Chapter card\n:class: tip\n\n"
            f"- **What you will learn**\n{learn}\n- **What you need first**\n{needs}\n"
            f"- **Time:** {time_line}.\n- **Run it:** {links}\n:::")


def add_card(notebook_path: Path, chapter: str, timings: dict, instructor: bool = False) -> None:
    """Put the card right under the chapter's title (replacing the card of an earlier staging)."""
    notebook = nbformat.read(notebook_path, as_version=4)
    cells = [c for c in notebook.cells if CARD_TAG not in c.metadata.get("tags", [])]
    title, _, rest = cells[0].source.partition("\n")
    if cells[0].cell_type == "markdown" and title.startswith("# ") and rest.strip():
        cells[0].source = title
        cells.insert(1, nbformat.v4.new_markdown_cell(rest.strip("\n")))
    cell = nbformat.v4.new_markdown_cell(card(chapter, timings, instructor), metadata={"tags": [CARD_TAG]})
    cells.insert(1, cell)
    notebook.cells = cells
    nbformat.write(notebook, notebook_path)


def exercise_titles(chapter: str) -> list[tuple[str, str]]:
    """(label, title) of each exercise of a chapter, in reading order."""
    notebook = nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4)
    text = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    return [(label, title) for title, label in re.findall(r"^```\{exercise\} (.+)\n:label: ([\w-]+)", text, re.M)]


def points(exercise) -> str:
    return f"auto-checked, {exercise.points} point{'s' * (exercise.points != 1)}"


def syllabus(chapters: list[str], timings: dict) -> str:
    """Per chapter: lecture, lab, homework (auto-checked exercises with their points), time, prerequisites."""
    from recur_tutorial.exercises.catalogue import exercises_of

    sections = []
    for chapter in chapters:
        meta = chapter_meta()[chapter]
        checked = {e.label: e for e in exercises_of(chapter)}
        title = nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4).cells[0].source.split("\n")[0].lstrip("# ")
        number = chapter_number(chapter)
        homework = "; ".join(f"Exercise {number}.{index} *{name}* "
                             f"({points(checked[label]) if label in checked else 'written'})"
                             for index, (label, name) in enumerate(exercise_titles(chapter), start=1))
        measured = timings.get(chapter)
        run = (f"quick profile {duration(measured['seconds'])} in the last build" if measured
               else "quick profile not timed yet")
        sections.append("\n".join([
            f"### Chapter {chapter_number(chapter)}: {title}", "",
            f"- **Time:** {meta['sessions']} ({run}).",
            f"- **Prerequisites:** {'; '.join(meta['prerequisites'])}.",
            f"- **Lecture:** {meta['lecture']}.",
            f"- **Lab:** {meta['lab']}.",
            f"- **Homework:** {homework or 'none (a reading chapter)'}.",
        ]))
    return "\n\n".join(sections)


ALIASES = {"torch": "torch_version", "written": "date", "version": "package_version", "package": "package_version",
           "commit": "git_commit"}


def provenance(data: dict) -> dict:
    """The provenance fields a results JSON holds, wherever the chapter wrote them (top level,
    ``provenance``, ``machine`` or ``measurements``), under the names of ``PROVENANCE``."""
    found = {}
    for source in (data.get("measurements", {}), data.get("machine", {}), data, data.get("provenance", {})):
        for key, value in source.items() if isinstance(source, dict) else ():
            name = ALIASES.get(key, key)
            if (name in PROVENANCE or name == "profile") and value is not None and not isinstance(value, (dict, list)):
                found[name] = str(value)[:12] if name == "git_commit" else value
    return found


def results_table(chapters: list[str], results: dict[str, dict], timings: dict) -> str:
    """The landing page's list: one row per chapter, its JSON and the provenance it recorded."""
    fields = " | ".join(field.replace("_", " ") for field in PROVENANCE)
    rows = [f"| chapter | results | claims holding | profile | {fields} |",
            "|" + "---|" * (4 + len(PROVENANCE))]
    for chapter in chapters:
        data = results.get(chapter)
        link = f'<a href="../results/{results_name(chapter)}">{results_name(chapter)}</a>' if data else "not built"
        data = data or {}
        claims = data.get("claims", [])
        holding = f"{sum(c.get('holds', False) for c in claims)} of {len(claims)}" if claims else "-"
        recorded = provenance(data)
        if "seconds" not in recorded and chapter in timings:
            recorded["seconds"] = timings[chapter]["seconds"]
        cells = [str(recorded.get(field, "-")) for field in PROVENANCE]
        profile = str(recorded.get("profile", timings.get(chapter, {}).get("profile", "-")))
        rows.append(f"| {chapter_number(chapter)} | {link} | {holding} | {profile} | " + " | ".join(cells) + " |")
    return "\n".join(rows)
