"""The run engine: ``run_grid(runs, store, workers=N, backend="local" | "ray")``.

Every run not yet in the store is executed (in worker processes or as Ray tasks, each on one torch
thread) and its record and weights are written to the store by the driver as soon as it finishes, so
an interrupted sweep keeps everything that finished. A run that raises, or whose training loss is not
finite, is kept as a *failed* record with its error and does not stop the sweep.

Runs are started longest first (by :attr:`Run.work <.run.Run.work>`: steps × batch size × tokens
of the longest training sequence), which keeps the workers busy to the end.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import signal
import threading
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Iterable, Iterator

import pandas as pd
import torch

from ..errors import ConfigError, check, check_choice
from ..runtime import progress_bar
from .provenance import provenance
from .run import Run
from .store import Store
from .summary import per_length_table

BACKENDS = ("local", "ray")
RAY_VERSION = "2.60.0"


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def execute_safely(run: Run, device: str | None = None, workers: int = 1) -> tuple[dict, bytes | None]:
    """``run.execute`` (on one torch thread) with its provenance; an exception becomes a failed
    record (no weights)."""
    started = time.perf_counter()
    try:
        record, weights = run.execute(device)
    except Exception as error:  # noqa: BLE001 -- a sweep outlives any one run's failure
        record = {"status": "failed", "run": dict(run.settings, label=run.label),
                  "error": f"{type(error).__name__}: {error}",
                  "traceback": traceback.format_exc(limit=8)}
        weights = None
    record["provenance"] = provenance(workers=workers, threads=1, seconds=time.perf_counter() - started, device=device)
    return record, weights


# ---- local worker processes ------------------------------------------------------------------------
def _worker_setup() -> None:
    """A worker process: one torch thread, no progress bars, Ctrl-C left to the driver (which stops
    the sweep; a worker interrupted at its own prompt would only print a traceback), and ended
    within a second of its driver, so that a killed notebook or script leaves no worker training on."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    driver = os.getppid()
    threading.Thread(target=_end_with, args=(driver,), daemon=True, name="end-with-driver").start()
    torch.set_num_threads(1)
    os.environ["RECUR_TUTORIAL_PROGRESS"] = "0"


def _end_with(driver: int) -> None:
    """Exit this process once ``driver`` is no longer its parent (the driver died)."""
    while os.getppid() == driver:
        time.sleep(1)
    os._exit(1)


_POOL: dict[int, ProcessPoolExecutor] = {}


def _pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` spawned processes, kept for the next call (starting one costs seconds)."""
    pool = _POOL.get(workers)
    if pool is None or getattr(pool, "_broken", False):
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_setup)
        _POOL[workers] = pool
    return pool


@atexit.register
def _close_pools() -> None:
    for pool in _POOL.values():
        pool.shutdown(wait=False, cancel_futures=True)
    _POOL.clear()


def _local(runs: list[Run], workers: int, device) -> Iterator[tuple[Run, tuple[dict, bytes | None]]]:
    if workers == 1:
        for run in runs:
            yield run, execute_safely(run, device, 1)
        return
    pool = _pool(workers)
    futures = {pool.submit(execute_safely, run, device, workers): run for run in runs}
    try:
        while futures:
            done, _ = wait(futures, return_when=FIRST_COMPLETED)
            for future in done:
                yield futures.pop(future), future.result()
    finally:
        if futures:  # interrupted (Ctrl-C, an error in the driver): stop the workers' runs too
            _POOL.pop(workers, None)
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
            pool.shutdown(wait=False, cancel_futures=True)


# ---- Ray ---------------------------------------------------------------------------------------------
def _import_ray():
    try:
        import ray
    except ImportError:
        raise ConfigError(f"backend 'ray' needs Ray: pip install 'recur-tutorial[ray]' (ray=={RAY_VERSION})") from None
    return ray


def _ray(runs: list[Run], workers: int, device, address: str | None):
    """Each run a Ray task with one CPU (and a quarter of a GPU where the cluster has GPUs), on the
    cluster at ``address`` or on a local Ray started here with ``workers`` CPUs."""
    ray = _import_ray()
    started_here = not ray.is_initialized()
    if started_here:
        options = {"address": address} if address else {"num_cpus": workers, "include_dashboard": False}
        ray.init(log_to_driver=False, configure_logging=False, **options)
    try:
        gpus = 0.25 if ray.cluster_resources().get("GPU", 0) > 0 and device != "cpu" else 0
        task = ray.remote(num_cpus=1, num_gpus=gpus, max_retries=0)(execute_safely)
        pending = {task.remote(run, device, workers): run for run in runs}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                yield pending.pop(ref), ray.get(ref)
    finally:
        if started_here:
            ray.shutdown()


# ---- the sweep ------------------------------------------------------------------------------------------
def as_store(store: Store | str | os.PathLike) -> Store:
    return store if isinstance(store, Store) else Store(store)


def pending_runs(runs: Iterable[Run], store: Store, *, retry_failed: bool = False) -> list[Run]:
    """The distinct runs not yet in ``store``, longest first (:attr:`Run.work <.run.Run.work>`)."""
    todo = {run.key: run for run in runs if not store.done(run, retry_failed=retry_failed)}
    return sorted(todo.values(), key=lambda run: -run.work)


def execute_runs(runs: list[Run], store: Store, *, workers: int, backend: str, address: str | None,
                 device, progress: bool) -> None:
    """Execute ``runs`` on the backend and put each result in ``store`` as it arrives."""
    check_choice("backend", backend, BACKENDS)
    check(isinstance(workers, int) and workers >= 1, f"workers must be a positive integer, got {workers!r}")
    if address and backend != "ray":
        raise ConfigError("an address is a Ray cluster's: use it with backend='ray'")
    if backend == "ray":
        results = _ray(runs, workers, device, address)
    else:
        results = _local(runs, min(workers, len(runs)), device)
    for run, (record, weights) in progress_bar(results, desc="runs", total=len(runs), show=progress and bool(runs)):
        store.put(run, record, weights)


def run_grid(runs: Iterable[Run], store: Store | str | os.PathLike, *, workers: int | None = None,
             backend: str = "local", address: str | None = None, device=None, progress: bool = True,
             retry_failed: bool = False) -> pd.DataFrame:
    """Run every run not yet in ``store``; return the per-length table of all of them (columns: task,
    model (the run's name), seed, length, accuracy, beyond_training, and any column the evaluator
    adds). ``workers`` defaults to the number of usable cores. Failed runs are reported and left out
    of the table."""
    runs, store = list(runs), as_store(store)
    workers = usable_cores() if workers is None else workers
    todo = pending_runs(runs, store, retry_failed=retry_failed)
    if todo:
        execute_runs(todo, store, workers=workers, backend=backend, address=address, device=device,
                     progress=progress)
    records = [store.record(run) for run in runs]
    for run, record in zip(runs, records):
        if record["status"] == "failed":
            print(f"run failed: {run.name} on {run.task} (seed {run.seed}): {record['error']}")
    return per_length_table([(run, r) for run, r in zip(runs, records) if r["status"] == "ok"])


def trained_model(run: Run, store: Store | str | os.PathLike, device=None):
    """The trained model of ``run`` (evaluation mode) and its layout, from ``store``; a run not yet
    there is run first (one worker)."""
    store = as_store(store)
    run_grid([run], store, workers=1, progress=False)
    return store.model(run, device)
