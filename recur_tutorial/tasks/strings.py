"""Tasks on strings whose output copies, reorders or looks up input symbols."""

from __future__ import annotations

import torch

from .base import Task, raised_to_multiple, register, uniform_symbols


class Rearrangement(Task):
    """Base: ℓ uniform input symbols; the output is the same symbols in another order."""

    input_alphabet = output_alphabet = "01"

    def output_length(self, length):
        return length

    def _generate(self, batch_size, length, generator):
        x = uniform_symbols(batch_size, length, len(self.input_alphabet), generator)
        return x, self.rearrange(x)

    def rearrange(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


@register
class ReverseString(Rearrangement):
    """y = x_ℓ … x_2 x_1. Deterministic context-free: push every symbol, then pop."""

    name = "reverse_string"
    level = "DCF"

    def rearrange(self, x):
        return torch.flip(x, [1])

    def solve(self, x):
        return x[::-1]


@register
class DuplicateString(Task):
    """y = w w for the input w. Context-sensitive: a stack returns w reversed, a tape need not."""

    name = "duplicate_string"
    level = "CS"
    input_alphabet = "01"
    output_alphabet = "01"

    def output_length(self, length):
        return 2 * length

    def _generate(self, batch_size, length, generator):
        x = uniform_symbols(batch_size, length, 2, generator)
        return x, torch.cat([x, x], 1)

    def solve(self, x):
        return x + x


@register
class MissingDuplicate(Task):
    """The input is w w with one symbol hidden as ``_``; y is the hidden symbol.

    ℓ = 2|w|, an odd ℓ is raised by one. The hidden symbol at position i equals the one at
    i ± |w| on the other copy: y = x[(i + |w|) mod 2|w|].
    """

    name = "missing_duplicate"
    level = "CS"
    input_alphabet = "01_"
    output_alphabet = "01"

    def input_length(self, length):
        return raised_to_multiple(length, 2)

    def _generate(self, batch_size, length, generator):
        half = self.input_length(length) // 2
        w = uniform_symbols(batch_size, half, 2, generator)
        x = torch.cat([w, w], 1)
        hidden = torch.randint(0, 2 * half, (batch_size, 1), generator=generator)
        y = x.gather(1, hidden)
        return x.scatter(1, hidden, 2), y

    def solve(self, x):
        i, half = x.index("_"), len(x) // 2
        return x[(i + half) % len(x)]


@register
class OddsFirst(Rearrangement):
    """y = x_1 x_3 x_5 … followed by x_2 x_4 … (the paper's order: odd positions, then even)."""

    name = "odds_first"
    level = "CS"

    def rearrange(self, x):
        return torch.cat([x[:, 0::2], x[:, 1::2]], 1)

    def solve(self, x):
        return x[0::2] + x[1::2]


@register
class BucketSort(Rearrangement):
    """y = the input symbols 0..4 sorted in ascending order (a counting sort)."""

    name = "bucket_sort"
    level = "CS"
    input_alphabet = output_alphabet = "01234"

    def rearrange(self, x):
        return torch.sort(x, 1).values

    def solve(self, x):
        return "".join(sorted(x))
