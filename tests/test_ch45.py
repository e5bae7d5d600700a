"""Chapters 4 and 5: settings, published table, exercise checkers, figures and notebook structure."""

import json
import math
from pathlib import Path

import matplotlib
import pytest
import torch

matplotlib.use("Agg")

from recur_tutorial import models, tasks  # noqa: E402
from recur_tutorial.eigen_widget import eigenvalue_figure  # noqa: E402
from recur_tutorial.exercises import ch4 as ex4  # noqa: E402
from recur_tutorial.exercises import ch5 as ex5  # noqa: E402
from recur_tutorial.experiments import completeness, revisit  # noqa: E402
from recur_tutorial.published_grazzi import GRAZZI_2025, published_table, scaled_accuracy  # noqa: E402
from recur_tutorial.theory.probe import probe  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = [ROOT / "chapters" / "04_recurrence_completeness.ipynb", ROOT / "chapters" / "05_recurrent_transformers.ipynb"]


def test_published_table_as_transcribed():
    table = published_table()
    assert table.shape == (7, 3)
    assert table.loc["DeltaNet [-1, 1]"].tolist() == [1.0, 0.971, 0.260]
    assert table.loc["Mamba [0, 1]", "parity_check"] == 0.0
    assert all(0 <= v <= 1 for row in GRAZZI_2025.values() for v in row)
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
    assert all(max(r.test_lengths) >= (200 if profile == "quick" else 256) for r in runs)
    for r in runs:
        if r.task == "modular_arithmetic":
            assert r.layout == "read_then_write"


def test_chapter4_models_are_in_the_zoo():
    registered = set(models.names())
    missing = sorted({name for name, _ in completeness.MODELS.values()} - registered)
    if missing and "mamba" not in registered:
        pytest.skip(f"model zoo not merged yet (missing {missing})")
    assert not missing
    layout = tasks.get_layout("tagging", tasks.get("parity_check"))
    for label, (name, config) in completeness.MODELS.items():
        assert models.build(name, layout, seed=0, **config).causal, label


def test_model_groups_partition_the_models():
    groups = set(completeness.NEGATIVE) | set(completeness.POSITIVE_LINEAR) | {"LSTM", "Transformer"}
    assert groups == set(completeness.MODELS) == set(completeness.THEORY)


def test_comparison_table_covers_the_issue():
    table = revisit.comparison_table()
    for name in ("Universal Transformer", "Recurrent Transformer (seed paper)", "Recurrent Memory Transformer",
                 "Block-Recurrent Transformer", "Linear Transformer", "RetNet", "RWKV-4", "RWKV-6", "RWKV-7",
                 "Mamba", "Mamba-2", "DeltaNet", "Gated DeltaNet", "xLSTM: mLSTM", "xLSTM: sLSTM"):
        assert name in table.index
    bib = (ROOT / "book" / "references.bib").read_text()
    assert all(f"{{{key}," in bib for key in table.source)
    parallel_and_complete = table[(table["parallel training"] == "yes") & (table["recurrence-complete"] == "yes")]
    assert parallel_and_complete.empty


def test_throughput_and_solved_counts():
    speed = revisit.throughput("lstm", {"hidden": 8}, batch_size=4, length=8, repeats=1)
    assert speed > 0
    import pandas as pd

    summary = pd.DataFrame({"task": ["a", "b", "a"], "model": ["m", "m", "n"], "best": [0.95, 0.5, 0.91]})
    assert revisit.solved_counts(summary).to_dict() == {"m": 1, "n": 1}


def test_exercise_checkers_accept_the_solutions_and_reject_wrong_answers():
    assert "correct" in ex4.check_parity_rnn((1.0, -1.0), (0.0, 1.0), lambda h: (h > 0.5).long())
    with pytest.raises(AssertionError, match="wrong from prefix length"):
        ex4.check_parity_rnn((1.0, 0.5), (0.0, 1.0), lambda h: (h > 0.5).long())
    ex4.check_same_view("10", "1100")
    with pytest.raises(AssertionError):
        ex4.check_same_view("10", "110")
    c, s = math.cos(2 * math.pi / 3), math.sin(2 * math.pi / 3)
    ex4.check_mod3_counter({"a": [[c, -s], [s, c]], "b": [[1, 0], [0, 1]]}, [1, 0],
                           lambda h: torch.round(torch.atan2(h[:, 1], h[:, 0]) / (2 * math.pi / 3)).long() % 3)
    with pytest.raises(AssertionError):
        ex4.check_mod3_counter({"a": [[-1, 0], [0, 1]], "b": [[1, 0], [0, 1]]}, [1, 0], lambda h: (h[:, 0] < 0).long())
    ex5.check_critical_path(ex5.reference_critical_path)
    with pytest.raises(AssertionError):
        ex5.check_critical_path(lambda kind, n, layers, d: layers)
    ex5.check_classification({"LSTM": ("time", True), "Universal Transformer": ("depth", False)})
    with pytest.raises(AssertionError):
        ex5.check_classification({"Mamba": ("time", True)})


def test_eigenvalue_figure_draws_every_probe():
    layout = tasks.get_layout("tagging", tasks.get("parity_check"))
    results = [probe(models.build(n, layout, seed=0, hidden=8), 2, name=n) for n in ("lstm", "gru")]
    results.append(probe(models.build("transformer", layout, seed=0), 2, name="transformer"))
    fig = eigenvalue_figure(results, columns=2)
    assert len(fig.axes) == 4


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_notebook_structure(path):
    nb = json.loads(path.read_text())
    cells = nb["cells"]
    assert cells[0]["cell_type"] == "markdown" and "".join(cells[0]["source"]).startswith("# ")
    code = [c for c in cells if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", [])
    assert 'profile = "quick"' in "".join(code[0]["source"])
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), "commit without outputs"
    assert "describe_device()" in "".join(code[1]["source"])
    last = "".join(code[-1]["source"])
    assert "Claims(" in last and "claims.save(results_dir)" in last
    text = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert text.count("{exercise}") >= 2 and text.count(":class: dropdown") >= 2
    bib = (ROOT / "book" / "references.bib").read_text()
    import re

    keys = {k for group in re.findall(r"\{cite(?::t)?\}`([^`]+)`", text) for k in group.split(",")}
    assert keys and all(f"{{{k.strip()}," in bib for k in keys)


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
