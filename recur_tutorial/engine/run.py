"""One training run and its evaluation: the unit of every experiment in the book.

A :class:`Run` is its settings (task, model, seed, layout, budget, lengths, scoring) and nothing else;
its :attr:`~Run.key` (the settings as canonical JSON; with the device's type added off the CPU,
:meth:`~Run.device_key`) names it in the run store. :meth:`Run.execute`
builds the model from the seed, trains it, scores it and returns a JSON-ready record with the trained
weights beside it. On the CPU a run uses one torch thread, so the same run gives the same record on
the same machine whether it runs alone, in a worker process or as a Ray task.
"""

from __future__ import annotations

import io
import json
import math
import time
from dataclasses import asdict, dataclass, field, fields

import pandas as pd
import torch

from .. import models, tasks
from ..errors import ConfigError, check_choice
from ..evaluation import EVALUATORS
from ..runtime import gpu_numerics, threads
from ..training import Curriculum, longest_sequence, train

HISTORY_POINTS = 200
"""At most this many rows of the training history are kept in a record (evenly spaced steps)."""
HISTORY_COLUMNS = ("step", "length", "loss", "accuracy")


@dataclass(frozen=True)
class Run:
    """One training run and how it is scored. ``label`` names the model in tables (default: the zoo
    name) and is not part of the key; ``evaluator`` is ``lengths`` or ``generation``
    (:data:`recur_tutorial.evaluation.EVALUATORS`)."""

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
    evaluator: str = "lengths"
    label: str = ""

    def __post_init__(self) -> None:
        check_choice("evaluator", self.evaluator, EVALUATORS)

    @property
    def name(self) -> str:
        return self.label or self.model

    @property
    def settings(self) -> dict:
        """The settings as JSON values (tuples become lists), without the label."""
        values = json.loads(json.dumps(asdict(self)))
        values.pop("label")
        return values

    @property
    def key(self) -> str:
        """The settings as canonical JSON: two runs with the same key train the same model."""
        return json.dumps(self.settings, sort_keys=True)

    def device_key(self, device_type: str = "cpu") -> str:
        """The run's key on a device type: :attr:`key` on the CPU, and on another device the settings
        with the device's type added, so that records measured on a GPU and on the CPU never mix."""
        if device_type == "cpu":
            return self.key
        return json.dumps(dict(self.settings, device=device_type), sort_keys=True)

    @classmethod
    def from_settings(cls, settings: dict, label: str = "") -> "Run":
        """The run whose :attr:`settings` are ``settings`` (as stored in a record)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise ConfigError(f"unknown run settings {unknown}; allowed: {sorted(known)}")
        values = dict(settings, label=label)
        values["train_lengths"] = tuple(values.get("train_lengths", (1, 40)))
        values["test_lengths"] = tuple(values.get("test_lengths", ()))
        return cls(**values)

    def build_layout(self):
        """The run's layout of its task."""
        return tasks.get_layout(self.layout, tasks.get(self.task, **self.task_options), **self.layout_options)

    def build(self):
        """The run's model with the initial weights of ``seed``, and its layout."""
        layout = self.build_layout()
        return models.build(self.model, layout, seed=self.seed, **self.model_config), layout

    @property
    def work(self) -> int:
        """Steps × batch size × tokens of a sequence at the longest training length: the tokens that
        training reads at most, by which the run engine orders runs (longest first)."""
        return self.steps * self.batch_size * longest_sequence(self.build_layout(), self.train_lengths[1])

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

    def score(self, model, layout, device=None):
        """The run's evaluation of a trained ``model`` (an :class:`~recur_tutorial.Evaluation`)."""
        return EVALUATORS[self.evaluator](model, layout, self.test_lengths, train_max=self.train_lengths[1],
                                          batch_size=self.test_batch_size, device=device)

    def execute(self, device=None) -> tuple[dict, bytes]:
        """Train and evaluate on one CPU thread (and on ``device``, float32 exact and deterministic
        kernels where it is a GPU: :func:`~recur_tutorial.runtime.gpu_numerics`); return the
        record and the trained weights (bytes of ``torch.save``). Raises :class:`TrainingFailed` when
        the training loss is not finite."""
        device = torch.device(device) if device is not None else None
        with threads(1), gpu_numerics(device or "cpu"):
            model, layout = self.build()
            history, train_seconds = self.fit(model, layout, device)
            diverged = history[~history.loss.map(math.isfinite)]
            if len(diverged):
                step, loss = int(diverged.step.iloc[0]), float(diverged.loss.iloc[0])
                raise TrainingFailed(f"the training loss of {self.name} on {self.task} became {loss} at step "
                                     f"{step} (lr {self.lr}, seed {self.seed})")
            final_loss = float(history.loss.tail(5).mean())
            started = time.perf_counter()
            result = self.score(model, layout, device)
            eval_seconds = time.perf_counter() - started
        weights = io.BytesIO()
        torch.save({k: v.cpu() for k, v in model.state_dict().items()}, weights)
        record = {
            "status": "ok",
            "run": dict(self.settings, label=self.label),
            "lengths": result.table.length.tolist(),
            "accuracy": result.table.accuracy.tolist(),
            "columns": {c: result.table[c].tolist() for c in result.table.columns if c not in ("length", "accuracy")},
            "score": result.score,
            "in_distribution": result.in_distribution,
            "final_train_loss": final_loss,
            "history": short_history(history),
            "train_seconds": train_seconds,
            "eval_seconds": eval_seconds,
            "parameters": model.num_parameters(),
        }
        return record, weights.getvalue()


class TrainingFailed(RuntimeError):
    """A run whose training loss became NaN or infinite."""


def short_history(history: pd.DataFrame, points: int = HISTORY_POINTS) -> dict[str, list]:
    """At most ``points`` evenly spaced rows of a training history (step, length, loss, accuracy),
    the last row always kept, as JSON lists."""
    every = max(1, math.ceil(len(history) / points))
    rows = history.iloc[::every]
    if len(history) and rows.index[-1] != history.index[-1]:
        rows = pd.concat([rows, history.iloc[[-1]]])
    return {column: [round(float(v), 6) if column in ("loss", "accuracy") else int(v) for v in rows[column]]
            for column in HISTORY_COLUMNS}


def find_run(runs, *, task: str | None = None, name: str | None = None, seed: int | None = None) -> Run:
    """The one run among ``runs`` with this task, name (label or zoo name) and seed (None: any)."""
    found = [r for r in runs if (task is None or r.task == task) and (name is None or name in (r.name, r.model))
             and (seed is None or r.seed == seed)]
    if len(found) != 1:
        raise ConfigError(f"{len(found)} runs have task={task!r}, name={name!r}, seed={seed!r}; "
                          f"runs: {sorted({(r.task, r.name, r.seed) for r in runs})[:12]}")
    return found[0]


def distinct(runs) -> list[Run]:
    """``runs`` without repeats (same key), in their first order."""
    first: dict[str, Run] = {}
    for run in runs:
        first.setdefault(run.key, run)
    return list(first.values())
