"""Kept records: run records that the book keeps in its repository, with the code that made them.

A run store (:mod:`.store`) lives on one machine and holds weights; a *kept* record is the part of a
run's record that a page of the book needs (task, model, seed, score, in-distribution accuracy, the
accuracy at every tested length, timings), its settings, its provenance (commit, torch, the CPU and the
vector instructions torch's kernels used, date) and the *code fingerprint* of the run: a SHA-256 over
the source files that build, train and score it (:func:`code_files`). Kept records are one JSON object
a line (``records.jsonl``), rewritten whole and atomically each time one is added, so that a sweep
killed at any moment leaves the records that finished, and a file in the repository counts as done:
a sweep started on another machine trains only the runs whose record is missing, whose settings
changed, or whose code fingerprint no longer matches the code (:meth:`KeptRecords.stale`).

Same settings, same code, same machine type (CPU model and kernel capability, torch version): the
same numbers, because every run trains on one torch thread from its seed (:mod:`.run`).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import inspect
import json
import os
from pathlib import Path

import torch

from .. import models, tasks
from ..errors import check
from ..results import write_atomic, write_json
from .provenance import device_name, provenance
from .run import Run

PACKAGE = Path(__file__).resolve().parents[1]
SHARED_CODE = ("training.py", "evaluation.py", "runtime.py", "engine/run.py")
"""Files of the package that every run's numbers depend on (beside its model's and its task's)."""
CELL = ("task", "label", "seed")
"""What names a kept record: one seed of one model (its label) on one task."""


def machine() -> dict:
    """The machine type that decides a CPU run's numbers: the CPU's name, the vector instructions that
    torch's kernels use on it (``ATEN_CPU_CAPABILITY`` lowers them), torch's version."""
    return {"cpu": device_name("cpu"), "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "torch": torch.__version__}


def _imports(path: Path) -> list[Path]:
    """The package's modules that ``path`` imports relatively from its own folder or below (``from .x
    import``, ``from . import x``); imports from the package's other folders are left out."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names = [node.module] if node.module else [alias.name for alias in node.names]
            for name in names:
                base = path.parent.joinpath(*name.split("."))
                for candidate in (base.with_suffix(".py"), base / "__init__.py"):
                    if candidate.exists():
                        found.append(candidate)
    return found


def _closure(start: Path) -> set[Path]:
    """``start`` and every module it imports from its own folder, transitively (files that a module
    names as a string, such as a C++ source it compiles, come along)."""
    seen, todo = set(), [start]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        todo += _imports(path)
        text = path.read_text()
        seen |= {other for other in path.parent.iterdir() if other.suffix in (".cpp", ".cu") and other.name in text}
    return seen


def _source(obj) -> Path:
    """The source file that defines ``obj`` (a class or function, or a partial of one)."""
    return Path(inspect.getsourcefile(getattr(obj, "func", obj))).resolve()


@functools.lru_cache(maxsize=None)
def _cell_files(model: str, task: str) -> tuple[Path, ...]:
    files = {*_closure(_source(models.MODELS[model])), *_closure(_source(tasks.TASKS[task])),
             *_closure(_source(tasks.get_layout)), *(PACKAGE / name for name in SHARED_CODE)}
    return tuple(sorted(files))


def code_files(run: Run) -> tuple[Path, ...]:
    """The source files that ``run``'s numbers depend on: its model's module and the modules of the
    model's folder it imports (transitively), the same for its task and for the layouts, and
    :data:`SHARED_CODE`. Files of the package's other folders (errors, the registries' faces) do not
    change numbers and are left out."""
    return _cell_files(run.model, run.task)


def code_fingerprint(run: Run) -> str:
    """SHA-256 (first 16 hex digits) of :func:`code_files` (their paths in the package and contents)
    and of how the zoo builds the model (its registered factory's fixed settings)."""
    digest = hashlib.sha256()
    for path in code_files(run):
        digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes() + b"\0")
    factory = models.MODELS[run.model]
    digest.update(repr(sorted(getattr(factory, "keywords", {}).items())).encode())
    return digest.hexdigest()[:16]


def kept_record(run: Run, record: dict) -> dict:
    """The part of a run store's ``record`` of ``run`` that is kept: the cell, the numbers (accuracy
    per tested length, score beyond training, in distribution), timings, settings, provenance with the
    machine type, and the code fingerprint. A failed run keeps its error instead of numbers."""
    kept = {"task": run.task, "model": run.model, "label": run.name, "seed": run.seed, "status": record["status"]}
    if record["status"] == "ok":
        kept.update({"score": record["score"], "in_distribution": record["in_distribution"],
                     "lengths": record["lengths"], "accuracy": record["accuracy"],
                     "train_seconds": round(record["train_seconds"], 3),
                     "eval_seconds": round(record["eval_seconds"], 3),
                     "final_train_loss": record["final_train_loss"], "parameters": record["parameters"]})
    else:
        kept["error"] = record["error"]
    kept["settings"] = run.settings
    kept["fingerprint"] = code_fingerprint(run)
    kept["provenance"] = {**record.get("provenance", provenance()), **machine()}
    return kept


def write_kept_json(path: str | os.PathLike, payload: dict, *, workers: int = 1,
                    seconds: float | None = None) -> Path:
    """Write ``payload`` with its provenance (commit, torch, the machine type, date, ``seconds``) to
    ``path`` as JSON, atomically: the form of a kept table that is not one record per run (the
    robustness table, ``book/data/robustness``)."""
    return write_json(path, {**payload, "provenance": {**provenance(workers=workers, seconds=seconds), **machine()}})


def cell(record_or_run) -> tuple:
    """The (task, label, seed) that names a kept record or a run."""
    if isinstance(record_or_run, Run):
        return record_or_run.task, record_or_run.name, record_or_run.seed
    return tuple(record_or_run[k] for k in CELL)


class KeptRecords:
    """The kept records of one file (``records.jsonl``), by cell (:data:`CELL`)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.records: dict[tuple, dict] = {}
        if self.path.exists():
            for number, line in enumerate(self.path.read_text().splitlines(), 1):
                if line.strip():
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError as error:
                        raise ValueError(f"{self.path}, line {number}: not a JSON object ({error})") from None
                    self.records[cell(record)] = record

    def __len__(self) -> int:
        return len(self.records)

    def get(self, run: Run) -> dict | None:
        return self.records.get(cell(run))

    def why_stale(self, run: Run) -> str | None:
        """Why ``run`` must be trained (again): no record, settings changed, code changed; None when
        its kept record stands."""
        record = self.get(run)
        if record is None:
            return "not measured"
        if record["settings"] != run.settings:
            return "settings changed"
        if record["fingerprint"] != code_fingerprint(run):
            return "code changed"
        return None

    def stale(self, runs) -> list[Run]:
        """The runs among ``runs`` whose kept record is missing or no longer stands."""
        return [run for run in runs if self.why_stale(run) is not None]

    def put(self, record: dict) -> None:
        """Keep ``record`` (replacing the one of its cell) and rewrite the file atomically."""
        check(all(k in record for k in CELL), f"a kept record names its cell {list(CELL)}")
        self.records[cell(record)] = record
        self.write()

    def write(self) -> Path:
        lines = [json.dumps(self.records[key], sort_keys=True) for key in sorted(self.records, key=str)]
        text = ("\n".join(lines) + "\n").encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return write_atomic(self.path, lambda stream: stream.write(text))

    def ok(self) -> list[dict]:
        """The records of runs that finished."""
        return [r for r in self.records.values() if r["status"] == "ok"]
