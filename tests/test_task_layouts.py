"""Layouts: read-then-write and tagging masks, the causal_lm layout, and greedy generation."""

import pytest
import torch

from recur_tutorial import ConfigError, models, tasks
from recur_tutorial.tasks import IGNORE


def seeded(seed=0):
    return torch.Generator().manual_seed(seed)


def test_read_then_write_scores_up_to_the_first_end_marker():
    task = tasks.get("stack_manipulation")
    batch = tasks.get_layout("read_then_write", task).batch(16, 12, seeded())
    x, y = task.generate(16, 12, seeded())
    assert torch.equal(batch.tokens[:, :12], x)
    for targets, out in zip(batch.targets[:, 12:], y):
        answer = task.decode_output(out)
        assert targets[: len(answer)].tolist() == out[: len(answer)].tolist()
        assert (targets[len(answer):] == IGNORE).all()


def test_first_scored_is_where_the_answer_starts():
    duplicate = tasks.get("duplicate_string")
    plain = tasks.get_layout("read_then_write", duplicate).batch(4, 7, seeded())
    computing = tasks.get_layout("read_then_write", duplicate, computation_steps=1).batch(4, 7, seeded())
    tagged = tasks.get_layout("tagging", tasks.get("parity_check")).batch(4, 7, seeded())
    assert (plain.first_scored, computing.first_scored, tagged.first_scored) == (7, 14, 0)
    unscored = tasks.Batch(plain.tokens, torch.full_like(plain.targets, IGNORE))
    assert unscored.first_scored == plain.tokens.shape[1]


def test_tagging_needs_prefix_labels():
    with pytest.raises(ConfigError, match="has no per-prefix labels"):
        tasks.get_layout("tagging", tasks.get("bucket_sort"))
    batch = tasks.get_layout("tagging", tasks.get("word_problem", group="S3")).batch(4, 9, seeded())
    assert batch.scored.all()


@pytest.mark.parametrize("task_name, options", [
    ("parity_check", {}),
    ("parity_check", {"trace": "full"}),
    ("parity_check", {"trace": "full", "interleave": False}),
    ("modular_counter", {"trace": "partial"}),
    ("binary_addition", {"trace": "full", "interleave": False}),
    ("stack_manipulation", {"trace": "scratchpad"}),
    ("stack_manipulation", {"trace": "scratchpad", "score_trace": False}),
    ("bucket_sort", {}),
])
def test_causal_lm_targets_are_the_next_scored_tokens(task_name, options):
    task = tasks.get(task_name)
    layout = tasks.get_layout("causal_lm", task, **options)
    seq = layout.sequences(8, 7, seeded())
    batch = layout.batch(8, 7, seeded())
    assert torch.equal(batch.tokens, seq.tokens[:, :-1])
    assert torch.equal(batch.scored, seq.scored[:, 1:])
    assert torch.equal(batch.targets[batch.scored], seq.tokens[:, 1:][batch.scored])
    assert 0 <= int(seq.tokens.min()) and int(seq.tokens.max()) < layout.in_vocab == layout.out_vocab
    x, y = task.generate(8, 7, seeded())
    n_trace = 0 if layout.trace is None else layout.trace.length(x.shape[1])
    assert int(seq.trace.sum()) == n_trace and seq.written.sum() == n_trace + y.shape[1]
    answers = [task.decode_output(row) for row in y]
    assert seq.answer.sum(1).tolist() == [len(task.symbols(a)) for a in answers]
    assert (seq.scored & seq.trace).any() == (n_trace > 0 and options.get("score_trace", True))
    text = layout.render(seq.tokens[0])
    assert text.startswith("<bos> x:") and text.count("<sep>") == (2 if n_trace and not layout.interleave else 1)


def test_interleaved_layout_alternates_input_and_state():
    layout = tasks.get_layout("causal_lm", tasks.get("parity_check"), trace="full")
    seq = layout.sequences(1, 4, seeded(3))
    x, _ = layout.task.generate(1, 4, seeded(3))
    states = layout.trace.compute(x)[0]
    expected = ["<bos>"] + [f"{p}:{c}" for a, s in zip(x[0].tolist(), states.tolist()) for p, c in (("x", a), ("s", s))]
    expected += ["<sep>", f"y:{states[-1].item()}"]
    assert layout.render(seq.tokens[0]) == " ".join(expected)


@pytest.mark.parametrize("options, message", [
    ({"trace": "bogus"}, "unknown trace 'bogus'; allowed: None, 'full', 'partial', 'scratchpad'"),
    ({"trace": "full"}, "'reverse_string' has no chain-of-thought trace"),
])
def test_causal_lm_bad_trace(options, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        tasks.get_layout("causal_lm", tasks.get("reverse_string"), **options)


def test_carry_trace_cannot_be_interleaved():
    with pytest.raises(ConfigError, match="use interleave=False"):
        tasks.get_layout("causal_lm", tasks.get("binary_addition"), trace="full")


class Scripted(torch.nn.Module):
    """A causal 'model' that records what it is fed and predicts a scripted token per column."""

    causal = True

    def __init__(self, script, vocab, stepped_rows=None):
        super().__init__()
        self.script, self.vocab, self.fed = script, vocab, []
        self.stepped_rows = stepped_rows  # the rows a generation of fewer sequences than the script steps
        self.weight = torch.nn.Parameter(torch.zeros(1))

    def initial_state(self, batch_size, device="cpu"):
        rows = list(range(len(self.script))) if batch_size == len(self.script) else self.stepped_rows
        assert len(rows) == batch_size
        return 0, rows

    def step(self, token, state):
        t, rows = state
        self.fed.append(token.clone())
        return torch.nn.functional.one_hot(self.script[rows, t + 1], self.vocab).float(), (t + 1, rows)

    def forward(self, tokens):  # teacher-forced: the scripted token of every next column
        return torch.nn.functional.one_hot(self.script[: len(tokens), 1: tokens.shape[1] + 1], self.vocab).float()


def test_greedy_generation_feeds_back_its_own_tokens():
    layout = tasks.get_layout("causal_lm", tasks.get("cycle_navigation"), trace="full")
    truth = layout.sequences(6, 5, seeded(1))
    perfect = Scripted(truth.tokens, layout.out_vocab)
    assert tasks.greedy_answer_accuracy(perfect, layout, 6, 5, seeded(1)) == 1.0
    wrong = truth.tokens.clone()
    wrong[:, truth.written] = 0  # always writes <bos> where it should write
    model = Scripted(wrong, layout.out_vocab)
    generated = tasks.greedy_generate(model, layout, 6, 5, seeded(1))
    fed = torch.stack(model.fed, 1)
    assert torch.equal(fed[:, truth.written[:-1]], torch.zeros_like(fed[:, truth.written[:-1]]))
    assert torch.equal(fed[:, ~truth.written[:-1]], truth.tokens[:, :-1][:, ~truth.written[:-1]])
    assert generated.answer_accuracy.sum() == 0 and generated.trace_accuracy.sum() == 0


def test_one_teacher_forced_pass_settles_the_sequences_it_gets_right_and_the_rest_are_generated():
    layout = tasks.get_layout("causal_lm", tasks.get("parity_check"), trace="full")
    truth = layout.sequences(6, 7, seeded(2))
    script = truth.tokens.clone()
    first_written = int(truth.written.nonzero()[0])
    script[0, first_written] = 0  # <bos>, never a written token: sequence 0 errs at its first written column
    model = Scripted(script, layout.out_vocab, stepped_rows=[0])
    generated = tasks.greedy_generate(model, layout, 6, 7, seeded(2))
    fed = torch.stack(model.fed, 1)
    assert fed.shape[0] == 1, "only the sequence with an error is generated step by step"
    assert torch.equal(generated.predicted[1:], truth.tokens[1:])
    assert generated.predicted[0, first_written] == 0


def test_greedy_generation_runs_a_real_model():
    layout = tasks.get_layout("causal_lm", tasks.get("modular_counter"), trace="full")
    model = models.build("lstm", layout, seed=0)
    generated = tasks.greedy_generate(model, layout, 4, 6, seeded())
    assert generated.predicted.shape == generated.truth.tokens.shape
    assert 0.0 <= tasks.greedy_answer_accuracy(model, layout, 4, 6, seeded()) <= 1.0
