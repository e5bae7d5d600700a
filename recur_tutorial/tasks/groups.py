"""Word problems of finite groups: read g₁ … gₙ, output the product g₁ · g₂ ⋯ gₙ.

Permutations are written in one-line notation (``201`` maps 0→2, 1→0, 2→1) and compose as
functions: (σ·τ)(i) = σ(τ(i)). The prefix products p_t = p_{t−1} · g_t are computed by a parallel
prefix scan over the multiplication table (log₂ ℓ rounds of table look-ups), which is valid
because the product is associative.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import reduce
from typing import Callable

import torch

from ..errors import ConfigError, check
from .base import Task, register, uniform_symbols

GROUPS = "S3, S5, A5, Z<m> (cyclic of order m >= 2, e.g. Z5), A4, or GxH for two of them (direct product, e.g. A4xZ5)"


@dataclass(frozen=True)
class Group:
    """A finite group by its elements, how they compose, and their names (one token each)."""

    name: str
    elements: tuple
    compose: Callable[[object, object], object]
    names: tuple[str, ...]

    def table(self) -> torch.Tensor:
        """table[i, j] = index of elements[i] · elements[j]."""
        index = {g: i for i, g in enumerate(self.elements)}
        return torch.tensor([[index[self.compose(g, h)] for h in self.elements] for g in self.elements])


def compose_permutations(s: tuple, t: tuple) -> tuple:
    return tuple(s[i] for i in t)


def is_even(p: tuple) -> bool:
    return sum(p[i] > p[j] for i, j in itertools.combinations(range(len(p)), 2)) % 2 == 0


def permutation_group(name: str, n: int, even_only: bool) -> Group:
    elements = tuple(p for p in itertools.permutations(range(n)) if is_even(p) or not even_only)
    return Group(name, elements, compose_permutations, tuple("".join(map(str, p)) for p in elements))


def direct_product(g: Group, h: Group) -> Group:
    """G × H: pairs (a, b) composed coordinate by coordinate, named ``a.b`` (``0123.4`` in A4xZ5)."""
    return Group(f"{g.name}x{h.name}", tuple(itertools.product(g.elements, h.elements)),
                 lambda s, t: (g.compose(s[0], t[0]), h.compose(s[1], t[1])),
                 tuple(f"{a}.{b}" for a, b in itertools.product(g.names, h.names)))


def get_group(name: str) -> Group:
    """``S3``, ``S5``, ``A4``, ``A5``, ``Z<m>``, or ``GxH`` for two of these (the direct
    product); any other name raises an error listing them.

    A5 (order 60) is the smallest non-solvable group, so its word problem is NC¹-complete
    (Barrington 1989); A4xZ5 has the same order and is solvable (A4 and Z5 are), so its word problem
    has constant-depth shortcuts (Liu et al. 2023)."""
    if isinstance(name, str) and name.count("x") == 1:
        left, right = name.split("x")
        return direct_product(get_group(left), get_group(right))
    if name in ("S3", "S5", "A4", "A5"):
        return permutation_group(name, int(name[1]), even_only=name[0] == "A")
    cyclic = re.fullmatch(r"Z([0-9]+)", name) if isinstance(name, str) else None
    if cyclic is None:
        raise ConfigError(f"unknown group {name!r}; allowed: {GROUPS}")
    order = int(cyclic.group(1))
    check(order >= 2, f"the cyclic group Z<m> needs m >= 2, got {name!r}")
    return Group(name, tuple(range(order)), lambda a, b: (a + b) % order, tuple(map(str, range(order))))


def prefix_products(table: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """p[:, t] = x[:, 0] · x[:, 1] ⋯ x[:, t] (Hillis–Steele scan: p_t ← p_{t−s} · p_t, s = 1, 2, 4, …)."""
    p, shift = x, 1
    while shift < x.shape[1]:
        p = torch.cat([p[:, :shift], table[p[:, :-shift], p[:, shift:]]], 1)
        shift *= 2
    return p


@register
class WordProblem(Task):
    """y = g₁ · g₂ ⋯ gₙ for ℓ uniform elements of the group (``group``: S3 default, or see :data:`GROUPS`).

    Regular: the automaton's states are the group elements. Prefix labels: the running product.
    """

    name = "word_problem"
    level = "R"
    separator = " "

    def __init__(self, group: str = "S3") -> None:
        self.group = get_group(group)
        self.input_alphabet = self.output_alphabet = self.group.names
        self.table = self.group.table()

    def _generate(self, batch_size, length, generator):
        x = uniform_symbols(batch_size, length, len(self.group.elements), generator)
        return x, self.prefix_labels(x)[:, -1:]

    def prefix_labels(self, x):
        return prefix_products(self.table.to(x.device), x)

    def solve(self, x):
        elements = [self.group.elements[self.group.names.index(s)] for s in self.symbols(x)]
        return self.group.names[self.group.elements.index(reduce(self.group.compose, elements))]

    def __repr__(self):
        return f"<task {self.name} over {self.group.name} ({self.level})>"
