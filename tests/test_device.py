"""The GPU path without a GPU: every model, training, evaluation, generation, the store, the run
engine and the analysis helpers on an emulated device that enforces CUDA's same-device rule
(:mod:`recur_tutorial.emulated_device`); the device setting, the run key and the numerics settings."""

from __future__ import annotations

import hashlib

import pytest
import torch

from recur_tutorial import cli, models, runtime, tasks
from recur_tutorial.emulated_device import DEVICE, DeviceMismatch, Emulated, EmulatedDevice
from recur_tutorial.errors import ConfigError
from recur_tutorial.evaluation import evaluate
from recur_tutorial.engine import Run, Store, executors, run_grid
from recur_tutorial.experiments import cot
from recur_tutorial.theory.probe import probe
from recur_tutorial.training import Curriculum, train

PARITY = tasks.get("parity_check")
TAGGING = tasks.get_layout("tagging", PARITY)
CAUSAL_LM = tasks.get_layout("causal_lm", PARITY, trace="full")
SMALL = {"memory_transformer": {"segment": 4, "n_memory": 2}}


def build(name, layout=TAGGING, **config):
    return models.build(name, layout, seed=0, **{**SMALL.get(name, {}), **config})


def on_device(tree) -> bool:
    return all(isinstance(t, Emulated) for t in tree)


# ---- the emulator itself ------------------------------------------------------------------------
def test_the_emulator_refuses_a_cpu_tensor_in_device_work():
    weight = torch.randn(5, 3)
    with EmulatedDevice():
        table = weight.to(DEVICE)
        with pytest.raises(DeviceMismatch, match="aten.embedding"):
            torch.nn.functional.embedding(torch.tensor([[1, 2]]), table)  # tokens left on the CPU
        with pytest.raises(DeviceMismatch, match="aten.mm"):
            table @ torch.randn(3, 2)
        with pytest.raises(DeviceMismatch, match="aten.gather"):
            table.gather(1, torch.zeros(5, 1, dtype=torch.long))


def test_the_emulator_allows_what_cuda_allows_and_gives_the_cpus_numbers():
    x, index = torch.randn(4, 3), torch.tensor([2, 0])
    with EmulatedDevice() as device:
        on = x.to(DEVICE)
        scaled = on * torch.tensor(2.0)  # a CPU scalar
        picked = on[index]  # CPU indices of advanced indexing
        back = (scaled.exp() + picked.sum()).cpu()
    assert isinstance(scaled, Emulated) and scaled.device == DEVICE
    assert torch.equal(back, (x * 2).exp() + x[index].sum())
    assert device.host_to_device >= 1 and device.syncs["to_cpu"] == 1 and device.launches["exp"] == 1


def test_the_old_crash_sites_fail_under_the_emulator():
    """The code of cot.trace_attention and theory.probe before their fix (tokens made on the CPU for
    a model on the device) raises, as CUDA would; the fixed helpers are run below."""
    model = build("diagonal_rnn")
    with EmulatedDevice():
        model.to(DEVICE)
        state = model.initial_state(1, DEVICE)
        with pytest.raises(DeviceMismatch):
            model.step(torch.tensor([1]), state)


# ---- every model --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", models.names())
def test_every_model_runs_forward_backward_and_step_on_the_device(name):
    model, x = build(name), torch.randint(0, TAGGING.in_vocab, (2, 7), generator=torch.Generator().manual_seed(0))
    reference = model(x)
    with EmulatedDevice():
        model.to(DEVICE)
        logits = model(x.to(DEVICE))
        logits.sum().backward()
        assert on_device(list(model.parameters())) and on_device([p.grad for p in model.parameters()])
        if model.causal:
            state = model.initial_state(2, DEVICE)
            for t in range(3):
                stepped, state = model.step(x[:, t].to(DEVICE), state)
            assert isinstance(stepped, Emulated)
        got = logits.cpu()
    assert torch.allclose(got, reference, atol=1e-5), name


@pytest.mark.parametrize("name", models.names())
def test_every_model_trains_and_is_evaluated_on_the_device(name):
    """train and evaluate on the emulated device give the CPU's numbers (float32, a few steps)."""
    cpu, device = build(name), build(name)
    options = dict(steps=3, batch_size=4, curriculum=Curriculum(3, 6), seed=0, progress=False, log_every=1)
    on_cpu = train(cpu, TAGGING, device="cpu", **options)
    scored_cpu = evaluate(cpu, TAGGING, [3, 6], train_max=4, batch_size=4, device="cpu")
    with EmulatedDevice() as emulated:
        history = train(device, TAGGING, device=DEVICE, **options)
        scored = evaluate(device, TAGGING, [3, 6], train_max=4, batch_size=4, device=DEVICE)
    assert emulated.total_launches > 0 and not emulated.violations
    assert history.loss.tolist() == pytest.approx(on_cpu.loss.tolist(), rel=1e-4, abs=1e-5), name
    assert scored.table.accuracy.tolist() == scored_cpu.table.accuracy.tolist(), name


# ---- the run engine, the store, generation and the per-family device -------------------------------
def test_runs_go_to_the_device_per_family_and_their_records_keep_apart(tmp_path):
    runs = [Run("parity_check", model, layout="tagging", steps=3, batch_size=4, train_lengths=(4, 4),
                test_lengths=(3, 6), test_batch_size=4) for model in ("transformer", "stack_rnn")]
    runs.append(Run("parity_check", "transformer", layout="causal_lm", layout_options={"trace": "full"}, steps=3,
                    batch_size=4, train_lengths=(4, 4), test_lengths=(3, 6), test_batch_size=4,
                    model_config={"causal": True, "positional": "alibi"}, evaluator="generation"))
    with EmulatedDevice() as emulated:
        table = run_grid(runs, tmp_path, workers=1, device="auto", progress=False)
        store = Store(tmp_path, "auto")
        assert [store.run_device(run) for run in runs] == [DEVICE, torch.device("cpu"), DEVICE]
        model, _ = store.model(runs[0], DEVICE)
        assert on_device(list(model.parameters()))
    assert emulated.total_launches > 0 and len(table) == 3 * 2
    cpu_store = Store(tmp_path)  # the CPU's records: the stack_rnn's only
    assert [cpu_store.done(run) for run in runs] == [False, True, False]
    assert len(list((tmp_path / "records").glob("*.json"))) == 3
    gpu = Store(tmp_path, "cuda").record(runs[0])  # read back on a machine without the device
    assert gpu["provenance"]["device"] == "emulated device (tests)" and gpu["status"] == "ok"


def test_the_cpu_key_is_unchanged_and_the_gpu_key_names_its_device():
    run = Run("parity_check", "lstm")
    assert run.device_key("cpu") == run.key and Store("unused").run_id(run) == hashlib.sha1(
        run.key.encode()).hexdigest()[:20]
    assert '"device": "cuda"' in run.device_key("cuda") and Store("unused", "cuda").run_id(run) != Store(
        "unused").run_id(run)
    assert Store("unused", "cuda:1").run_id(run) == Store("unused", "cuda").run_id(run)  # the type, not the index


# ---- the analysis helpers -----------------------------------------------------------------------------
def test_the_analysis_helpers_run_on_the_device():
    cot_model = build("transformer", CAUSAL_LM, causal=True, positional="alibi")
    direct_layout = tasks.get_layout("causal_lm", PARITY)
    direct = build("transformer", direct_layout, causal=True, positional="alibi")
    lstm = build("lstm")
    tokens_cpu, maps_cpu = cot.trace_attention(cot_model, CAUSAL_LM, "0110")
    with EmulatedDevice():
        for model in (cot_model, direct, lstm):
            model.to(DEVICE)
        tokens, maps = cot.trace_attention(cot_model, CAUSAL_LM, "0110")
        costs = cot.cost_table(cot_model, CAUSAL_LM, direct, direct_layout, lstm, TAGGING, [3], n=4)
        probed = [probe(build(name).to(DEVICE), TAGGING.in_vocab, n_states=1) for name in ("diagonal_rnn", "lstm")]
    assert tokens == tokens_cpu and maps == pytest.approx(maps_cpu, abs=1e-6)
    assert len(costs) == 3 and all(result.fixed_state for result in probed)


# ---- local workers, the device setting, numerics -----------------------------------------------------
def test_local_gpu_runs_get_one_worker_per_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    run = Run("parity_check", "lstm")
    placed = [(run, torch.device("cuda"))] * 3 + [(run, torch.device("cpu"))] * 4
    plan = executors.local_plan(placed, workers=4)
    assert [(size, gpus, len(members)) for size, gpus, members in plan] == [(2, (0, 1), 3), (2, (), 4)]
    assert executors.local_plan([(run, torch.device("cuda:1"))] * 3, workers=4)[0][:2] == (1, (1,))
    monkeypatch.setattr(executors, "_GPU", 1)
    monkeypatch.setattr(torch.cuda, "set_device", lambda index: None)
    assert executors._own_gpu("cuda") == torch.device("cuda", 1) and executors._own_gpu("cpu") == "cpu"


def test_device_settings_are_checked():
    assert runtime.run_device("stack_rnn", "auto") == torch.device("cpu")
    assert runtime.device_type("transformer", "cuda:3") == "cuda"  # a store of GPU records, read anywhere
    with pytest.raises(ConfigError, match="allowed: 'auto', 'cpu', 'cuda', 'cuda:N'"):
        Store("unused", "gpu")
    with EmulatedDevice():
        assert runtime.run_device("transformer", "auto") == DEVICE
        assert runtime.run_device("tape_rnn", "auto") == torch.device("cpu")


def test_sweep_refuses_an_unknown_device(tmp_path, capsys):
    assert cli.main(["sweep", "--chapter", "2", "--store", str(tmp_path), "--device", "gpu"]) == 2
    assert "unknown device setting 'gpu'" in capsys.readouterr().err


def test_numerics_are_float32_and_deterministic_on_a_gpu_and_untouched_on_the_cpu(monkeypatch):
    calls = []
    monkeypatch.setattr(torch, "use_deterministic_algorithms", lambda mode, warn_only=False: calls.append(
        (mode, warn_only)))
    for flag in ("deterministic", "benchmark"):
        monkeypatch.setattr(torch.backends.cudnn, flag, getattr(torch.backends.cudnn, flag))
    before = (torch.backends.cuda.matmul.fp32_precision, torch.backends.cudnn.rnn.fp32_precision,
              torch.backends.cudnn.conv.fp32_precision, torch.backends.cuda.mem_efficient_sdp_enabled())
    runtime.configure_numerics("cpu")
    assert calls == []
    try:
        with runtime.gpu_numerics("cuda:0"):
            assert calls == [(True, True)]
        assert calls == [(True, True), (False, False)]  # CPU work after a GPU run runs as it would alone
        assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark
        assert torch.backends.cudnn.rnn.fp32_precision == "ieee" and torch.backends.cudnn.conv.fp32_precision == "ieee"
        assert not torch.backends.cuda.mem_efficient_sdp_enabled() and not torch.backends.cuda.flash_sdp_enabled()
    finally:
        torch.backends.cuda.matmul.fp32_precision, torch.backends.cudnn.rnn.fp32_precision = before[:2]
        torch.backends.cudnn.conv.fp32_precision = before[2]
        torch.backends.cudnn.fp32_precision = "none"
        for enable in (torch.backends.cuda.enable_mem_efficient_sdp, torch.backends.cuda.enable_flash_sdp,
                       torch.backends.cuda.enable_cudnn_sdp):
            enable(before[3])
