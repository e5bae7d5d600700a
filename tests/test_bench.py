"""The benchmark scripts run and print their tables (tiny sizes; no timing is asserted)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(script: str, *args: str) -> list[str]:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_ops_bench_prints_one_row_per_op_and_length():
    lines = run("ops.py", "--lengths", "8", "16", "--repeats", "1", "--ops", "linear_attention", "delta_rule")
    rows = [line for line in lines if line.startswith("| ") and "×" in line]
    assert [row.split(" | ")[:2] for row in rows] == [["| linear_attention", "8"], ["| linear_attention", "16"],
                                                     ["| delta_rule", "8"], ["| delta_rule", "16"]]
    assert_speed_up_is_the_ratio(rows, slow=2, fast=3, speed_up=4)


def assert_speed_up_is_the_ratio(rows, slow, fast, speed_up):
    """The speed-up column is the plain form's time over the fast form's, as printed in the same row."""
    for row in rows:
        cells = row.strip("| ").split(" | ")
        printed, ratio = float(cells[speed_up].rstrip("×")), float(cells[slow]) / float(cells[fast])
        assert abs(printed - ratio) <= 0.05 + 0.02 * ratio, row


def test_ops_bench_rejects_an_unknown_op():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "ops.py"), "--ops", "lstm"], cwd=ROOT,
                          capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert done.returncode == 2 and "invalid choice" in done.stderr


def test_memory_rnn_bench_prints_one_row_per_model_and_length():
    lines = run("memory_rnn.py", "--lengths", "2", "3", "--repeats", "1", "--batch-size", "2", "--memory-size", "8",
                "--training-memory-size", "4")
    rows = [line for line in lines if line.startswith("| ") and "×" in line]
    assert [row.split(" | ")[:3] for row in rows] == [["| stack_rnn", "2", "4"], ["| stack_rnn", "3", "6"],
                                                     ["| tape_rnn", "2", "8"], ["| tape_rnn", "3", "12"],
                                                     ["| tape_rnn, linear write", "2", "8"],
                                                     ["| tape_rnn, linear write", "3", "12"]]
    assert_speed_up_is_the_ratio(rows, slow=3, fast=4, speed_up=6)  # plain / python loop
    assert_speed_up_is_the_ratio(rows, slow=3, fast=5, speed_up=7)  # plain / compiled loop
    assert_speed_up_is_the_ratio(rows, slow=4, fast=5, speed_up=8)  # python / compiled loop


def test_transformer_bench_prints_one_row_per_task_and_length():
    lines = run("transformer.py", "--lengths", "2", "3", "--repeats", "1", "--batch-size", "2")
    rows = [line for line in lines if line.startswith("| ") and "×" in line]
    assert [row.split(" | ")[:4] for row in rows] == [
        ["| parity_check", "2", "3", "2"], ["| parity_check", "3", "4", "3"],
        ["| reverse_string", "2", "4", "2"], ["| reverse_string", "3", "6", "3"],
        ["| duplicate_string", "2", "8", "4"], ["| duplicate_string", "3", "12", "6"]]
    assert_speed_up_is_the_ratio(rows, slow=4, fast=5, speed_up=6)


def test_launches_bench_prints_one_row_per_model():
    lines = run("launches.py", "--lengths", "3", "5", "--models", "lstm", "stack_rnn", "transformer")
    rows = [line.strip("| ").split(" | ") for line in lines if line.startswith("| ") and not line.startswith("| model")]
    assert [row[0] for row in rows] == ["lstm *", "stack_rnn", "transformer"]
    per_token = {row[0]: float(row[1]) for row in rows}
    assert per_token["stack_rnn"] > 20 > per_token["transformer"]  # the memory RNN's loop: dozens per token


def test_gpu_check_without_a_gpu_says_so_and_dry_runs_on_the_emulated_device():
    import torch

    if not torch.cuda.is_available():
        assert run("gpu.py")[0].startswith("no CUDA device")
    lines = run("gpu.py", "--dry-run", "--steps", "10", "--models", "lstm", "--chapters", "--profiles")
    assert any(line.startswith("| lstm |") and ": agree; auto: cuda |" in line for line in lines), lines
    assert "| transformer, same seed twice on the GPU | — | identical | — | deterministic |" in lines
    lines = run("gpu.py", "--dry-run", "--budget", "0", "--models", "lstm", "--chapters", "2", "--profiles", "quick")
    assert "| lstm | — | — | — | not reached within the budget |" in lines
    assert "| chapter 2, quick | — | — | — | not estimated within the budget |" in lines


def test_train_step_bench_prints_one_row_per_model_beside_deltanet():
    lines = run("train_step.py", "--repeats", "1", "--length", "3", "--batch-size", "2", "--models", "RWKV-7", "sLSTM")
    rows = [line.strip("| ").split(" | ") for line in lines if line.startswith("| ") and not line.startswith("| model")]
    assert [row[0] for row in rows] == ["DeltaNet [-1, 1]", "RWKV-7", "sLSTM"]
    reference = float(rows[0][2])
    for row in rows:  # the last column is the row's time over the reference row's, as printed
        assert abs(float(row[3]) - float(row[2]) / reference) <= 0.01 + 0.02 * float(row[3]), row
