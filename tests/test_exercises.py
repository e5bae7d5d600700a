"""Every exercise checker answers with a verdict: right, or a counter-example and a hint, never a
traceback, whatever the reader hands it."""

from __future__ import annotations

import ast

import pytest

from recur_tutorial.exercises import chomsky, completeness, cot, depth, revisit
from recur_tutorial.exercises.verdict import Verdict, Wrong, checker


def test_a_verdict_is_truthy_exactly_when_right_and_prints_its_hint():
    right, wrong = Verdict(True, "all lengths"), Verdict(False, "fails on '11'", "flip the sign")
    assert right and not wrong
    assert str(right) == "right: all lengths"
    assert str(wrong) == "wrong: fails on '11'\nhint: flip the sign"


def test_the_checker_decorator_turns_failures_into_verdicts():
    @checker(hint="default hint")
    def check(value):
        if value == "wrong":
            raise Wrong("counter-example 7", hint="a specific hint")
        if value == "asserted":
            raise AssertionError("counter-example 8")
        return value()

    assert check(lambda: "ok") == Verdict(True, "ok")
    assert check("wrong") == Verdict(False, "counter-example 7", "a specific hint")
    assert check("asserted") == Verdict(False, "counter-example 8", "default hint")
    assert check(lambda: 1 / 0) == Verdict(False, "your answer raised ZeroDivisionError: division by zero",
                                           "default hint")


def _broken(*args, **kwargs):
    raise RuntimeError("not written yet")


CHECKS = {
    "parity_rnn": lambda answer: completeness.check_parity_rnn((1.0, answer), (0.0, 1.0), _broken),
    "same_view": lambda answer: completeness.check_same_view(answer, 3),
    "mod3_counter": lambda answer: completeness.check_mod3_counter({"a": answer}, [1, 0], _broken),
    "critical_path": lambda answer: revisit.check_critical_path(_broken),
    "classification": lambda answer: revisit.check_classification(answer),
    "divisible_by_three": lambda answer: depth.check_divisible_by_three(answer),
    "full_state_trace": lambda answer: cot.check_full_state_trace(_broken),
    "smallest_automata": lambda answer: chomsky.check_smallest_automata(answer, _broken),
    "states_for_reversal": lambda answer: chomsky.check_states_for_reversal(_broken),
    "chance_levels": lambda answer: chomsky.check_chance_levels(_broken),
    "window_rule": lambda answer: depth.check_window_rule(_broken),
    "trace_depth": lambda answer: cot.check_trace_depth(_broken),
    "prefix_layers": lambda answer: depth.check_prefix_layers(_broken),
    "sequential_depth": lambda answer: revisit.check_sequential_depth(_broken),
}


@pytest.mark.parametrize("name", sorted(CHECKS))
@pytest.mark.parametrize("answer", [None, ..., "x", {"LSTM": "time"}])
def test_no_answer_makes_a_checker_raise(name, answer):
    verdict = CHECKS[name](answer)
    assert isinstance(verdict, Verdict) and not verdict
    assert verdict.message and verdict.hint


def test_every_catalogued_exercise_is_right_when_solved_and_wrong_as_handed_out():
    from recur_tutorial.exercises.catalogue import EXERCISES
    from tools.export_notebooks import solution_code, student_code

    for chapter, exercises in EXERCISES.items():
        for exercise in exercises:
            solved, handed_out = {}, {}
            exec(solution_code(exercise.solution), solved)  # noqa: S102 - the book's own exercise code
            exec(student_code(exercise.solution), handed_out)  # noqa: S102
            right, wrong = eval(exercise.check, solved), eval(exercise.check, handed_out)  # noqa: S307
            assert isinstance(right, Verdict) and right, (chapter, exercise.label, str(right))
            assert isinstance(wrong, Verdict) and not wrong and wrong.hint, (chapter, exercise.label)


def test_every_chapter_labels_the_exercises_its_catalogue_names():
    import nbformat

    from recur_tutorial.exercises.catalogue import EXERCISES

    for chapter, exercises in EXERCISES.items():
        text = "\n".join(c.source for c in nbformat.read(f"{chapter}.ipynb", as_version=4).cells)
        for exercise in exercises:
            assert f":label: {exercise.label}" in text and exercise.check.split("(")[0] in text, exercise.label


def test_chapter_1_checkers_give_counter_examples():
    from recur_tutorial.theory import automata

    parity = automata.from_function("p", "01", [0, 1, 2, 3], 0, lambda q, b: (q + int(b)) % 4, lambda q: str(q % 2))
    cycle = automata.from_function("c", "0+-", range(5), 0, lambda q, s: (q + {"+": 1, "-": -1, "0": 0}[s]) % 5, str)
    too_big = chomsky.check_smallest_automata(parity, cycle)
    assert not too_big and "has 4 states; 2 suffice" in too_big.message
    assert not chomsky.check_states_for_reversal(lambda n: 2 * n)
    assert "chance is 0.2" in chomsky.check_chance_levels(lambda task: 0.5).message


def _bound_names(code: str) -> set[str]:
    """The names a piece of code binds at its top level (assignments and definitions; its imports are of
    the package's own modules, under the names the chapters import them by)."""
    names = set()
    for node in ast.parse(code).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif not isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
    return names


def test_no_exercise_rebinds_a_name_its_chapter_uses():
    """A student notebook runs each exercise's code among the chapter's cells, so a name the exercise
    binds must not be one the chapter's own code reads (it would find the exercise's value instead)."""
    import nbformat

    from recur_tutorial.exercises.catalogue import EXERCISES

    for chapter, exercises in EXERCISES.items():
        used = set()
        for cell in nbformat.read(f"{chapter}.ipynb", as_version=4).cells:
            if cell.cell_type == "code":
                used.update(n.id for n in ast.walk(ast.parse(cell.source)) if isinstance(n, ast.Name))
        for exercise in exercises:
            clash = _bound_names(exercise.solution) & used
            assert not clash, (chapter, exercise.label, sorted(clash))
