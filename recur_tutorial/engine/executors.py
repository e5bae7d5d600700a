"""The run engine: ``run_grid(runs, store, workers=N, backend="local" | "ray")``.

Every run not yet in the store is executed (in worker processes or as Ray tasks, each on one torch
thread) and its record and weights are written to the store by the driver as soon as it finishes, so
an interrupted sweep keeps everything that finished. A run that raises, or whose training loss is not
finite, is kept as a *failed* record with its error and does not stop the sweep.

Runs are started longest first (by :attr:`Run.work <.run.Run.work>`: steps × batch size × tokens
of the longest training sequence), which keeps the workers busy to the end.

Each run goes to the device that the store's setting gives it (:meth:`Store.run_device
<.store.Store.run_device>`: the CPU by default; with ``auto`` the GPU, except for the models that are
faster on the CPU). Locally, the GPU runs go to one worker process per GPU (each worker keeps to its
own GPU) and the CPU runs to the other workers; on Ray, a GPU run asks for a quarter of a GPU.
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
from .table import per_length_table

BACKENDS = ("local", "ray")
RAY_VERSION = "2.60.0"


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def execute_safely(run: Run, device: str | torch.device | None = None, workers: int = 1) -> tuple[dict, bytes | None]:
    """``run.execute`` (on one torch thread) with its provenance; an exception becomes a failed
    record (no weights). In a worker kept to one GPU, ``cuda`` is that GPU."""
    started = time.perf_counter()
    device = _own_gpu(device)
    try:
        record, weights = run.execute(device)
    except Exception as error:  # noqa: BLE001 -- a sweep outlives any one run's failure
        record = {"status": "failed", "run": dict(run.settings, label=run.label),
                  "error": f"{type(error).__name__}: {error}",
                  "traceback": traceback.format_exc(limit=8)}
        weights = None
    record["provenance"] = provenance(workers=workers, threads=1, seconds=time.perf_counter() - started,
                                      device=None if device is None else str(device))
    return record, weights


# ---- local worker processes ------------------------------------------------------------------------
_GPU: int | None = None
"""The GPU this worker process keeps to (None: any; set by :func:`_worker_setup`)."""


def _own_gpu(device):
    """``device``, with a bare ``cuda`` made this worker's own GPU."""
    if _GPU is not None and device is not None and torch.device(device) == torch.device("cuda"):
        torch.cuda.set_device(_GPU)
        return torch.device("cuda", _GPU)
    return device


def gpu_indices(device: torch.device) -> list[int]:
    """The GPUs that runs on ``device`` share out: every visible GPU for a bare ``cuda``, else its own."""
    return list(range(torch.cuda.device_count())) if device.index is None else [device.index]


def _worker_setup(gpus=None) -> None:
    """A worker process: one torch thread, no progress bars, Ctrl-C left to the driver (which stops
    the sweep; a worker interrupted at its own prompt would only print a traceback), and ended
    within a second of its driver, so that a killed notebook or script leaves no worker training on.
    ``gpus``: a queue of GPU indices, one of which this worker takes and keeps to."""
    global _GPU
    if gpus is not None:
        _GPU = gpus.get()
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


_POOL: dict[tuple, ProcessPoolExecutor] = {}


def _pool(workers: int, gpus: tuple[int, ...] = ()) -> ProcessPoolExecutor:
    """A pool of ``workers`` spawned processes (with ``gpus``: one per GPU, each kept to its own),
    kept for the next call (starting one costs seconds)."""
    key = (workers, gpus)
    pool = _POOL.get(key)
    if pool is None or getattr(pool, "_broken", False):
        context = multiprocessing.get_context("spawn")
        queue = None
        if gpus:
            queue = context.SimpleQueue()
            for index in gpus:
                queue.put(index)
        pool = ProcessPoolExecutor(len(gpus) or workers, mp_context=context, initializer=_worker_setup,
                                   initargs=(queue,))
        _POOL[key] = pool
    return pool


@atexit.register
def _close_pools() -> None:
    for pool in _POOL.values():
        pool.shutdown(wait=False, cancel_futures=True)
    _POOL.clear()


def local_plan(placed: list[tuple[Run, torch.device]], workers: int) -> list[tuple[int, tuple[int, ...], list]]:
    """How the local backend shares ``placed`` runs (each with its device) out: (workers, GPUs kept
    to, [(run, device)]) per pool. GPU runs: one worker per GPU they may use; CPU runs: the
    ``workers`` left (at least one)."""
    on_gpu = [(run, device) for run, device in placed if device.type == "cuda"]
    on_cpu = [(run, device) for run, device in placed if device.type != "cuda"]
    plan = []
    if on_gpu:
        gpus = tuple(gpu_indices(on_gpu[0][1]))[: len(on_gpu)]
        plan.append((len(gpus), gpus, [(run, torch.device("cuda")) for run, _ in on_gpu]))
    if on_cpu:
        plan.append((max(1, min(workers - sum(p[0] for p in plan), len(on_cpu))), (), on_cpu))
    return plan


def _local(placed: list[tuple[Run, torch.device]], workers: int) -> Iterator[tuple[Run, tuple[dict, bytes | None]]]:
    if workers == 1:
        for run, device in placed:
            yield run, execute_safely(run, device, 1)
        return
    futures, pools = {}, []
    for size, gpus, members in local_plan(placed, workers):
        pool = _pool(size, gpus)
        pools.append(((size, gpus), pool))
        futures.update({pool.submit(execute_safely, run, device, workers): run for run, device in members})
    try:
        while futures:
            done, _ = wait(futures, return_when=FIRST_COMPLETED)
            for future in done:
                yield futures.pop(future), future.result()
    finally:
        if futures:  # interrupted (Ctrl-C, an error in the driver): stop the workers' runs too
            for key, pool in pools:
                _POOL.pop(key, None)
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


def _ray(placed: list[tuple[Run, torch.device]], workers: int, address: str | None):
    """Each run a Ray task with one CPU (and, a GPU run, a quarter of a GPU, which Ray makes the
    task's ``cuda``), on the cluster at ``address`` or on a local Ray started here with ``workers``
    CPUs."""
    ray = _import_ray()
    started_here = not ray.is_initialized()
    if started_here:
        options = {"address": address} if address else {"num_cpus": workers, "include_dashboard": False}
        ray.init(log_to_driver=False, configure_logging=False, **options)
    try:
        task = ray.remote(num_cpus=1, max_retries=0)(execute_safely)
        pending = {}
        for run, device in placed:
            on_gpu = device.type == "cuda"
            call = task.options(num_gpus=0.25) if on_gpu else task
            pending[call.remote(run, "cuda" if on_gpu else str(device), workers)] = run
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                yield pending.pop(ref), ray.get(ref)
    finally:
        if started_here:
            ray.shutdown()


# ---- the sweep ------------------------------------------------------------------------------------------
def as_store(store: Store | str | os.PathLike, device: str | None = None) -> Store:
    """``store`` (a folder or a :class:`Store`) with the device setting ``device`` (None: the
    store's own, the CPU for a folder)."""
    store = store if isinstance(store, Store) else Store(store)
    return store.on(device)


def pending_runs(runs: Iterable[Run], store: Store, *, retry_failed: bool = False) -> list[Run]:
    """The distinct runs not yet in ``store``, longest first (:attr:`Run.work <.run.Run.work>`)."""
    todo = {run.key: run for run in runs if not store.done(run, retry_failed=retry_failed)}
    return sorted(todo.values(), key=lambda run: -run.work)


def execute_runs(runs: list[Run], store: Store, *, workers: int, backend: str, address: str | None,
                 progress: bool) -> None:
    """Execute ``runs`` on the backend, each on its device under the store's setting, and put each
    result in ``store`` as it arrives."""
    check_choice("backend", backend, BACKENDS)
    check(isinstance(workers, int) and workers >= 1, f"workers must be a positive integer, got {workers!r}")
    if address and backend != "ray":
        raise ConfigError("an address is a Ray cluster's: use it with backend='ray'")
    placed = [(run, store.run_device(run)) for run in runs]
    if backend == "ray":
        results = _ray(placed, workers, address)
    else:
        results = _local(placed, min(workers, len(runs)))
    for run, (record, weights) in progress_bar(results, desc="runs", total=len(runs), show=progress and bool(runs)):
        store.put(run, record, weights)


def run_grid(runs: Iterable[Run], store: Store | str | os.PathLike, *, workers: int | None = None,
             backend: str = "local", address: str | None = None, device=None, progress: bool = True,
             retry_failed: bool = False) -> pd.DataFrame:
    """Run every run not yet in ``store``; return the per-length table of all of them (columns: task,
    model (the run's name), seed, length, accuracy, beyond_training, and any column the evaluator
    adds). ``workers`` defaults to the number of usable cores; ``device`` (``cpu``, ``auto``,
    ``cuda``, ``cuda:N``; None: the store's setting, the CPU for a folder) decides each run's device
    (:func:`~recur_tutorial.runtime.run_device`). Failed runs are reported and left out of the
    table."""
    runs, store = list(runs), as_store(store, device)
    workers = usable_cores() if workers is None else workers
    todo = pending_runs(runs, store, retry_failed=retry_failed)
    if todo:
        execute_runs(todo, store, workers=workers, backend=backend, address=address, progress=progress)
    records = [store.record(run) for run in runs]
    for run, record in zip(runs, records):
        if record["status"] == "failed":
            print(f"run failed: {run.name} on {run.task} (seed {run.seed}): {record['error']}")
    return per_length_table([(run, r) for run, r in zip(runs, records) if r["status"] == "ok"])


def trained_model(run: Run, store: Store | str | os.PathLike, device=None):
    """The trained model of ``run`` (evaluation mode) and its layout, from ``store`` (with the device
    setting ``device``; None: the store's); a run not yet there is run first (one worker). The model
    is on the device it trained on where ``device`` is given, else on the CPU."""
    store = as_store(store, device)
    run_grid([run], store, workers=1, progress=False)
    return store.model(run, None if device is None else store.run_device(run))
