"""Stack tasks: manipulate a stack, and recognise well-nested brackets (Dyck-2)."""

from __future__ import annotations

import torch

from .base import END, Task, raised_to_multiple, register, substitute_one, uniform_below, uniform_symbols


def reflected_heights(steps: torch.Tensor) -> torch.Tensor:
    """Heights h_t = max(h_{t−1} + steps_t, 0), h_0 = 0, of a stack where popping empty does nothing.

    Closed form (reflection at 0): h_t = S_t − min(0, min_{s≤t} S_s) with S the prefix sums.
    """
    total = torch.cumsum(steps, 1)
    return total - torch.cummin(total, 1).values.clamp(max=0)


@register
class StackManipulation(Task):
    """Apply pushes and pops to an initial stack; y = the final stack read top to bottom, then ``$``.

    Input: k uniform symbols ``0``/``1`` (the stack, bottom to top; k uniform in 0..ℓ), then ℓ − k
    uniform actions ``P`` (pop; nothing on an empty stack), ``x`` (push 0), ``y`` (push 1).
    With heights h_t after each symbol (see :func:`reflected_heights`), a push at t is still on the
    stack at the end iff h_s ≥ h_t for all s ≥ t, and then it sits at height h_t.
    """

    name = "stack_manipulation"
    level = "DCF"
    input_alphabet = "01Pxy"
    output_alphabet = "01" + END
    pushed = torch.tensor([0, 1, -1, 0, 1])
    """The value each symbol pushes, or −1 for the pop."""

    def output_length(self, length):
        return length + 1

    def _generate(self, batch_size, length, generator):
        stack_size = uniform_below(torch.full((batch_size, 1), length + 1), generator)
        x = torch.where(
            torch.arange(length) < stack_size,
            uniform_symbols(batch_size, length, 2, generator),
            2 + uniform_symbols(batch_size, length, 3, generator),
        )
        value = self.pushed[x]
        height = reflected_heights(torch.where(value >= 0, 1, -1))
        lowest_after = torch.flip(torch.cummin(torch.flip(height, [1]), 1).values, [1])
        kept = (value >= 0) & (lowest_after >= height)
        slot = torch.where(kept, height[:, -1:] - height, length + 1)  # 0 = top of the final stack
        y = torch.full((batch_size, length + 2), 2, dtype=torch.long).scatter(1, slot, value.clamp(min=0))
        return x, y[:, :-1]

    def solve(self, x):
        stack = []
        for symbol in x:
            if symbol in "01":
                stack.append(symbol)
            elif symbol == "P":
                stack = stack[:-1]
            else:
                stack.append("0" if symbol == "x" else "1")
        return "".join(reversed(stack)) + END


@register
class BracketMatching(Task):
    """y = 1 iff the string over ``()[]`` is balanced (Dyck-2). ℓ odd is raised by one.

    Members are uniform Dyck paths of ℓ/2 pairs (cycle lemma: a random arrangement of ℓ/2 opens
    and ℓ/2 + 1 closes, rotated to start just after its first lowest point, minus the last close)
    with a uniform type per matched pair; pairs are found by sorting the positions by their level
    (an open and its close share one, and along a level opens and closes alternate). Each sample
    is a member with probability 1/2; the others are near misses: one symbol replaced by another,
    which always unbalances the string (an open/close count changes, or a pair's types differ).
    """

    name = "bracket_matching"
    level = "DCF"
    input_alphabet = "()[]"
    output_alphabet = "01"

    def input_length(self, length):
        return raised_to_multiple(length, 2)

    def _generate(self, batch_size, length, generator):
        pairs = self.input_length(length) // 2
        size = 2 * pairs + 1
        opens = torch.rand(batch_size, size, generator=generator).argsort(1) < pairs
        heights = torch.cumsum(torch.where(opens, 1, -1), 1)
        start = heights.argmin(1, keepdim=True) + 1  # first lowest point
        opens = opens.gather(1, (start + torch.arange(size - 1)) % size)
        level = torch.cumsum(opens.long(), 1) - (~opens).cumsum(1) - opens.long()
        order = (level * size + torch.arange(size - 1)).argsort(1)
        kind = torch.randint(0, 2, (batch_size, pairs), generator=generator).repeat_interleave(2, 1)
        x = 2 * torch.empty_like(kind).scatter_(1, order, kind) + (~opens).long()
        member = torch.randint(0, 2, (batch_size,), generator=generator).bool()
        return substitute_one(x, ~member, 4, generator), member.long()[:, None]

    def solve(self, x):
        stack = []
        for symbol in x:
            if symbol in "([":
                stack.append(symbol)
            elif not stack or stack.pop() + symbol not in ("()", "[]"):
                return "0"
        return "0" if stack else "1"
