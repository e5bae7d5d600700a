"""Accuracy against length, and the score of Delétang et al.

For each test length ℓ: the per-token accuracy on the scored positions of each sequence, averaged
over the sequences. On the causal language-model layout the model generates its trace and answer
greedily, its own tokens fed back (:func:`recur_tutorial.tasks.greedy_answer_accuracy`), and only
the answer is scored. The *score* is the mean of that accuracy over the lengths beyond training
(ℓ > ``train_max``); a task counts as solved when the score is at least 0.9.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Iterable

import time

import pandas as pd
import torch

from .errors import ConfigError, check, check_integer
from .models import SequenceModel
from .models.base import check_model_and_layout
from .runtime import check_fits, get_device
from .tasks import Batch, CausalLM, Layout, greedy_answer_accuracy
from .tasks.generation import greedy_generate
from .tasks.layouts import Tagging

SOLVED = 0.9
ATTENTION_BUDGET = 2**24
"""Rough cap on B·T² per forward pass, so long test sequences are split into small batches."""


@dataclass
class Evaluation:
    table: pd.DataFrame  # columns: length, accuracy (and, from evaluate_generation, trace right, seconds)
    train_max: int

    @property
    def score(self) -> float:
        """Mean accuracy over lengths beyond training (Delétang et al.'s score); NaN when no tested length
        lies beyond training (the command line refuses such test lengths)."""
        beyond = self.table[self.table.length > self.train_max]
        return float(beyond.accuracy.mean()) if len(beyond) else float("nan")

    @property
    def in_distribution(self) -> float:
        """Mean accuracy over the training lengths that were tested."""
        inside = self.table[self.table.length <= self.train_max]
        return float(inside.accuracy.mean()) if len(inside) else float("nan")


@torch.no_grad()
def predictions(model: SequenceModel, batch: Batch, device) -> torch.Tensor:
    """The model's argmax at every position from ``batch.first_scored`` on (B × T, on the CPU; the
    positions before are not read), computed in parts small enough that B·T² stays within
    ``ATTENTION_BUDGET``."""
    part = max(1, min(len(batch.tokens), ATTENTION_BUDGET // batch.tokens.shape[1] ** 2))
    first = batch.first_scored
    return torch.cat([model.logits_from(tokens.to(device), first).argmax(-1).cpu()
                      for tokens in batch.tokens.split(part)])


def _accuracy_at(model, layout, length, n, generator, device) -> float:
    """Per sequence the fraction of its scored positions predicted right, averaged over sequences."""
    batch = layout.batch(n, length, generator)
    scored = batch.scored
    correct = ((predictions(model, batch, device) == batch.targets) & scored).sum(1)
    return float((correct / scored.sum(1).clamp(min=1)).mean())


def _tagging_accuracies(model, layout, lengths, n, generator, device) -> list[float]:
    """Causal model on the tagging layout: one pass at the longest length scores every prefix."""
    batch = layout.batch(n, max(lengths), generator)
    correct = (predictions(model, batch, device) == batch.targets).float().mean(0)
    return [float(correct[length - 1]) for length in lengths]


def checked_lengths(lengths: Iterable[int], train_max: int, batch_size: int, seed: int) -> list[int]:
    """The test lengths, sorted and unique, after checking them and the other evaluation settings."""
    lengths = list(lengths)
    try:
        lengths = sorted(set(operator.index(n) for n in lengths))
    except TypeError:
        raise ConfigError(f"test lengths must be positive integers, got {lengths[:5]}") from None
    check(len(lengths) > 0 and lengths[0] >= 1, f"test lengths must be positive integers, got {lengths[:5]}")
    check_integer("train_max", train_max, minimum=0)
    check_integer("batch_size", batch_size)
    check_integer("seed", seed, minimum=0)
    return lengths


def evaluate(
    model: SequenceModel,
    layout: Layout,
    lengths: Iterable[int],
    *,
    train_max: int = 40,
    batch_size: int = 128,
    seed: int = 10_000,
    device: torch.device | str | None = None,
) -> Evaluation:
    """Accuracy of ``model`` at each length in ``lengths`` on fresh data drawn with ``seed``."""
    check_model_and_layout(model, layout)
    lengths = checked_lengths(lengths, train_max, batch_size, seed)
    device = get_device(device)
    longest = layout.batch(1, lengths[-1], torch.Generator().manual_seed(0)).tokens.shape[1]
    check_fits(batch_size * longest * 16, f"a test batch of {batch_size} sequences at length {lengths[-1]} "
               "(its tokens and targets alone)", torch.device("cpu"), "lower batch_size or the test lengths")
    model.to(device).eval()
    generator = torch.Generator().manual_seed(seed)
    if isinstance(layout, Tagging) and model.causal:
        accuracies = _tagging_accuracies(model, layout, lengths, batch_size, generator, device)
    elif isinstance(layout, CausalLM):
        accuracies = [greedy_answer_accuracy(model, layout, batch_size, n, generator, device) for n in lengths]
    else:
        accuracies = [_accuracy_at(model, layout, n, batch_size, generator, device) for n in lengths]
    return Evaluation(pd.DataFrame({"length": lengths, "accuracy": accuracies}), train_max)


@torch.no_grad()
def evaluate_generation(
    model: SequenceModel,
    layout: CausalLM,
    lengths: Iterable[int],
    *,
    train_max: int = 40,
    batch_size: int = 64,
    seed: int = 10_000,
    device: torch.device | str | None = None,
) -> Evaluation:
    """Greedy generation on the causal language-model layout, length by length: the answer accuracy
    (as :func:`evaluate` reports it), the fraction of sequences whose whole trace the model wrote
    right (``trace right``; NaN without a trace) and the wall time of the generation (``seconds``)."""
    check(isinstance(layout, CausalLM), f"evaluate_generation needs the causal_lm layout, got {type(layout).__name__}")
    lengths = checked_lengths(lengths, train_max, batch_size, seed)
    device = get_device(device)
    model.to(device).eval()
    generator, rows = torch.Generator().manual_seed(seed), []
    for length in lengths:
        started = time.perf_counter()
        out = greedy_generate(model, layout, batch_size, length, generator, device)
        rows.append({"length": length, "accuracy": float(out.answer_accuracy.mean()),
                     "trace right": float((out.trace_accuracy == 1).float().mean())
                     if layout.trace is not None else float("nan"),
                     "seconds": time.perf_counter() - started})
    return Evaluation(pd.DataFrame(rows), train_max)


EVALUATORS = {"lengths": evaluate, "generation": evaluate_generation}
"""How a run is scored: ``lengths`` (accuracy per length, :func:`evaluate`) or ``generation``
(greedy generation with the trace's own accuracy, :func:`evaluate_generation`)."""
