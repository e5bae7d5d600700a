"""Autograding with Otter-Grader (tools/assignment.py): the assignment generated from Chapter 4's
checked exercises, graded on a solved, a half-solved and an unsolved copy, points per exercise."""

from __future__ import annotations

import time

import nbformat
import pytest

from recur_tutorial.exercises.catalogue import exercises_of
from tools.assignment import grade, master_notebook, release

CHAPTER = "04_recurrence_completeness"


def test_the_master_notebook_has_one_question_per_checked_exercise():
    cells = master_notebook(CHAPTER).cells
    questions = [c.source for c in cells if c.cell_type == "raw" and c.source.startswith("# BEGIN QUESTION")]
    exercises = exercises_of(f"chapters/{CHAPTER}")
    assert questions == [f"# BEGIN QUESTION\nname: {e.name}\npoints: {e.points}" for e in exercises]
    tests = [c.source for c in cells if c.cell_type == "code" and c.source.startswith("verdict = ")]
    assert tests == [f"verdict = {e.check}\nassert verdict, str(verdict)" for e in exercises]


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
