"""Checkers for the exercises of Chapter 4 (recurrence-completeness).

Each checker runs the reader's answer against a reference on many inputs and answers with a
:class:`~recur_tutorial.exercises.verdict.Verdict`: right, or the first failing input and a hint.
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch

from .verdict import Wrong, checker


def _bits(n: int, length: int, seed: int) -> torch.Tensor:
    return torch.randint(0, 2, (n, length), generator=torch.Generator().manual_seed(seed))


def run_diagonal_rnn(a: Sequence[float], b: Sequence[float], bits: torch.Tensor,
                     dtype=torch.float32) -> torch.Tensor:
    """h_t = a[x_t] h_{t−1} + b[x_t] from h_0 = 0, for a batch of bit strings; returns every h_t (B × T)."""
    a = torch.as_tensor(a, dtype=dtype)[bits]
    b = torch.as_tensor(b, dtype=dtype)[bits]
    h = torch.zeros(bits.shape[0], dtype=dtype)
    states = []
    for t in range(bits.shape[1]):
        h = a[:, t] * h + b[:, t]
        states.append(h)
    return torch.stack(states, 1)


@checker(hint="the state must take two values that the read-out tells apart at every length: which a(1) "
               "swaps two values exactly, and which b(1) goes with it?")
def check_parity_rnn(a: Sequence[float], b: Sequence[float], readout: Callable[[torch.Tensor], torch.Tensor],
                     *, length: int = 2000, n: int = 64, seed: int = 0) -> str:
    """Exercise 4.1: a scalar linear RNN h_t = a[x_t] h_{t−1} + b[x_t] (h_0 = 0, float32) and a
    read-out ``readout(h) → 0/1`` that give the parity of every prefix, up to ``length``."""
    assert len(a) == 2 and len(b) == 2, "give a = (a(0), a(1)) and b = (b(0), b(1))"
    bits = _bits(n, length, seed)
    states = run_diagonal_rnn(a, b, bits)
    predicted = torch.as_tensor(readout(states)).long()
    truth = torch.cumsum(bits, 1) % 2
    wrong = (predicted != truth).any(0).nonzero()
    if len(wrong):
        first = int(wrong[0]) + 1
        raise Wrong(f"the parity read from h is wrong from prefix length {first} on "
                             f"(h there ranges over {states[:, first - 1].min():.4g}.."
                             f"{states[:, first - 1].max():.4g})")
    return f"correct on {n} random bit strings at every length 1..{length}"


@checker(hint="try a short string and the same string with every symbol repeated twice")
def check_same_view(u: str, v: str) -> str:
    """Exercise 4.2: two bit strings that end in the same symbol and have the same fraction of ones,
    but different parity; a one-layer Linear Transformer gives them the same output."""
    assert set(u) <= set("01") and set(v) <= set("01") and u and v, "give two non-empty bit strings"
    assert u[-1] == v[-1], "the strings must end with the same symbol (the query token)"
    assert u.count("1") * len(v) == v.count("1") * len(u), "the fractions of ones must be equal"
    assert u.count("1") % 2 != v.count("1") % 2, "the parities must differ"
    return f"{u!r} and {v!r}: same query, same mix of keys and values, different parity"


@checker(hint="a rotation of the plane by 120 degrees has order 3; the identity leaves the count alone")
def check_mod3_counter(transition: dict[str, Sequence[Sequence[float]]], start: Sequence[float],
                       decode: Callable[[torch.Tensor], torch.Tensor], *, length: int = 300, n: int = 64,
                       seed: int = 0) -> str:
    """Exercise 4.3: a linear recurrence h_t = A(x_t) h_{t−1} with 2 × 2 matrices A('a'), A('b') and
    a ``decode(h) → count of 'a' mod 3`` (h: B × 2) that count modulo 3 up to ``length``."""
    assert set(transition) == {"a", "b"}, "give the matrices for 'a' and 'b'"
    matrices = torch.stack([torch.as_tensor(transition[s], dtype=torch.float64) for s in "ab"])
    assert matrices.shape == (2, 2, 2), "each A must be 2 × 2"
    symbols = _bits(n, length, seed)  # 0 = 'a', 1 = 'b'
    h = torch.as_tensor(start, dtype=torch.float64).expand(n, 2)
    counts = torch.cumsum(1 - symbols, 1) % 3
    for t in range(length):
        h = torch.einsum("bij,bj->bi", matrices[symbols[:, t]], h)
        got = torch.as_tensor(decode(h)).long()
        if not torch.equal(got, counts[:, t]):
            read = "".join("ab"[int(c)] for c in symbols[0, : t + 1][-12:])
            raise Wrong(f"wrong count mod 3 at length {t + 1}: after ...{read!r} (the last 12 symbols of the first "
                        f"string) the count is {int(counts[0, t])}, you decode {int(got[0])}")
    eigenvalues = torch.linalg.eigvals(matrices[0])
    return (f"counts modulo 3 up to length {length}; the eigenvalues of A('a') are "
            f"{', '.join(f'{complex(z):.3f}' for z in eigenvalues)}")


__all__ = ["check_mod3_counter", "check_parity_rnn", "check_same_view", "run_diagonal_rnn"]
