"""The full profiles (GPU, not run in CI) are at least runnable: every distinct configuration they
list builds, trains for two steps and is evaluated, shrunk to toy sizes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from recur_tutorial.experiments import chomsky, completeness, cot, depth, revisit


def distinct(runs):
    """One run per configuration (seeds aside)."""
    seen = {}
    for run in runs:
        seen.setdefault(repr(replace(run, seed=0)), run)
    return list(seen.values())


def shrunk(run):
    high = run.train_lengths[1]
    return replace(run, steps=2, batch_size=4, test_lengths=(2, high + 1), test_batch_size=4,
                   train_lengths=(min(run.train_lengths[0], 3), min(high, 3)))


GRID_RUNS = distinct(chomsky.runs("full") + depth.runs("full") + completeness.runs("full")
                     + completeness.cot_runs("full") + revisit.runs("full"))


@pytest.mark.parametrize("run", GRID_RUNS, ids=lambda run: f"{run.task}-{run.name}-{run.layout}")
def test_every_full_profile_grid_run_trains_and_is_scored(run):
    record = shrunk(run).execute()
    assert len(record["accuracy"]) == 2
    assert all(0 <= a <= 1 for a in record["accuracy"])


@pytest.mark.parametrize("run", distinct(cot.runs("full")), ids=lambda run: f"{run.task}-{run.label}")
def test_every_full_profile_chain_of_thought_run_trains_and_generates(run, tmp_path):
    model, _ = cot.train_run(replace(run, steps=2), tmp_path)
    table = cot.generation_table(model, run.layout(), [3], n=4)
    assert len(table) == 1
