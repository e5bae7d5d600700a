"""Chapter 1: RNN, LSTM and Transformer on one task per Chomsky level, tested beyond training.

Train on lengths 1..40 (uniform curriculum, read-then-write layout, as Delétang et al. 2023), test
on every length up to 200 (quick) or 500 (full).
"""

from __future__ import annotations

from .grid import Run
from .profiles import profile_settings

TASKS = ("parity_check", "cycle_navigation", "reverse_string", "duplicate_string")
MODELS = ("rnn", "lstm", "transformer")

SETTINGS = {
    "quick": {"seeds": (0, 1, 2), "test_max": 200, "test_step": 8, "batch_size": 128,
              "steps": {"rnn": 800, "lstm": 800, "transformer": 400}},
    "full": {"seeds": (0, 1, 2, 3, 4), "test_max": 500, "test_step": 1, "batch_size": 128,
             "steps": {"rnn": 10_000, "lstm": 10_000, "transformer": 10_000}},
}
LEARNING_RATES = {"rnn": 3e-3, "lstm": 3e-3, "transformer": 1e-3}
MODEL_CONFIG = {"rnn": {"hidden": 64}, "lstm": {"hidden": 64},
                "transformer": {"d_model": 64, "n_layers": 2, "n_heads": 4, "positional": "sinusoidal"}}


def test_lengths(test_max: int, step: int) -> tuple[int, ...]:
    """Every training length 1..40 that the step hits, and lengths 41..test_max."""
    return tuple(sorted(set(range(1, 41, 3)) | set(range(41, test_max + 1, step)) | {test_max}))


def runs(profile: str, tasks=TASKS, models=MODELS) -> list[Run]:
    s = profile_settings(profile, SETTINGS)
    lengths = test_lengths(s["test_max"], s["test_step"])
    return [
        Run(task=task, model=model, seed=seed, steps=s["steps"][model], batch_size=s["batch_size"],
            lr=LEARNING_RATES[model], test_lengths=lengths, model_config=MODEL_CONFIG[model],
            train_options={"warmup": 50} if model == "transformer" else {})
        for task in tasks for model in models for seed in s["seeds"]
    ]
