"""Tasks on bit strings whose output is a rearrangement of the input."""

from __future__ import annotations

import torch

from .base import Task, uniform_symbols
from .registry import register


@register
class ReverseString(Task):
    """y = x_ℓ … x_2 x_1. Deterministic context-free: push every symbol, then pop."""

    name = "reverse_string"
    level = "DCF"
    input_alphabet = "01"
    output_alphabet = "01"

    def output_length(self, length):
        return length

    def _generate(self, batch_size, length, generator):
        x = uniform_symbols(batch_size, length, 2, generator)
        return x, torch.flip(x, [1])

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
