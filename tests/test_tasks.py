"""Every task: generation agrees with the reference solver, and bad arguments fail clearly."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from recur_tutorial import ConfigError, tasks
from task_configs import CONFIGS, config_id

TASK_CONFIGS = pytest.mark.parametrize("name, options", CONFIGS, ids=[config_id(c) for c in CONFIGS])


def assert_agrees_with_solver(task, batch_size, length, seed):
    x, y = task.generate(batch_size, length, torch.Generator().manual_seed(seed))
    assert x.shape == (batch_size, task.input_length(length))
    assert y.shape == (batch_size, task.output_length(length))
    assert 0 <= int(x.min()) and int(x.max()) < len(task.input_alphabet)
    assert 0 <= int(y.min()) and int(y.max()) < len(task.output_alphabet)
    for a, b in zip(x, y):
        text = task.decode_input(a)
        assert torch.equal(task.encode_input(text), a)
        assert task.decode_output(b) == task.solve(text), text


@TASK_CONFIGS
@settings(max_examples=12, deadline=None)
@given(length=st.integers(1, 500), seed=st.integers(0, 2**32))
def test_generator_agrees_with_solver(name, options, length, seed):
    assert_agrees_with_solver(tasks.get(name, **options), 4, length, seed)


@TASK_CONFIGS
def test_short_lengths_agree_with_solver(name, options):
    task = tasks.get(name, **options)
    for length in range(1, 13):
        assert_agrees_with_solver(task, 32, length, seed=length)


@TASK_CONFIGS
def test_same_seed_same_batch(name, options):
    task = tasks.get(name, **options)
    first, again, other = (task.generate(16, 40, torch.Generator().manual_seed(s)) for s in (7, 7, 8))
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    assert not torch.equal(first[0], other[0])


@TASK_CONFIGS
def test_task_declares_itself(name, options):
    task = tasks.get(name, **options)
    assert task.name == name and task.level in tasks.LEVELS
    assert task.__doc__ and len(task.samples(3, 5)) == 3


PREFIX_LABELLED = [c for c in CONFIGS if tasks.get(c[0], **c[1]).has_prefix_labels]


@pytest.mark.parametrize("name, options", PREFIX_LABELLED, ids=[config_id(c) for c in PREFIX_LABELLED])
def test_prefix_labels_answer_every_prefix(name, options):
    task = tasks.get(name, **options)
    x, _ = task.generate(16, 30, torch.Generator().manual_seed(1))
    labels = task.prefix_labels(x)
    for row, label in zip(x, labels):
        text = task.symbols(task.decode_input(row))
        expected = [task.solve(task.separator.join(text[: t + 1])) for t in range(len(text))]
        assert [task.output_alphabet[i] for i in label.tolist()] == expected


@pytest.mark.parametrize("name", ["bracket_matching", "count_anbn", "count_anbncn"])
def test_recognition_tasks_are_half_members(name):
    _, y = tasks.get(name).generate(2000, 24, torch.Generator().manual_seed(0))
    assert 0.45 < y.float().mean() < 0.55


def test_the_missing_duplicate_is_the_parity_of_the_visible_ones():
    """The regular shortcut of missing_duplicate that the atlas states (atlas.SHORTCUTS) to explain why
    recurrent networks beat the published best there: every symbol occurs an even number of times in
    w w, so the hidden one is the parity of the visible ones."""
    task = tasks.get("missing_duplicate")
    x, y = task.generate(500, 40, torch.Generator().manual_seed(0))
    visible_ones = (x == task.input_alphabet.index("1")).sum(1)
    assert torch.equal(visible_ones % 2, y[:, 0])


def test_odd_and_even_length_conventions():
    assert tasks.get("modular_arithmetic").input_length(4) == 5
    assert tasks.get("missing_duplicate").input_length(5) == 6
    assert tasks.get("bracket_matching").input_length(7) == 8
    assert tasks.get("count_anbncn").input_length(4) == 6
    assert tasks.get("binary_addition").input_length(1) == 3
    assert tasks.get("solve_equation").input_length(5) == 7
    assert tasks.get("compute_sqrt").output_length(5) == 3


@pytest.mark.parametrize("call, message", [
    (lambda: tasks.get("no_such_task"), "unknown task 'no_such_task'; allowed: 'parity_check'"),
    (lambda: tasks.get("parity_check").generate(2, 0), "needs an integer length >= 1, got 0"),
    (lambda: tasks.get("word_problem").generate(2, -3), "needs an integer length >= 1, got -3"),
    (lambda: tasks.get("bucket_sort").generate(2, 2.5), "got 2.5"),
    (lambda: tasks.get("odds_first").generate(0, 5), "batch_size must be a positive integer"),
    (lambda: tasks.get("modular_counter", modulus=1), "modulus m with 2 <= m <= 10, got 1"),
    (lambda: tasks.get("modular_counter", modulus="4"), "got '4'"),
    (lambda: tasks.get("word_problem", group="S4"), "unknown group 'S4'; allowed: S3, S5, A5, Z<m>"),
    (lambda: tasks.get("word_problem", group="Z1"), "needs m >= 2"),
    (lambda: tasks.get("word_problem", group="A4xS4"), "unknown group 'S4'"),
    (lambda: tasks.get("reverse_string", modulus=3), "has no option ['modulus']; it takes: none"),
    (lambda: tasks.get("stack_manipulation").encode_input("01Q"), "symbols ['Q'] are not in"),
])
def test_bad_arguments_raise_clear_config_errors(call, message):
    with pytest.raises(ConfigError) as error:
        call()
    assert message in str(error.value)


@pytest.mark.parametrize("name, options", PREFIX_LABELLED, ids=[config_id(c) for c in PREFIX_LABELLED])
def test_the_answer_is_the_last_prefix_label_at_every_length_to_256(name, options):
    """A target wrong at one length only (beyond the short lengths checked exhaustively) fails here."""
    task = tasks.get(name, **options)
    for length in range(1, 257):
        x, y = task.generate(8, length, torch.Generator().manual_seed(length))
        assert torch.equal(y[:, -1], task.prefix_labels(x)[:, -1]), f"{name}: target wrong at length {length}"


@TASK_CONFIGS
def test_the_first_lengths_beyond_training_agree_with_the_solver(name, options):
    task = tasks.get(name, **options)
    for length in (40, 41, 42, 100, 200):
        assert_agrees_with_solver(task, 4, length, seed=length)


def test_a4xz5_is_a_group_of_the_order_of_a5_composed_coordinatewise():
    from recur_tutorial.tasks.groups import get_group

    product, a5 = get_group("A4xZ5"), get_group("A5")
    assert len(product.elements) == len(a5.elements) == 60 and len(set(product.names)) == 60
    table = product.table()
    assert sorted(table[0].tolist()) == list(range(60))  # each row of a group's table is a permutation
    assert product.compose(((1, 2, 0, 3), 4), ((1, 2, 0, 3), 3)) == ((2, 0, 1, 3), 2)
    assert tasks.get("word_problem", group="A4xZ5").solve("1203.4 1203.3") == "2013.2"
