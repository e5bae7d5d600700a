"""Chapter 5 (recurrent Transformers revisited): the comparison table, the training cost, exercise checkers."""

from pathlib import Path

import pandas as pd
import pytest

from recur_tutorial.errors import ConfigError
from recur_tutorial.exercises import revisit as exercises
from recur_tutorial.experiments import revisit

ROOT = Path(__file__).resolve().parents[1]


def test_comparison_table_covers_the_issue():
    table = revisit.comparison_table({"LSTM": "1.00 (3 of 3 seeds solve)"})
    for name in ("Universal Transformer", "Looped Transformer", "Transformer-XL", "Recurrent Transformer (seed paper)",
                 "Feedback Transformer", "Recurrent Memory Transformer", "Block-Recurrent Transformer",
                 "Linear Transformer", "RetNet", "RWKV-4 / RWKV-6", "RWKV-7", "Mamba", "Mamba-2", "DeltaNet",
                 "Gated DeltaNet", "xLSTM: mLSTM", "xLSTM: sLSTM", "Transformer + full-state chain of thought"):
        assert name in table.index
    bib = (ROOT / "book" / "references.bib").read_text()
    assert all(f"{{{key}," in bib for keys in table.source for key in keys.split(","))
    assert table.loc["LSTM", "measured here (parity, beyond 40)"] == "LSTM: 1.00 (3 of 3 seeds solve)"
    assert table.loc["Mamba", "measured here (parity, beyond 40)"] == "—"
    # a design that computes its own state is parallel in training or recurrence-complete, never both;
    # the chain of thought is both because its training data supply the state (the trace)
    both = table[table["parallel training"].str.startswith("yes") & table["recurrence-complete"].str.startswith("yes")]
    assert list(both.index) == ["Transformer + full-state chain of thought"]


def test_training_cost_and_sequential_depth_and_solved_counts():
    specs = {label: revisit.COST_MODELS[label] for label in ("LSTM", "DeltaNet [-1, 1], chunked",
                                                             "DeltaNet [-1, 1], one token at a time")}
    cost = revisit.training_cost((8, 32), tokens_per_batch=64, repeats=1, specs=specs)
    assert list(cost.columns) == ["model", "form", "length", "seconds per token", "sequential depth per token"]
    assert (cost["seconds per token"] > 0).all() and len(cost) == 6
    assert revisit.sequential_depth_per_token("recurrent", 4096) == 1
    assert revisit.sequential_depth_per_token("parallel", 4096, layers=2) == 2 / 4096
    assert revisit.sequential_depth_per_token("chunked", 100, chunk=32) == 4 / 100
    toy = pd.DataFrame({"model": "m", "length": [64, 4096], "seconds per token": [1.0, 64.0]})
    assert revisit.growth_exponent(toy, "m", 64, 4096) == pytest.approx(1.0)
    with pytest.raises(ConfigError, match="tokens_per_batch"):
        revisit.training_cost((128,), tokens_per_batch=64, specs=specs)
    summary = pd.DataFrame({"task": ["a", "b", "a"], "model": ["m", "m", "n"], "best": [0.95, 0.5, 0.91]})
    assert revisit.solved_counts(summary).to_dict() == {"m": 1, "n": 1}


def test_exercise_checkers_accept_the_solutions_and_reject_wrong_answers():
    assert exercises.check_critical_path(exercises.reference_critical_path)
    assert not exercises.check_critical_path(lambda kind, n, layers, d: layers)
    five = {"LSTM": ("time", True), "Mamba": ("time", False), "Universal Transformer": ("depth", False),
            "Recurrent Transformer (seed paper)": ("time", True), "DeltaNet": ("time", False)}
    assert exercises.check_classification(five)
    too_few = exercises.check_classification({"LSTM": ("time", True), "Universal Transformer": ("depth", False)})
    assert not too_few and "at least 5 designs" in too_few.message
    assert not exercises.check_classification({**five, "Mamba": ("time", True)})
    assert not exercises.check_classification({**five, "Transformer": ("nowhere", False)})


def test_every_design_of_the_table_has_a_reference_classification():
    assert set(exercises.AXES) == {design.name for design in revisit.COMPARISON}
    assert set(exercises.reference_classification().values()) >= {("time", True), ("depth", False), ("none", False)}


def test_the_closing_line_of_chapter1_counts_the_tasks_solved_on_most_seeds():
    seeds = [{"task": "parity_check", "model": "lstm", "solved": 2, "seeds": 3},
             {"task": "reverse_string", "model": "lstm", "solved": 1, "seeds": 3},
             {"task": "reverse_string", "model": "stack_rnn", "solved": 3, "seeds": 3}]
    assert (revisit.measured_answer("chapter1", {"seeds": seeds})
            == "tasks solved beyond training on most seeds: lstm 1/2, stack_rnn 1/1")
    assert revisit.measured_answer("chapter1", {}) == ""


def test_the_closing_line_of_chapter2_reads_the_s3_rows_only():
    depth = [{"group": group, "model": model, "length": length, "accuracy": accuracy}
             for group, low in (("S3", 1.0), ("A5", 0.02)) for length in (1, 4, 16)
             for model, accuracy in (("LSTM, 1 layer", low), ("Transformer, 1 layer", low / 4),
                                     ("Transformer, 4 layers", low / 2))]
    assert revisit.measured_answer("chapter2", {"depth": depth}) == (
        "S3 word problem: LSTM at least 1.00 at every n ≤ 16; "
        "at n = 4, one layer at most 0.25, four layers at least 0.50")


def test_chapter5_counts_a_task_solved_from_a_score_of_0_9_as_chapter1_does():
    from recur_tutorial.evaluation import SOLVED
    from recur_tutorial.experiments import chomsky
    assert SOLVED == chomsky.SOLVES == 0.9
    summary = pd.DataFrame({"task": ["a", "b", "c"], "model": "m", "best": [0.9, 0.9 - 1e-9, 0.85]})
    assert revisit.solved_counts(summary).to_dict() == {"m": 1}
