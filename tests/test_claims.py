"""A claim holds exactly when its value meets its bound: no slack either side of the bound, and a NaN
never holds (a claim that cannot fail is no claim)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from recur_tutorial.claims import Claims

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
