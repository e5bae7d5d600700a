"""The atlas's kept records (book/data/atlas/records.jsonl): they match the code that made them, a
fixed sample of them is trained again and reproduces them, and the engine's kept-record file keeps
what it is given and says why a record is stale."""

from __future__ import annotations

import dataclasses
import json

import pytest

from recur_tutorial.engine import Store, kept, run_grid, usable_cores
from recur_tutorial.engine.run import Run
from recur_tutorial.experiments import atlas

RECORDS = kept.KeptRecords(atlas.RECORDS)
SAMPLE = [("even_pairs", "rnn", 0), ("modular_arithmetic", "rnn", 0), ("even_pairs", "stack_rnn", 0),
          ("parity_check", "stack_rnn", 0), ("modular_arithmetic", "lstm", 0), ("parity_check", "transformer", 0)]
"""Cells trained again by the reproduction test: six of the cheapest kept cells, of four families (Elman
RNN, gated RNN, memory-augmented RNN, Transformer), some solved and some not."""
TOLERANCE = 0.1
"""On a machine of another type (CPU, torch's kernel capability, torch), a retrained cell's score and
in-distribution accuracy may differ from the kept record's by at most this: other kernels round
differently and training follows another path, which on these cells moves the accuracy a little
but not the outcome."""
REFRESH = "python -m recur_tutorial atlas"


def refresh_command(record: dict) -> str:
    return f"{REFRESH} --tasks '{atlas.task_label(record)}' --models {record['model']} --seeds {record['seed']}"


def test_the_atlas_keeps_records_of_every_family_of_the_sample():
    families = {atlas.FAMILY_OF[model] for _, model, _ in SAMPLE}
    assert len(SAMPLE) >= 6 and len(families) >= 4
    assert {"memory-augmented RNN", "Transformer"} <= families
    missing = [cell for cell in SAMPLE if RECORDS.get(atlas.atlas_run(*cell)) is None]
    assert not missing, f"the sample's cells {missing} have no kept record; run {REFRESH}"


def test_every_kept_record_was_made_by_the_code_and_settings_of_this_checkout():
    stale = []
    for record in RECORDS.records.values():
        run = atlas.atlas_run(atlas.task_label(record), record["model"], record["seed"])
        why = RECORDS.why_stale(run)
        if why is not None:
            stale.append(f"{atlas.task_label(record)} · {record['model']} · seed {record['seed']}: {why}; "
                         f"refresh it with: {refresh_command(record)}")
    assert not stale, (f"{len(stale)} kept record(s) of the atlas no longer match the code; `{REFRESH}` "
                       f"retrains exactly these:\n" + "\n".join(stale))


@pytest.fixture(scope="module")
def retrained(tmp_path_factory):
    """The sample's runs trained again by the run engine (one torch thread each, as the atlas's runs),
    on at most two worker processes; their records by cell."""
    runs = [atlas.atlas_run(*cell) for cell in SAMPLE]
    store = Store(tmp_path_factory.mktemp("atlas-sample"))
    run_grid(runs, store, workers=min(2, usable_cores()), progress=False)
    return {cell: store.finished(run) for cell, run in zip(SAMPLE, runs)}


@pytest.mark.parametrize("cell", SAMPLE, ids=lambda cell: "-".join(map(str, cell)))
def test_a_sample_cell_trained_again_reproduces_its_kept_record(cell, retrained):
    record = RECORDS.get(atlas.atlas_run(*cell))
    assert record is not None, f"no kept record for {cell}; run {REFRESH}"
    fresh = retrained[cell]
    same_machine = {k: record["provenance"].get(k) for k in kept.machine()} == kept.machine()
    if same_machine:  # one torch thread, the same seed, the same kernels: the same numbers
        assert fresh["accuracy"] == record["accuracy"] and fresh["score"] == record["score"]
        assert fresh["in_distribution"] == record["in_distribution"]
    else:
        assert abs(fresh["score"] - record["score"]) <= TOLERANCE, (fresh["score"], record["score"])
        assert abs(fresh["in_distribution"] - record["in_distribution"]) <= TOLERANCE


def _record(run: Run, score: float = 0.5) -> dict:
    ok = {"status": "ok", "score": score, "in_distribution": 1.0, "lengths": [1, 50], "accuracy": [1.0, score],
          "train_seconds": 1.0, "eval_seconds": 0.1, "final_train_loss": 0.1, "parameters": 10,
          "provenance": {"commit": "test"}}
    return kept.kept_record(run, ok)


def test_kept_records_are_rewritten_whole_and_read_back_by_cell(tmp_path):
    path = tmp_path / "records.jsonl"
    run = atlas.atlas_run("parity_check", "rnn", 0)
    records = kept.KeptRecords(path)
    assert records.why_stale(run) == "not measured" and records.stale([run]) == [run]
    records.put(_record(run, 0.5))
    records.put(_record(run, 0.75))  # the same cell: replaced, not appended
    again = kept.KeptRecords(path)
    assert len(again) == 1 and again.get(run)["score"] == 0.75 and again.why_stale(run) is None
    assert [json.loads(line)["seed"] for line in path.read_text().splitlines()] == [0]
    assert again.why_stale(dataclasses.replace(run, steps=run.steps + 1)) == "settings changed"


def test_a_record_goes_stale_when_the_code_that_trained_it_changes(tmp_path, monkeypatch):
    source = tmp_path / "model.py"
    source.write_text("WEIGHT = 1\n")
    monkeypatch.setattr(kept, "PACKAGE", tmp_path)
    monkeypatch.setattr(kept, "code_files", lambda run: (source,))
    run = atlas.atlas_run("parity_check", "rnn", 0)
    records = kept.KeptRecords(tmp_path / "records.jsonl")
    records.put(_record(run))
    assert records.why_stale(run) is None
    source.write_text("WEIGHT = 2\n")
    assert records.why_stale(run) == "code changed"


def test_the_fingerprint_covers_the_model_the_task_and_the_training_code():
    names = {path.name for path in kept.code_files(atlas.atlas_run("reverse_string", "stack_rnn", 0))}
    assert {"stack_rnn.py", "memory_rnn.py", "memory_scan.cpp", "strings.py", "layouts.py", "training.py",
            "evaluation.py", "run.py"} <= names
    assert "transformer.py" not in names


def test_a_bad_atlas_selection_is_refused_with_the_allowed_names():
    from recur_tutorial.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown atlas task 'parity'"):
        atlas.atlas_run("parity", "rnn", 0)
    with pytest.raises(ConfigError, match="unknown model"):
        atlas._names("rnn,elman", atlas.model_names(), "model")
