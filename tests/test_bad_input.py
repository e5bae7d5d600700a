"""Bad input gets a ConfigError that says what was wrong and what is allowed (exit status 2 at the
command line); a diverging run stops with TrainingDiverged, naming the step, the loss and the rate."""

from __future__ import annotations

import math
import re

import pytest
import torch

import recur_tutorial as rt
from recur_tutorial import cli
from recur_tutorial.errors import TrainingDiverged
from recur_tutorial.models import ops
from recur_tutorial.runtime import get_device


def parity(layout="read_then_write"):
    return rt.tasks.get_layout(layout, rt.tasks.get("parity_check"))


def lstm():
    return rt.models.build("lstm", parity(), seed=0, hidden=8)


def train(**settings):
    options = dict(steps=3, batch_size=4, progress=False, log_every=1) | settings
    return rt.train(lstm(), parity(), **options)


@pytest.mark.parametrize("call, message", [
    (lambda: train(lr=math.inf), r"lr must be a finite number > 0, got inf"),
    (lambda: train(lr=math.nan), r"lr must be a finite number > 0, got nan"),
    (lambda: train(lr=0), r"lr must be a finite number > 0, got 0"),
    (lambda: train(lr=-1e-3), r"lr must be a finite number > 0, got -0.001"),
    (lambda: train(lr="0.1"), r"lr must be a finite number > 0, got '0.1'"),
    (lambda: rt.train(rt.models.build("lstm", parity(), seed=0),
                      rt.tasks.get_layout("read_then_write", rt.tasks.get("cycle_navigation")), steps=1,
                      progress=False),
     r"the model has 3 input tokens but the layout of 'cycle_navigation' has 4: build the model for this layout"),
    (lambda: rt.evaluate(rt.models.build("lstm", parity(), seed=0), None, [41]),
     r"layout must be a task layout \(tasks.get_layout\(...\)\), got NoneType"),
    (lambda: rt.train("lstm", parity(), steps=1, progress=False), r"model must be a SequenceModel"),
    (lambda: train(lr=1e39), r"lr must be at most 10 \(AdamW's steps are about lr in size\), got 1e\+39"),
    (lambda: train(steps=0), r"steps must be an integer >= 1, got 0"),
    (lambda: train(steps=2.5), r"steps must be an integer >= 1, got 2.5"),
    (lambda: train(batch_size=True), r"batch_size must be an integer >= 1, got True"),
    (lambda: train(weight_decay=-0.1), r"weight_decay must be a finite number >= 0"),
    (lambda: train(clip=math.nan), r"clip must be a finite number >= 0"),
    (lambda: train(warmup=-1), r"warmup must be an integer >= 0"),
    (lambda: train(log_every=0), r"log_every must be an integer >= 1, got 0"),
    (lambda: train(seed=-1), r"seed must be an integer >= 0"),
    (lambda: train(curriculum=(1, 40)), r"curriculum must be a Curriculum"),
    (lambda: train(device="tpu"), r"unknown device 'tpu'; this package runs on 'cpu', 'cuda', 'cuda:N'; "
                                  r"available here: 'cpu'"),
    (lambda: train(device="mps"), r"device 'mps' is not supported; this package runs on"),
    (lambda: rt.Curriculum(1.5, 40), r"min_length must be an integer >= 1, got 1.5"),
    (lambda: rt.Curriculum("1", 40), r"min_length must be an integer >= 1, got '1'"),
    (lambda: rt.evaluate(lstm(), parity(), [41, 2.5]), r"test lengths must be positive integers"),
    (lambda: rt.evaluate(lstm(), parity(), [41], batch_size=0), r"batch_size must be an integer >= 1"),
    (lambda: rt.evaluate(lstm(), parity(), [41], device="cuda:7"), r"device 'cuda:7' is not available"),
    (lambda: rt.tasks.get("modular_counter", modulus=1), r"integer modulus m with 2 <= m <= \d+, got 1"),
    (lambda: rt.tasks.get_layout("read_then_write", rt.tasks.get("parity_check"), trace="full"),
     r"layout 'read_then_write' has no option \['trace'\]; it takes: \['computation_steps'\]"),
    (lambda: rt.tasks.get_layout("tagging", rt.tasks.get("parity_check"), interleave=True),
     r"layout 'tagging' has no option \['interleave'\]; it takes: none"),
    (lambda: rt.models.build("lstm", parity(), hidden=0), r"model 'lstm': hidden must be an integer >= 1, got 0"),
    (lambda: rt.models.build("lstm", parity(), hidden="64"), r"hidden must be an integer >= 1, got '64'"),
    (lambda: rt.models.build("mamba", parity(), negative_eigenvalues=1),
     r"model 'mamba': negative_eigenvalues must be True or False, got 1"),
    (lambda: rt.models.build("transformer", parity(), d_mlp=-4), r"d_mlp must be an integer >= 1, got -4"),
    (lambda: rt.models.build("lstm", parity(), seed="0"), r"seed must be None or an integer >= 0, got '0'"),
], ids=lambda value: None if callable(value) else value[:40])
def test_bad_input_is_a_config_error_that_says_what_is_allowed(call, message):
    with pytest.raises(rt.ConfigError, match=message):
        call()


def test_a_batch_that_cannot_fit_is_refused_before_anything_is_allocated(monkeypatch):
    task_class = type(rt.tasks.get("parity_check"))
    original, sizes = task_class._generate, []

    def recorded(self, batch_size, length, generator):
        sizes.append(batch_size)
        return original(self, batch_size, length, generator)

    monkeypatch.setattr(task_class, "_generate", recorded)
    with pytest.raises(rt.ConfigError, match=r"needs at least [\d,.]+ GiB, and cpu has [\d,.]+ GiB free; lower"):
        rt.tasks.get("parity_check").generate(10**12, 40)
    with pytest.raises(rt.ConfigError, match="a training batch of 1000000000000 sequences at length 40"):
        rt.train(lstm(), parity(), batch_size=10**12, steps=1, progress=False)
    with pytest.raises(rt.ConfigError, match="a test batch of 1000000000000 sequences at length 200"):
        rt.evaluate(lstm(), parity(), range(41, 201), batch_size=10**12)
    assert sizes == [1, 1]  # only the one-sequence batches that measure a sequence's length


def test_a_diverging_loss_stops_training_at_its_step(monkeypatch):
    model, layout = lstm(), parity()
    original = model.forward
    calls = []

    def forward(tokens):  # the fifth step's logits are NaN
        calls.append(1)
        logits = original(tokens)
        return logits * math.nan if len(calls) == 5 else logits

    monkeypatch.setattr(model, "forward", forward)
    with pytest.raises(TrainingDiverged, match=r"diverged at step 5 of 20: the loss is nan at learning rate 0\.002"):
        rt.train(model, layout, steps=20, batch_size=4, lr=2e-3, progress=False, log_every=3)
    assert len(calls) == 7  # found at the next logged step (step 7, index 6), two steps later


def test_a_device_not_supported_names_the_supported_and_available_ones():
    with pytest.raises(rt.ConfigError, match=r"'cpu', 'cuda', 'cuda:N'; available here: 'cpu'"
                       if not torch.cuda.is_available() else "available here: 'cpu', 'cuda'"):
        get_device("tpu")
    assert get_device("cpu").type == "cpu"


def run_cli(argv, capsys):
    status = cli.main(["train", "--task", "parity_check", "--model", "lstm", "--steps", "2", "--batch-size", "4",
                       "--train-lengths", "1:5", "--test-lengths", "6:7", *argv])
    return status, capsys.readouterr()


@pytest.mark.parametrize("argv, message", [
    (["--lr", "inf"], "lr must be a finite number > 0, got inf"),
    (["--lr", "nan"], "lr must be a finite number > 0, got nan"),
    (["--lr", "-1"], "lr must be a finite number > 0, got -1.0"),
    (["--steps", "0"], "steps must be an integer >= 1, got 0"),
    (["--batch-size", "1000000000000"], "a training batch of 1000000000000 sequences at length 5"),
    (["--test-lengths", "1:5"], r"every test length \(1..5\) lies within the training lengths \(..5\), so nothing "
                                r"would be scored beyond training; give test lengths above 5"),
    (["--train-lengths", "1:5:2"], "training lengths are every length min..max, so they take no step"),
    (["--device", "tpu"], "unknown device 'tpu'; this package runs on 'cpu', 'cuda', 'cuda:N'"),
    (["--task-option", "modulus=3"], r"task 'parity_check' has no option \['modulus'\]; it takes: none"),
    (["--model-option", "hidden=0"], "model 'lstm': hidden must be an integer >= 1, got 0"),
    (["--layout-option", "trace=full"], r"layout 'read_then_write' has no option \['trace'\]"),
])
def test_command_line_refuses_bad_settings_with_status_2(argv, message, capsys):
    status, out = run_cli(argv, capsys)
    assert status == 2
    assert re.search(message, out.err), out.err


def test_command_line_passes_task_options_validated_like_the_python_api(capsys):
    argv = ["train", "--task", "modular_counter", "--model", "lstm", "--steps", "2", "--batch-size", "4",
            "--train-lengths", "1:5", "--test-lengths", "6:7"]
    assert cli.main(argv + ["--task-option", "modulus=1"]) == 2
    assert "integer modulus m with 2 <= m <=" in capsys.readouterr().err
    assert cli.main(argv + ["--task-option", "modulus=5", "--model-option", "hidden=8"]) == 0
    assert "score beyond training" in capsys.readouterr().out
    group = ["train", "--task", "word_problem", "--model", "lstm", "--steps", "2", "--batch-size", "4",
             "--layout", "tagging", "--train-lengths", "1:5", "--test-lengths", "6:7"]
    assert cli.main(group + ["--task-option", "group=S7"]) == 2
    assert "S3" in capsys.readouterr().err
    assert cli.main(group + ["--task-option", "group=A5"]) == 0


@pytest.mark.parametrize("text, message", [
    ("41:200:0", "the step between lengths must be a positive integer, got '41:200:0'"),
    ("41:200:-5", "the step between lengths must be a positive integer"),
    ("1:2:3:4", r"lengths look like 100, 41:200 or 41:200:10 \(first:last\[:step\], integers\), got '1:2:3:4'"),
    ("a:b", "lengths look like 100, 41:200 or 41:200:10"),
    ("200:41", "lengths need 1 <= first <= last, got '200:41'"),
    ("0:10", "lengths need 1 <= first <= last"),
])
def test_command_line_says_why_a_length_range_is_invalid(text, message, capsys):
    with pytest.raises(SystemExit) as exit:
        cli.main(["train", "--task", "parity_check", "--model", "lstm", "--test-lengths", text])
    assert exit.value.code == 2
    assert re.search(message, capsys.readouterr().err)


def test_command_line_reports_a_diverged_run_with_status_1(capsys, monkeypatch):
    def diverge(*args, **kwargs):
        raise TrainingDiverged("training diverged at step 3 of 3: the loss is nan at learning rate 0.001")

    monkeypatch.setattr(cli, "train", diverge)
    status, out = run_cli([], capsys)
    assert status == 1 and "diverged at step 3 of 3" in out.err


OP = ops.example("linear_attention", 4)
q, k, v = OP.args


@pytest.mark.parametrize("mode", ops.MODES)
@pytest.mark.parametrize("call, message", [
    (lambda mode: ops.linear_attention(q, k[:, :, :3], v, mode=mode),
     r"linear_attention: k has shape \(2, 2, 3, 4\), expected \(B, H, T, K\) with B=2, H=2, T=4, K=4"),
    (lambda mode: ops.linear_attention(q, k.float(), v, mode=mode), "k is torch.float32 but q is torch.float64"),
    (lambda mode: ops.linear_attention(q, k, v.long(), mode=mode), "v must be a floating-point tensor"),
    (lambda mode: ops.linear_attention(q[0], k, v, mode=mode), r"q has shape \(2, 4, 4\), expected \(B, H, T, K\)"),
    (lambda mode: ops.linear_attention(q, k, v, initial_state=torch.zeros(2, 2, 4, 3, dtype=q.dtype), mode=mode),
     "initial_state must be a tuple of 2 tensors"),
    (lambda mode: ops.retention(q, k, v, torch.full((3,), 0.9, dtype=q.dtype), mode=mode),
     r"retention: gamma has shape \(3,\), expected \(H\) with"),
    (lambda mode: ops.gated_linear_attention(q, k, v, torch.rand(2, 2, 4, 5, dtype=q.dtype), mode=mode),
     r"gated_linear_attention: alpha has shape \(2, 2, 4, 5\)"),
    (lambda mode: ops.gated_linear_attention(q, k, v, torch.rand(2, 2, 4, 4, dtype=q.dtype),
                                             u=torch.zeros(3, 4, dtype=q.dtype), mode=mode), r"u has shape \(3, 4\)"),
    (lambda mode: ops.delta_rule(q, k, v, torch.rand(2, 2, 5, dtype=q.dtype), mode=mode),
     r"delta_rule: beta has shape \(2, 2, 5\), expected \(B, H, T\)"),
    (lambda mode: ops.delta_rule(q, k, v, torch.rand(2, 2, 4, dtype=q.dtype),
                                 initial_state=torch.zeros(2, 2, 4, 4, dtype=q.dtype), mode=mode),
     r"delta_rule: initial_state has shape \(2, 2, 4, 4\), expected \(B, H, K, V\)"),
    (lambda mode: ops.decay_attention(q, k, v, torch.zeros(1, 2, 4, 1, dtype=q.dtype), mode=mode),
     r"log_alpha has shape \(1, 2, 4, 1\), expected \(B, H, T, K\) or \(B, H, T, 1\) or \(1, H, 1, 1\)"),
    (lambda mode: ops.diagonal_linear_rnn(torch.rand(2, 5, 3), torch.rand(2, 4, 3), mode=mode),
     r"diagonal_linear_rnn: b has shape \(2, 4, 3\), expected \(B, T, \.\.\.\)"),
    (lambda mode: ops.diagonal_linear_rnn(torch.rand(2, 5, 3), torch.rand(2, 5, 3), initial_state=torch.zeros(2, 4),
                                          mode=mode), r"initial_state has shape \(2, 4\), expected \(B, \.\.\.\)"),
    (lambda mode: ops.diagonal_linear_rnn([[0.5]], torch.rand(2, 5, 3), mode=mode), "a must be a tensor"),
    (lambda mode: ops.diagonal_linear_rnn(torch.rand(2, 0, 3), torch.rand(2, 0, 3), mode=mode),
     "diagonal_linear_rnn: the time axis T is empty"),
    (lambda mode: ops.linear_attention(q[:, :, :0], k[:, :, :0], v[:, :, :0], mode=mode),
     "linear_attention: the time axis T is empty"),
    (lambda mode: ops.retention(q, k, v, torch.tensor([0.0, 0.9], dtype=q.dtype), mode=mode),
     r"retention: every decay gamma must lie in \(0, 1\], got \[0.0, 0.9\]"),
    (lambda mode: ops.rwkv4_wkv(torch.ones(5), torch.zeros(4), torch.rand(2, 3, 5), torch.rand(2, 3, 5), mode=mode),
     r"rwkv4_wkv: u has shape \(4,\), expected \(C\) with C=5"),
    (lambda mode: ops.rwkv4_wkv(torch.ones(5), torch.zeros(5), torch.rand(2, 3, 5), torch.rand(2, 4, 5), mode=mode),
     r"rwkv4_wkv: v has shape \(2, 4, 5\)"),
    (lambda mode: ops.rwkv4_wkv(torch.ones(5), torch.zeros(5), torch.rand(2, 3, 5), torch.rand(2, 3, 5),
                                initial_state=(torch.zeros(2, 5),), mode=mode),
     "initial_state must be a tuple of 2 tensors"),
    (lambda mode: ops.selective_scan(*ops.example("selective_scan", 6).args[:3], torch.rand(2, 5, 3, dtype=q.dtype),
                                     *ops.example("selective_scan", 6).args[4:], mode=mode),
     r"selective_scan: B has shape \(2, 5, 3\), expected \(B, T, N\) with B=2, T=6, E=5, N=3"),
    (lambda mode: ops.selective_scan(*ops.example("selective_scan", 6).args[:5], torch.ones(4, dtype=q.dtype),
                                     mode=mode), r"selective_scan: D has shape \(4,\), expected \(E\)"),
], ids=lambda value: None if callable(value) else value[:30])
def test_every_op_checks_its_inputs_in_both_forms(call, message, mode):
    with pytest.raises(rt.ConfigError, match=message):
        call(mode)
