"""Every exercise checker answers with a verdict: right, or a counter-example and a hint, never a
traceback, whatever the reader hands it."""

from __future__ import annotations

import pytest

from recur_tutorial.exercises import completeness, cot, depth, revisit
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
}


@pytest.mark.parametrize("name", sorted(CHECKS))
@pytest.mark.parametrize("answer", [None, ..., "x", {"LSTM": "time"}])
def test_no_answer_makes_a_checker_raise(name, answer):
    verdict = CHECKS[name](answer)
    assert isinstance(verdict, Verdict) and not verdict
    assert verdict.message and verdict.hint
