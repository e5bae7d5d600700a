"""Regular tasks: a finite automaton solves each one, reading the input once."""

from __future__ import annotations

import torch

from .base import Task, register, uniform_symbols


@register
class ParityCheck(Task):
    """Output 1 when the number of ones is odd: y = (Σ_t x_t) mod 2."""

    name = "parity_check"
    level = "R"
    input_alphabet = "01"
    output_alphabet = "01"

    def _generate(self, batch_size, length, generator):
        x = uniform_symbols(batch_size, length, 2, generator)
        return x, x.sum(1, keepdim=True) % 2

    def prefix_labels(self, x):
        return torch.cumsum(x, 1) % 2

    def solve(self, x):
        return str(x.count("1") % 2)


@register
class EvenPairs(Task):
    """Output 1 when the number of ``ab`` and ``ba`` substrings is even, i.e. x_1 = x_ℓ."""

    name = "even_pairs"
    level = "R"
    input_alphabet = "ab"
    output_alphabet = "01"

    def _generate(self, batch_size, length, generator):
        x = uniform_symbols(batch_size, length, 2, generator)
        return x, (x[:, :1] == x[:, -1:]).long()

    def prefix_labels(self, x):
        return (x == x[:, :1]).long()

    def solve(self, x):
        changes = sum(1 for a, b in zip(x, x[1:]) if a != b)
        return "1" if changes % 2 == 0 else "0"


@register
class CycleNavigation(Task):
    """Moves on a cycle of 5 positions from 0: ``0`` stays, ``+`` adds 1, ``-`` subtracts 1.

    y = (Σ_t step(x_t)) mod 5.
    """

    name = "cycle_navigation"
    level = "R"
    input_alphabet = "0+-"
    output_alphabet = "01234"
    steps = torch.tensor([0, 1, -1])

    def _generate(self, batch_size, length, generator):
        x = uniform_symbols(batch_size, length, 3, generator)
        return x, self.steps[x].sum(1, keepdim=True) % 5

    def prefix_labels(self, x):
        return torch.cumsum(self.steps.to(x.device)[x], 1) % 5

    def solve(self, x):
        return str(sum({"0": 0, "+": 1, "-": -1}[c] for c in x) % 5)


@register
class ModularArithmetic(Task):
    """Value mod 5 of d op d op … d (digits 0..4, ops ``+ - *``, ``*`` binding tighter).

    The input length is odd: an even ℓ is raised by one. A left-to-right solver carries
    (total, sign, term): ``*`` multiplies the term, ``+``/``-`` add sign·term to the total.
    """

    name = "modular_arithmetic"
    level = "R"
    input_alphabet = "01234+-*"
    output_alphabet = "01234"

    def input_length(self, length):
        return length + 1 - length % 2

    def _generate(self, batch_size, length, generator):
        n_digits = (self.input_length(length) + 1) // 2
        digits = uniform_symbols(batch_size, n_digits, 5, generator)
        ops = uniform_symbols(batch_size, n_digits - 1, 3, generator)  # 0 '+', 1 '-', 2 '*'
        total = torch.zeros(batch_size, dtype=torch.long)
        sign = torch.ones(batch_size, dtype=torch.long)
        term = digits[:, 0].clone()
        for i in range(n_digits - 1):
            op, d = ops[:, i], digits[:, i + 1]
            multiply = op == 2
            total = torch.where(multiply, total, (total + sign * term) % 5)
            sign = torch.where(multiply, sign, 1 - 2 * op.clamp(max=1))
            term = torch.where(multiply, term * d % 5, d)
        value = (total + sign * term) % 5
        x = torch.empty(batch_size, 2 * n_digits - 1, dtype=torch.long)
        x[:, 0::2] = digits
        x[:, 1::2] = ops + 5
        return x, value[:, None]

    def solve(self, x):
        if not (set(x[0::2]) <= set("01234") and set(x[1::2]) <= set("+-*")):
            raise ValueError(f"not an expression of digits and operators: {x!r}")
        return str(eval(x) % 5)  # Python applies the precedence; x holds digits and +-* only
