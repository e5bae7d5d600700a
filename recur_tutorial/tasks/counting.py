"""Counting tasks: a counter mod m (regular), and the languages aⁿbⁿ (one counter) and aⁿbⁿcⁿ."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..errors import check
from .base import Task, raised_to_multiple, register, substitute_one, uniform_symbols

DIGITS = "0123456789"


@register
class ModularCounter(Task):
    """y = (number of ``a``) mod m, for m in 2..10 (default 4); prefix labels: the running count."""

    name = "modular_counter"
    level = "R"
    input_alphabet = "ab"

    def __init__(self, modulus: int = 4) -> None:
        check(
            isinstance(modulus, int) and not isinstance(modulus, bool) and 2 <= modulus <= len(DIGITS),
            f"modular_counter needs an integer modulus m with 2 <= m <= {len(DIGITS)}, got {modulus!r}",
        )
        self.modulus = modulus
        self.output_alphabet = DIGITS[:modulus]

    def _generate(self, batch_size, length, generator):
        x = uniform_symbols(batch_size, length, 2, generator)
        return x, (x == 0).sum(1, keepdim=True) % self.modulus

    def prefix_labels(self, x):
        return torch.cumsum(x == 0, 1) % self.modulus

    def solve(self, x):
        return str(x.count("a") % self.modulus)


class Blocks(Task):
    """Membership in {s₁ⁿ s₂ⁿ … s_kⁿ : n ≥ 1} for the k symbols of the alphabet; y = 1 if a member.

    The input length is ℓ raised to a multiple of k. Each sample is a member with probability 1/2;
    the others are near misses of the same length: with probability 1/2 one symbol is replaced by
    another (the counts differ), else two symbols of different blocks swap places (the counts
    agree but the order is broken). Prefix labels: whether x[:t+1] is a member.
    """

    output_alphabet = "01"

    def input_length(self, length):
        return raised_to_multiple(length, len(self.input_alphabet))

    def _generate(self, batch_size, length, generator):
        k, size = len(self.input_alphabet), self.input_length(length)
        block = size // k
        x = (torch.arange(size) // block).repeat(batch_size, 1)
        member, substituted = torch.randint(0, 2, (2, batch_size), generator=generator).bool()
        x = substitute_one(x, ~member & substituted, k, generator)
        first = torch.randint(0, size, (batch_size, 1), generator=generator)
        offset = torch.randint(0, size - block, (batch_size, 1), generator=generator)
        other = (first // block * block + block + offset) % size
        swapped = x.scatter(1, first, x.gather(1, other)).scatter(1, other, x.gather(1, first))
        x = torch.where((~member & ~substituted)[:, None], swapped, x)
        return x, member.long()[:, None]

    def prefix_labels(self, x):
        k, length = len(self.input_alphabet), x.shape[1]
        read = torch.arange(1, length + 1)
        counts = torch.cumsum(F.one_hot(x, k), 1)
        balanced = (counts * k == read[:, None]).all(-1)
        ordered = torch.cumsum(F.pad(x[:, 1:] < x[:, :-1], (1, 0)), 1) == 0
        return (balanced & ordered).long()

    def solve(self, x):
        n, k = len(x) // len(self.input_alphabet), len(self.input_alphabet)
        return "1" if n >= 1 and len(x) == n * k and x == "".join(c * n for c in self.input_alphabet) else "0"


@register
class CountAnBn(Blocks):
    """aⁿbⁿ: a deterministic pushdown automaton with one counter (+1 per ``a``, −1 per ``b``)."""

    name = "count_anbn"
    level = "DCF"
    input_alphabet = "ab"


@register
class CountAnBnCn(Blocks):
    """aⁿbⁿcⁿ: context-sensitive (two counters, or a bounded tape); no pushdown automaton."""

    name = "count_anbncn"
    level = "CS"
    input_alphabet = "abc"
