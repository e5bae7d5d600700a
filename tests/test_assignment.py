"""Autograding with Otter-Grader (tools/assignment.py): the assignment generated from Chapter 4's
checked exercises, graded on a solved, a half-solved and an unsolved copy, points per exercise."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from recur_tutorial.exercises.catalogue import exercises_of
from tools.assignment import grade, master_notebook, release
from tools.export_notebooks import chapters_in_toc

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "04_recurrence_completeness"


def test_the_master_notebook_has_one_question_per_checked_exercise():
    cells = master_notebook(CHAPTER).cells
    questions = [c.source for c in cells if c.cell_type == "raw" and c.source.startswith("# BEGIN QUESTION")]
    exercises = exercises_of(f"chapters/{CHAPTER}")
    assert [q for q in questions if "manual" not in q] == [
        f"# BEGIN QUESTION\nname: {e.name}\npoints: {e.points}" for e in exercises]
    # each of Chapter 4's three exercises also asks a question in words: graded by hand, with a rubric
    assert [q for q in questions if "manual" in q] == [
        f"# BEGIN QUESTION\nname: {e.name}_written\npoints: 1\nmanual: true" for e in exercises]
    assert sum("**Rubric (1 point).**" in c.source and "Solution to Exercise 4." in c.source for c in cells) == 3
    tests = [c.source for c in cells if c.cell_type == "code" and c.source.startswith("verdict = ")]
    assert tests == [f"verdict = {e.check}\nassert verdict, str(verdict)" for e in exercises]


@pytest.mark.parametrize("chapter", [Path(c).name for c in chapters_in_toc()])
def test_every_prompt_is_its_own_exercise_numbered_by_chapter_and_the_grader_is_set_up_first(chapter):
    cells = master_notebook(chapter, requirement="recur-tutorial==0.0").cells
    code = [c.source for c in cells if c.cell_type == "code"]
    assert "%pip install" in code[0] and "recur-tutorial==0.0" in code[0] and "otter-grader==" in code[0]
    assert code[1] == f'import otter\n\ngrader = otter.Notebook("{chapter}.ipynb")'
    prompts = [c.source for c in cells if c.cell_type == "markdown" and "**Exercise" in c.source]
    number = int(chapter[:2])
    assert prompts and all(re.findall(r"\*\*Exercise (\d+)\.\d+", p) == [str(number)] for p in prompts)
    assert not any(re.search(r"^#+ ", p, re.M) or "Solution" in p for p in prompts), "a prompt runs on"
    assert all(p.startswith("<a id=") or "graded by hand" in p for p in prompts)


def test_a_chapter_without_checked_exercises_is_refused():
    with pytest.raises(ValueError, match="no auto-checked exercises"):
        master_notebook("99_nothing")


@pytest.mark.slow
def test_otter_grades_a_solved_a_half_solved_and_an_unsolved_copy(tmp_path):
    started = time.perf_counter()
    paths = release(CHAPTER, tmp_path)
    points = {e.name: float(e.points) for e in exercises_of(f"chapters/{CHAPTER}")}

    solved = grade(paths["autograder"], paths["solved"], tmp_path / "solved")
    unsolved = grade(paths["autograder"], paths["student"], tmp_path / "unsolved")
    half = nbformat.read(paths["student"], as_version=4)
    for cell in half.cells:
        if cell.cell_type == "code" and "check_same_view(u, v)" in cell.source:
            cell.source = cell.source.replace("u = ...", 'u = "10"').replace("v = ...", 'v = "1100"')
    nbformat.write(half, tmp_path / "half.ipynb")
    partly = grade(paths["autograder"], tmp_path / "half.ipynb", tmp_path / "half")

    print(f"solved {solved}, half {partly}, unsolved {unsolved} ({time.perf_counter() - started:.0f} s)")
    assert solved == {**points, "total": sum(points.values())}
    assert unsolved == {**{name: 0.0 for name in points}, "total": 0.0}
    assert partly == {**{name: 0.0 for name in points}, "lt_view": points["lt_view"], "total": points["lt_view"]}


def _run(command, **kwargs):
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{command[:4]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


EXECUTE = """\
import json, sys
import nbclient, nbformat
notebook = nbformat.read(sys.argv[1], as_version=4)
nbclient.NotebookClient(notebook, timeout=900, kernel_name="python3").execute()  # raises on any error
checks = {}
for cell in notebook.cells:
    if cell.cell_type == "code" and cell.source.startswith("grader.check("):
        text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.outputs)
        checks[cell.source.split('"')[1]] = text
print(json.dumps(checks))
"""


@pytest.mark.slow
def test_the_student_notebook_and_its_solved_twin_run_top_to_bottom_in_a_fresh_environment(tmp_path):
    """As a student would: a fresh virtual environment with Jupyter's kernel only; the notebook's own
    first cell installs Otter and the package (here the wheel built from this tree, with the versions
    of requirements.txt as constraints), every cell runs in order, every grader.check answers."""
    started = time.perf_counter()
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(ROOT)])
    wheel = next(wheels.glob("recur_tutorial-*.whl"))
    paths = release(CHAPTER, tmp_path / "release", requirement=str(wheel))
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("\n".join(line for line in (ROOT / "requirements.txt").read_text().splitlines()
                                     if "==" in line) + "\n")
    venv = tmp_path / "venv"
    _run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", str(venv)])
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    environment.update(PATH=f"{venv / 'bin'}:{environment['PATH']}", PIP_CONSTRAINT=str(constraints),
                       OMP_NUM_THREADS="1", RECUR_TUTORIAL_PROGRESS="0")
    python = str(venv / "bin" / "python")
    _run([python, "-m", "pip", "install", "--quiet", "ipykernel", "nbclient"], env=environment)
    script = tmp_path / "execute.py"
    script.write_text(EXECUTE)
    names = [e.name for e in exercises_of(f"chapters/{CHAPTER}")]

    unsolved = json.loads(_run([python, str(script), paths["student"].name], env=environment,
                               cwd=paths["student"].parent))
    solved = json.loads(_run([python, str(script), paths["solved"].name], env=environment,
                             cwd=paths["solved"].parent))
    print(f"student and solved notebooks in a fresh environment: {time.perf_counter() - started:.0f} s")
    assert sorted(unsolved) == sorted(solved) == sorted(names)
    for name in names:
        assert "passed" in solved[name].lower() and "failed" not in solved[name].lower(), solved[name]
        assert "failed" in unsolved[name].lower() and "hint" in unsolved[name].lower(), unsolved[name]
    installed = _run([python, "-m", "pip", "show", "recur-tutorial", "otter-grader"], env=environment)
    assert "Name: recur-tutorial" in installed and "Name: otter-grader" in installed
