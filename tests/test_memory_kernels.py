"""The compiled loop of the memory RNNs (``memory_scan.cpp``): it is built on this machine, it gives the
Python loop's logits and gradients at the sizes the book trains at, and where it cannot be built the
Python loop runs with a warning that says why."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

from recur_tutorial import models, tasks
from recur_tutorial.models import memory_kernels
from recur_tutorial.models.memory_rnn import compiled_loop_applies

DUPLICATE = tasks.get_layout("read_then_write", tasks.get("duplicate_string"), computation_steps=1)
REVERSE = tasks.get_layout("read_then_write", tasks.get("reverse_string"))


def test_the_compiled_loop_is_built_here():
    assert memory_kernels.unavailable() is None


def logits_and_gradients(model, tokens):
    model.zero_grad()
    logits = model(tokens)
    logits.sin().sum().backward()
    return logits.detach(), {name: p.grad.clone() for name, p in model.named_parameters()}


# the quick profile's sizes: a tape of 64 cells whose jumps wrap, a stack of 201 cells
@pytest.mark.parametrize("name, layout, config", [
    ("tape_rnn", DUPLICATE, {"memory_size": 401, "training_memory_size": 64, "write_layers": ()}),
    ("stack_rnn", REVERSE, {"memory_size": 201})], ids=["tape", "stack"])
def test_compiled_and_python_loops_agree_in_float32(name, layout, config):
    model = models.build(name, layout, seed=3, **config).train()
    tokens = layout.batch(32, 40, torch.Generator().manual_seed(2)).tokens
    compiled = logits_and_gradients(model, tokens)
    with memory_kernels.python_loop():
        python = logits_and_gradients(model, tokens)
    assert torch.allclose(compiled[0], python[0], atol=1e-5, rtol=1e-4)
    for parameter, gradient in compiled[1].items():
        assert torch.allclose(gradient, python[1][parameter], atol=1e-5, rtol=1e-3), parameter
    with torch.no_grad():  # keeps nothing for a backward pass, and gives the same logits
        assert torch.equal(model(tokens), compiled[0])
        model.eval()  # the tape of the longest test input
        tested = model(tokens)
        with memory_kernels.python_loop():
            assert torch.allclose(tested, model(tokens), atol=1e-5, rtol=1e-4)


def test_the_compiled_loop_runs_on_the_cpu_in_float32_and_float64_only():
    assert compiled_loop_applies(torch.zeros(1, 2, 3)) and compiled_loop_applies(torch.zeros(1, 2, 3).double())
    assert not compiled_loop_applies(torch.zeros(1, 2, 3, dtype=torch.bfloat16))
    assert not compiled_loop_applies(torch.zeros(1, 2, 3, device="meta"))


def test_a_loop_that_cannot_be_built_falls_back_with_a_warning_that_says_why(monkeypatch, tmp_path):
    monkeypatch.setattr(memory_kernels, "SOURCE", tmp_path / "missing.cpp")
    monkeypatch.setattr(memory_kernels, "_state", {})
    with pytest.warns(RuntimeWarning, match="Python loop.*could not be built"):
        assert memory_kernels.kernels() is None
    assert "could not be built" in memory_kernels.unavailable()
    model = models.build("stack_rnn", REVERSE, seed=0, memory_size=8)
    assert model(REVERSE.batch(2, 3, torch.Generator().manual_seed(0)).tokens).isfinite().all()


def test_the_environment_switches_the_compiled_loop_off():
    code = "from recur_tutorial.models import memory_kernels as k; print(k.kernels(), k.unavailable())"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "RECUR_TUTORIAL_COMPILED": "0"},
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "None switched off (RECUR_TUTORIAL_COMPILED=0)"
    assert "RuntimeWarning" not in out.stderr


def test_a_lock_left_by_a_killed_build_is_removed_and_a_fresh_one_kept(tmp_path):
    lock = tmp_path / "lock"
    assert not memory_kernels.clear_stale_lock(tmp_path)  # no lock
    lock.touch()
    assert not memory_kernels.clear_stale_lock(tmp_path) and lock.exists()  # a build going on
    old = lock.stat().st_mtime - memory_kernels.STALE_LOCK_SECONDS - 1
    os.utime(lock, (old, old))
    with pytest.warns(RuntimeWarning, match="removed the lock"):
        assert memory_kernels.clear_stale_lock(tmp_path)
    assert not lock.exists()


def test_the_loop_is_built_in_a_folder_per_python_and_torch_version(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_EXTENSIONS_DIR", str(tmp_path))
    python = f"py{sys.version_info.major}{sys.version_info.minor}"
    assert memory_kernels.build_directory() == tmp_path / "recur_tutorial" / f"{python}-torch{torch.__version__}"
