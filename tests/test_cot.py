"""Chapter 3 (chain of thought): the hand-built Transformer, the exercise checker, and the experiment code
(cached decoding, generation accuracy, attention traces, settings)."""

import pytest
import torch

from recur_tutorial import ConfigError, tasks
from recur_tutorial.evaluation import evaluate_generation
from recur_tutorial.exercises import cot as exercises
from recur_tutorial.engine import profile_settings, trained_model
from recur_tutorial.experiments import cot
from recur_tutorial.runtime import threads
from recur_tutorial.tasks import greedy_generate
from recur_tutorial.theory import automata, dfa_transformer

QUICK = profile_settings("quick", cot.SETTINGS)


def tiny_run(trace="full", seed=0, steps=3):
    return cot.cot_run("parity_check", trace, "alibi", seed, {**QUICK, "steps": steps})


@pytest.mark.parametrize("name", ["parity_check", "modular_counter", "cycle_navigation"])
def test_hand_built_transformer_exact(name):
    result = dfa_transformer.check_exact(automata.get(name), length=300, batch=4)
    assert result["trace accuracy"] == 1.0
    assert result["attends to the previous state token"] == 1.0


def test_hand_built_transformer_forward_matches_generation():
    dfa = automata.get("cycle_navigation")
    model = dfa_transformer.DFATransformer(dfa)
    x = torch.randint(0, 3, (3, 25), generator=torch.Generator().manual_seed(0))
    generated = model.generate(x)
    logits, attention = model.forward(model.sequence(x, torch.as_tensor(generated.states)))
    assert (logits[:, 1::2].argmax(-1).numpy() == generated.states).all()
    assert (attention[:, 1::2].argmax(-1) == torch.arange(0, 50, 2)).all()


def test_exercise_checker_says_right_and_wrong():
    assert exercises.check_full_state_trace(lambda x: [x[0] + c for c in x], max_length=6)
    verdict = exercises.check_full_state_trace(lambda x: [str(int(c == x[0])) for c in x], max_length=6)
    assert not verdict and "not a function of the previous token" in verdict.message and verdict.hint


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    model, layout = trained_model(tiny_run(), tmp_path_factory.mktemp("tiny"))
    return layout, model


def test_attention_maps_are_causal_distributions(tiny):
    layout, model = tiny
    tokens = layout.sequences(1, 6, torch.Generator().manual_seed(0)).tokens
    maps = cot.attention_maps(model, tokens)
    assert maps.shape == (2, cot.MODEL["n_heads"], tokens.shape[1], tokens.shape[1])
    assert maps.sum(-1) == pytest.approx(1.0, abs=1e-5)
    assert (maps[..., torch.ones(tokens.shape[1], tokens.shape[1]).triu(1).bool().numpy()] == 0).all()


def test_generation_table_columns(tiny):
    layout, model = tiny
    table = evaluate_generation(model, layout, [3, 5], batch_size=4).table
    assert list(table.length) == [3, 5]
    generator = torch.Generator().manual_seed(10_000)  # the table's seed: the same sequences, drawn again
    for row in table.itertuples():
        out = greedy_generate(model, layout, 4, row.length, generator)
        assert row.accuracy == float(out.answer_accuracy.mean())
        assert table.loc[row.Index, "trace right"] == float((out.trace_accuracy == 1).float().mean())


def test_same_seed_same_model(tmp_path):
    a, _ = trained_model(tiny_run(seed=3, steps=2), tmp_path / "a")
    b, _ = trained_model(tiny_run(seed=3, steps=2), tmp_path / "b")
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_trace_attention_shapes(tiny):
    layout, model = tiny
    tokens, maps = cot.trace_attention(model, layout, "01101")
    assert tokens[0] == "<bos>" and tokens[-2] == "<sep>" and tokens[-1].startswith("y:")
    assert [t[:2] for t in tokens[1:-2]] == ["x:", "s:"] * 5
    assert maps.shape == (6, 2, cot.MODEL["n_heads"], len(tokens))
    assert maps.sum(-1) == pytest.approx(1.0)


def test_profiles_list_runs():
    quick = cot.runs("quick")
    assert {r.task for r in quick} >= {"parity_check", "modular_counter"}
    traces = {r.layout_options.get("trace", "-") for r in quick}
    assert {"partial", None, "full"} <= traces and cot.LSTM_LABEL in {r.name for r in quick}
    assert {r.evaluator for r in quick if r.layout == "causal_lm"} == {"generation"}
    assert len(cot.runs("full")) > len(quick)


def test_threads_restored():
    before = torch.get_num_threads()
    with threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_trace_viewer_builds(tiny):
    pytest.importorskip("ipywidgets")
    from recur_tutorial.widgets import trace_viewer

    layout, model = tiny
    view = trace_viewer(model, layout, "0110")
    assert view.children[0].max == 4  # four trace tokens and the answer: steps 0..4


def test_summarise_columns():
    import pandas as pd

    table = pd.DataFrame({"task": "t", "model": "m", "seed": 0, "length": [20, 60, 100],
                          "accuracy": [1.0, 0.5, 0.7], "trace right": [1.0, 0.25, 0.75], "train_seconds": 3.0,
                          "beyond_training": [False, True, True]})
    row = cot.summarise(table).iloc[0]
    assert row.in_distribution == 1.0 and row.beyond == pytest.approx(0.6) and row.beyond_min == 0.5
    assert row.trace_right_beyond == pytest.approx(0.5)


def test_hand_built_attention_puts_every_query_on_the_previous_token():
    tokens, maps = cot.hand_built_attention("0110")
    assert tokens == ["<bos>", "x:0", "s:0", "x:1", "s:1", "x:1", "s:0", "x:0", "s:0"]
    assert maps.shape == (4, 1, 1, len(tokens))
    weights = cot.previous_token_attention(tokens, maps)
    assert list(weights.columns) == ["layer", "head", "weight"] and weights.weight.iloc[0] == pytest.approx(1.0)


def test_trace_depth_counts_one_pass_of_the_layers_per_written_token():
    assert cot.trace_depth(10, 2) == 22 and cot.trace_depth(0, 3) == 3


def test_the_jump_is_the_first_long_batch_written_right():
    import math

    import pandas as pd

    steps = pd.DataFrame({"step": [0, 10, 20, 30], "length": [1, 30, 30, 30], "accuracy": [1.0, 0.5, 0.96, 0.99]})
    assert cot.jump_step(steps) == 20  # the lucky short batch at step 0 does not count
    assert math.isnan(cot.jump_step(steps.assign(accuracy=0.5)))  # never reached


def test_multiplication_runs_on_its_own_lengths_with_its_scratchpad_after_the_input():
    runs = [r for r in cot.runs("quick") if r.task == cot.MULTIPLICATION]
    assert {r.label for r in runs} == {"scratchpad · alibi", "direct · alibi"}
    for run in runs:
        assert (run.train_lengths, run.test_lengths) == tuple(cot.LENGTHS[cot.MULTIPLICATION].values())
        assert run.layout_options.get("interleave", True) == (run.layout_options["trace"] is None)
    others = [r for r in cot.runs("quick") if r.task != cot.MULTIPLICATION and r.model != "lstm"]
    assert all(r.train_lengths == (1, 40) and "interleave" not in r.layout_options for r in others)


def test_the_scratchpad_of_a_product_and_bad_products():
    assert cot.scratchpad("11*11") == "10 10 00 00 | 10 01 01 10 | 10 00 00 10 |"  # 3, then 3 + 6 = 9
    for bad, message in (("12*1", "not in binary_multiplication's alphabet"), ("11", "written a\\*b")):
        with pytest.raises(ConfigError, match=message):
            cot.scratchpad(bad)


def test_the_tagging_arm_is_the_same_decoder_on_the_tagging_layout():
    tagging, full = (cot.cot_run("parity_check", trace, "alibi", 0, QUICK) for trace in (cot.TAGGING, "full"))
    assert tagging.layout == "tagging" and tagging.evaluator == "lengths" and tagging.name == "tagging · alibi"
    assert tagging.model_config == full.model_config and tagging.steps == full.steps and tagging.lr == full.lr
    assert (tagging.train_lengths, tagging.test_lengths) == (full.train_lengths, full.test_lengths)
    assert any(r.name == "tagging · alibi" for r in cot.runs("quick"))


def test_product_bits_score_only_the_bits_of_the_product():
    from recur_tutorial.tasks import get_layout
    from recur_tutorial.tasks.generation import Generated

    layout = get_layout("causal_lm", tasks.get(cot.MULTIPLICATION), trace="scratchpad", interleave=False)
    truth = layout.sequences(200, 6, torch.Generator().manual_seed(0))
    right = cot.score_product_bits(Generated(truth, truth.tokens.clone()), layout)
    assert right["bit accuracy"] == right["exact"] == right["trace right"] == 1 and right["not a bit"] == 0
    end = layout.answer_offset + tasks.get(cot.MULTIPLICATION).output_alphabet.index("$")
    ended = cot.score_product_bits(Generated(truth, truth.tokens.masked_fill(truth.answer, end)), layout)
    assert ended["bit accuracy"] == ended["exact"] == 0 and ended["not a bit"] == 1
    # chance: the best column-wise constant guess, computed here directly
    answer = truth.tokens[:, truth.answer.any(0)] - layout.answer_offset  # ids over 0 1 $
    majority = sum(max((column == 0).sum(), (column == 1).sum()) for column in answer.T)
    assert right["chance"] == pytest.approx(float(majority / (answer < 2).sum()))
    assert 0.5 <= right["chance"] < 1


def test_multiplication_is_trained_on_lengths_3_to_6_with_the_same_budget_in_both_arms():
    for profile, steps in (("quick", 1000), ("full", 1000)):
        mul = [r for r in cot.runs(profile) if r.task == cot.MULTIPLICATION]
        assert {r.name for r in mul} == {"scratchpad · alibi", "direct · alibi"}
        assert all(r.train_lengths == (3, 6) and r.steps == steps and r.lr == 3e-3 for r in mul), profile
    others = [r for r in cot.runs("quick") if r.task != cot.MULTIPLICATION and r.model == "transformer"]
    assert {(r.steps, r.train_options["warmup"]) for r in others} == {(200, 50)}  # one budget for every arm
