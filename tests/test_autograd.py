"""Every custom autograd node: its gradient passes torch's gradcheck (first order, float64), and a
second backward through the same graph (``retain_graph=True``) gives the same gradients as the first,
which fails if a backward writes into a tensor it saved."""

from __future__ import annotations

import pytest
import torch

from recur_tutorial.models import ops
from recur_tutorial.models.memory_rnn import ShiftMix
from recur_tutorial.models.ops.examples import Example

CHUNKED_NODES = ["diagonal_linear_rnn", "selective_scan", "selective_scan_neg"]
"""The ops whose chunked form is one custom autograd node (``_ChunkedScan``, ``_ChunkedSelectiveScan``)."""


def scan_case(name):
    case = ops.example(name, 11, batch=2, channels=3, state=2, requires_grad=True)
    return case, lambda *args: case.op(*args, **case.kwargs, mode="chunked", chunk_size=4, return_state=True)


def shift_mix_case(reach):
    generator = torch.Generator().manual_seed(0)
    memory = torch.randn(2, 6, 3, dtype=torch.double, generator=generator, requires_grad=True)
    value = torch.randn(2, 3, dtype=torch.double, generator=generator, requires_grad=True)
    actions = torch.rand(2, 3 if reach == 0 else 5, dtype=torch.double, generator=generator, requires_grad=True)
    offsets = (0, 2, 1) if reach == 0 else (reach, reach + 1, reach - 1, 2 * reach, 0)
    return (memory, value, actions), lambda m, v, a: ShiftMix.apply(m, v, a, offsets, 6, reach)


CASES = {**{f"chunked {name}": (lambda n=name: scan_case(n)) for name in CHUNKED_NODES},
         "ShiftMix stack": lambda: shift_mix_case(0), "ShiftMix tape": lambda: shift_mix_case(2)}


def inputs_and_function(label):
    made = CASES[label]()
    if isinstance(made[0], Example):
        case, function = made
        return case.args, function
    return made


def weighted_loss(outputs):
    generator = torch.Generator().manual_seed(1)
    return sum((y * torch.randn(y.shape, generator=generator, dtype=y.dtype)).sum() for y in outputs)


@pytest.mark.parametrize("label", CASES)
def test_backward_twice_gives_the_same_gradients(label):
    inputs, function = inputs_and_function(label)
    loss = weighted_loss(function(*inputs))
    first = torch.autograd.grad(loss, inputs, retain_graph=True)
    second = torch.autograd.grad(loss, inputs)
    for x, a, b in zip(("1st", "2nd", "3rd", "4th", "5th", "6th"), first, second):
        assert torch.equal(a, b), f"{label}: the gradient of the {x} input changed on the second backward"


@pytest.mark.parametrize("label", CASES)
def test_gradcheck(label):
    inputs, function = inputs_and_function(label)
    assert torch.autograd.gradcheck(function, inputs)
