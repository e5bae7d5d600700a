"""The book as its readers meet it: chapters without outputs, every chapter executed in the quick
profile with its claims holding, and the HTML built strictly (warnings are errors)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
WITH_EXERCISES = [ROOT / "chapters" / "04_recurrence_completeness.ipynb",
                  ROOT / "chapters" / "05_recurrent_transformers.ipynb"]
CHAPTERS = [e["file"] for part in TOC["parts"] for e in part["chapters"] if e["file"].startswith("chapters/")]


def notebook(chapter: str):
    return nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapters_are_committed_without_outputs(chapter):
    for cell in notebook(chapter).cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{chapter} has outputs"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_each_chapter_has_a_parameters_cell_and_a_claims_cell(chapter):
    cells = [c for c in notebook(chapter).cells if c.cell_type == "code"]
    parameters = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1 and 'profile = "quick"' in parameters[0].source
    assert "results_dir" in parameters[0].source
    assert "claims.save(results_dir)" in cells[-1].source


def test_every_chapter_file_is_in_the_table_of_contents():
    on_disk = {f"chapters/{p.stem}" for p in (ROOT / "chapters").glob("*.ipynb")}
    assert on_disk == set(CHAPTERS)


def cited_keys(text: str) -> set[str]:
    return {k.strip() for group in re.findall(r"\{cite(?::t|:p)?\}`([^`]+)`", text) for k in group.split(",")}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_links_the_map_of_regimes(chapter):
    pages = [e["file"] for part in TOC["parts"] for e in part["chapters"]]
    assert "book/regimes" in pages
    text = "".join(c.source for c in notebook(chapter).cells if c.cell_type == "markdown")
    assert "<../book/regimes>`" in text, f"{chapter} does not link the map of regimes"


@pytest.mark.parametrize("page", ["intro", "regimes"])
def test_front_matter_cites_only_keys_of_the_bibliography(page):
    keys = cited_keys((ROOT / "book" / f"{page}.md").read_text())
    bib = (ROOT / "book" / "references.bib").read_text()
    assert keys and [k for k in keys if f"{{{k}," not in bib] == []


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.stem)
def test_notebook_structure(path):
    nb = json.loads(path.read_text())
    cells = nb["cells"]
    assert cells[0]["cell_type"] == "markdown" and "".join(cells[0]["source"]).startswith("# ")
    code = [c for c in cells if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", [])
    assert 'profile = "quick"' in "".join(code[0]["source"]) and 'device = "cpu"' in "".join(code[0]["source"])
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), "commit without outputs"
    assert "describe_device(device)" in "".join(code[1]["source"])
    last = "".join(code[-1]["source"])
    assert "Claims(" in last and "claims.save(results_dir)" in last
    text = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert text.count("{exercise}") >= 2 and text.count(":class: dropdown") >= 2
    bib = (ROOT / "book" / "references.bib").read_text()
    keys = cited_keys(text)
    assert keys and all(f"{{{k}," in bib for k in keys)


def test_a_bad_profile_is_refused_with_the_valid_ones(tmp_path):
    papermill = pytest.importorskip("papermill")
    with pytest.raises(papermill.PapermillExecutionError, match="unknown profile 'laptop'"):
        papermill.execute_notebook(
            str(ROOT / f"{CHAPTERS[0]}.ipynb"), str(tmp_path / "out.ipynb"), cwd=str(ROOT / "chapters"),
            parameters={"profile": "laptop", "results_dir": str(tmp_path)}, progress_bar=False,
        )


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_claims_hold_on_the_numbers_just_measured(built_book, chapter):
    number = Path(chapter).stem.split("_")[0]
    results = json.loads((BUILD / "results" / f"chapter{int(number)}.json").read_text())
    assert results["claims"], f"{chapter} asserts nothing"
    assert all(claim["holds"] for claim in results["claims"])
    timings = json.loads((BUILD / "results" / "timings.json").read_text())
    print(f"{chapter}: {timings[chapter]['seconds']} s")


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_built_chapter_pages_show_figures_and_hide_the_injected_cell(built_book, chapter):
    page = (built_book / f"{chapter}.html").read_text()
    figures = page.count("<img") + len(re.findall(r'<div[^>]*role="img"', page))  # static, and interactive (Plotly)
    assert figures >= 2, f"{chapter} shows {figures} figure(s)"
    assert "# Parameters" not in page and "injected-parameters" not in page
    assert "Traceback" not in page
    assert "colab.research.google.com" in page


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_pages_open_with_a_card_that_links_notebooks_and_results(built_book, chapter):
    page = (built_book / f"{chapter}.html").read_text()
    name = Path(chapter).name
    article = page[page.index('<article class="bd-article"'):]
    assert article.index("Chapter card") < article.index("<h2"), "the card is not above the first section"
    assert "What you will learn" in page and "What you need first" in page
    assert "the quick profile took" in page, "the card shows no measured time"
    for target in (f"notebooks/student/{name}.ipynb", f"results/chapter{int(name[:2])}.json"):
        assert f'href="../{target}"' in page and (built_book / target).exists()
    # the published book carries no solutions (_config.yml hide_solutions): no instructor notebook
    assert "notebooks/instructor" not in page and not (built_book / "notebooks" / "instructor").exists()
    assert "Solution to Exercise" not in page
    assert "{solution}" not in (built_book / "_sources" / f"{chapter}.ipynb").read_text()
    assert f"blob/gh-pages/notebooks/student/{name}.ipynb" in page


@pytest.mark.slow
def test_the_landing_page_lists_every_chapter_s_results(built_book):
    page = (built_book / "book/intro.html").read_text()
    assert "2409.09239" in page
    assert "book-figure" in page and "argument in one figure" in page
    assert "Reading time." in page and "What you need first." in page and "-- reading time" not in page
    for chapter in CHAPTERS:
        assert f'href="../results/chapter{int(Path(chapter).name[:2])}.json"' in page
    closing = (built_book / "book/conclusion.html").read_text()  # every chapter's row filled from its results
    assert "measured by this build" in closing and "| not run |" not in closing and "not run</td>" not in closing


@pytest.mark.slow
def test_the_teaching_page_has_a_syllabus_entry_per_chapter(built_book):
    page = (built_book / "book/teaching.html").read_text()
    assert "&lt;!-- syllabus --&gt;" not in page and "syllabus -->" not in page
    for chapter in CHAPTERS:
        assert f"Chapter {int(Path(chapter).name[:2])}:" in page
    for field in ("Time:", "Prerequisites:", "Lecture:", "Lab:", "Homework:"):
        assert page.count(field) == len(CHAPTERS), field
    assert "Otter-Grader" in page and "tools/assignment.py" in page and "autograder" in page


@pytest.mark.slow
def test_front_matter_and_bibliography_are_built(built_book):
    for page in ("book/intro.html", "book/running.html", "book/teaching.html", "book/regimes.html",
                 "book/bibliography.html"):
        assert (built_book / page).exists()
    assert "Delétang" in (built_book / "book/bibliography.html").read_text()


@pytest.mark.slow
def test_the_book_trains_every_run_once_and_only_the_runs_its_chapters_list(built_book):
    """Every chapter gets its models from the profile's run store: in one build each run key is
    fitted once, and the store holds exactly the runs that the chapters' run lists declare."""
    from recur_tutorial.engine import Store
    from recur_tutorial.engine.store import run_id
    from recur_tutorial.experiments.sweep import CHAPTERS, chapter_runs

    store = Store(BUILD / "results" / "store" / "quick")
    fits = store.fits()
    assert fits and max(fits.values()) == 1, [k for k, n in fits.items() if n > 1]
    declared = {run_id(run) for chapter in CHAPTERS for run in chapter_runs(chapter, "quick")}
    stored = {path.stem for path in store.records_dir.glob("*.json")}
    assert stored == declared and set(fits) == declared


@pytest.mark.slow
def test_results_carry_their_provenance(built_book):
    for number in range(1, len(CHAPTERS) + 1):
        provenance = json.loads((BUILD / "results" / f"chapter{number}.json").read_text())["provenance"]
        assert {"package", "commit", "torch", "device", "threads", "workers", "date"} <= set(provenance)
        assert provenance["seconds"] > 0


@pytest.mark.slow
def test_the_closing_summary_answers_every_chapter_from_its_measured_results(built_book):
    """Chapter 5's closing table gives, for each chapter it summarises, a line of that chapter's own
    measurements (an empty line means the results file no longer holds what the line reads)."""
    from recur_tutorial.experiments import revisit

    summary = revisit.closing_summary(BUILD / "results")
    assert list(summary.index) == list(revisit.QUESTIONS)
    for chapter, row in summary.iterrows():
        assert row["measured"], f"{chapter}: no measured line"
        assert re.search(r"\d", row["measured"]), row["measured"]
        assert row["seconds"] > 0, f"{chapter}: no wall time"
