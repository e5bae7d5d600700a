"""The package as a reader installs it: the wheel built from this tree, installed with its
dependencies into a fresh virtual environment that cannot see the repository, runs a chapter.

torch resolves to the CPU build of 2.13.0 (a constraints file pins it, with the versions the book is
tested with, from requirements.txt), never to a CUDA wheel. The chapter is the student notebook that
the book build publishes, executed from a directory outside the repository in its quick profile:
every run trains in that environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "02_recurrence_vs_autoregression"  # the shortest quick profile (535 s against 653-1766 s in one build)


def run(command, **kwargs):
    completed = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert completed.returncode == 0, f"{command[:3]} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
    return completed.stdout


@pytest.mark.slow
def test_the_wheel_installs_into_a_fresh_environment_and_runs_a_chapter(built_book, tmp_path):
    started = time.perf_counter()
    wheels = tmp_path / "wheels"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(ROOT)])
    wheel = next(wheels.glob("recur_tutorial-*.whl"))
    pins = [line for line in (ROOT / "requirements.txt").read_text().splitlines() if "==" in line]
    assert "torch==2.13.0" in pins
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("\n".join(pins) + "\n")
    venv = tmp_path / "venv"
    run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    environment.update(PATH=f"{venv / 'bin'}:{environment['PATH']}", OMP_NUM_THREADS="1",
                       RECUR_TUTORIAL_PROGRESS="0")
    run([str(python), "-m", "pip", "install", "--quiet", "--find-links", str(wheels), "-c", str(constraints),
         str(wheel), "papermill", "ipykernel"], env=environment, cwd=tmp_path)
    versions = json.loads(run([str(python), "-c", (
        "import json, torch, recur_tutorial; print(json.dumps({'torch': torch.__version__, "
        "'cuda': torch.version.cuda, 'package': recur_tutorial.__file__}))")], env=environment, cwd=tmp_path))
    assert versions["torch"].startswith("2.13.0") and versions["cuda"] is None, versions
    assert str(venv) in versions["package"] and str(ROOT) not in versions["package"]
    installed = time.perf_counter() - started

    notebook = built_book / "notebooks" / "student" / f"{CHAPTER}.ipynb"
    (tmp_path / "reader").mkdir()
    run([str(python), "-m", "papermill", str(notebook), "out.ipynb", "-p", "profile", "quick",
         "-p", "results_dir", "results", "--no-progress-bar"], env=environment, cwd=tmp_path / "reader")
    results = json.loads((tmp_path / "reader" / "results" / f"chapter{int(CHAPTER[:2])}.json").read_text())
    assert results["claims"] and all(claim["holds"] for claim in results["claims"])
    executed = time.perf_counter() - started - installed
    print(f"wheel install {installed:.0f} s, {CHAPTER} quick profile from it {executed:.0f} s")
