"""Chain-of-thought traces: they replay to the answer, and full traces are recurrences."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from recur_tutorial import ConfigError, tasks
from recur_tutorial.tasks.traces import TRACES

CASES = [
    (name, options, kind)
    for name in TRACES
    for options in ([{"group": "S3"}, {"group": "A5"}, {"group": "Z7"}] if name == "word_problem"
                    else [{"modulus": 2}, {"modulus": 4}] if name == "modular_counter" else [{}])
    for kind in TRACES[name]
]
IDS = [f"{n}-{k}" + "".join(f"-{v}" for v in o.values()) for n, o, k in CASES]


def traces_of(name, options, kind, length, seed, batch_size=8):
    task = tasks.get(name, **options)
    trace = tasks.get_trace(task, kind)
    x, _ = task.generate(batch_size, length, torch.Generator().manual_seed(seed))
    return task, trace, x, trace.compute(x)


@pytest.mark.parametrize("name, options, kind", CASES, ids=IDS)
@settings(max_examples=10, deadline=None)
@given(length=st.integers(1, 300), seed=st.integers(0, 2**32))
def test_trace_replays_to_the_answer(name, options, kind, length, seed):
    task, trace, x, written = traces_of(name, options, kind, length, seed)
    assert written.shape == (x.shape[0], trace.length(x.shape[1]))
    for row, tokens in zip(x, written):
        text = task.decode_input(row)
        assert trace.replay(text, trace.render(tokens).split(" ")) == task.solve(text)


@pytest.mark.parametrize("name, options, kind", CASES, ids=IDS)
def test_a_changed_token_is_caught(name, options, kind):
    task, trace, x, written = traces_of(name, options, kind, 9, 0)
    tokens = trace.render(written[0]).split(" ")
    tokens[4] = next(t for t in trace.tokens if t != tokens[4])
    with pytest.raises(ValueError, match="trace token 4"):
        trace.replay(task.decode_input(x[0]), tokens)


def as_function(pairs):
    """The map key -> value seen in ``pairs``, or None if one key had two values."""
    seen = {}
    for key, value in pairs:
        if seen.setdefault(key, value) != value:
            return None
    return seen


@pytest.mark.parametrize("name, options, kind", [c for c in CASES if c[2] == "full" and c[0] != "binary_addition"])
def test_full_trace_is_a_recurrence_that_holds_the_answer(name, options, kind):
    task, trace, x, written = traces_of(name, options, kind, 60, 1, batch_size=64)
    steps = [((s, c), t) for xs, ss in zip(x.tolist(), written.tolist()) for s, c, t in zip(ss, xs[1:], ss[1:])]
    assert trace.interleavable and as_function(steps) is not None
    _, y = task.generate(64, 60, torch.Generator().manual_seed(1))
    assert as_function(zip(written[:, -1].tolist(), y[:, 0].tolist())) is not None


def test_partial_trace_does_not_hold_the_answer():
    task, _, x, written = traces_of("modular_counter", {"modulus": 4}, "partial", 60, 1, batch_size=64)
    _, y = task.generate(64, 60, torch.Generator().manual_seed(1))
    assert as_function(zip(written[:, -1].tolist(), y[:, 0].tolist())) is None


def test_examples_read_as_in_the_book():
    parity = tasks.get_trace(tasks.get("parity_check"))
    assert parity.replay("1101", ["1", "0", "0", "1"]) == "1"
    counter = tasks.get_trace(tasks.get("modular_counter", modulus=4), "partial")
    assert counter.replay("aaab", ["1", "0", "1", "1"]) == "3"
    adder = tasks.get_trace(tasks.get("binary_addition"))
    assert adder.replay("11+1", ["01", "01"]) == "001$"  # 3 + 1 = 4: the last carry is the top bit
    times = tasks.get_trace(tasks.get("binary_multiplication"), "scratchpad")
    rows = "10 10 00 00 | 10 01 01 10 | 10 00 00 10 |"  # 3, then 3 + 2·3 = 9 (two carries), then b's padding
    assert times.replay("11*11", rows.split(" ")) == "1001$"
    brackets = tasks.get_trace(tasks.get("bracket_matching"), "scratchpad")
    assert brackets.replay("([)]", ["(", "[", "!", "!"]) == "0"
    stack = tasks.get_trace(tasks.get("stack_manipulation"), "scratchpad")
    assert stack.replay("01Py", ["0", "1", "0", "1"]) == "10$"


def test_trace_errors_name_what_exists():
    with pytest.raises(ConfigError, match="'reverse_string' has no chain-of-thought trace; tasks with one: parity"):
        tasks.get_trace(tasks.get("reverse_string"))
    with pytest.raises(ConfigError, match="has no 'partial' trace; it has: full"):
        tasks.get_trace(tasks.get("parity_check"), "partial")
    assert tasks.trace_kinds(tasks.get("modular_counter")) == ["full", "partial"]
