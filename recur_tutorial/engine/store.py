"""The run store: one folder per profile that keeps every run's record and trained weights.

Layout of a store folder::

    records/<id>.json   the record of a finished (or failed) run, written atomically, last
    weights/<id>.pt     its trained weights, written atomically before the record
    fits.log            one line per trained run put in the store, appended: "<id> <seconds>"

``<id>`` is the first 20 hex digits of the SHA-1 of the run's key on the device type it runs on
(:meth:`Run.device_key <.run.Run.device_key>`: its settings as canonical JSON, the device's type added
off the CPU). The store's ``device`` setting (``cpu``, the default; ``auto``; ``cuda``; ``cuda:N``)
decides, for each run, the device it runs on and so the records it reads
(:func:`~recur_tutorial.runtime.run_device`): CPU and GPU records of one run sit side by side.
A run counts as done when its record exists; since the weights are written first and every file is
renamed into place whole, a sweep killed at any moment leaves no torn file and no record without its
weights, and a sweep started again retrains nothing that finished.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections import Counter
from pathlib import Path

import pandas as pd
import torch

from ..errors import ConfigError
from ..results import MODE, read_json, write_atomic, write_json
from ..runtime import check_device_setting, device_type, run_device
from .run import HISTORY_COLUMNS, Run

DEFAULT_DEVICE = "cpu"
"""The device setting of a store, a sweep and a chapter unless told otherwise: the CPU, on which the
book's numbers were measured."""


def run_id(run: Run, device_type: str = "cpu") -> str:
    return hashlib.sha1(run.device_key(device_type).encode()).hexdigest()[:20]


class Store:
    """Records and weights of runs, keyed by the runs' settings and device type (see the module's
    docstring)."""

    def __init__(self, directory: str | os.PathLike, device: str = DEFAULT_DEVICE) -> None:
        self.directory = Path(directory)
        if self.directory.suffix == ".json":
            raise ValueError(f"a run store is a folder, not a JSON file: {self.directory}")
        check_device_setting(device)
        self.device = str(device)
        self.records_dir = self.directory / "records"
        self.weights_dir = self.directory / "weights"

    def __repr__(self) -> str:
        device = "" if self.device == DEFAULT_DEVICE else f", device={self.device!r}"
        return f"Store({str(self.directory)!r}{device})"

    def on(self, device: str | None) -> "Store":
        """This store's folder with the device setting ``device`` (None: this store)."""
        return self if device is None or str(device) == self.device else Store(self.directory, device)

    def run_device(self, run: Run):
        """The device ``run`` trains on under this store's setting (a torch device)."""
        return run_device(run.model, self.device)

    def run_id(self, run: Run) -> str:
        return run_id(run, device_type(run.model, self.device))

    def record_path(self, run: Run) -> Path:
        return self.records_dir / f"{self.run_id(run)}.json"

    def weights_path(self, run: Run) -> Path:
        return self.weights_dir / f"{self.run_id(run)}.pt"

    def record(self, run: Run) -> dict | None:
        """The stored record of ``run``, or None."""
        return read_json(self.record_path(run))

    def done(self, run: Run, *, retry_failed: bool = False) -> bool:
        record = self.record(run)
        return record is not None and not (retry_failed and record.get("status") == "failed")

    def put(self, run: Run, record: dict, weights: bytes | None) -> None:
        """Keep ``record`` (and ``weights``, when the run finished) under the run's key."""
        if weights is not None:
            write_atomic(self.weights_path(run), lambda stream: stream.write(weights))
        write_json(self.record_path(run), record)
        if weights is not None:
            self._log_fit(run, record["train_seconds"])

    def _log_fit(self, run: Run, seconds: float) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        line = f"{self.run_id(run)} {seconds:.3f}\n".encode()
        handle = os.open(self.directory / "fits.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, MODE)
        try:
            os.write(handle, line)  # one write of one short line to an O_APPEND file: never interleaved
        finally:
            os.close(handle)

    def fits(self) -> Counter:
        """How many times each run id was trained to the end into this store."""
        path = self.directory / "fits.log"
        lines = path.read_text().splitlines() if path.exists() else []
        return Counter(line.split()[0] for line in lines if line.strip())

    def records(self) -> list[dict]:
        """Every record in the store."""
        return [read_json(path) for path in sorted(self.records_dir.glob("*.json"))]

    def finished(self, run: Run) -> dict:
        """The record of ``run``, which must have finished: a clear error when it is not in the store
        or failed."""
        record = self.record(run)
        if record is None:
            raise ConfigError(f"run {run.name} on {run.task} (seed {run.seed}) is not in {self}: run it first "
                              "(run_grid, or trained_model)")
        if record.get("status") == "failed":
            raise ConfigError(f"run {run.name} on {run.task} (seed {run.seed}) failed: {record['error']}")
        return record

    def history(self, run: Run) -> pd.DataFrame:
        """The training history kept in the record of ``run`` (step, length, loss, accuracy; at most
        :data:`~recur_tutorial.engine.run.HISTORY_POINTS` rows)."""
        return pd.DataFrame(self.finished(run)["history"])[list(HISTORY_COLUMNS)]

    def model(self, run: Run, device=None):
        """The trained model of ``run`` (evaluation mode) and its layout, from the stored weights."""
        self.finished(run)
        model, layout = run.build()
        weights = torch.load(io.BytesIO(self.weights_path(run).read_bytes()), weights_only=True)
        model.load_state_dict(weights)
        if device is not None:
            model.to(device)
        return model.eval(), layout


def open_store(results_dir: str | os.PathLike, profile: str, device: str = DEFAULT_DEVICE) -> Store:
    """The book's store of one profile, ``<results_dir>/store/<profile>``, with the device setting
    ``device`` (a chapter's ``device`` parameter)."""
    from .profiles import PROFILES
    from ..errors import check_choice

    check_choice("profile", profile, PROFILES)
    return Store(Path(results_dir) / "store" / profile, device)
