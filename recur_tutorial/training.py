"""Training with a curriculum over lengths: ``train(model, layout, ...)``.

Each step draws one length ℓ from the curriculum, a batch of that length from the layout, and takes
one AdamW step on the cross-entropy of the scored positions, with the gradient norm clipped.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import pandas as pd
import torch
import torch.nn.functional as F

from .errors import TrainingDiverged, check, check_choice, check_integer, check_number
from .models import SequenceModel
from .models.base import check_model_and_layout
from .runtime import check_fits, get_device, progress_bar
from .tasks import IGNORE, Batch, Layout

CURRICULA = ("uniform", "increasing")
SCHEDULES = ("constant", "cosine")
MAX_LR = 10.0
"""The largest learning rate accepted: AdamW moves each weight by about lr per step, and a rate above
about 3e38 does not even fit in float32."""


@dataclass(frozen=True)
class Curriculum:
    """Training lengths. ``uniform``: ℓ ~ U{min..max} every step (Delétang et al.);
    ``increasing``: ℓ ~ U{min..m_s}, the ceiling m_s rising linearly from ``min`` to ``max`` over
    the first half of training."""

    min_length: int = 1
    max_length: int = 40
    kind: str = "uniform"

    def __post_init__(self) -> None:
        check_choice("curriculum", self.kind, CURRICULA)
        check_integer("min_length", self.min_length)
        check_integer("max_length", self.max_length)
        check(
            1 <= self.min_length <= self.max_length,
            f"training lengths need 1 <= min_length <= max_length, got {self.min_length}..{self.max_length}",
        )

    def sample(self, step: int, total: int, generator: torch.Generator) -> int:
        high = self.max_length
        if self.kind == "increasing":
            progress = min(1.0, 2 * step / max(total, 1))
            high = self.min_length + round(progress * (self.max_length - self.min_length))
        return int(torch.randint(self.min_length, high + 1, (1,), generator=generator))


def loss_and_accuracy(logits: torch.Tensor, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean cross-entropy over scored positions, and the fraction of them predicted right."""
    scored = batch.scored
    loss = F.cross_entropy(logits.flatten(0, 1), batch.targets.flatten(), ignore_index=IGNORE)
    correct = (logits.argmax(-1) == batch.targets) & scored
    return loss, correct.sum() / scored.sum().clamp(min=1)


def learning_rate(step: int, total: int, base: float, warmup: int, schedule: str) -> float:
    """Linear warm-up over ``warmup`` steps, then constant or cosine decay to zero."""
    if step < warmup:
        return base * (step + 1) / warmup
    if schedule == "cosine":
        return base * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))
    return base


def check_finite(losses: torch.Tensor, first: int, total: int, lr: float, warmup: int, schedule: str) -> None:
    """Raise :class:`TrainingDiverged` at the first NaN or infinite loss in ``losses`` (those of steps
    ``first``, ``first + 1``, …), naming the step, the loss and the learning rate of that step."""
    finite = torch.isfinite(losses)
    if bool(finite.all()):
        return
    at = int((~finite).nonzero()[0])
    step, rate = first + at, learning_rate(first + at, total, lr, warmup, schedule)
    raise TrainingDiverged(f"training diverged at step {step + 1} of {total}: the loss is {float(losses[at])} "
                           f"at learning rate {rate:.3g}; try a lower lr (given: {lr:g}), a warm-up or clip > 0")


def longest_sequence(layout: Layout, max_length: int) -> int:
    """The number of tokens of a training sequence of ``layout`` at input length ``max_length``."""
    return layout.batch(1, max_length, torch.Generator().manual_seed(0)).tokens.shape[1]


def train(
    model: SequenceModel,
    layout: Layout,
    *,
    steps: int = 1000,
    batch_size: int = 128,
    curriculum: Curriculum | None = None,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    warmup: int = 0,
    schedule: str = "constant",
    clip: float = 1.0,
    seed: int = 0,
    device: torch.device | str | None = None,
    log_every: int = 10,
    progress: bool = True,
) -> pd.DataFrame:
    """Train ``model`` on ``layout`` in place; return the history (step, length, loss, accuracy).

    The data come from a generator seeded with ``seed``; with the model built under the same seed
    (``models.build(..., seed=seed)``) the run is repeatable on the same machine.

    Settings are checked before anything is allocated (a batch that cannot fit in the device's free
    memory is refused); a loss that becomes NaN or infinite stops training with
    :class:`~recur_tutorial.errors.TrainingDiverged`, found at the next logged step.
    """
    check_model_and_layout(model, layout)
    check_integer("steps", steps)
    check_integer("batch_size", batch_size)
    check_number("lr", lr, positive=True)
    check(lr <= MAX_LR, f"lr must be at most {MAX_LR:g} (AdamW's steps are about lr in size), got {lr!r}")
    check_number("weight_decay", weight_decay)
    check_integer("warmup", warmup, minimum=0)
    check_number("clip", clip)
    check_integer("seed", seed, minimum=0)
    check_integer("log_every", log_every)
    check_choice("learning-rate schedule", schedule, SCHEDULES)
    curriculum = curriculum or Curriculum()
    check(isinstance(curriculum, Curriculum), f"curriculum must be a Curriculum, got {curriculum!r}")
    device = get_device(device)
    longest = longest_sequence(layout, curriculum.max_length)
    per_sequence = longest * (16 + 8 * layout.out_vocab)  # tokens and targets (int64), logits and their gradient
    check_fits(batch_size * per_sequence, f"a training batch of {batch_size} sequences at length "
               f"{curriculum.max_length} (its tokens, targets, logits and their gradient alone)", device,
               "lower batch_size or the training lengths")
    model.to(device).train()
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    rows, started, unchecked = [], time.perf_counter(), []
    bar = progress_bar(range(steps), desc=layout.task.name, show=progress, leave=False)
    for step in bar:
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, steps, lr, warmup, schedule)
        length = curriculum.sample(step, steps, generator)
        batch = layout.batch(batch_size, length, generator).to(device)
        loss, accuracy = loss_and_accuracy(model.logits_from(batch.tokens, batch.first_scored), batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        unchecked.append(loss.detach())
        if step % log_every == 0 or step == steps - 1:
            check_finite(torch.stack(unchecked), step + 1 - len(unchecked), steps, lr, warmup, schedule)
            unchecked.clear()
            rows.append((step, length, loss.item(), accuracy.item(), time.perf_counter() - started))
            bar.set_postfix(loss=f"{rows[-1][2]:.3f}", acc=f"{rows[-1][3]:.2f}")
    model.eval()
    return pd.DataFrame(rows, columns=["step", "length", "loss", "accuracy", "seconds"])
