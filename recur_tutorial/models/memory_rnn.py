"""The controller and memory update that the RNNs with a differentiable external memory share (Delétang
et al. 2023): the Stack-RNN (:mod:`.stack_rnn`) and the Tape-RNN (:mod:`.tape_rnn`).

An Elman controller reads its input and the memory's head cell r_{t−1} = m_{t−1}[0],

    h_t = tanh(W_x e(x_t) + W_r r_{t−1} + U h_{t−1} + b),     y_t = W_y h_t + b_y,

and changes the memory m (``memory_size`` cells of width ``cell_size``) by a soft mixture of discrete
actions, π_t = softmax(W_π h_t + b_π): the new memory is Σ_a π_{t,a} A_a(m_{t−1}), each action A_a a
shift of the cells after a write.

Where this differs from Delétang et al.'s code (google-deepmind/neural_networks_chomsky_hierarchy,
``models/stack_rnn.py`` and ``models/tape_rnn.py``): the controller has 64 units by default (theirs
256); the pushed value passes through tanh (theirs is linear); one stack and one tape (theirs allow
several); the tape's jump during the input is the number of symbols read so far, so that the model
stays causal and can be stepped one token at a time, where theirs is told the whole input length
from the first step (both equal ℓ while the answer is written).

Fast and plain forms. ``step`` applies the equations above to the whole memory, one token at a time.
``forward`` computes the same logits with fewer kernels per token: the input projection and the
read-out of every position in one product each, the two controller products added into one tensor,
and the memory update as one autograd node (:class:`ShiftMix`, its gradient written out). When the
written value is φ(W_v h_t + b_v) (the Stack-RNN's push, φ = tanh; the Tape-RNN's write with
``write_layers=()``, φ the identity), the whole loop over t is one autograd node
(:class:`MemoryScan`, backpropagation through time written out), whose loop runs in C++ where it
can be compiled (:mod:`.memory_kernels`, about twice as fast; the Python loop otherwise, and off the
CPU). The stack also uses that its cells below depth t are still zero after t tokens: it carries only
the min(t, M) cells that can be non-zero, which gives the same numbers as the full stack.
``bench/memory_rnn.py`` times the plain form and the fast form's two loops.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd.function import once_differentiable

from ..errors import check
from . import memory_kernels
from .base import SequenceModel


def compiled_loop_applies(inputs: torch.Tensor) -> bool:
    """Whether :class:`MemoryScan` runs its compiled loop on ``inputs``: on the CPU, in float32 or float64
    (where :mod:`.memory_kernels` could build it)."""
    return inputs.device.type == "cpu" and inputs.dtype in (torch.float32, torch.float64)


def mix(memory, value, actions, offsets, size, reach):
    """The new memory out[b, i] = Σ_a π[b, a] · P[b, i + offsets[a]], i < ``size``, and the padded
    written memory P (B × L × C) it was read from (see :class:`ShiftMix`)."""
    if reach:  # [w[−r:]; w; w[:r]] with w = [v; m[1:]]
        cells, head = memory.shape[1], value[:, None]
        parts = [memory[:, cells - reach:], head, memory[:, 1:], head, memory[:, 1:reach]]
    else:  # [v; m; 0; 0]
        parts = [value[:, None], memory, memory.new_zeros(len(memory), 2, memory.shape[2])]
    padded = torch.cat(parts, 1)
    out = padded[:, offsets[0]:offsets[0] + size] * actions[:, :1, None]
    for a, o in enumerate(offsets[1:], 1):
        out.addcmul_(padded[:, o:o + size], actions[:, a:a + 1, None])
    return out, padded


def mix_gradient(grad, padded, actions, offsets, size, reach, cells):
    """The gradients of :func:`mix` with respect to the old memory (``cells`` cells), the written value
    and the actions, given ``grad``, the gradient of the new memory: ∂π_a = ⟨P[i + o_a], grad⟩ and
    ∂P[i + o_a] += π_a · grad (``grad`` is modified in place)."""
    grad_padded = torch.zeros_like(padded)
    grad_actions = torch.empty_like(actions)
    for a, o in enumerate(offsets):
        grad_padded[:, o:o + size].addcmul_(grad, actions[:, a:a + 1, None])
        grad_actions[:, a] = (grad * padded[:, o:o + size]).sum((1, 2))
    if not reach:
        return grad_padded[:, 1:1 + cells], grad_padded[:, 0], grad_actions
    grad_written = grad_padded[:, reach:reach + cells]  # fold the circular padding back
    grad_written[:, cells - reach:] += grad_padded[:, :reach]
    grad_written[:, :reach] += grad_padded[:, reach + cells:]
    grad_value = grad_written[:, 0].clone()
    grad_written[:, 0] = 0
    return grad_written, grad_value, grad_actions


class ShiftMix(torch.autograd.Function):
    """One memory update as one autograd node, its gradient written out instead of taped.

    The written memory is laid out once as a padded tensor P (B × L × C), and the new memory is a
    soft mixture of windows of it: out[b, i] = Σ_a π[b, a] · P[b, i + offsets[a]], i < ``size``.
    Stack (``reach`` = 0): P = [v; m; 0; 0]. Tape (``reach`` = r ≥ 1): P = [w[−r:]; w; w[:r]], the
    tape w = m with its head cell replaced by v, padded circularly. Returns the new memory and its
    head cell out[:, 0] (a second output, so that reading the head needs no gradient buffer of the
    memory's size).
    """

    @staticmethod
    def forward(ctx, memory, value, actions, offsets, size, reach):
        out, padded = mix(memory, value, actions, offsets, size, reach)
        ctx.save_for_backward(padded, actions)
        ctx.offsets, ctx.size, ctx.reach, ctx.cells = offsets, size, reach, memory.shape[1]
        return out, out[:, 0].clone()

    @staticmethod
    @once_differentiable
    def backward(ctx, grad, grad_head):
        padded, actions = ctx.saved_tensors
        grad = padded.new_zeros(len(padded), ctx.size, padded.shape[2]) if grad is None else grad.clone()
        if grad_head is not None:
            grad[:, 0] += grad_head
        return (*mix_gradient(grad, padded, actions, ctx.offsets, ctx.size, ctx.reach, ctx.cells),
                None, None, None)


class MemoryScan(torch.autograd.Function):
    """The whole fast form of a memory RNN whose written value is v_t = φ(W_v h_t + b_v) (φ = tanh or
    the identity) as one autograd node: the loop over t runs without a tape and its gradient is
    written out as the reverse loop (backpropagation through time by hand).

    Forward, for t = 0 … T−1 (h_{−1} = 0, r_{−1} = 0, the memory m_{−1} zero with ``cells`` cells):

        h_t = tanh(u_t + h_{t−1} U + r_{t−1} R),   [a_t; c_t] = h_t W_o + b_o,
        π_t = softmax(a_t),   v_t = φ(c_t),   m_t = mix(m_{t−1}, v_t, π_t),   r_t = m_t[0],

    ``schedule[t]`` = (offsets, size, reach) of step t's :func:`mix`. Returns H = (h_0 … h_{T−1}).
    Backward, for t = T−1 … 0, with ḡ the gradients flowing back from step t+1:

        ∂m_t = ḡ_m + e_0 ḡ_r,   (∂m_{t−1}, ∂v_t, ∂π_t) = mix_gradient(∂m_t),
        ∂a_t = π_t ⊙ (∂π_t − ⟨π_t, ∂π_t⟩),   ∂c_t = ∂v_t ⊙ φ'(c_t),
        ∂z_t = (∂H_t + [∂a_t; ∂c_t] W_oᵀ + ḡ_h) ⊙ (1 − h_t²),   ḡ_h = ∂z_t Uᵀ,  ḡ_r = ∂z_t Rᵀ,

    and the weights' gradients are sums over t, each one matrix product at the end
    (∂U = Σ h_{t−1}ᵀ ∂z_t, ∂R = Σ r_{t−1}ᵀ ∂z_t, ∂W_o = Σ h_tᵀ [∂a_t; ∂c_t]).
    """

    @staticmethod
    def forward(ctx, inputs, hidden_weight, read_weight, out_weight, out_bias, schedule, n_actions, squash, cells):
        ctx.compiled = memory_kernels.kernels() if compiled_loop_applies(inputs) else None
        if ctx.compiled is not None:  # the same loop in C++ (memory_scan.cpp)
            ctx.table = torch.tensor([(*offsets, size, reach) for offsets, size, reach in schedule], dtype=torch.long)
            states, heads, actions, values, ctx.padded = ctx.compiled.forward(
                inputs, hidden_weight, read_weight, out_weight, out_bias, ctx.table, n_actions, squash, cells,
                any(ctx.needs_input_grad))
            ctx.save_for_backward(hidden_weight, read_weight, out_weight, states, heads, actions, values)
            ctx.squash, ctx.cells = squash, cells
            return states
        batch, steps, _ = inputs.shape
        h = inputs.new_zeros(batch, hidden_weight.shape[0])
        memory = inputs.new_zeros(batch, cells, read_weight.shape[0])
        head = memory.new_zeros(batch, read_weight.shape[0])
        states, heads, saved = [], [], []
        for t, (offsets, size, reach) in enumerate(schedule):
            heads.append(head)
            h = torch.tanh(torch.addmm(inputs[:, t], h, hidden_weight).addmm_(head, read_weight))
            states.append(h)
            actions, value = torch.addmm(out_bias, h, out_weight).split([n_actions, read_weight.shape[0]], 1)
            actions, value = torch.softmax(actions, -1), torch.tanh(value) if squash else value
            cells = memory.shape[1]
            memory, padded = mix(memory, value, actions, offsets, size, reach)
            head = memory[:, 0].clone()
            saved.append((padded, actions, value, cells))
        ctx.save_for_backward(inputs, hidden_weight, read_weight, out_weight)
        ctx.states, ctx.heads, ctx.saved, ctx.schedule, ctx.squash = states, heads, saved, schedule, squash
        return torch.stack(states, 1)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_states):
        if ctx.compiled is not None:
            gradients = ctx.compiled.backward(grad_states, *ctx.saved_tensors, ctx.padded, ctx.table, ctx.squash,
                                              ctx.cells)
            return (*gradients, None, None, None, None)
        inputs, hidden_weight, read_weight, out_weight = ctx.saved_tensors
        batch, steps, hidden = inputs.shape
        grad_h, grad_head, grad_memory = inputs.new_zeros(batch, hidden), None, None
        grad_z, grad_out = [None] * steps, [None] * steps
        for t in reversed(range(steps)):
            (offsets, size, reach), (padded, actions, value, cells) = ctx.schedule[t], ctx.saved[t]
            grad = padded.new_zeros(batch, size, padded.shape[2]) if grad_memory is None else grad_memory
            if grad_head is not None:
                grad[:, 0] += grad_head
            grad_memory, grad_value, grad_actions = mix_gradient(grad, padded, actions, offsets, size, reach, cells)
            grad_actions = actions * (grad_actions - (actions * grad_actions).sum(1, keepdim=True))
            if ctx.squash:
                grad_value = grad_value * (1 - value * value)
            grad_out[t] = torch.cat([grad_actions, grad_value], 1)
            h = ctx.states[t]
            grad_z[t] = torch.addmm(grad_states[:, t] + grad_h, grad_out[t], out_weight.t()).mul_(1 - h * h)
            grad_h, grad_head = grad_z[t] @ hidden_weight.t(), grad_z[t] @ read_weight.t()
        grad_z, grad_out = torch.stack(grad_z, 1).flatten(0, 1), torch.stack(grad_out, 1).flatten(0, 1)
        states = torch.stack(ctx.states, 1)
        previous = torch.cat([states.new_zeros(batch, 1, hidden), states[:, :-1]], 1).flatten(0, 1)
        heads = torch.stack(ctx.heads, 1).flatten(0, 1)
        return (grad_z.view(batch, steps, hidden), previous.t() @ grad_z, heads.t() @ grad_z,
                states.flatten(0, 1).t() @ grad_out, grad_out.sum(0), None, None, None, None)


class MemoryRNN(SequenceModel):
    """The controller; subclasses define ``n_actions``, the memory update and its fast form."""

    causal = True
    n_actions: int

    def __init__(self, in_vocab: int, out_vocab: int, *, hidden: int = 64, embed: int = 16,
                 memory_size: int = 30, cell_size: int = 8) -> None:
        super().__init__()
        check(isinstance(memory_size, int) and memory_size >= 2,
              f"memory_size must be an integer >= 2, got {memory_size!r}")
        self.memory_size, self.cell_size = memory_size, cell_size
        self.embed = nn.Embedding(in_vocab, embed)
        self.cell = nn.RNNCell(embed + cell_size, hidden)
        self.actions = nn.Linear(hidden, self.n_actions)
        self.head = nn.Linear(hidden, out_vocab)

    def controller(self, token, read, h):
        """h_t from the token, the head cell read and h_{t−1} (the plain form, via torch's cell)."""
        return self.cell(torch.cat([self.embed(token), read], -1), h)

    def fast_controller(self, tokens):
        """The controller's fixed parts for the fast form: u_t = W_x e(x_t) + b for every t in one product
        (B × T × H), and W_r, U transposed."""
        weight, embed = self.cell.weight_ih, self.embed.embedding_dim
        inputs = F.linear(self.embed(tokens), weight[:, :embed], self.cell.bias_ih + self.cell.bias_hh)
        return inputs, weight[:, embed:].t(), self.cell.weight_hh.t()
