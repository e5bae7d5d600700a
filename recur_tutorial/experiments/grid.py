"""A grid of (task, model, seed) runs: train, evaluate, store; restartable.

Every finished run is stored at once in a JSON file (atomically), keyed by its full settings, so a
grid that is interrupted and started again skips the runs it has and a changed setting is a new run.
A chapter that needs the trained model itself gets it from :func:`trained_model`, which keeps the
weights in the same way.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable

import pandas as pd
import torch

from .. import models, tasks
from ..evaluation import evaluate
from ..results import read_json, write_json
from ..runtime import progress_bar
from ..training import Curriculum, train


@dataclass(frozen=True)
class Run:
    """One training run and its evaluation. ``label`` names the model in tables (default: model)."""

    task: str
    model: str
    seed: int = 0
    layout: str = "read_then_write"
    layout_options: dict = field(default_factory=dict)
    steps: int = 1000
    batch_size: int = 128
    lr: float = 1e-3
    train_lengths: tuple[int, int] = (1, 40)
    curriculum: str = "uniform"
    test_lengths: tuple[int, ...] = tuple(range(1, 201))
    test_batch_size: int = 128
    task_options: dict = field(default_factory=dict)
    model_config: dict = field(default_factory=dict)
    train_options: dict = field(default_factory=dict)
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or self.model

    @property
    def key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def build(self):
        """The run's layout and its model with the initial weights of ``seed``."""
        task = tasks.get(self.task, **self.task_options)
        layout = tasks.get_layout(self.layout, task, **self.layout_options)
        return models.build(self.model, layout, seed=self.seed, **self.model_config), layout

    def fit(self, model, layout, device=None) -> tuple[pd.DataFrame, float]:
        """Train ``model`` in place as the run says; return the training history and its seconds."""
        low, high = self.train_lengths
        started = time.perf_counter()
        history = train(
            model, layout, steps=self.steps, batch_size=self.batch_size, lr=self.lr,
            curriculum=Curriculum(low, high, self.curriculum), seed=self.seed, device=device, progress=False,
            **self.train_options,
        )
        return history, time.perf_counter() - started

    def execute(self, device=None) -> dict:
        """Train and evaluate; return a JSON-ready record."""
        model, layout = self.build()
        history, train_seconds = self.fit(model, layout, device)
        high = self.train_lengths[1]
        result = evaluate(model, layout, self.test_lengths, train_max=high, batch_size=self.test_batch_size,
                          device=device)
        return {
            "run": asdict(self),
            "lengths": result.table.length.tolist(),
            "accuracy": result.table.accuracy.tolist(),
            "score": result.score,
            "in_distribution": result.in_distribution,
            "final_train_loss": float(history.loss.tail(5).mean()),
            "train_seconds": train_seconds,
            "parameters": model.num_parameters(),
        }


def weights_path(run: Run, directory: str | Path) -> Path:
    """Where :func:`trained_model` keeps the weights of ``run``: a name derived from its settings."""
    return Path(directory) / f"{hashlib.sha1(run.key.encode()).hexdigest()[:16]}.pt"


def trained_model(run: Run, directory: str | Path, device=None):
    """The model of ``run`` after training, as the grid trains it (same seed, same weights), its
    layout and the seconds the training took. The weights and that time are kept in ``directory``
    under a name derived from the run's settings, so a second call loads them instead of training."""
    model, layout = run.build()
    path = weights_path(run, directory)
    if path.exists():
        saved = torch.load(path)
        model.load_state_dict(saved["weights"])
        return model.eval(), layout, saved["train_seconds"]
    history, seconds = run.fit(model, layout, device)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    torch.save({"weights": model.state_dict(), "train_seconds": seconds, "history": history.to_dict("list")}, partial)
    partial.replace(path)  # atomic: an interrupted save never leaves a torn weights file
    return model.cpu().eval(), layout, seconds


def training_history(run: Run, directory: str | Path) -> pd.DataFrame:
    """The training history (step, length, loss, accuracy, seconds) of the model that
    :func:`trained_model` keeps for ``run`` in ``directory`` (trained first if it is not there)."""
    path = weights_path(run, directory)
    if not path.exists():
        trained_model(run, directory)
    return pd.DataFrame(torch.load(path)["history"])


def run_grid(runs: Iterable[Run], path: str | Path, *, device=None, progress: bool = True) -> pd.DataFrame:
    """Run every run not yet stored in ``path``; return the per-length table of all of them.

    Columns: task, model (the run's name), seed, length, accuracy.
    """
    runs = list(runs)
    stored = read_json(path, default={})
    todo = [run for run in runs if run.key not in stored]
    for run in progress_bar(todo, desc="runs", show=progress and bool(todo)):
        stored[run.key] = run.execute(device)
        write_json(path, stored)
    return per_length_table([stored[run.key] for run in runs], runs)


def per_length_table(records: list[dict], runs: list[Run]) -> pd.DataFrame:
    frames = [
        pd.DataFrame({"task": run.task, "model": run.name, "seed": run.seed,
                      "length": record["lengths"], "accuracy": record["accuracy"],
                      "beyond_training": [n > run.train_lengths[1] for n in record["lengths"]]})
        for record, run in zip(records, runs)
    ]
    return pd.concat(frames, ignore_index=True)


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """Per task and model: the best, mean and worst score over seeds (a seed's score is its mean
    accuracy beyond training) and the in-distribution accuracy of the best seed."""
    per_seed = (
        table.groupby(["task", "model", "seed", "beyond_training"]).accuracy.mean().unstack("beyond_training")
        .rename(columns={True: "score", False: "in_distribution"}).reset_index()
    )
    best = per_seed.loc[per_seed.groupby(["task", "model"]).score.idxmax()].set_index(["task", "model"])
    return pd.DataFrame({
        "best": best.score,
        "mean": per_seed.groupby(["task", "model"]).score.mean(),
        "worst": per_seed.groupby(["task", "model"]).score.min(),
        "in_distribution": best.in_distribution,
        "seeds": per_seed.groupby(["task", "model"]).seed.count(),
    }).reset_index()
