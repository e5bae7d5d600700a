"""Chapter 2: depth against length on a group word problem.

At a fixed sequence length n, causal Transformers of 1, 2 and 4 layers and a 1-layer LSTM are trained
on the word problem with a label at every position (the product so far, as Merrill et al. 2024 do),
and tested at that same length n (in distribution). A recurrent model spends one sequential step per
symbol; a Transformer has a fixed number of layers whatever n is, so, if the group is hard enough,
it needs more layers as n grows.
"""

from __future__ import annotations

from .families import family_run
from .profiles import profile_settings
from .run import Run

GROUP = "S3"
DEPTHS = (1, 2, 4)
OVERRIDES = {"transformer": {"schedule": "cosine"}}
"""Every length is trained at once (train and test at n), so no curriculum; cosine decay after the
Transformers' warm-up."""

SETTINGS = {
    "quick": {"seeds": (0, 1, 2), "lengths": (2, 4, 8), "steps": 400, "batch_size": 64, "overrides": OVERRIDES},
    "full": {"seeds": (0, 1, 2), "lengths": (4, 8, 16, 32), "steps": 3000, "batch_size": 128, "overrides": OVERRIDES},
}
TRANSFORMER = {"d_model": 64, "n_heads": 4, "positional": "learned", "max_len": 64}


def runs(profile: str, group: str = GROUP) -> list[Run]:
    """Every (length, model, seed) run of the profile; the label names the model ("1 layer", …)."""
    s = profile_settings(profile, SETTINGS)
    out = []
    for n in s["lengths"]:
        common = {"task": "word_problem", "layout": "tagging", "task_options": {"group": group},
                  "train_lengths": (n, n), "test_lengths": (n,)}
        for seed in s["seeds"]:
            for depth in DEPTHS:
                out.append(family_run("transformer", s, seed=seed, label=f"Transformer, {depth} layer"
                                      + ("s" if depth > 1 else ""), model_config={**TRANSFORMER, "n_layers": depth},
                                      **common))
            out.append(family_run("lstm", s, seed=seed, label="LSTM, 1 layer", model_config={"hidden": 64}, **common))
    return out
