"""Chapter 4 (recurrence-completeness): settings, the published table, exercise checkers, figures."""

import math

import matplotlib
import pytest
import torch

matplotlib.use("Agg")

from recur_tutorial import models, plots, tasks  # noqa: E402
from recur_tutorial.errors import ConfigError  # noqa: E402
from recur_tutorial.exercises import completeness as exercises  # noqa: E402
from recur_tutorial.experiments import completeness, robustness  # noqa: E402
from recur_tutorial.published import published_scores, scaled_accuracy  # noqa: E402
from recur_tutorial.theory.probe import probe  # noqa: E402


def test_published_table_as_transcribed():
    table = published_scores("grazzi2025unlocking").set_index(["model", "task"]).score
    assert len(table) == 7 * 3
    assert table["DeltaNet [-1, 1]"].tolist() == [1.0, 0.971, 0.260]
    assert table["Mamba [0, 1]", "parity_check"] == 0.0
    assert table.between(0, 1).all()
    assert scaled_accuracy(0.5, 2) == 0 and scaled_accuracy(1.0, 5) == 1


@pytest.mark.parametrize("profile", ["quick", "full"])
def test_chapter4_runs(profile):
    runs = completeness.grid_runs(profile)
    assert len({r.key for r in runs}) == len(runs)
    parity = [r for r in runs if r.task == "parity_check"]
    claimed = {"LSTM", "DeltaNet [-1, 1]", "Linear Transformer", "RWKV-4", "Mamba [0, 1]"}
    assert claimed <= {r.name for r in parity}
    if profile == "full":
        assert {r.name for r in parity} == set(completeness.MODELS)
        assert {r.task for r in runs} == {"parity_check", "cycle_navigation", "modular_arithmetic", "word_problem"}
    assert all(r.layout == "tagging" and r.train_lengths == (40, 40) for r in parity)
    own = completeness.SETTINGS[profile]["task_lengths"]  # a task's own training and longest test length
    assert all(max(r.test_lengths) >= (200 if profile == "quick" else 256) for r in runs if r.task not in own)
    for r in runs:
        if r.task in own:
            assert r.train_lengths == (own[r.task][0],) * 2 and max(r.test_lengths) == own[r.task][1]
            assert own[r.task][1] >= own[r.task][0] + 2 * robustness.BAND  # beyond the validation band too
    for r in runs:
        if r.task == "modular_arithmetic":
            assert r.layout == "read_then_write" and r.steps == 5 * completeness.SETTINGS[profile]["steps"]
    for task in {r.task for r in runs}:  # every failure stands beside a control with the same budget
        assert len({r.steps for r in runs if r.task == task}) == 1, task
    task_steps = completeness.SETTINGS[profile]["task_steps"]
    assert all(r.steps == task_steps.get(r.task, r.steps) for r in runs)


def test_chapter4_models_are_in_the_zoo():
    missing = sorted({name for name, _ in completeness.MODELS.values()} - set(models.names()))
    assert not missing, f"Chapter 4 names models the zoo does not have: {missing}"
    layout = tasks.get_layout("tagging", tasks.get("parity_check"))
    for label, (name, config) in completeness.MODELS.items():
        assert models.build(name, layout, seed=0, **config).causal, label


def test_model_groups_partition_the_models():
    groups = (set(completeness.NEGATIVE) | set(completeness.POSITIVE_LINEAR) | set(completeness.BOUNDED_NEGATIVE)
              | set(completeness.NONLINEAR) | {"Transformer"})
    assert groups == set(completeness.MODELS) == set(completeness.THEORY)


def test_exercise_checkers_accept_the_solutions_and_reject_wrong_answers():
    right = exercises.check_parity_rnn((1.0, -1.0), (0.0, 1.0), lambda h: (h > 0.5).long())
    assert right and "correct" in right.message
    wrong = exercises.check_parity_rnn((1.0, 0.5), (0.0, 1.0), lambda h: (h > 0.5).long())
    assert not wrong and "wrong from prefix length" in wrong.message and wrong.hint
    assert exercises.check_same_view("10", "1100")
    assert not exercises.check_same_view("10", "110")
    c, s = math.cos(2 * math.pi / 3), math.sin(2 * math.pi / 3)
    def angle(h):
        return torch.round(torch.atan2(h[:, 1], h[:, 0]) / (2 * math.pi / 3)).long() % 3

    assert exercises.check_mod3_counter({"a": [[c, -s], [s, c]], "b": [[1, 0], [0, 1]]}, [1, 0], angle)
    wrong = exercises.check_mod3_counter({"a": [[-1, 0], [0, 1]], "b": [[1, 0], [0, 1]]}, [1, 0],
                                         lambda h: (h[:, 0] < 0).long())
    assert not wrong and "the count is" in wrong.message


def test_eigenvalue_figure_draws_every_probe():
    layout = tasks.get_layout("tagging", tasks.get("parity_check"))
    results = [probe(models.build(n, layout, seed=0, hidden=8), 2, name=n) for n in ("lstm", "gru")]
    results.append(probe(models.build("transformer", layout, seed=0), 2, name="transformer"))
    fig = plots.eigenvalue_figure(results, columns=2)
    assert len(fig.axes) == 4


class CycleOracle(torch.nn.Module):
    """Answers cycle navigation right at every position, except where the net count is 12 or more."""

    def __init__(self, task):
        super().__init__()
        self.task = task

    def forward(self, tokens):
        labels = self.task.prefix_labels(tokens)
        wrong = self.task.steps[tokens].cumsum(1).abs() >= 12
        return torch.nn.functional.one_hot(torch.where(wrong, (labels + 1) % 5, labels), 5).float()


def test_accuracy_by_net_count_groups_every_position_beyond_training():
    layout = tasks.get_layout("tagging", tasks.get("cycle_navigation"))
    table = completeness.accuracy_by_net_count(CycleOracle(layout.task), layout, length=60, n=50, train_max=40)
    assert table.positions.sum() == 50 * 20
    assert list(table["count"][:3]) == ["0-4", "5-9", "10-14"]
    assert list(table.accuracy[table.low < 10]) == [1.0, 1.0]
    assert (table.accuracy[table.low >= 15] == 0).all()
    below, above = completeness.accuracy_below_and_above(table, 10)
    assert below == 1.0 and 0 <= above < 1


def test_the_theory_column_is_read_from_the_law_beside_each_transition():
    from recur_tutorial.models.deltanet import DeltaRuleMixer
    from recur_tutorial.models.diagonal_rnn import DiagonalMixer

    assert completeness.THEORY["DeltaNet [-1, 1]"] == DeltaRuleMixer.LAW[1]
    assert completeness.THEORY["diagonal RNN [0, 1]"] == DiagonalMixer.LAW[0]
    assert models.transition_law("mamba_neg") == models.transition_law("mamba", negative_eigenvalues=True)
    assert len(set(completeness.THEORY.values())) == len(completeness.THEORY)  # every model its own law
    with pytest.raises(ConfigError, match="states no transition law"):
        models.transition_law("stack_rnn")


def test_hierarchy_reads_every_cell_from_the_grid_and_says_what_is_not_run():
    """Per seed "beyond / inside", the count of solving seeds, and "not run" for a cell the grid lacks."""
    import pandas as pd

    rows = [{"task": "parity_check", "model": "sLSTM", "seed": seed, "length": length,
             "accuracy": accuracy, "beyond_training": length > 40}
            for seed, (inside, beyond) in enumerate([(1.0, 0.95), (1.0, 0.5)])
            for length, accuracy in ((20, inside), (100, beyond))]
    table = completeness.hierarchy_table(pd.DataFrame(rows))
    assert list(table.index.get_level_values("model")) == [m for _, labels, _, _ in completeness.HIERARCHY
                                                           for m in labels]
    cell = table.loc[("nonlinear in the state", "sLSTM")]
    assert cell["parity: measured"] == "1 of 2 solve: 0.95 / 1.00, 0.50 / 1.00"
    assert cell["S3: measured"] == "not run" and cell["S3: theory"] == "yes"
    assert set(completeness.HIERARCHY_TASKS) <= set(completeness.SETTINGS["full"]["grid"])
    assert {m for _, labels, _, _ in completeness.HIERARCHY for m in labels} <= set(completeness.MODELS)
