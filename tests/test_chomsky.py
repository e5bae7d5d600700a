"""Chapter 1's settings: the grid it runs, the claims it makes (a failure only beside a solver), the
settings table that its prose reads."""

from __future__ import annotations

import pandas as pd
import pytest

from recur_tutorial.experiments import chomsky
from recur_tutorial.engine.profiles import PROFILES


@pytest.mark.parametrize("profile", PROFILES)
def test_every_failure_claim_stands_beside_a_solver_of_that_task(profile):
    solved = {task for kind, task, *_ in chomsky.CLAIMS[profile] if kind == "solves"}
    for kind, task, model, *_ in chomsky.CLAIMS[profile]:
        assert kind in chomsky.CLAIM_KINDS
        if kind not in ("solves", "fits"):
            assert task in solved, (kind, task, model)


@pytest.mark.parametrize("profile", PROFILES)
def test_claims_name_cells_the_profile_runs(profile):
    grid = chomsky.grid(profile)
    for _, task, model, *_ in chomsky.CLAIMS[profile]:
        assert model in grid[task], (task, model)


def test_runs_follow_the_grid_with_memories_that_hold_the_longest_test_input():
    runs = chomsky.runs("quick")
    grid, seeds = chomsky.grid("quick"), chomsky.SETTINGS["quick"]["seeds"]
    assert sorted((r.task, r.model, r.seed) for r in runs) == sorted(
        (task, model, seed) for task, models in grid.items() for model in models for seed in seeds)
    for run in runs:
        if run.model in chomsky.MEMORY_MODELS:
            assert run.model_config["memory_size"] > max(run.test_lengths)
        assert run.layout_options == chomsky.LAYOUT_OPTIONS.get(run.task, {})


def test_settings_table_names_every_model_once_then_each_task_exception():
    table = chomsky.settings_table("quick").set_index("model")
    models = list(dict.fromkeys(m for ms in chomsky.grid("quick").values() for m in ms))
    exceptions = [key for key in chomsky.SETTINGS["quick"]["overrides"] if " on " in key]
    assert list(table.index) == models + exceptions
    assert "positional rope" in table.configuration["transformer"]
    runs = {(r.model, r.task): r for r in chomsky.runs("quick", tasks=["count_anbn", "reverse_string"])}
    assert table.steps["transformer on count_anbn"] == runs["transformer", "count_anbn"].steps == 500
    assert table.steps["transformer"] == runs["transformer", "reverse_string"].steps == 300


def test_the_budget_comparisons_of_the_prose_hold_in_the_settings():
    """Chapter 1 says: the Tape-RNN trains on the largest batch, as the LSTM does on cycle_navigation, which
    has the longest training and the largest batch of the regular cells; on reverse_string the LSTM trains
    for more steps than the Stack-RNN."""
    table = chomsky.settings_table("quick").set_index("model")
    largest = ["tape_rnn", "lstm on cycle_navigation"]
    assert table.batch[largest[0]] == table.batch[largest[1]] > table.batch.drop(largest).max()
    regular = [r for r in chomsky.runs("quick", tasks=["parity_check", "cycle_navigation"])
               if (r.model, r.task) != ("lstm", "cycle_navigation")]
    assert table.steps["lstm on cycle_navigation"] > max(r.steps for r in regular)
    assert table.batch["lstm on cycle_navigation"] > max(r.batch_size for r in regular)
    runs = {r.model: r for r in chomsky.runs("quick", tasks=["reverse_string"])}
    assert runs["lstm"].steps > runs["stack_rnn"].steps


def seeds_table(scores):
    """A per-length table with one length inside and one beyond training per (task, model, seed)."""
    rows = []
    for (task, model), per_seed in scores.items():
        for seed, (inside, beyond) in enumerate(per_seed):
            rows += [(task, model, seed, 10, inside, False), (task, model, seed, 100, beyond, True)]
    return pd.DataFrame(rows, columns=["task", "model", "seed", "length", "accuracy", "beyond_training"])


def test_claims_count_the_seeds_that_solve_and_can_fail(monkeypatch):
    monkeypatch.setitem(chomsky.CLAIMS, "quick", [("solves", "parity_check", "lstm", 2),
                                                 ("fails", "parity_check", "transformer"),
                                                 ("near_chance", "parity_check", "transformer")])
    good = seeds_table({("parity_check", "lstm"): [(1, 1), (1, 0.95), (1, 0.5)],
                        ("parity_check", "transformer"): [(0.6, 0.5), (0.6, 0.55), (0.7, 0.6)]})
    assert not chomsky.check_claims("quick", good).failed
    bad = seeds_table({("parity_check", "lstm"): [(1, 1), (1, 0.85), (1, 0.5)],
                       ("parity_check", "transformer"): [(0.6, 0.5), (0.6, 0.95), (0.7, 0.6)]})
    assert len(chomsky.check_claims("quick", bad).failed) == 3


def test_near_chance_holds_up_to_chance_plus_the_margin_and_not_beyond(monkeypatch):
    monkeypatch.setitem(chomsky.CLAIMS, "quick", [("near_chance", "parity_check", "transformer")])
    bound = chomsky.chance_level("parity_check") + chomsky.NEAR_CHANCE_MARGIN
    assert chomsky.NEAR_CHANCE_MARGIN == 0.15
    at_bound = seeds_table({("parity_check", "transformer"): [(0.6, bound)] * 3})
    above = seeds_table({("parity_check", "transformer"): [(0.6, bound + 0.01)] * 3})
    assert not chomsky.check_claims("quick", at_bound).failed
    assert len(chomsky.check_claims("quick", above).failed) == 1
