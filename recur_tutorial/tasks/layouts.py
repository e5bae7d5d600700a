"""How a task's (x, y) pairs become model inputs and scored targets.

Every layout produces a :class:`Batch`: ``tokens`` (B × T) that the model reads, and ``targets``
(B × T) holding the output id to predict at each position, or ``IGNORE`` where nothing is scored.
Models return logits at every position; the loss and the accuracy read only the scored ones.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import torch

from ..errors import check
from ..registry import Registry
from .base import END, Task

IGNORE = -100


@dataclass
class Batch:
    tokens: torch.Tensor
    targets: torch.Tensor

    @property
    def scored(self) -> torch.Tensor:
        return self.targets != IGNORE

    @property
    def first_scored(self) -> int:
        """The first position scored in any sequence of the batch (T when none is): no prediction
        before it is read."""
        columns = self.scored.any(0).nonzero()
        return int(columns[0]) if len(columns) else self.targets.shape[1]

    def to(self, device: torch.device | str) -> "Batch":
        return Batch(self.tokens.to(device), self.targets.to(device))


def mask_after_end(task: Task, y: torch.Tensor) -> torch.Tensor:
    """Replace output ids after the first end marker by ``IGNORE`` (the marker itself is scored)."""
    if END not in task.output_alphabet:
        return y
    is_end = y == task.output_alphabet.index(END)
    seen_before = (torch.cumsum(is_end.long(), 1) - is_end.long()) > 0
    return y.masked_fill(seen_before, IGNORE)


class Layout:
    """Base class: subclasses define the vocabularies and ``batch``."""

    name: str
    causal_only = False

    def __init__(self, task: Task) -> None:
        self.task = task

    @property
    def in_vocab(self) -> int:
        raise NotImplementedError

    @property
    def out_vocab(self) -> int:
        return len(self.task.output_alphabet)

    def batch(self, batch_size: int, length: int, generator: torch.Generator) -> Batch:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<layout {self.name} for {self.task.name}>"


LAYOUTS: Registry[type] = Registry("layout")


@LAYOUTS.register("read_then_write")
class ReadThenWrite(Layout):
    """Delétang et al.'s layout: x, then |y| blank tokens; the outputs at the blanks are scored.

    ``computation_steps`` = k puts k·|x| computation tokens between x and the blanks (their
    "computation steps", unscored): steps in which a model can work on its memory before it answers.
    """

    name = "read_then_write"

    def __init__(self, task: Task, computation_steps: int = 0) -> None:
        super().__init__(task)
        check(
            isinstance(computation_steps, int) and not isinstance(computation_steps, bool) and computation_steps >= 0,
            "computation_steps must be a non-negative integer (a multiple of the input length), "
            f"got {computation_steps!r}",
        )
        self.computation_steps = computation_steps

    @property
    def input_symbols(self) -> int:
        """Token ids below this one are input symbols."""
        return len(self.task.input_alphabet)

    @property
    def blank(self) -> int:
        return len(self.task.input_alphabet)

    @property
    def computation(self) -> int:
        return self.blank + 1

    @property
    def in_vocab(self) -> int:
        return len(self.task.input_alphabet) + 1 + (self.computation_steps > 0)

    def batch(self, batch_size, length, generator):
        x, y = self.task.generate(batch_size, length, generator)
        thinking = torch.full((batch_size, self.computation_steps * x.shape[1]), self.computation)
        blanks = torch.full_like(y, self.blank)
        unscored = torch.full((batch_size, x.shape[1] + thinking.shape[1]), IGNORE)
        return Batch(torch.cat([x, thinking, blanks], 1), torch.cat([unscored, mask_after_end(self.task, y)], 1))


@LAYOUTS.register("tagging")
class Tagging(Layout):
    """Prefix-labelled layout: at every position t the answer for x[:t+1].

    For a causal model one sequence of length T trains and tests every length 1..T at once.
    """

    name = "tagging"
    causal_only = True

    def __init__(self, task: Task) -> None:
        super().__init__(task)
        check(
            task.has_prefix_labels,
            f"task {task.name!r} has no per-prefix labels; use the read_then_write layout",
        )

    @property
    def input_symbols(self) -> int:
        """Token ids below this one are input symbols (all of them)."""
        return len(self.task.input_alphabet)

    @property
    def in_vocab(self) -> int:
        return len(self.task.input_alphabet)

    def batch(self, batch_size, length, generator):
        x, _ = self.task.generate(batch_size, length, generator)
        return Batch(x, self.task.prefix_labels(x))


def get_layout(name: str, task: Task, **options) -> Layout:
    """The layout called ``name`` for ``task``, e.g. ``get_layout("causal_lm", task, trace="full")``."""
    factory = LAYOUTS[name]
    allowed = list(inspect.signature(factory).parameters)[1:]  # after the task
    unknown = sorted(set(options) - set(allowed))
    check(not unknown, f"layout {name!r} has no option {unknown}; it takes: {allowed or 'none'}")
    return factory(task, **options)
