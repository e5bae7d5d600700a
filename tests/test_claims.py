"""A claim holds exactly when its value meets its bound: no slack either side of the bound, and a NaN
never holds (a claim that cannot fail is no claim)."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from recur_tutorial.claims import Claims
from recur_tutorial.errors import ConfigError

EPS = 1e-9


@pytest.mark.parametrize("value, holds", [(0.9, True), (0.9 + EPS, True), (0.9 - EPS, False), (0.85, False),
                                          (math.nan, False)])
def test_at_least_holds_from_its_bound_up(value, holds):
    claims = Claims("demo")
    claims.at_least("solves", value, 0.9)
    assert claims.records[0]["holds"] is holds


@pytest.mark.parametrize("value, holds", [(0.65, True), (0.65 - EPS, True), (0.65 + EPS, False), (0.7, False),
                                          (math.nan, False)])
def test_at_most_holds_from_its_bound_down(value, holds):
    claims = Claims("demo")
    claims.at_most("near chance", value, 0.65)
    assert claims.records[0]["holds"] is holds


def test_seed_claims_count_only_the_seeds_that_meet_the_bound_exactly():
    claims = Claims("demo")
    per_seed = pd.Series({0: 0.9, 1: 0.9 - EPS, 2: 0.95})
    claims.seeds_at_least("solves", per_seed, 0.9)
    claims.seeds_at_least("two of three solve", per_seed, 0.9, k=2)
    claims.seeds_at_most("at chance", pd.Series({0: 0.5, 1: 0.5 + EPS}), 0.5, k=2)
    assert [(r["value"], r["holds"]) for r in claims.records] == [(2, False), (2, True), (1, False)]


def failing_claims():
    claims = Claims("demo")
    claims.at_least("solves", 0.95, 0.9)
    claims.seeds_at_least("solves on every seed", pd.Series({0: 0.95, 1: 0.42}), 0.9)
    claims.checks.at_most("a check of the implementation", 1.0, 2.0)
    return claims


def test_strict_mode_raises_naming_the_claim_and_its_seeds(tmp_path, monkeypatch):
    monkeypatch.delenv("RECUR_TUTORIAL_CLAIMS", raising=False)  # strict is the default
    with pytest.raises(AssertionError, match=r"1 claim\(s\) of demo do not hold:\n  solves on every seed.*1: 0.420"):
        failing_claims().save(tmp_path)
    assert json.loads((tmp_path / "demo.json").read_text())["claims"][1]["holds"] is False


def test_warn_mode_prints_the_claim_that_does_not_hold_and_goes_on(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RECUR_TUTORIAL_CLAIMS", "warn")
    path = failing_claims().save(tmp_path)
    out = capsys.readouterr().out
    assert out.startswith("WARNING: on this machine 1 claim(s) of demo do not hold")
    assert "solves on every seed" in out and "0: 0.950, 1: 0.420" in out and "a check" not in out
    saved = json.loads(path.read_text())
    assert [r["holds"] for r in saved["claims"]] == [True, False]
    assert saved["checks"] == [{"claim": "a check of the implementation", "value": 1.0, "relation": "<=",
                                "bound": 2.0, "holds": True}]


def test_a_failed_check_of_the_implementation_fails_as_a_claim_does(tmp_path, monkeypatch):
    monkeypatch.delenv("RECUR_TUTORIAL_CLAIMS", raising=False)
    claims = Claims("demo")
    claims.checks.at_least("the stack holds the longest input", 200, 201)
    assert not claims.failed and len(claims.checks.failed) == 1
    assert list(claims.checks_table().claim) == ["the stack holds the longest input"]
    with pytest.raises(AssertionError, match="the stack holds the longest input: measured 200.000"):
        claims.save(tmp_path)


def test_an_unknown_mode_is_refused_with_the_modes_allowed(tmp_path, monkeypatch):
    monkeypatch.setenv("RECUR_TUTORIAL_CLAIMS", "lenient")
    with pytest.raises(ConfigError, match="strict.*warn"):
        failing_claims().save(tmp_path)


def test_the_readers_build_ends_with_a_warning_naming_each_claim_that_did_not_hold(tmp_path, monkeypatch, capsys):
    from tools import execute_chapters

    monkeypatch.setattr(execute_chapters, "RESULTS", tmp_path)
    monkeypatch.setenv("RECUR_TUTORIAL_CLAIMS", "warn")
    failing_claims().save(tmp_path)
    (tmp_path / "demo.json").rename(tmp_path / "chapter1.json")
    capsys.readouterr()
    execute_chapters.report(["chapters/01_chomsky_hierarchy", "chapters/02_recurrence_vs_autoregression"])
    out = capsys.readouterr().out
    assert "WARNING: 1 claim(s) did not hold on this machine" in out
    assert ("chapters/01_chomsky_hierarchy: solves on every seed [seeds with a value >= 0.9, of 2]: "
            "measured 1.000") in out
    (tmp_path / "chapter1.json").unlink()
    execute_chapters.report(["chapters/01_chomsky_hierarchy"])
    assert capsys.readouterr().out == ""


def test_the_checklist_is_written_from_each_claim_s_record():
    claims = Claims("demo")
    claims.seeds_at_least("stack_rnn solves reverse_string", pd.Series({0: 0.99, 1: 0.95, 2: 0.5}), 0.9, k=2)
    claims.at_most("the direct answer stays near chance", 0.7, 0.65)
    assert repr(claims.checklist()).splitlines() == [
        "Findings checked on this run: 1 of 2 hold",
        "✓ stack_rnn solves reverse_string: 2 of 3 seeds at ≥ 0.9 (≥ 2 needed)",
        "✗ the direct answer stays near chance: measured 0.70 (≤ 0.65 needed)",
    ]


def test_the_checklist_keeps_checks_apart_and_the_numbers_one_click_away():
    claims = Claims("demo")
    claims.seeds_at_most("x <= y near chance", pd.Series({0: 0.5, 1: 0.61}), 0.65)
    html = claims.checklist()._repr_html_()
    assert html.count("<details") == 2 and "Checks of the implementation" not in html  # no checks: no block
    assert "x &lt;= y" in html and "0: 0.50, 1: 0.61" in html  # escaped; each seed's value in the numbers
    claims.checks.at_least("the hand-built RNN is exact", 1.0, 1.0)
    html = claims.checklist()._repr_html_()
    assert html.count('<details class="claims-checklist">') == 2
    assert html.index("Findings checked on this run: 1 of 1 hold") < html.index("Checks of the implementation")
