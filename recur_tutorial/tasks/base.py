"""The interface every formal-language task implements.

A task is a transduction x ↦ y over small alphabets. ``generate`` draws a batch of inputs of one
length from a seeded :class:`torch.Generator` with vectorised tensor code and computes the targets;
``solve`` is an independent plain-Python reference solver on strings, used by the tests to check
``generate`` and by people to see what the task asks.
"""

from __future__ import annotations

from typing import ClassVar

import torch

from ..errors import ConfigError, check
from ..registry import Registry
from ..runtime import check_fits

END = "$"
"""End marker of variable-length outputs; output tokens after the first one are not scored."""

LEVELS = {"R": "regular", "DCF": "deterministic context-free", "CS": "context-sensitive"}

TASKS: Registry[type] = Registry("task")
"""The table of tasks by name (filled by :func:`register`)."""


def register(cls: type) -> type:
    """Class decorator: add a task class to :data:`TASKS` under its ``name``."""
    TASKS.register(cls.name)(cls)
    return cls


class Task:
    """Base class. Subclasses set the class attributes and implement ``_generate`` and ``solve``."""

    name: ClassVar[str]
    level: ClassVar[str]
    input_alphabet: ClassVar[str]
    output_alphabet: ClassVar[str]
    min_length: ClassVar[int] = 1
    separator: ClassVar[str] = ""
    """Written between symbols in strings: empty for one-character symbols, a space for named ones."""

    # ---- lengths ---------------------------------------------------------------------------
    def input_length(self, length: int) -> int:
        """Number of input symbols for the requested length ℓ (most tasks: ℓ itself)."""
        return length

    def output_length(self, length: int) -> int:
        """Number of output symbols (padded with the end marker where outputs vary)."""
        return 1

    def check_length(self, length: int) -> None:
        """Raise a clear error for a length this task cannot generate."""
        check(
            isinstance(length, int) and not isinstance(length, bool) and length >= self.min_length,
            f"task {self.name!r} needs an integer length >= {self.min_length}, got {length!r}",
        )

    # ---- generation ------------------------------------------------------------------------
    def generate(
        self, batch_size: int, length: int, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw ``batch_size`` inputs of length ℓ and their outputs, as ids into the alphabets.

        Returns ``x`` of shape B × input_length(ℓ) and ``y`` of shape B × output_length(ℓ).
        """
        self.check_length(length)
        check(
            isinstance(batch_size, int) and batch_size >= 1,
            f"batch_size must be a positive integer, got {batch_size!r}",
        )
        symbols = self.input_length(length) + self.output_length(length)
        check_fits(2 * 8 * batch_size * symbols, f"a batch of {batch_size} {self.name!r} sequences at length {length}",
                   torch.device("cpu"), "lower the batch size or the length")
        generator = generator if generator is not None else torch.Generator().manual_seed(0)
        x, y = self._generate(batch_size, length, generator)
        return x.long(), y.long()

    def _generate(
        self, batch_size: int, length: int, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def solve(self, x: str) -> str:
        """Reference solver: the output string for the input string ``x``."""
        raise NotImplementedError

    def prefix_labels(self, x: torch.Tensor) -> torch.Tensor:
        """The answer for every prefix x[:t+1] (B × T), for the prefix-labelled layout."""
        raise ConfigError(f"task {self.name!r} has no per-prefix labels")

    @property
    def has_prefix_labels(self) -> bool:
        return type(self).prefix_labels is not Task.prefix_labels

    # ---- strings ---------------------------------------------------------------------------
    def symbols(self, text: str) -> list[str]:
        """Split a string of this task into its symbols."""
        return text.split(self.separator) if self.separator else list(text)

    def decode_input(self, ids: torch.Tensor) -> str:
        return self.separator.join(self.input_alphabet[i] for i in ids.tolist())

    def decode_output(self, ids: torch.Tensor) -> str:
        """The output string, cut after the end marker when the task uses one."""
        symbols = [self.output_alphabet[i] for i in ids.tolist()]
        if END in symbols:
            symbols = symbols[: symbols.index(END) + 1]
        return self.separator.join(symbols)

    def encode_input(self, text: str) -> torch.Tensor:
        symbols = self.symbols(text)
        unknown = sorted(set(symbols) - set(self.input_alphabet))
        check(not unknown, f"symbols {unknown} are not in {self.name}'s alphabet {self.input_alphabet!r}")
        return torch.tensor([self.input_alphabet.index(c) for c in symbols], dtype=torch.long)

    def samples(self, n: int, length: int, seed: int = 0) -> list[tuple[str, str]]:
        """``n`` examples of length ℓ as (input, output) strings."""
        x, y = self.generate(n, length, torch.Generator().manual_seed(seed))
        return [(self.decode_input(a), self.decode_output(b)) for a, b in zip(x, y)]

    def __repr__(self) -> str:
        return f"<task {self.name} ({self.level})>"


def uniform_symbols(batch_size: int, length: int, n: int, generator: torch.Generator) -> torch.Tensor:
    """B × ℓ ids drawn uniformly from range(n)."""
    return torch.randint(0, n, (batch_size, length), generator=generator)


def uniform_below(high: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One id per entry of ``high``, uniform in range(high) (every entry of ``high`` ≥ 1)."""
    return (torch.rand(high.shape, generator=generator) * high).long().clamp(max=high - 1)


def raised_to_multiple(length: int, k: int) -> int:
    """The smallest multiple of ``k`` that is at least ``length``."""
    return length + (-length) % k


def substitute_one(x: torch.Tensor, rows: torch.Tensor, n: int, generator: torch.Generator) -> torch.Tensor:
    """A copy of ``x`` where, in each row flagged by ``rows``, one uniform position holds another
    of the ``n`` symbols (uniform among the other n − 1)."""
    batch_size, length = x.shape
    position = torch.randint(0, length, (batch_size, 1), generator=generator)
    shift = torch.randint(1, n, (batch_size, 1), generator=generator)
    changed = (x.gather(1, position) + shift) % n
    return torch.where(rows[:, None], x.scatter(1, position, changed), x)
