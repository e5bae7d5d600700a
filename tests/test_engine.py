"""The run engine: one store, parallel workers, Ray, failures, crash safety, provenance, settings."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest
import torch

from recur_tutorial import cli
from recur_tutorial.errors import ConfigError
from recur_tutorial.engine import Run, Store, executors, run_grid, trained_model
from recur_tutorial.experiments import chomsky, completeness, cot, depth, revisit, summarise
from recur_tutorial.engine.profiles import check_settings
from recur_tutorial.experiments.sweep import CHAPTERS, chapter_runs

ROOT = Path(__file__).resolve().parents[1]
VARYING = ("train_seconds", "eval_seconds", "provenance", "columns")  # wall times differ from run to run


def tiny_runs(seeds=(0, 1), models=("lstm", "diagonal_rnn")):
    return [Run("parity_check", model, seed=seed, layout="tagging", steps=20, batch_size=8, train_lengths=(12, 12),
                test_lengths=(4, 12, 20, 30), test_batch_size=16) for model in models for seed in seeds]


def same_record(a: dict, b: dict) -> bool:
    strip = lambda r: {k: v for k, v in r.items() if k not in VARYING}  # noqa: E731
    return strip(a) == strip(b)


def test_a_record_is_the_same_alone_with_one_worker_and_with_two(tmp_path):
    runs = tiny_runs()
    alone = [run.execute()[0] for run in runs]
    run_grid(runs, tmp_path / "one", workers=1, progress=False)
    run_grid(runs, tmp_path / "two", workers=2, progress=False)
    for run, record in zip(runs, alone):
        one, two = Store(tmp_path / "one").record(run), Store(tmp_path / "two").record(run)
        assert same_record(record, one) and same_record(record, two), run
    assert Store(tmp_path / "two").record(runs[0])["provenance"]["workers"] == 2


def test_a_restarted_grid_trains_only_what_is_missing(tmp_path, monkeypatch):
    runs = tiny_runs(seeds=(0, 1), models=("lstm",))
    run_grid(runs[:1], tmp_path, workers=1, progress=False)
    trained = []
    original = Run.execute
    monkeypatch.setattr(Run, "execute", lambda self, device=None: trained.append(self.seed) or original(self, device))
    table = run_grid(runs, tmp_path, workers=1, progress=False)
    assert trained == [1]
    assert set(Store(tmp_path).fits().values()) == {1} and len(Store(tmp_path).fits()) == 2
    summary = summarise(table)
    assert summary.loc[0, "seeds"] == 2 and summary.loc[0, "worst"] <= summary.loc[0, "best"]


def test_runs_start_with_the_most_tokens_to_read(tmp_path):
    """Longest first by steps × batch × tokens of the longest training sequence: duplicate_string (input,
    its copy written twice) reads four tokens per input symbol where parity_check (tagging) reads one."""
    short = Run("parity_check", "lstm", layout="tagging", steps=400, batch_size=8, train_lengths=(1, 10))
    long = Run("duplicate_string", "lstm", layout_options={"computation_steps": 1}, steps=100, batch_size=8,
               train_lengths=(1, 10))
    more_steps = Run("parity_check", "lstm", layout="tagging", steps=500, batch_size=8, train_lengths=(1, 10))
    assert (short.work, long.work, more_steps.work) == (400 * 8 * 10, 100 * 8 * 40, 500 * 8 * 10)
    assert executors.pending_runs([short, long, more_steps], Store(tmp_path)) == [more_steps, short, long]
    doubled = dataclasses.replace(long, steps=200)  # 200 × 8 × 40 tokens: more than 500 × 8 × 10
    assert executors.pending_runs([short, more_steps, doubled], Store(tmp_path))[0] is doubled


def test_the_store_gives_the_trained_model_without_training_again(tmp_path, monkeypatch):
    run = tiny_runs(seeds=(0,), models=("lstm",))[0]
    store = Store(tmp_path)
    with pytest.raises(ConfigError, match="is not in Store"):
        store.model(run)
    first, layout = trained_model(run, store)  # not in the store: trained through the engine
    monkeypatch.setattr(Run, "fit", lambda *args, **kwargs: pytest.fail("trained again"))
    again, _ = store.model(run)
    assert trained_model(run, store)[1].in_vocab == 2
    assert list(store.history(run).columns) == ["step", "length", "loss", "accuracy"]
    tokens = torch.randint(0, 2, (2, 9))
    assert torch.equal(first(tokens), again(tokens)) and layout.in_vocab == 2
    assert store.record(run)["score"] == pytest.approx(run.score(again, layout).score)


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path, capsys):
    good = tiny_runs(seeds=(0,), models=("lstm",))[0]
    broken = Run("parity_check", "lstm", layout="tagging", steps=5, batch_size=8, model_config={"hidden": -3})
    table = run_grid([broken, good], tmp_path, workers=2, progress=False)
    record = Store(tmp_path).record(broken)
    assert record["status"] == "failed" and record["error"]
    assert set(table.model) == {"lstm"} and len(table) == len(good.test_lengths)
    assert "run failed: lstm on parity_check (seed 0)" in capsys.readouterr().out


def test_a_loss_that_is_not_finite_fails_the_run(tmp_path, monkeypatch):
    import pandas as pd

    run = tiny_runs(seeds=(0,), models=("lstm",))[0]
    history = pd.DataFrame({"step": [0, 10], "length": [12, 12], "loss": [0.7, float("nan")],
                            "accuracy": [0.5, 0.5], "seconds": [0.1, 0.2]})
    monkeypatch.setattr(Run, "fit", lambda self, model, layout, device=None: (history, 0.2))
    run_grid([run], tmp_path, workers=1, progress=False)
    record = Store(tmp_path).record(run)
    assert record["status"] == "failed"
    assert "became nan at step 10" in record["error"] and f"lr {run.lr}" in record["error"]


SWEEP_SCRIPT = """
import sys
from recur_tutorial.engine import Run, run_grid

if __name__ == "__main__":
    runs = [Run("parity_check", "lstm", seed=seed, layout="tagging", steps=60, batch_size=16,
                train_lengths=(24, 24), test_lengths=(8, 24, 40)) for seed in range(8)]
    run_grid(runs, sys.argv[1], workers=1, progress=False)
"""


def test_a_sweep_killed_mid_way_keeps_every_finished_run(tmp_path):
    script, store_dir = tmp_path / "sweep.py", tmp_path / "store"
    script.write_text(SWEEP_SCRIPT)
    process = subprocess.Popen([sys.executable, str(script), str(store_dir)], start_new_session=True)
    records = store_dir / "records"
    deadline = time.time() + 240
    while time.time() < deadline and len(list(records.glob("*.json"))) < 3:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = {p.name: p.read_bytes() for p in records.glob("*.json")}
    assert 3 <= len(finished) < 8, "the sweep should be killed in the middle"
    for text in finished.values():
        assert json.loads(text)["status"] == "ok"  # no torn record
    store = Store(store_dir)
    for name in finished:
        assert (store.weights_dir / name.replace(".json", ".pt")).exists()  # weights before the record
    subprocess.run([sys.executable, str(script), str(store_dir)], check=True, timeout=600)
    assert len(list(records.glob("*.json"))) == 8
    assert all((records / name).read_bytes() == data for name, data in finished.items())  # kept, not retrained
    assert all(count == 1 for count in store.fits().values())


def test_records_carry_provenance_and_are_readable_by_everyone(tmp_path):
    run = tiny_runs(seeds=(0,), models=("lstm",))[0]
    run_grid([run], tmp_path, workers=1, progress=False)
    store = Store(tmp_path)
    record = store.record(run)
    assert set(record["provenance"]) >= {"package", "commit", "torch", "device", "threads", "workers", "date",
                                         "seconds"}
    assert record["provenance"]["threads"] == 1 and record["provenance"]["torch"] == torch.__version__
    assert record["run"]["test_lengths"] == list(run.test_lengths)  # settings as JSON values
    assert Run.from_settings({k: v for k, v in record["run"].items() if k != "label"}).key == run.key
    for path in (store.record_path(run), store.weights_path(run)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert len(record["history"]["step"]) <= 200 and record["history"]["step"][-1] == run.steps - 1


@pytest.fixture(scope="module")
def ray_head():
    """A Ray head on 127.0.0.1 for this test module, stopped afterwards."""
    ray_cli = Path(sys.executable).with_name("ray")
    port = 6391
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0")
    subprocess.run([str(ray_cli), "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}",
                    "--num-cpus=2", "--include-dashboard=false", "--disable-usage-stats"],
                   check=True, env=env, capture_output=True, timeout=180)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([str(ray_cli), "stop", "--force"], env=env, capture_output=True, timeout=120)


def test_ray_backend_finds_the_same_records_as_the_local_one(tmp_path, ray_head):
    runs = tiny_runs()
    run_grid(runs, tmp_path / "local", workers=2, progress=False)
    run_grid(runs, tmp_path / "ray", backend="ray", address=ray_head, workers=2, progress=False)
    for run in runs:
        assert same_record(Store(tmp_path / "local").record(run), Store(tmp_path / "ray").record(run))


def sweep(*args):
    return cli.main(["sweep", *args])


@pytest.mark.parametrize("args, message", [
    (["--chapter", "9"], "unknown chapter 9; allowed: 1, 2, 3, 4, 5"),
    (["--chapter", "1", "--tasks", "parity"], "unknown task for this chapter and profile 'parity'"),
    (["--chapter", "1", "--models", "gpt"], "unknown model for this chapter and profile 'gpt'"),
    (["--chapter", "1", "--seeds", "7"], "unknown seed for this chapter and profile 7; allowed: 0, 1, 2"),
    (["--chapter", "1", "--seeds", "a"], "seeds are a comma-separated list of integers"),
    (["--chapter", "1", "--profile", "huge"], "unknown profile 'huge'"),
    (["--chapter", "1", "--backend", "slurm"], "unknown backend 'slurm'; allowed: 'local', 'ray'"),
    (["--chapter", "1", "--workers", "0"], "--workers must be at least 1"),
])
def test_sweep_refuses_unknown_values_with_what_is_allowed(args, message, tmp_path, capsys):
    assert sweep(*args, "--store", str(tmp_path)) == 2
    assert message in capsys.readouterr().err


def test_sweep_runs_a_filtered_grid_and_prints_records(tmp_path, capsys):
    args = ["--chapter", "2", "--tasks", "word_problem", "--models", "lstm", "--seeds", "0",
            "--store", str(tmp_path)]
    assert sweep(*args) == 0
    out = capsys.readouterr().out
    assert "word_problem  LSTM, 1 layer" in out and "seed 0:" in out
    assert sweep(*args, "--json") == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    groups = depth.SETTINGS["quick"]["groups"]
    assert len(records) == len(groups)
    lstm_runs = {("word_problem", depth.label(None, group), 0) for group in groups}
    assert {(r["task"], r["model"], r["seed"]) for r in records} == lstm_runs
    assert all({"score", "in_distribution", "provenance"} <= set(r) for r in records)
    assert sum(Store(tmp_path).fits().values()) == len(records)  # the second call trained nothing


def test_every_chapter_has_one_settings_table_in_the_common_shape():
    for module in (chomsky, depth, cot, completeness, revisit):
        check_settings(module.SETTINGS)
    for module in (depth, cot, completeness, revisit):  # Chapter 1 says it per model (chomsky.settings_table)
        assert all(profile["chosen"] for profile in module.SETTINGS.values()), module.__name__
    with pytest.raises(ConfigError, match="same keys"):
        check_settings({"quick": {"steps": 1, "batch_size": 1, "overrides": {}, "seeds": (0,)},
                        "full": {"steps": 1, "batch_size": 1, "overrides": {}}})


def test_notebooks_read_settings_through_profile_settings():
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                assert "SETTINGS[" not in cell.source, path.name


def test_every_chapter_lists_its_runs_with_distinct_keys():
    for chapter in CHAPTERS:
        for profile in ("quick", "full"):
            runs = chapter_runs(chapter, profile)
            assert runs and all(isinstance(r, Run) for r in runs)
            keys = [r.key for r in runs]
            assert len(keys) == len(set(keys)), (chapter, profile)


def test_chapter_script_sweep_prints_an_estimate_for_the_full_profile(tmp_path):
    env = dict(os.environ, RECUR_TUTORIAL_PROGRESS="0")
    code = textwrap.dedent("""
        from recur_tutorial.engine.estimate import estimate
        from recur_tutorial.experiments import chomsky
        runs = chomsky.runs("full", tasks=["parity_check"], models=["lstm"])
        print(estimate(runs, workers=2))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True,
                         timeout=300).stdout
    assert out.startswith(f"{len(chomsky.SETTINGS['full']['seeds'])} runs; estimated ")
    assert "wall time on 2 worker(s)" in out

