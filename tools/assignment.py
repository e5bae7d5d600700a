"""An autograded assignment from a chapter's checked exercises, with Otter-Grader.

    python tools/assignment.py 04_recurrence_completeness [--out _build/assignments]
    python tools/assignment.py 04_recurrence_completeness --grade submission.ipynb

The first form writes an Otter *master notebook* (``<out>/<chapter>/master/<chapter>.ipynb``): one
question per auto-checked exercise of the chapter (``recur_tutorial.exercises.catalogue``), its
prompt the exercise's text as the student notebook shows it, its solution the instructor's code,
its test the exercise's checker (a wrong verdict fails the test and prints the counter-example and
the hint), worth the exercise's points. ``otter assign`` then makes the release: the student
notebook (``dist/student/``, answers replaced by ``...``) and the autograder (``dist/autograder/``:
the solved notebook and the autograder zip). The second form grades a submission locally with
``otter run`` (no Docker) and prints the points per exercise.
"""

from __future__ import annotations

import argparse
import json
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from recur_tutorial.exercises.catalogue import exercises_of  # noqa: E402
from tools.export_notebooks import Bibliography, convert  # noqa: E402


def _raw(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_raw_cell(text)


def master_notebook(chapter: str) -> nbformat.NotebookNode:
    """The Otter master notebook of ``chapters/<chapter>``'s checked exercises."""
    exercises = exercises_of(f"chapters/{chapter}")
    if not exercises:
        raise ValueError(f"chapters/{chapter} has no auto-checked exercises in recur_tutorial.exercises.catalogue")
    student = convert(ROOT / "chapters" / f"{chapter}.ipynb", "student",
                      Bibliography.read(ROOT / "book" / "references.bib"), "main")
    prompts = {}
    for before, cell in zip(student.cells, student.cells[1:]):
        if "exercise" in cell.metadata.get("tags", []):
            label = before.source.split('"', 2)[1]  # the block's anchor: <a id="label"></a>
            prompts[label] = before.source
    title = student.cells[0].source.lstrip("# ").strip()
    number = int(chapter.split("_")[0])
    cells = [
        _raw("# ASSIGNMENT CONFIG\n"
             f"name: chapter{number}\n"
             "init_cell: false\ncheck_all_cell: false\nexport_cell: false\n"
             "solutions_pdf: false\nrun_tests: true\ngenerate: true"),
        nbformat.v4.new_markdown_cell(
            f"# Assignment: {title} (Chapter {number})\n\n"
            "Complete each code cell: replace every `...` with your answer, run the cell, and read the "
            "checker's verdict (right, or a counter-example and a hint). Points per exercise are given "
            f"in the exercise's heading. Total: {sum(e.points for e in exercises)} points."),
    ]
    for exercise in exercises:
        prompt = prompts[exercise.label].replace(".**", f" ({exercise.points} points).**", 1)
        cells += [
            _raw(f"# BEGIN QUESTION\nname: {exercise.name}\npoints: {exercise.points}"),
            nbformat.v4.new_markdown_cell(prompt),
            _raw("# BEGIN SOLUTION"),
            nbformat.v4.new_code_cell(f"{exercise.solution}\n\n{exercise.check}"),
            _raw("# END SOLUTION"),
            _raw("# BEGIN TESTS"),
            nbformat.v4.new_code_cell(f"verdict = {exercise.check}\nassert verdict, str(verdict)"),
            _raw("# END TESTS"),
            _raw("# END QUESTION"),
        ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def otter(*args: str, cwd: Path) -> str:
    command = [str(Path(sys.executable).with_name("otter")), *args]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def release(chapter: str, out: Path) -> dict[str, Path]:
    """Write the master notebook and run ``otter assign``: paths of the student notebook, the solved
    notebook and the autograder zip."""
    folder = out / chapter
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "master").mkdir(parents=True)
    master = folder / "master" / f"{chapter}.ipynb"
    nbformat.write(master_notebook(chapter), master)
    otter("assign", str(master), str(folder / "dist"), cwd=folder)
    return {"student": folder / "dist" / "student" / master.name,
            "solved": folder / "dist" / "autograder" / master.name,
            "autograder": next((folder / "dist" / "autograder").glob("*-autograder_*.zip"))}


def grade(autograder: Path, submission: Path, out: Path) -> dict[str, float]:
    """Grade ``submission`` with ``otter run``: points per exercise (and ``total``)."""
    out.mkdir(parents=True, exist_ok=True)
    otter("run", "--pickle-results", "-a", str(autograder), "-o", str(out), str(submission), cwd=out)
    with open(out / "results.pkl", "rb") as handle:
        results = pickle.load(handle)  # otter's GradingResults, written by the line above
    scores = {name: float(result["score"]) for name, result in results.to_dict().items()}
    scores["total"] = sum(scores.values())
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapter", help="e.g. 04_recurrence_completeness")
    parser.add_argument("--out", default=ROOT / "_build" / "assignments", type=Path)
    parser.add_argument("--grade", type=Path, help="a submitted notebook to grade")
    args = parser.parse_args(argv)
    paths = release(args.chapter, args.out)
    for kind, path in paths.items():
        print(f"{kind}: {path}")
    if args.grade:
        print(json.dumps(grade(paths["autograder"], args.grade, args.out / args.chapter / "graded"), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
