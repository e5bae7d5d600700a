"""The Jupyter-native notebooks generated from the MyST chapters (tools/export_notebooks.py): what
Jupyter and Colab render, a student and an instructor version, and each one executes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from tools.export_notebooks import (MYST_SYNTAX, Bibliography, ConversionError, chapters_in_toc, convert,
                                    repository)

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = chapters_in_toc()
COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(scope="module")
def bibliography():
    return Bibliography.read(ROOT / "book" / "references.bib")


def markdown(notebook) -> str:
    return "\n\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")


def source_markdown(chapter: str) -> str:
    return markdown(nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4))


@pytest.mark.parametrize("version", ["student", "instructor"])
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_myst_syntax_survives_and_every_block_keeps_its_title(chapter, version, bibliography):
    notebook = convert(ROOT / f"{chapter}.ipynb", version, bibliography, COMMIT)
    text = markdown(notebook)
    assert MYST_SYNTAX.findall(text) == [], MYST_SYNTAX.findall(text)[:5]
    assert "```{" not in text and ":::{" not in text
    source = source_markdown(chapter)
    number = int(Path(chapter).name[:2])
    for title in re.findall(r"^```\{(?:prf:\w+|exercise)\} (.+)$", source, re.M):
        assert re.search(rf"\*\*\w+ {number}\.\d+ \({re.escape(title)}\)\.\*\*", text), f"{title!r} lost its heading"
    solutions = len(re.findall(r"^```\{solution\}", source, re.M))
    assert text.count("**Solution to Exercise") == (solutions if version == "instructor" else 0)
    exercises = len(re.findall(r"^```\{exercise\}", source, re.M))
    assert len(re.findall(rf"\*\*Exercise {number}\.\d+ ", text)) == exercises  # numbered by chapter, as the book


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_citations_are_author_year_with_a_reference_list(chapter, bibliography):
    notebook = convert(ROOT / f"{chapter}.ipynb", "student", bibliography, COMMIT)
    text = markdown(notebook)
    cited = {key for role in re.findall(r"\{cite(?::\w+)?\}`([^`]*)`", source_markdown(chapter))
             for key in role.split(",")}
    references = notebook.cells[-1].source
    assert references.startswith("## References")
    for key in cited:
        authors, year = bibliography.authors(key.strip()), bibliography.year(key.strip())
        assert f"{authors} {year}" in text or f"{authors} ({year})" in text
    assert len(references.strip().split("\n- ")) - 1 == len(cited)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_first_code_cell_installs_the_built_commit_from_the_configured_repository(chapter, bibliography):
    notebook = convert(ROOT / f"{chapter}.ipynb", "student", bibliography, COMMIT)
    first = next(cell for cell in notebook.cells if cell.cell_type == "code")
    url, _ = repository()
    assert f'"recur-tutorial @ git+{url}@{COMMIT}"' in first.source
    assert not any("git+" in cell.source for cell in notebook.cells if cell is not first)


def test_cross_references_link_to_the_numbered_block(bibliography):
    notebook = convert(ROOT / "chapters/04_recurrence_completeness.ipynb", "student", bibliography, COMMIT)
    assert "[Proposition 4.3](#prop-lt-parity)" in markdown(notebook)
    assert '<a id="prop-lt-parity"></a>' in markdown(notebook)


def test_student_notebooks_keep_exercise_code_cells_and_drop_solution_cells(tmp_path, bibliography):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# T\n\n```{exercise} Sum\n:label: ex-sum\n\nAdd $a$ and $b$.\n```"),
        nbformat.v4.new_code_cell("answer = ...\ncheck(answer)", metadata={"tags": ["exercise"]}),
        nbformat.v4.new_code_cell("answer = 3\ncheck(answer)", metadata={"tags": ["solution"]}),
        nbformat.v4.new_markdown_cell("```{solution} ex-sum\n:class: dropdown\n\nIt is $3$.\n```"),
    ])
    path = tmp_path / "09_toy.ipynb"
    nbformat.write(notebook, path)
    student = convert(path, "student", bibliography, COMMIT)
    instructor = convert(path, "instructor", bibliography, COMMIT)
    assert [c.source for c in student.cells if c.cell_type == "code"][1:] == ["answer = ...\ncheck(answer)"]
    assert "answer = 3\ncheck(answer)" in [c.source for c in instructor.cells]
    assert "**Solution to Exercise 9.1 (Sum).**" in markdown(instructor)
    assert "Solution" not in markdown(student) and "**Exercise 9.1 (Sum).**" in markdown(student)


@pytest.mark.parametrize("source, named", [("```{glossary}\nterm\n```", "{glossary}"),
                                           ("see {term}`thing`", "{term}"),
                                           ("{cite}`nobody2099`", "nobody2099")])
def test_unknown_myst_is_an_error_that_names_it(tmp_path, bibliography, source, named):
    path = tmp_path / "09_toy.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(source)]), path)
    with pytest.raises(ConversionError, match=re.escape(named)):
        convert(path, "student", bibliography, COMMIT)


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_each_student_notebook_of_the_built_book_executes(built_book, chapter, tmp_path):
    """The published student notebook runs top to bottom (quick profile). Its runs are read from
    a copy of the book build's stored results, so this checks the notebook, not the training again."""
    papermill = pytest.importorskip("papermill")
    student = built_book / "notebooks" / "student" / f"{Path(chapter).name}.ipynb"
    results = shutil.copytree(ROOT / "_build" / "results", tmp_path / "results")
    papermill.execute_notebook(str(student), str(tmp_path / "out.ipynb"), cwd=str(ROOT / "chapters"),
                               parameters={"profile": "quick", "results_dir": str(results)}, progress_bar=False)
    claims = json.loads((results / f"chapter{int(Path(chapter).name[:2])}.json").read_text())["claims"]
    assert claims and all(claim["holds"] for claim in claims)
