"""Models, positional encodings, training, evaluation, grids, claims and the command line."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import torch

import recur_tutorial as rt
from recur_tutorial import cli
from recur_tutorial.claims import Claims, Measured
from recur_tutorial.errors import ConfigError
from recur_tutorial.models.positional import Positional, alibi_slopes, sinusoidal_table
from recur_tutorial.results import write_json

CORE_MODELS = ["rnn", "gru", "lstm", "transformer"]


def layout_for(task="parity_check", layout="read_then_write"):
    return rt.tasks.get_layout(layout, rt.tasks.get(task))


@pytest.mark.parametrize("name", CORE_MODELS)
@pytest.mark.parametrize("task", ["parity_check", "cycle_navigation", "duplicate_string"])
def test_logits_have_one_row_per_position_and_output_symbol(name, task):
    layout = layout_for(task)
    batch = layout.batch(5, 7, torch.Generator().manual_seed(0))
    logits = rt.models.build(name, layout, seed=0)(batch.tokens)
    assert logits.shape == (*batch.tokens.shape, len(layout.task.output_alphabet))
    assert batch.scored.sum(1).tolist() == [layout.task.output_length(7)] * 5


@pytest.mark.parametrize("positional", ["none", "sinusoidal", "learned", "rope", "alibi"])
def test_causal_transformer_ignores_the_future(positional):
    layout = layout_for(layout="tagging")
    model = rt.models.build("transformer", layout, seed=0, positional=positional).eval()
    tokens = torch.randint(0, 2, (3, 12), generator=torch.Generator().manual_seed(1))
    changed = tokens.clone()
    changed[:, 8:] = 1 - changed[:, 8:]
    assert model.causal
    torch.testing.assert_close(model(tokens)[:, :8], model(changed)[:, :8])
    assert not torch.allclose(model(tokens)[:, 8:], model(changed)[:, 8:])


def test_encoder_transformer_sees_the_whole_input():
    layout = layout_for()
    model = rt.models.build("transformer", layout, seed=0).eval()
    assert not model.causal
    tokens = torch.zeros(1, 10, dtype=torch.long)
    changed = tokens.clone()
    changed[0, -1] = 1
    assert not torch.allclose(model(tokens)[:, 0], model(changed)[:, 0])


def test_rope_scores_depend_only_on_the_offset():
    rope = Positional("rope", d_model=16, n_heads=2)
    q = torch.randn(1, 1, 1, 8).expand(1, 1, 20, 8)
    k = torch.randn(1, 1, 1, 8).expand(1, 1, 20, 8)
    scores = rope.rotate(q) @ rope.rotate(k).transpose(-1, -2)
    for offset in range(-5, 6):
        diagonal = torch.diagonal(scores[0, 0], offset)
        torch.testing.assert_close(diagonal, diagonal[:1].expand_as(diagonal), rtol=1e-4, atol=1e-4)


def test_alibi_bias_is_minus_slope_times_distance_and_masks_the_future():
    alibi = Positional("alibi", d_model=16, n_heads=4)
    bias = alibi.bias(5, 5, causal=True, device=torch.device("cpu"))
    slopes = alibi_slopes(4)
    assert bias.shape == (4, 5, 5)
    assert bias[2, 4, 1] == pytest.approx(-3 * slopes[2].item())
    assert torch.isinf(bias[:, 1, 3]).all()
    both_ways = alibi.bias(5, 5, causal=False, device=torch.device("cpu"))
    assert both_ways[0, 1, 3] == both_ways[0, 3, 1] == pytest.approx(-2 * slopes[0].item())


def test_sinusoidal_table_is_bounded_and_distinct_per_position():
    table = sinusoidal_table(300, 64)
    assert table.abs().max() <= 1
    assert torch.cdist(table, table).fill_diagonal_(1).min() > 0.1


def test_learned_positions_refuse_sequences_longer_than_the_table():
    layout = layout_for()
    model = rt.models.build("transformer", layout, positional="learned", max_len=16)
    with pytest.raises(rt.ConfigError, match="learned positions cover 16"):
        model(torch.zeros(1, 20, dtype=torch.long))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: rt.tasks.get("parity"), "unknown task 'parity'; allowed: 'parity_check'"),
        (lambda: rt.tasks.get_layout("tags", rt.tasks.get("parity_check")), "unknown layout"),
        (lambda: rt.tasks.get_layout("tagging", rt.tasks.get("reverse_string")), "no per-prefix labels"),
        (lambda: rt.models.build("lstn", layout_for()), "unknown model 'lstn'; allowed:"),
        (lambda: rt.models.build("lstm", layout_for(), widht=3), r"has no setting \['widht'\]"),
        (lambda: rt.models.build("rnn", layout_for(), cell="gru"), "no setting"),
        (lambda: rt.models.build("transformer", layout_for(), positional="relative"), "unknown positional encoding"),
        (lambda: rt.models.build("transformer", layout_for(), d_model=30, n_heads=4), "multiple of n_heads"),
        (lambda: rt.models.build("transformer", layout_for(layout="tagging"), causal=False), "needs a causal model"),
        (lambda: rt.tasks.get("parity_check").generate(4, 0), "integer length >= 1"),
        (lambda: rt.tasks.get("parity_check").generate(4, -3), "integer length >= 1"),
        (lambda: rt.tasks.get("parity_check").generate(0, 5), "batch_size must be a positive integer"),
        (lambda: rt.Curriculum(5, 2), "min_length <= max_length"),
        (lambda: rt.Curriculum(1, 40, kind="random"), "unknown curriculum"),
        (lambda: rt.evaluate(rt.models.build("lstm", layout_for()), layout_for(), []), "test lengths"),
        (lambda: rt.engine.profile_settings("fast", {}), "unknown profile 'fast'; allowed: 'quick', 'full'"),
    ],
)
def test_bad_settings_fail_with_a_message_that_says_what_is_allowed(call, message):
    with pytest.raises(rt.ConfigError, match=message):
        call()


def train_once(name="lstm", seed=3):
    layout = layout_for()
    model = rt.models.build(name, layout, seed=seed)
    history = rt.train(model, layout, steps=15, batch_size=16, lr=3e-3, seed=seed, progress=False, log_every=1)
    return history, model


@pytest.mark.parametrize("name", ["lstm", "transformer"])
def test_the_same_seed_gives_identical_training(name):
    (first, model_a), (second, model_b) = train_once(name), train_once(name)
    assert first.drop(columns="seconds").equals(second.drop(columns="seconds"))
    for a, b in zip(model_a.parameters(), model_b.parameters()):
        assert torch.equal(a, b)
    third, _ = train_once(name, seed=4)
    assert not first.loss.equals(third.loss)


def test_training_lowers_the_loss_and_an_lstm_learns_parity():
    """With a label at every prefix an LSTM learns parity in a few hundred steps (measured.md)."""
    layout = layout_for(layout="tagging")
    model = rt.models.build("lstm", layout, seed=0, hidden=32)
    history = rt.train(model, layout, steps=300, batch_size=64, lr=3e-3, seed=0, progress=False)
    assert history.loss.tail(5).mean() < 0.5 * history.loss.head(5).mean()
    result = rt.evaluate(model, layout, [5, 20, 60, 100])
    assert result.in_distribution >= 0.99
    assert result.score >= 0.99


def test_evaluation_scores_only_lengths_beyond_training():
    layout = layout_for()
    model = rt.models.build("lstm", layout, seed=0)
    result = rt.evaluate(model, layout, [3, 40, 41, 80], train_max=40, batch_size=8)
    table = result.table
    assert table.length.tolist() == [3, 40, 41, 80]
    assert result.score == pytest.approx(table.accuracy[2:].mean())
    assert result.in_distribution == pytest.approx(table.accuracy[:2].mean())


def test_tagging_evaluation_in_one_pass_matches_length_by_length():
    """Scoring every prefix of one long batch gives each length ℓ the accuracy of the answer to the
    inputs of length ℓ: a model wrong exactly on the prefixes whose length is a multiple of 3 scores 0
    there and 1 elsewhere (an off-by-one in the length index would move the zeros), and the same as
    batches drawn at each length apart, scored at their last position."""
    layout = layout_for(layout="tagging")

    class WrongEveryThird(rt.models.SequenceModel):
        def forward(self, tokens):
            parity = torch.cumsum(tokens, 1) % 2
            third = (torch.arange(1, tokens.shape[1] + 1) % 3 == 0).long()
            return torch.nn.functional.one_hot((parity + third) % 2, 2).float()

    lengths = range(1, 60)
    result = rt.evaluate(WrongEveryThird(), layout, lengths)
    assert result.table.accuracy.tolist() == [0.0 if n % 3 == 0 else 1.0 for n in lengths]
    generator = torch.Generator().manual_seed(0)
    apart = []
    for n in lengths:
        batch = layout.batch(16, n, generator)
        apart.append(float((WrongEveryThird()(batch.tokens).argmax(-1)[:, -1] == batch.targets[:, -1]).float().mean()))
    assert result.table.accuracy.tolist() == apart


def test_results_are_written_atomically(tmp_path):
    path = write_json(tmp_path / "a" / "b.json", {"x": 1})
    assert json.loads(path.read_text()) == {"x": 1}
    with pytest.raises(TypeError):
        write_json(path, {"x": object()})
    assert json.loads(path.read_text()) == {"x": 1}
    assert [p.name for p in path.parent.iterdir()] == ["b.json"]


def test_claims_are_saved_then_asserted(tmp_path):
    claims = Claims("demo")
    claims.at_least("high enough", 0.95, 0.9)
    claims.at_most("low enough", 0.7, 0.65)
    claims.at_least("not a number never holds", float("nan"), 0.0)
    with pytest.raises(AssertionError, match="2 claim"):
        claims.save(tmp_path)
    saved = json.loads((tmp_path / "demo.json").read_text())
    assert [c["holds"] for c in saved["claims"]] == [True, False, False]


def test_claims_count_the_seeds_that_meet_a_bound(tmp_path):
    claims = Claims("demo")
    per_seed = pd.Series({0: 0.99, 1: 0.95, 2: 0.6})
    claims.seeds_at_least("two of three solve", per_seed, 0.9, k=2)
    claims.seeds_at_least("every seed solves", per_seed, 0.9)
    claims.seeds_at_most("one seed near chance", per_seed, 0.65, k=1)
    assert [(c["value"], c["bound"], c["holds"]) for c in claims.records] == [(2, 2, True), (2, 3, False), (1, 1, True)]
    with pytest.raises(ConfigError, match="k must be between 1 and the 3 seeds"):
        claims.seeds_at_least("more seeds than measured", per_seed, 0.9, k=4)


def test_measured_looks_up_seeds_scores_and_lengths():
    table = pd.DataFrame({"task": "t", "model": "m", "seed": [0, 0, 0, 1, 1, 1], "length": [10, 50, 60] * 2,
                          "accuracy": [1.0, 0.9, 0.7, 0.8, 0.5, 0.5]})
    measured = Measured(table, train_max=40)
    assert measured.score("m", "min") == pytest.approx(0.5) and measured.score("m", "max") == pytest.approx(0.8)
    assert measured.worst_length("m", "max") == pytest.approx(0.7)
    assert measured.in_distribution("m", "mean") == pytest.approx(0.9)
    assert measured.at_length("m", 60, "mean", task="t") == pytest.approx(0.6)
    assert list(measured.per_seed("m")) == pytest.approx([0.8, 0.5]) and measured.seeds("m") == 2
    with pytest.raises(ConfigError, match="no measurement of model 'x'"):
        measured.score("x")
    with pytest.raises(ConfigError, match="not measured at length 70"):
        measured.at_length("m", 70)
    with pytest.raises(ConfigError, match="how"):
        measured.score("m", "median")


def test_command_line_trains_and_prints_the_table(capsys):
    code = cli.main(["train", "--task", "parity_check", "--model", "lstm", "--steps", "3",
                     "--batch-size", "8", "--test-lengths", "41:60:10"])
    out = capsys.readouterr().out
    assert code == 0
    assert "score beyond training" in out and " 51 " in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--task", "parity", "--model", "lstm"], "unknown task 'parity'"),
        (["train", "--task", "parity_check", "--model", "mlp"], "unknown model 'mlp'"),
        (["train", "--task", "parity_check", "--model", "lstm", "--steps", "0"],
         "steps must be an integer >= 1, got 0"),
        (["train", "--task", "parity_check", "--model", "lstm", "--device", "tpu"], "unknown device"),
    ],
)
def test_command_line_rejects_bad_settings_with_status_2(argv, message, capsys):
    assert cli.main(argv) == 2
    assert message in capsys.readouterr().err


def test_command_line_rejects_impossible_lengths():
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", "--task", "parity_check", "--model", "lstm", "--train-lengths", "0:5"])
    assert exit_info.value.code == 2


def test_causal_lm_evaluation_scores_greedy_generation():
    layout = rt.tasks.get_layout("causal_lm", rt.tasks.get("parity_check"), trace="full")
    model = rt.models.build("lstm", layout, seed=0)
    result = rt.evaluate(model, layout, [3, 50], batch_size=16, seed=7)
    generator = torch.Generator().manual_seed(7)
    expected = [rt.tasks.greedy_answer_accuracy(model, layout, 16, n, generator) for n in (3, 50)]
    assert result.table.accuracy.tolist() == pytest.approx(expected)


def test_progress_bars_can_be_hidden_for_the_book_build(monkeypatch):
    from recur_tutorial.runtime import progress_bar

    assert not progress_bar(range(3), desc="x").disable
    assert progress_bar(range(3), desc="x", show=False).disable
    monkeypatch.setenv("RECUR_TUTORIAL_PROGRESS", "0")
    assert progress_bar(range(3), desc="x").disable
