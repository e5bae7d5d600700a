"""Chain-of-thought traces: the states of a left-to-right solver, written out as tokens.

``get_trace(task, kind)`` returns a :class:`Trace` with ``tokens`` (its vocabulary), ``compute``
(B × n inputs → B × m trace ids, vectorised), ``replay`` (check a written trace step by step and
return the answer it reaches) and ``interleavable`` (one trace token per input symbol, so the
trace can be written x₁ s₁ x₂ s₂ …). Kinds:

- ``full``: s_t is the whole state after x_t, so s_t = δ(s_{t−1}, x_t) for a fixed finite table
  δ: the trace *is* the recurrence, serialised, and the answer is a function of s_n. Every regular
  task, the modular counter, the word problems, and binary addition (per bit: the sum bit and the
  carry, from the previous carry and the two operand bits; written after the input).
- ``partial``: a lossy view of the full state (the modular counter written mod 2): it does not
  determine the next state, nor the answer when m > 2.
- ``scratchpad``: for the stack tasks, the top of the stack after each symbol (``_`` when empty,
  ``!`` after an unmatched close). After a pop the new top is an older token, found by looking back:
  the state (the whole stack) is not written. For binary multiplication, long multiplication: one
  row per bit of b, the running product a·(b mod 2^{j+1}) with its carries (written after the input).

Other tasks have no trace; asking for one raises a :class:`ConfigError` that says which exist.
Among them aⁿbⁿ and aⁿbⁿcⁿ: their states hold unbounded counts, so a one-token-per-state trace
would need a vocabulary that grows with the test length.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import ConfigError
from . import solvers
from .solvers import Automaton
from .base import END, Task
from .binary import TwoNumbers, ints_to_rows, rows_to_ints, to_bits, to_int

KINDS = ("full", "partial", "scratchpad")


class Trace:
    """Base class; ``compute`` and ``replay`` are defined by the subclasses."""

    kind: str
    tokens: tuple[str, ...]
    interleavable = True

    def __init__(self, task: Task) -> None:
        self.task = task

    def length(self, input_length: int) -> int:
        """Number of trace tokens for an input of ``input_length`` symbols."""
        return input_length

    def compute(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def replay(self, x: str, trace: Sequence[str]) -> str:
        """Check ``trace`` against the solver on input ``x`` and return the answer it reaches;
        raise ``ValueError`` at the first token that the solver would not write."""
        raise NotImplementedError

    def render(self, ids: torch.Tensor) -> str:
        return " ".join(self.tokens[i] for i in ids.tolist())

    def __repr__(self) -> str:
        return f"<{self.kind} trace of {self.task.name}>"


def mismatch(position: int, written: str, expected: str) -> ValueError:
    return ValueError(f"trace token {position} is {written!r}; the solver's is {expected!r}")


class Replayed(Trace):
    """A trace that writes view(state_t) for the states of a plain-Python automaton, and is
    replayed by running that automaton (``view`` is the identity for a full trace)."""

    def __init__(self, task: Task, automaton: Automaton, kind: str,
                 view: Callable[[object], object] = lambda state: state) -> None:
        super().__init__(task)
        self.automaton, self.kind, self.view = automaton, kind, view

    def replay(self, x, trace):
        states = self.automaton.run(self.task.symbols(x))
        if len(trace) != len(states):
            raise ValueError(f"the trace has {len(trace)} tokens; the input has {len(states)} symbols")
        for position, (state, written) in enumerate(zip(states, trace)):
            expected = self.automaton.name(self.view(state))
            if written != expected:
                raise mismatch(position, written, expected)
        return self.automaton.answer(states[-1])


class AutomatonTrace(Replayed):
    """The trace of a finite automaton, computed by one step-table look-up per position."""

    def __init__(self, task: Task, automaton: Automaton, kind: str = "full",
                 view: Callable[[object], object] = lambda state: state) -> None:
        super().__init__(task, automaton, kind, view)
        states, self.table = automaton.tables(task.input_alphabet)
        names = [automaton.name(view(s)) for s in states]
        written = sorted(set(self.table.flatten().tolist()))  # states reached after a symbol
        self.tokens = tuple(sorted({names[i] for i in written}))
        self.token_of = torch.tensor([self.tokens.index(n) if n in self.tokens else -1 for n in names])

    def compute(self, x):
        table, states = self.table.numpy(), []
        state = np.zeros(x.shape[0], dtype=np.int64)
        for symbol in x.T.numpy():
            state = table[state, symbol]
            states.append(state)
        return self.token_of[torch.from_numpy(np.stack(states, 1))]


class StackTrace(Replayed):
    """Scratchpad of the stack tasks: the top after each symbol; ``compute`` runs a batched stack.

    ``pushed[symbol]`` is the value a symbol pushes (−1: it pops); ``expects[symbol]`` the value a
    pop must find on top (−1: any, and popping an empty stack does nothing; else a mismatch or an
    empty stack fails for good, written ``!``).
    """

    def __init__(self, task: Task, automaton: Automaton, values: str, pushed, expects) -> None:
        super().__init__(task, automaton, "scratchpad")
        self.tokens = tuple(values) + ("_", "!")
        self.pushed, self.expects = torch.tensor(pushed), torch.tensor(expects)

    def compute(self, x):
        batch_size, length = x.shape
        rows, empty, failed_token = torch.arange(batch_size), len(self.tokens) - 2, len(self.tokens) - 1
        stack = torch.full((batch_size, length + 1), empty)  # slot 0: the bottom, always empty
        depth = torch.zeros(batch_size, dtype=torch.long)
        failed = torch.zeros(batch_size, dtype=torch.bool)
        tops = []
        for symbol in x.T:
            push, expect = self.pushed[symbol], self.expects[symbol]
            pop = push < 0
            failed |= pop & (expect >= 0) & (stack[rows, depth] != expect)
            depth = torch.where(pop, (depth - 1).clamp(min=0), depth + 1)
            stack[rows, depth] = torch.where(pop, stack[rows, depth], push)
            tops.append(torch.where(failed, failed_token, stack[rows, depth]))
        return torch.stack(tops, 1)


class CarryTrace(Trace):
    """Binary addition, one token per bit position k: the sum bit and the carry out,
    s_k = (a_k + b_k + c_k) mod 2 and c_{k+1} = ⌊(a_k + b_k + c_k)/2⌋, written ``sc``.
    It reads two input symbols per step, so it follows the input (it cannot be interleaved)."""

    kind = "full"
    tokens = ("00", "01", "10", "11")
    interleavable = False

    def length(self, input_length):
        return input_length - 2

    def compute(self, x):
        a, b = TwoNumbers.split(x)
        carry, written = torch.zeros(x.shape[0], dtype=torch.long), []
        for k in range(a.shape[1]):
            total = a[:, k] + b[:, k] + carry
            carry = total // 2
            written.append(2 * (total % 2) + carry)
        return torch.stack(written, 1)

    def replay(self, x, trace):
        a, b = (bits.ljust(len(x) - 2, "0") for bits in x.split("+"))
        if len(trace) != len(a):
            raise ValueError(f"the trace has {len(trace)} tokens; it needs {len(a)}")
        carry = 0
        for k, written in enumerate(trace):
            total = int(a[k]) + int(b[k]) + carry
            carry = total // 2
            if written != f"{total % 2}{carry}":
                raise mismatch(k, written, f"{total % 2}{carry}")
        return to_bits(to_int("".join(t[0] for t in trace) + str(carry))) + END


class LongMultiplicationTrace(Trace):
    """Binary multiplication a·b as schoolbook long multiplication, written after the input.

    For an input of ℓ symbols the product has at most W = ℓ − 1 bits and b at most R = ℓ − 2 (b is
    padded with zeros to R bits). Row j = 0 … R − 1 holds the running product P_j = P_{j−1} + b_j·2^j·a
    (P_{−1} = 0), one token per bit k = 0 … W − 1, least significant first, then ``|``:

        t_{j,k} = P_{j−1}[k] + b_j·a_{k−j} + c_{j,k},  token "p c" with p = t_{j,k} mod 2, c = c_{j,k+1} = ⌊t_{j,k}/2⌋

    (c_{j,0} = 0), so P_{R−1} = a·b, and the answer is that last row. Every token depends on the token
    before it (the carry), on one input bit of each operand, and on the token of the row above in the
    same column, ℓ tokens back: a distance that grows with the input, unlike every other trace here.
    """

    kind = "scratchpad"
    tokens = ("00", "01", "10", "11", "|")
    interleavable = False

    def length(self, input_length):
        return (input_length - 2) * input_length

    @staticmethod
    def rows(a: int, b: int, n_rows: int) -> list[int]:
        """The running products P_0 … P_{n_rows − 1} of a·b."""
        return [a * (b & ((2 << j) - 1)) for j in range(n_rows)]

    def compute(self, x):
        a_bits, b_bits = TwoNumbers.split(x)
        n_rows, width = a_bits.shape[1], a_bits.shape[1] + 1
        products = ints_to_rows([p for a, b in zip(rows_to_ints(a_bits), rows_to_ints(b_bits))
                                 for p in self.rows(a, b, n_rows)], width).view(x.shape[0], n_rows, width)
        before = torch.cat([torch.zeros_like(products[:, :1]), products[:, :-1]], 1)
        shifted = torch.stack([torch.roll(F.pad(a_bits, (0, 1)), j, 1) * (torch.arange(width) >= j)
                               for j in range(n_rows)], 1)  # a·2^j, bit by bit
        added = shifted * b_bits[:, :, None]
        carry_in = products ^ before ^ added  # c_{j,k}: the sum bit is the xor of the three
        carry_out = F.pad(carry_in[:, :, 1:], (0, 1))
        separator = torch.full((x.shape[0], n_rows, 1), len(self.tokens) - 1)
        return torch.cat([2 * products + carry_out, separator], 2).flatten(1)

    def replay(self, x, trace):
        a, b = x.split("*")
        n_rows, width = len(x) - 2, len(x) - 1
        if len(trace) != self.length(len(x)):
            raise ValueError(f"the trace has {len(trace)} tokens; it needs {self.length(len(x))}")
        expected, products = [], self.rows(to_int(a), to_int(b), n_rows)
        for before, product in zip([0] + products, products):
            added = product - before
            carry = 0
            for k in range(width):
                total = (before >> k & 1) + (added >> k & 1) + carry
                carry = total // 2
                expected.append(f"{total % 2}{carry}")
            expected.append("|")
        for position, (written, token) in enumerate(zip(trace, expected)):
            if written != token:
                raise mismatch(position, written, token)
        return to_bits(to_int("".join(t[0] for t in trace[-width - 1:-1]))) + END


TRACES: dict[str, dict[str, Callable[[Task], Trace]]] = {
    "parity_check": {"full": lambda t: AutomatonTrace(t, solvers.counter({"0": 0, "1": 1}, 2))},
    "cycle_navigation": {"full": lambda t: AutomatonTrace(t, solvers.counter({"0": 0, "+": 1, "-": -1}, 5))},
    "even_pairs": {"full": lambda t: AutomatonTrace(t, solvers.even_pairs())},
    "modular_arithmetic": {"full": lambda t: AutomatonTrace(t, solvers.arithmetic())},
    "modular_counter": {
        "full": lambda t: AutomatonTrace(t, solvers.counter({"a": 1, "b": 0}, t.modulus)),
        "partial": lambda t: AutomatonTrace(t, solvers.counter({"a": 1, "b": 0}, t.modulus), "partial",
                                            lambda s: s % 2),
    },
    "word_problem": {"full": lambda t: AutomatonTrace(t, solvers.group_product(t))},
    "binary_addition": {"full": CarryTrace},
    "binary_multiplication": {"scratchpad": LongMultiplicationTrace},
    "stack_manipulation": {
        "scratchpad": lambda t: StackTrace(t, solvers.stack_machine(t), "01", [0, 1, -1, 0, 1], [-1] * 5)
    },
    "bracket_matching": {
        "scratchpad": lambda t: StackTrace(t, solvers.bracket_machine(t), "([", [0, -1, 1, -1], [-1, 0, -1, 1])
    },
}


def trace_kinds(task: Task) -> list[str]:
    """The kinds of trace that ``task`` has (possibly none)."""
    return list(TRACES.get(task.name, {}))


def get_trace(task: Task, kind: str = "full") -> Trace:
    """The ``kind`` trace of ``task``; a clear error names the kinds it has, or the tasks with traces."""
    kinds = trace_kinds(task)
    if not kinds:
        raise ConfigError(f"task {task.name!r} has no chain-of-thought trace; tasks with one: {', '.join(TRACES)}")
    if kind not in kinds:
        raise ConfigError(f"task {task.name!r} has no {kind!r} trace; it has: {', '.join(kinds)}")
    return TRACES[task.name][kind](task)
