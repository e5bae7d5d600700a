"""Execute every chapter with papermill, then stage the book for a strict build (tools/stage_book.py).

    python tools/execute_chapters.py [--profile quick|full] [--only 01_chomsky_hierarchy ...]

The book's sources (``_config.yml``, ``_toc.yml``, ``book/``) are copied to ``_build/source/`` and
each chapter listed in ``_toc.yml`` is executed into ``_build/source/chapters/``: the committed
chapters stay without outputs. The cell papermill injects is tagged ``remove-cell`` so the book
hides it. Each chapter writes its claims and numbers to ``_build/results/chapterN.json``; the wall
time of each chapter goes to ``_build/results/timings.json`` and into that file's provenance. The
chapters' runs are kept in the run store of the profile, ``_build/results/store/<profile>/``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
import papermill
import yaml

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
SOURCE = BUILD / "source"
RESULTS = BUILD / "results"
sys.path.insert(0, str(ROOT))

from recur_tutorial.experiments.profiles import PROFILES  # noqa: E402
from recur_tutorial.results import read_json, write_json  # noqa: E402
from tools.stage_book import stage_book  # noqa: E402


def chapters_in_toc() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [entry["file"] for part in toc["parts"] for entry in part["chapters"]]
    return [f for f in files if f.startswith("chapters/")]


def hide_injected_parameters(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        tags = cell.metadata.setdefault("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
    nbformat.write(notebook, path)


def execute(chapter: str, profile: str) -> float:
    """Run one chapter with papermill, its progress bars off (a frozen bar says nothing in a book)."""
    os.environ["RECUR_TUTORIAL_PROGRESS"] = "0"
    source = ROOT / f"{chapter}.ipynb"
    target = SOURCE / f"{chapter}.ipynb"
    started = time.perf_counter()
    papermill.execute_notebook(
        str(source), str(target), cwd=str(ROOT / "chapters"), kernel_name="python3", progress_bar=False,
        parameters={"profile": profile, "results_dir": str(RESULTS)},
    )
    hide_injected_parameters(target)
    return time.perf_counter() - started


def stamp_seconds(chapter: str, seconds: float) -> None:
    """Write the chapter's wall time into the provenance of its results JSON (chapterN.json)."""
    path = RESULTS / f"chapter{int(Path(chapter).name.split('_')[0])}.json"
    record = read_json(path)
    if record is not None:
        record.setdefault("provenance", {})["seconds"] = round(seconds, 1)
        write_json(path, record)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="quick", choices=PROFILES)
    parser.add_argument("--only", nargs="*", help="chapter names (e.g. 01_chomsky_hierarchy); default: all")
    args = parser.parse_args(argv)
    chapters = chapters_in_toc()
    if args.only:
        wanted = {f"chapters/{name}" for name in args.only}
        unknown = sorted(wanted - set(chapters))
        if unknown:
            parser.error(f"unknown chapter(s) {unknown}; chapters: {[c.split('/')[1] for c in chapters]}")
        chapters = [c for c in chapters if c in wanted]
    (SOURCE / "chapters").mkdir(parents=True, exist_ok=True)
    timings = read_json(RESULTS / "timings.json", default={})
    for chapter in chapters:
        print(f"executing {chapter} ({args.profile}) ...", flush=True)
        seconds = execute(chapter, args.profile)
        timings[chapter] = {"profile": args.profile, "seconds": round(seconds, 1)}
        write_json(RESULTS / "timings.json", timings)
        stamp_seconds(chapter, seconds)
        print(f"  done in {seconds:.0f} s", flush=True)
    stage_book()
    return 0


if __name__ == "__main__":
    sys.exit(main())
