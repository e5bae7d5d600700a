"""Every custom autograd node: its gradient passes torch's gradcheck (first order, float64), and a
second backward through the same graph (``retain_graph=True``) gives the same gradients as the first,
which fails if a backward writes into a tensor it saved."""

from __future__ import annotations

import pytest
import torch

from recur_tutorial.models import memory_kernels, ops
from recur_tutorial.models.memory_rnn import MemoryScan, ShiftMix
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


def memory_scan_case(kind, loop="compiled"):
    """Five steps of a stack (growing from no cells, the value squashed) or a tape (six cells, jumps), in
    the compiled loop or the Python one."""
    generator = torch.Generator().manual_seed(0)
    hidden, cell, n_actions = 4, 3, 3 if kind == "stack" else 5

    def parameter(*shape):
        return torch.randn(*shape, dtype=torch.double, generator=generator).mul_(0.7).requires_grad_()

    inputs = (parameter(2, 5, hidden), parameter(hidden, hidden), parameter(cell, hidden),
              parameter(hidden, n_actions + cell), parameter(n_actions + cell))
    if kind == "stack":
        schedule, squash, cells = [((0, 2, 1), min(t + 1, 4), 0) for t in range(5)], True, 0
    else:
        schedule = [((r, r + 1, r - 1, r + jump, r - jump), 6, r)
                    for jump, r in ((1, 1), (2, 2), (-3, 3), (0, 1), (2, 2))]
        squash, cells = False, 6

    def function(*args):
        with memory_kernels.LOOPS[loop]():
            return MemoryScan.apply(*args, schedule, n_actions, squash, cells)
    return inputs, function


CASES = {**{f"chunked {name}": (lambda n=name: scan_case(n)) for name in CHUNKED_NODES},
         "ShiftMix stack": lambda: shift_mix_case(0), "ShiftMix tape": lambda: shift_mix_case(2),
         **{f"MemoryScan {kind} {loop}": (lambda k=kind, lp=loop: memory_scan_case(k, lp))
            for kind in ("stack", "tape") for loop in memory_kernels.LOOPS}}


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


@pytest.mark.parametrize("label", CASES)
def test_a_second_derivative_is_refused(label):
    """Each backward is first order only: differentiating it again is an error, not a wrong number (a
    squared loss, so that the gradient reaching the node depends on the inputs)."""
    inputs, function = inputs_and_function(label)
    outputs = function(*inputs)
    loss = sum(y.square().sum() for y in (outputs if isinstance(outputs, tuple) else (outputs,)))
    gradients = torch.autograd.grad(loss, inputs, create_graph=True)
    with pytest.raises(RuntimeError, match="once_differentiable"):
        sum(g.sum() for g in gradients).backward()
