"""Chapter 1: RNN, LSTM and Transformer on one task per Chomsky level, tested beyond training.

Train on lengths 1..40 in the read-then-write layout, as Delétang et al. 2023, and test on every
length up to 200 (quick) or 500 (full). The quick profile takes a few minutes on a laptop CPU: four
tasks, three models, three seeds, hundreds of steps. The full profile is the whole table: the
fifteen tasks of Delétang et al., the memory-augmented Stack-RNN and Tape-RNN too, five seeds and
ten thousand steps (a GPU).
"""

from __future__ import annotations

from .families import family_run
from .profiles import profile_settings
from .run import Run

QUICK_TASKS = ("parity_check", "cycle_navigation", "reverse_string", "duplicate_string")
DELETANG_TASKS = (
    "even_pairs", "modular_arithmetic", "parity_check", "cycle_navigation",
    "stack_manipulation", "reverse_string", "modular_arithmetic_brackets", "solve_equation",
    "duplicate_string", "missing_duplicate", "odds_first", "binary_addition", "binary_multiplication",
    "compute_sqrt", "bucket_sort",
)

SETTINGS = {
    "quick": {"tasks": QUICK_TASKS, "models": ("rnn", "lstm", "transformer"), "seeds": (0, 1, 2),
              "test_max": 200, "test_step": 8, "steps": 1000, "batch_size": 64,
              "overrides": {"transformer": {"steps": 300}}},
    "full": {"tasks": DELETANG_TASKS, "models": ("rnn", "lstm", "transformer", "stack_rnn", "tape_rnn"),
             "seeds": (0, 1, 2, 3, 4), "test_max": 500, "test_step": 1, "steps": 10_000, "batch_size": 128,
             "overrides": {}},
}
"""Learning rates, warm-up and curricula are the families' (:mod:`.families`): recurrent models see
short inputs first, the Transformer every length throughout."""
# The Transformer gets rotary positions, a relative encoding like the one Delétang et al. used.
MODEL_CONFIG = {"transformer": {"d_model": 64, "n_layers": 2, "n_heads": 4, "positional": "rope"}}


def test_lengths(test_max: int, step: int) -> tuple[int, ...]:
    """Every third training length, and lengths 41..test_max every ``step``."""
    return tuple(sorted(set(range(1, 41, 3)) | set(range(41, test_max + 1, step)) | {test_max}))


def runs(profile: str, tasks=None, models=None) -> list[Run]:
    """The runs of ``profile``, optionally restricted to some tasks and models."""
    s = profile_settings(profile, SETTINGS)
    lengths = test_lengths(s["test_max"], s["test_step"])
    return [family_run(model, s, task=task, seed=seed, test_lengths=lengths, model_config=MODEL_CONFIG.get(model, {}))
            for task in (tasks or s["tasks"]) for model in (models or s["models"]) for seed in s["seeds"]]
