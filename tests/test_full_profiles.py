"""The full profiles (GPU, not run in CI) are at least runnable: every distinct configuration they
list builds, trains for two steps and is scored, shrunk to toy sizes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from recur_tutorial.experiments.sweep import CHAPTERS, chapter_runs


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


FULL_RUNS = distinct(run for chapter in CHAPTERS for run in chapter_runs(chapter, "full"))


@pytest.mark.parametrize("run", FULL_RUNS, ids=lambda run: f"{run.task}-{run.name}-{run.layout}")
def test_every_full_profile_run_trains_and_is_scored(run):
    record, weights = shrunk(run).execute()
    assert len(record["accuracy"]) == 2 and weights
    assert all(0 <= a <= 1 for a in record["accuracy"])
