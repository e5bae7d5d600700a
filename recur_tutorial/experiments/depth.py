"""Chapter 2: depth against length on two group word problems of the same order.

The word problem of A5 (the smallest non-solvable group, order 60) is NC¹-complete (Barrington 1989):
a constant-depth threshold-circuit family for it would give TC⁰ = NC¹, so, unless the two classes
are equal, a log-precision Transformer of fixed depth cannot compute it at every length, while
O(log n) layers suffice (a prefix scan). The word problem of the solvable group A4xZ5, of the same
order 60 (same vocabulary, same size of multiplication table), has shortcuts of depth independent
of n (Liu et al. 2023), so fixed depth is no barrier there.

Causal Transformers of 1, 2 and 4 layers and a 1-layer LSTM are trained on each word problem with a
label at every position (the product so far, as Merrill et al. 2024 do) on sequences of length
:data:`LENGTH`, and tested on fresh sequences of that length: one causal pass scores the product of
every prefix, n = 1 … LENGTH. :func:`seen_in_training` counts the test prefixes that also occur
among the training prefixes of the same length, so the chapter reports only lengths where the test
inputs are new.
"""

from __future__ import annotations

import torch

import pandas as pd

from ..evaluation import checked_lengths
from ..training import Curriculum
from ..engine.executors import run_grid
from ..engine.families import family_run
from ..engine.profiles import profile_settings
from ..engine.run import Run

GROUPS = ("S3", "A4xZ5", "A5")
"""The word problems of the chapter: S3 (solvable, order 6), A4xZ5 (solvable, order 60) and A5
(NC¹-complete, order 60); a profile runs those its ``groups`` name."""
CHANCE = {"S3": 1 / 6, "A4xZ5": 1 / 60, "A5": 1 / 60}
DEPTHS = (1, 2, 4)
LENGTH = 16
OVERRIDES = {"transformer": {"schedule": "cosine"}}
"""Every prefix is trained at once (one length), so no curriculum; cosine decay after the
Transformers' warm-up."""

SETTINGS = {
    "quick": {"seeds": (0, 1, 2), "steps": 400, "batch_size": 64, "overrides": OVERRIDES, "groups": ("S3", "A5"),
              "chosen": "400 steps: the LSTM control fits S3 at every n <= 16 on validation seed 100 (and on "
                        "seeds 0-9, checked apart); the groups: no model learned one of order 60 on validation "
                        "seeds 100-101"},
    "full": {"seeds": (0, 1, 2), "steps": 3000, "batch_size": 128, "overrides": OVERRIDES, "groups": GROUPS,
             "chosen": "the literature's scale, not chosen on validation seeds"},
}
"""At 400 steps (quick) a 1-layer LSTM learns S3 at every n ≤ 16 (seeds 0-9, and validation seed 100),
and no model learned a group of order 60 on the validation seeds: the LSTM (hidden 64 at lr 3e-3 on
both groups, seeds 100 and 101; hidden 128 at lr 1e-2 and hidden 256 at lr 3e-3 on A5, seed 100) and
Transformers of 1 and 2 layers (A4xZ5, seed 100) stayed within 0.1 of chance at every n ≥ 3. So the
quick profile runs S3, beside A5, and the full profile adds A4xZ5."""
TRANSFORMER = {"d_model": 64, "n_heads": 4, "positional": "learned", "max_len": 64}
LSTM = {"hidden": 64}


def label(depth: int | None, group: str) -> str:
    """The name of a run in the chapter's tables: ``Transformer, 2 layers · A5``; depth None: the LSTM."""
    model = "LSTM, 1 layer" if depth is None else f"Transformer, {depth} layer" + ("s" if depth > 1 else "")
    return f"{model} · {group}"


def runs(profile: str, groups: tuple[str, ...] | None = None) -> list[Run]:
    """Every (group, model, seed) run of the profile (of its ``groups``, or of ``groups``), trained at
    :data:`LENGTH` and tested at every n = 1 … LENGTH; the label names the model and the group
    (:func:`label`)."""
    s = profile_settings(profile, SETTINGS)
    out = []
    for group in groups or s["groups"]:
        common = {"task": "word_problem", "layout": "tagging", "task_options": {"group": group},
                  "train_lengths": (LENGTH, LENGTH), "test_lengths": tuple(range(1, LENGTH + 1))}
        for seed in s["seeds"]:
            for depth in DEPTHS:
                out.append(family_run("transformer", s, seed=seed, label=label(depth, group),
                                      model_config={**TRANSFORMER, "n_layers": depth}, **common))
            out.append(family_run("lstm", s, seed=seed, label=label(None, group), model_config=LSTM, **common))
    return out


def seen_in_training(run: Run, lengths, seed: int = 10_000) -> dict[int, float]:
    """For each n in ``lengths``: the fraction of the test inputs' length-n prefixes that are also
    the length-n prefix of some training input of ``run``.

    The training inputs are drawn again as :func:`~recur_tutorial.training.train` draws them (a
    generator seeded with the run's seed; per step a length from the curriculum, then a batch), the
    test inputs as :func:`~recur_tutorial.evaluate` draws them on the tagging layout (one batch of
    ``run.test_batch_size`` at the longest test length, from a generator seeded with ``seed``)."""
    lengths = checked_lengths(lengths, run.train_lengths[1], run.test_batch_size, seed)
    layout = run.build_layout()
    curriculum, generator = Curriculum(*run.train_lengths, run.curriculum), torch.Generator().manual_seed(run.seed)
    seen: dict[int, set] = {n: set() for n in lengths}
    for step in range(run.steps):
        x = layout.batch(run.batch_size, curriculum.sample(step, run.steps, generator), generator).tokens
        for n in lengths:
            if n <= x.shape[1]:
                seen[n].update(map(tuple, x[:, :n].tolist()))
    test = layout.batch(run.test_batch_size, lengths[-1], torch.Generator().manual_seed(seed)).tokens
    return {n: sum(tuple(row) in seen[n] for row in test[:, :n].tolist()) / len(test) for n in lengths}


def first_unseen(run: Run) -> int:
    """The shortest n from which on no test prefix of length n occurs in ``run``'s training data."""
    overlap = seen_in_training(run, run.test_lengths)
    return min(n for n in overlap if all(overlap[m] == 0 for m in overlap if m >= n))


def first_new(profile: str) -> dict[str, int]:
    """Per group of the profile, the shortest n from which on every seed's test inputs are new
    (:func:`first_unseen` of its LSTM run; every model of a seed is trained on the same sequences)."""
    s = profile_settings(profile, SETTINGS)
    return {group: max(first_unseen(run) for run in runs(profile, (group,)) if run.model == "lstm")
            for group in s["groups"]}


def measure(profile: str, store) -> pd.DataFrame:
    """Every run of the profile trained in one grid (in parallel): the per-length table, its
    ``model`` column split into the model and its ``group``."""
    table = run_grid(runs(profile), store)
    parts = table.model.str.split(" · ", expand=True)
    return table.assign(model=parts[0], group=parts[1])
