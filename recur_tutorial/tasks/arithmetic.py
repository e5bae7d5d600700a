"""Arithmetic on bracketed expressions mod 5: deterministic context-free (a stack of frames)."""

from __future__ import annotations

import torch

from .base import Task, register
from .expressions import ALPHABET, eval_mod5, evaluate_expressions, sample_expressions


@register
class ModularArithmeticBrackets(Task):
    """Value mod 5 of a random well-bracketed expression of exactly ℓ symbols.

    Terms are d, -d or (expr); operators ``+ - *`` with ``*`` binding tighter (see
    :mod:`.expressions` for the sampler). Delétang et al.'s code brackets every binary operation;
    this follows their paper's text: any well-bracketed expression, with the usual precedence.
    """

    name = "modular_arithmetic_brackets"
    level = "DCF"
    input_alphabet = ALPHABET
    output_alphabet = "01234"

    def _generate(self, batch_size, length, generator):
        x = sample_expressions(batch_size, length, generator)
        return x, evaluate_expressions(x)[:, None]

    def solve(self, x):
        return str(eval_mod5(x))


EQUATION_ALPHABET = "01234+-()x="
EQUATION_IDS = torch.tensor([EQUATION_ALPHABET.index(c) if c in EQUATION_ALPHABET else -1 for c in ALPHABET])


@register
class SolveEquation(Task):
    """Find the digit that ``x`` stands for in ``e = v``, where e has no ``*``.

    ℓ is the length of the expression e; the input e ``=`` v has ℓ + 2 symbols. Without ``*``,
    e = ±x + c (mod 5), so exactly one digit solves it. Generation draws e, evaluates it to v,
    then hides one of its digits (uniformly among them) behind ``x``; that digit is y.
    """

    name = "solve_equation"
    level = "DCF"
    input_alphabet = EQUATION_ALPHABET
    output_alphabet = "01234"
    unknown, equals = 9, 10

    def input_length(self, length):
        return length + 2

    def _generate(self, batch_size, length, generator):
        e = sample_expressions(batch_size, length, generator, multiply=False)
        value = evaluate_expressions(e)[:, None]
        scores = torch.rand(e.shape, generator=generator).masked_fill(e >= 5, -1.0)
        hidden = scores.argmax(1, keepdim=True)
        y = e.gather(1, hidden)
        e = EQUATION_IDS[e].scatter(1, hidden, self.unknown)
        return torch.cat([e, torch.full_like(value, self.equals), value], 1), y

    def solve(self, x):
        expression, value = x.split("=")
        roots = [d for d in "01234" if eval_mod5(expression.replace("x", d)) == int(value)]
        if len(roots) != 1:
            raise ValueError(f"{x!r} does not have exactly one solution: {roots}")
        return roots[0]
