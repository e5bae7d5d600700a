"""Chapter 2 (depth): automata, the Fibonacci example, the hand-built RNN, the exercise checker and the
experiment's settings."""

import pytest
import torch

from recur_tutorial import tasks
from recur_tutorial.errors import ConfigError
from recur_tutorial.exercises import depth as exercises
from recur_tutorial.experiments import depth
from recur_tutorial.theory import automata, dfa_rnn, fibonacci

TASK_DFAS = ["parity_check", "cycle_navigation", "even_pairs", "modular_arithmetic", "modular_counter"]


@pytest.mark.parametrize("name", TASK_DFAS)
def test_dfa_agrees_with_task_solver(name):
    task, dfa = tasks.get(name), automata.get(name)
    for length in (1, 2, 3, 7, 20):
        x, y = task.generate(32, length, torch.Generator().manual_seed(length))
        states = dfa.run(x.numpy())
        for row, q in zip(x, states[:, -1]):
            text = task.decode_input(row)
            assert dfa.outputs[q] == task.solve(text) == dfa.answer(text)
        assert [dfa.outputs[q] for q in states[:, -1]] == [task.output_alphabet[i] for i in y[:, 0]]


def test_modular_counter_dfa():
    dfa = automata.get("modular_counter", modulus=4)
    assert dfa.answer("aabaaba") == str(5 % 4)
    assert dfa.trace("aab") == [1, 2, 2]


def test_unknown_automaton_lists_names():
    with pytest.raises(ConfigError, match="parity_check"):
        automata.get("nope")
    with pytest.raises(ConfigError, match="no finite automaton"):
        automata.get("reverse_string")


def test_bad_table_is_refused():
    with pytest.raises(ConfigError):
        automata.DFA("bad", "01", [[0, 2], [1, 0]], 0, ["0", "1"])


def test_word_problem_dfa_is_the_group():
    task = tasks.get("word_problem", group="S3")
    dfa = automata.get("word_problem", group="S3")
    x, y = task.generate(16, 12, torch.Generator().manual_seed(0))
    states = dfa.run(x.numpy())
    assert [dfa.outputs[q] for q in states[:, -1]] == [task.output_alphabet[i] for i in y[:, 0]]


def test_fibonacci_windows():
    stream = fibonacci.recurrent_stream(30)
    assert stream[:6] == [0, 0, 1, 0, 0, 1]  # F_1..F_6 = 1 1 2 3 5 8
    table = fibonacci.window_table(60)
    assert list(table.suffices) == [False, False, True, True, True]
    assert fibonacci.minimal_window(stream) == 2
    # every surviving rule at k = 2 agrees on the three windows that occur; the fourth is free
    assert table.loc[2, "consistent rules"] == 2


def test_fibonacci_states_are_pisano_period():
    assert fibonacci.modulus_table([2, 3, 5], steps=200)["states visited"].tolist() == [3, 8, 20]


@pytest.mark.parametrize("name", ["parity_check", "modular_counter", "even_pairs", "cycle_navigation"])
@pytest.mark.parametrize("activation", ["step", "sigmoid"])
def test_hand_built_rnn_exact(name, activation):
    result = dfa_rnn.check_exact(automata.get(name), length=2000, batch=4, activation=activation)
    assert result["state accuracy"] == 1.0


def test_hand_built_rnn_is_an_elman_step():
    rnn = dfa_rnn.DFARNN(automata.get("parity_check"))
    assert rnn.W.shape == (rnn.hidden, rnn.hidden) and rnn.U.shape == (rnn.hidden, 2)


def test_hand_built_rnn_one_unit_on_per_step():
    rnn = dfa_rnn.DFARNN(automata.get("modular_counter", modulus=4))
    states, worst, hidden = rnn.run([[0, 0, 1, 0]], keep_hidden=True)
    assert hidden.shape == (1, 4, rnn.hidden) and (hidden.sum(-1) == 1).all()
    assert states.tolist() == [[1, 2, 2, 3]] and worst == 0
    assert rnn.unit_names()[0] == "0·a" and rnn.unit_names()[-1] == "start"


def test_exercise_checker_says_right_and_wrong():
    right = automata.from_function("div3", "01", [0, 1, 2], 0, lambda q, a: (2 * q + int(a)) % 3,
                                   lambda q: "1" if q == 0 else "0")
    wrong = automata.get("parity_check")
    assert exercises.check_divisible_by_three(right, max_length=6)
    verdict = exercises.check_divisible_by_three(wrong, max_length=6)
    assert not verdict and str(verdict).startswith("wrong: on ") and verdict.hint


def test_profiles_list_runs():
    assert {r.name for r in depth.runs("quick")} == {f"{model} · {group}" for group in ("S3", "A5") for model in (
        "Transformer, 1 layer", "Transformer, 2 layers", "Transformer, 4 layers", "LSTM, 1 layer")}
    quick = depth.runs("quick")
    assert {r.task_options["group"] for r in quick} == {"S3", "A5"} and set(depth.GROUPS) == {"S3", "A4xZ5", "A5"}
    assert {r.task_options["group"] for r in depth.runs("full")} == set(depth.GROUPS)
    assert all(r.layout == "tagging" and r.train_lengths == (depth.LENGTH, depth.LENGTH) for r in quick)
    assert all(r.test_lengths == tuple(range(1, depth.LENGTH + 1)) for r in quick) and depth.LENGTH >= 16


def test_seen_in_training_counts_test_prefixes_among_the_training_prefixes():
    import dataclasses

    lstm = next(r for r in depth.runs("quick") if r.model == "lstm")
    small = dataclasses.replace(lstm, steps=5, batch_size=32, task_options={"group": "Z5"}, test_batch_size=16)
    overlap = depth.seen_in_training(small, range(1, 17))
    assert overlap[1] == 1.0  # 160 training inputs cover all 5 one-element prefixes
    assert overlap[16] == 0.0  # 5^16 sequences: none of 16 test inputs among 160 training ones
    # the same count by brute force at n = 3
    gen = torch.Generator().manual_seed(small.seed)
    layout = small.build_layout()
    seen = set()
    for _ in range(small.steps):
        length = int(torch.randint(16, 17, (1,), generator=gen))
        seen |= set(map(tuple, layout.batch(32, length, gen).tokens[:, :3].tolist()))
    test = layout.batch(16, 16, torch.Generator().manual_seed(10_000)).tokens[:, :3].tolist()
    assert overlap[3] == sum(tuple(row) in seen for row in test) / 16
    assert depth.first_unseen(small) == min(n for n in overlap if all(overlap[m] == 0 for m in overlap if m >= n))


def test_depth_runs_name_their_models():
    assert depth.label(None, "A5") == "LSTM, 1 layer · A5" and depth.label(1, "A5") == "Transformer, 1 layer · A5"
    assert depth.label(4, "A4xZ5") == "Transformer, 4 layers · A4xZ5"
