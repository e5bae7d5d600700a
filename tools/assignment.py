"""Autograded assignments from the chapters' exercises, with Otter-Grader, and the instructor's kit.

    python tools/assignment.py 04_recurrence_completeness [--out _build/assignments]
    python tools/assignment.py 04_recurrence_completeness --grade submission.ipynb
    python tools/assignment.py --all [--out _build/instructor]       # make instructor

The first form writes an Otter *master notebook* (``<out>/<chapter>/master/<chapter>.ipynb``) and runs
``otter assign``: the student notebook (``dist/student/``) and the autograder (``dist/autograder/``: the
solved notebook and the autograder zip). The student notebook runs top to bottom in a fresh Jupyter
environment: its first code cell installs the companion package (at the release tag or commit the book
is built from) and Otter, the next one initialises the grader. Then, for each exercise of the chapter,
numbered as the book numbers it (Exercise 4.1, 4.2, ...), its prompt (the exercise's own text, nothing
after it) and

- when the exercise has a checker (``recur_tutorial.exercises.catalogue``): a code cell (the answers
  as ``...``) and its ``grader.check`` cell, worth the exercise's points; the test is the checker, so a
  wrong answer fails with the counter-example and the hint, and never raises;
- when its text asks a question in words (a ``?``, or "Show"/"Explain"/"Sketch"/"Why"): an answer cell
  graded by hand (``manual``), worth ``WRITTEN_POINTS`` (the whole exercise when it has no checker, its
  written half when it has one), with the book's model solution and a rubric in the solved notebook only.

The autograder installs what the tests import (``requirements.txt`` beside the master notebook: the
package at the same tag or commit, and torch). ``--grade`` grades a submission locally with ``otter
run`` (no Docker) and prints the points per exercise. ``--all`` makes the instructor's kit of every
chapter: the instructor notebooks (solutions after each exercise) and every chapter's assignment
(student notebook, solved notebook, autograder zip), in one folder that is never deployed with the book.
"""

from __future__ import annotations

import argparse
import json
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from recur_tutorial.exercises.catalogue import exercises_of  # noqa: E402
from tools.export_notebooks import (Bibliography, block_end, built_commit, chapters_in_toc, convert,  # noqa: E402
                                    export, repository)

WRITTEN_POINTS = {"written exercise": 2, "written half": 1}
WRITTEN = re.compile(r"\?|\b(Show|Explain|Sketch|Why)\b")
OTTER = "otter-grader==7.0.0"
RUBRIC = ("**Rubric ({points}).** Full marks for an answer that reaches the model answer's conclusion "
          "and gives its reason; half for the right conclusion without a reason, or a reason with one slip; "
          "none for a wrong conclusion.")


def points(value: int) -> str:
    return f"{value} point{'s' * (value != 1)}"


def _raw(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_raw_cell(text)


def package_requirement(commit: str | None = None) -> str:
    url, _ = repository()
    return f"recur-tutorial @ git+{url}@{commit or built_commit()}"


def install_cell(requirement: str) -> nbformat.NotebookNode:
    """Installs the package and Otter where they are missing (skipped by Otter when it grades)."""
    source = ("# Installs the companion package and Otter-Grader (on Colab, or wherever they are missing).\n"
              "import importlib.util\nimport sys\n\n"
              'if "google.colab" in sys.modules or not all(importlib.util.find_spec(name) for name in '
              '("recur_tutorial", "otter")):\n'
              f'    %pip install --quiet "{OTTER}" "{requirement}"')
    return nbformat.v4.new_code_cell(source, metadata={"tags": ["otter_ignore"]})


def exercise_blocks(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """Each exercise's own text (its anchor and quoted block, nothing after it), by label."""
    text = "\n\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    blocks = {}
    for match in re.finditer(r'<a id="(?P<label>ex-[\w.-]+)"></a>', text):
        block = text[match.start():block_end(text, match.start())]
        if "**Exercise " in block:
            blocks[match["label"]] = block.strip()
    return blocks


def model_solutions(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """Each exercise's written solution in the instructor notebook, by the exercise's number."""
    text = "\n\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    solutions = {}
    for match in re.finditer(r"^> \*\*Solution to (Exercise [\d.]+)", text, re.M):
        end = text.find("\n", match.start())
        while end != -1 and text[end + 1:end + 2] == ">":
            end = text.find("\n", end + 1)
        solutions[match[1]] = text[match.start():end if end != -1 else len(text)]
    return solutions


def exercise_body(prompt: str) -> str:
    """An exercise's text without its anchor, heading and quotation marks, on one line."""
    body = prompt[prompt.index(".**", prompt.index("**Exercise ")) + 3:]
    return re.sub(r"^> ?", "", body, flags=re.M).replace("\n", " ").strip()


def questions_in_words(prompt: str) -> str:
    """The sentences of an exercise that ask for words, not code."""
    sentences = re.split(r"(?<=[.?])\s+(?=[A-Z(`$])", exercise_body(prompt))
    return " ".join(s for s in sentences if asks_in_words(s))


def asks_in_words(text: str) -> bool:
    """A question or a request for a proof, outside parentheses (an aside such as "(are they equal?)")."""
    return bool(WRITTEN.search(re.sub(r"\([^)]*\)", "", text)))


def written_question(name: str, number: str, prompt: str, solution: str, checked: bool) -> list:
    value = WRITTEN_POINTS["written half" if checked else "written exercise"]
    ask = (f"**{number}, in words ({points(value)}, graded by hand).** {questions_in_words(prompt)}" if checked
           else f"**{number}, your answer ({points(value)}, graded by hand).** Write it in the cell below.")
    return [
        _raw(f"# BEGIN QUESTION\nname: {name}_written\npoints: {value}\nmanual: true"),
        nbformat.v4.new_markdown_cell(ask),
        _raw("# BEGIN SOLUTION"),
        nbformat.v4.new_markdown_cell(f"{solution}\n\n{RUBRIC.format(points=points(value))}"),
        _raw("# END SOLUTION"),
        _raw("# END QUESTION"),
    ]


def master_notebook(chapter: str, requirement: str | None = None) -> nbformat.NotebookNode:
    """The Otter master notebook of ``chapters/<chapter>``'s exercises (see the module's docstring)."""
    checked = {e.label: e for e in exercises_of(f"chapters/{chapter}")}
    if not checked:
        raise ValueError(f"chapters/{chapter} has no auto-checked exercises in recur_tutorial.exercises.catalogue")
    bibliography, path = Bibliography.read(ROOT / "book" / "references.bib"), ROOT / "chapters" / f"{chapter}.ipynb"
    student = convert(path, "student", bibliography, "main")
    prompts = exercise_blocks(student)
    solutions = model_solutions(convert(path, "instructor", bibliography, "main"))
    title = student.cells[0].source.lstrip("# ").strip()
    number = int(chapter.split("_")[0])
    cells = [
        _raw("# ASSIGNMENT CONFIG\n"
             f"name: chapter{number}\n"
             "requirements: requirements.txt\n"
             "init_cell: false\ncheck_all_cell: true\n"
             "export_cell:\n  pdf: false\n"
             "solutions_pdf: false\nrun_tests: true\ngenerate: true"),
        nbformat.v4.new_markdown_cell(
            f"# Assignment: {title} (Chapter {number})\n\n"
            "Run the first two cells, then work through the exercises: replace every `...` with your answer, "
            "run the cell and its `grader.check` cell, and read the verdict (right, or a counter-example and a "
            "hint). Questions in words are answered in the Markdown cell below them and graded by hand. "
            "The points of each part are in its heading. When you are done, run the last cells to check "
            "everything and make the zip file to submit."),
        install_cell(requirement or package_requirement()),
        nbformat.v4.new_code_cell(f'import otter\n\ngrader = otter.Notebook("{chapter}.ipynb")'),
    ]
    for label, prompt in prompts.items():
        exercise = checked.get(label)
        exercise_number = re.search(r"\*\*(Exercise [\d.]+)", prompt)[1]
        name = exercise.name if exercise else label.removeprefix("ex-").replace("-", "_")
        if exercise:
            cells += [
                _raw(f"# BEGIN QUESTION\nname: {exercise.name}\npoints: {exercise.points}"),
                nbformat.v4.new_markdown_cell(prompt.replace(".**", f" ({points(exercise.points)}, "
                                                             "auto-checked).**", 1)),
                _raw("# BEGIN SOLUTION"),
                nbformat.v4.new_code_cell(f"{exercise.solution}\n\n{exercise.check}"),
                _raw("# END SOLUTION"),
                _raw("# BEGIN TESTS"),
                nbformat.v4.new_code_cell(f"verdict = {exercise.check}\nassert verdict, str(verdict)"),
                _raw("# END TESTS"),
                _raw("# END QUESTION"),
            ]
        else:
            cells.append(nbformat.v4.new_markdown_cell(prompt))
        if not exercise or asks_in_words(exercise_body(prompt)):
            cells += written_question(name, exercise_number, prompt, solutions.get(exercise_number, ""),
                                      exercise is not None)
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def autograder_requirements(requirement: str) -> str:
    """What the autograder installs besides Otter: the package (which brings what the tests import)
    and torch's CPU build at the book's version."""
    torch = next(line for line in (ROOT / "requirements.txt").read_text().splitlines() if line.startswith("torch=="))
    return f"--extra-index-url https://download.pytorch.org/whl/cpu\n{torch}\n{requirement}\n"


def otter(*args: str, cwd: Path) -> str:
    command = [str(Path(sys.executable).with_name("otter")), *args]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def release(chapter: str, out: Path, requirement: str | None = None) -> dict[str, Path]:
    """Write the master notebook and run ``otter assign``: paths of the student notebook, the solved
    notebook and the autograder zip. ``requirement`` is what the install cell and the autograder
    install as the package (default: the repository at the tag or commit the book is built from)."""
    requirement = requirement or package_requirement()
    folder = out / chapter
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "master").mkdir(parents=True)
    master = folder / "master" / f"{chapter}.ipynb"
    nbformat.write(master_notebook(chapter, requirement), master)
    (folder / "master" / "requirements.txt").write_text(autograder_requirements(requirement))
    otter("assign", str(master), str(folder / "dist"), cwd=folder)
    return {"student": folder / "dist" / "student" / master.name,
            "solved": folder / "dist" / "autograder" / master.name,
            "autograder": next((folder / "dist" / "autograder").glob("*-autograder_*.zip"))}


def instructor_kit(out: Path) -> list[Path]:
    """Every chapter's instructor notebook and assignment release under ``out`` (never deployed)."""
    written = export(out / "notebooks", versions=("instructor",))
    for chapter in chapters_in_toc():
        name = Path(chapter).name
        if exercises_of(chapter):
            written += release(name, out / "assignments").values()
    return written


def grade(autograder: Path, submission: Path, out: Path) -> dict[str, float]:
    """Grade ``submission`` with ``otter run``: points per auto-checked exercise (and ``total``)."""
    out.mkdir(parents=True, exist_ok=True)
    otter("run", "--pickle-results", "-a", str(autograder), "-o", str(out), str(submission), cwd=out)
    with open(out / "results.pkl", "rb") as handle:
        results = pickle.load(handle)  # otter's GradingResults, written by the line above
    scores = {name: float(result["score"]) for name, result in results.to_dict().items()}
    scores["total"] = sum(scores.values())
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapter", nargs="?", help="e.g. 04_recurrence_completeness")
    parser.add_argument("--all", action="store_true", help="the instructor's kit of every chapter")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--grade", type=Path, help="a submitted notebook to grade")
    args = parser.parse_args(argv)
    if args.all == bool(args.chapter):
        parser.error("give one chapter (e.g. 04_recurrence_completeness) or --all")
    if args.all:
        out = args.out or ROOT / "_build" / "instructor"
        print(f"{len(instructor_kit(out))} files in {out}: keep them out of anything published")
        return 0
    out = args.out or ROOT / "_build" / "assignments"
    paths = release(args.chapter, out)
    for kind, path in paths.items():
        print(f"{kind}: {path}")
    if args.grade:
        print(json.dumps(grade(paths["autograder"], args.grade, out / args.chapter / "graded"), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
