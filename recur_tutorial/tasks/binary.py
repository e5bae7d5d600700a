"""Arithmetic on binary numbers written little-endian (least significant bit first).

Sums and products are computed on bit tensors: column sums (a convolution for a product), then
one pass that propagates the carries, c_k = s_k + ⌊c_{k−1}/2⌋, bit_k = c_k mod 2. The square
root goes through Python's integers (``math.isqrt``), converted a whole batch at a time.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from .base import END, Task, register, uniform_below, uniform_symbols


def to_int(bits: str) -> int:
    """The number that a little-endian bit string stands for."""
    return int(bits[::-1], 2)


def to_bits(value: int) -> str:
    """The shortest little-endian bit string of ``value`` (``0`` for zero)."""
    return bin(value)[2:][::-1]


def propagate_carries(columns: torch.Tensor, width: int) -> torch.Tensor:
    """Bits (B × width) of Σ_k columns[:, k]·2^k, for non-negative integer column sums
    (the columns past ``width`` must be zero, at least ``width`` of them given)."""
    bits = torch.empty(columns.shape[0], width, dtype=torch.long)
    carry = torch.zeros(columns.shape[0], dtype=torch.long)
    for k in range(width):
        total = columns[:, k] + carry
        bits[:, k], carry = total % 2, total // 2
    return bits


def shortest_with_end(bits: torch.Tensor) -> torch.Tensor:
    """Ids over ``01$``: the bits up to the highest one (at least one bit), then ``$`` to the end.

    The highest one must sit before the last column, so that at least one ``$`` follows.
    """
    position = torch.arange(bits.shape[1])
    highest = (bits * position).amax(1, keepdim=True)
    return torch.where(position <= highest, bits, 2)


class TwoNumbers(Task):
    """Base of the two-operand tasks: a, the operator, b; ℓ counts all three parts.

    The input has max(ℓ, 3) symbols: |a| is uniform in 1..ℓ−2 and |b| = ℓ − 1 − |a|, all bits
    uniform (so a number may end in zeros). Output: the result in its shortest form, then ``$``.
    """

    level = "CS"
    operator: str
    output_alphabet = "01" + END

    def input_length(self, length):
        return max(length, 3)

    def output_length(self, length):
        return self.input_length(length)

    def operands(self, batch_size, length, generator):
        """x (B × L) and the bits of a and b (see :meth:`split`)."""
        size = self.input_length(length)
        x = uniform_symbols(batch_size, size, 2, generator)
        x.scatter_(1, 1 + uniform_below(torch.full((batch_size, 1), size - 2), generator), 2)
        return (x, *self.split(x))

    @staticmethod
    def split(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The bits of a and b in inputs x (B × L), as B × (L − 2), zero past each number's end."""
        size = x.shape[1]
        operator = (x == 2).long().argmax(1, keepdim=True)
        position = torch.arange(size - 2)
        a = x[:, :-2] * (position < operator)
        b = x.gather(1, (operator + 1 + position).clamp(max=size - 1)) * (position < size - 1 - operator)
        return a, b

    def _generate(self, batch_size, length, generator):
        x, a, b = self.operands(batch_size, length, generator)
        return x, shortest_with_end(propagate_carries(self.columns(a, b), x.shape[1]))

    def columns(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Column sums s (B × at least L) with a ∘ b = Σ_k s_k 2^k, from the operand bits (B × (L − 2))."""
        raise NotImplementedError

    def combine(self, a: int, b: int) -> int:
        """The reference: the result on Python integers."""
        raise NotImplementedError

    def solve(self, x):
        a, b = x.split(self.operator)
        return to_bits(self.combine(to_int(a), to_int(b))) + END


@register
class BinaryAddition(TwoNumbers):
    """y = a + b: column sums a_k + b_k, then the carries."""

    name = "binary_addition"
    input_alphabet = "01+"
    operator = "+"

    def columns(self, a, b):
        return F.pad(a + b, (0, 2))

    def combine(self, a, b):
        return a + b


@register
class BinaryMultiplication(TwoNumbers):
    """y = a · b: column sums s_k = Σ_{i+j=k} a_i b_j, then the carries.

    The column sums are a convolution, taken through NumPy's FFT in float64 (exact after rounding:
    every sum is an integer below ℓ, far inside float64's precision).
    """

    name = "binary_multiplication"
    input_alphabet = "01*"
    operator = "*"

    def columns(self, a, b):
        size = 2 * a.shape[1] + 4
        spectrum = np.fft.rfft(a.numpy(), size) * np.fft.rfft(b.numpy(), size)
        return torch.from_numpy(np.fft.irfft(spectrum, size).round().astype(np.int64))

    def combine(self, a, b):
        return a * b


def rows_to_ints(bits: torch.Tensor) -> list[int]:
    """Each row of little-endian bits as a Python integer."""
    packed = np.packbits(bits.numpy().astype(np.uint8), axis=1, bitorder="little")
    return [int.from_bytes(row.tobytes(), "little") for row in packed]


def ints_to_rows(values: list[int], width: int) -> torch.Tensor:
    """Little-endian bits (len(values) × width) of non-negative integers below 2^width."""
    size = (width + 7) // 8
    raw = np.frombuffer(b"".join(v.to_bytes(size, "little") for v in values), np.uint8)
    bits = np.unpackbits(raw.reshape(len(values), size), axis=1, count=width, bitorder="little")
    return torch.from_numpy(bits.astype(np.int64))


@register
class ComputeSqrt(Task):
    """y = ⌊√n⌋ for the ℓ-bit number n (little-endian, as in the paper), in ⌈ℓ/2⌉ bits."""

    name = "compute_sqrt"
    level = "CS"
    input_alphabet = "01"
    output_alphabet = "01"

    def output_length(self, length):
        return (length + 1) // 2

    def _generate(self, batch_size, length, generator):
        x = uniform_symbols(batch_size, length, 2, generator)
        roots = [math.isqrt(n) for n in rows_to_ints(x)]
        return x, ints_to_rows(roots, self.output_length(length))

    def solve(self, x):
        return to_bits(math.isqrt(to_int(x))).ljust((len(x) + 1) // 2, "0")
