"""Chapter 5 (recurrent Transformers revisited): the comparison table, throughput, exercise checkers."""

from pathlib import Path

import pandas as pd
import pytest

from recur_tutorial.exercises import revisit as exercises
from recur_tutorial.experiments import revisit

ROOT = Path(__file__).resolve().parents[1]


def test_comparison_table_covers_the_issue():
    table = revisit.comparison_table()
    for name in ("Universal Transformer", "Recurrent Transformer (seed paper)", "Recurrent Memory Transformer",
                 "Block-Recurrent Transformer", "Linear Transformer", "RetNet", "RWKV-4 / RWKV-6", "RWKV-7",
                 "Mamba", "Mamba-2", "DeltaNet", "Gated DeltaNet", "xLSTM: mLSTM", "xLSTM: sLSTM"):
        assert name in table.index
    bib = (ROOT / "book" / "references.bib").read_text()
    assert all(f"{{{key}," in bib for keys in table.source for key in keys.split(","))
    parallel_and_complete = table[(table["parallel training"] == "yes") & (table["recurrence-complete"] == "yes")]
    assert parallel_and_complete.empty


def test_throughput_and_solved_counts():
    speed = revisit.throughput("lstm", {"hidden": 8}, batch_size=4, length=8, repeats=1)
    assert speed > 0
    summary = pd.DataFrame({"task": ["a", "b", "a"], "model": ["m", "m", "n"], "best": [0.95, 0.5, 0.91]})
    assert revisit.solved_counts(summary).to_dict() == {"m": 1, "n": 1}


def test_exercise_checkers_accept_the_solutions_and_reject_wrong_answers():
    exercises.check_critical_path(exercises.reference_critical_path)
    with pytest.raises(AssertionError):
        exercises.check_critical_path(lambda kind, n, layers, d: layers)
    exercises.check_classification({"LSTM": ("time", True), "Universal Transformer": ("depth", False)})
    with pytest.raises(AssertionError):
        exercises.check_classification({"Mamba": ("time", True)})
