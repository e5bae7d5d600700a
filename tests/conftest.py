"""Fixtures shared by the test modules: the book is executed and built once per test session."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"


@pytest.fixture(scope="session")
def built_book():
    """Execute every chapter (quick profile) and build the HTML with warnings as errors."""
    shutil.rmtree(BUILD, ignore_errors=True)
    subprocess.run([sys.executable, "tools/execute_chapters.py", "--profile", "quick", "--claims", "strict"],
                   cwd=ROOT, check=True)  # CI is strict: a claim that does not hold fails it
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    build = subprocess.run([str(jupyter_book), "build", "_build/source", "--path-output", ".", "-W", "-n",
                            "--keep-going"], cwd=ROOT, capture_output=True, text=True)
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    return BUILD / "html"
