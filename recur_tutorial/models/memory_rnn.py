"""RNNs with a differentiable external memory, after Delétang et al. 2023: Stack-RNN and Tape-RNN.

An Elman controller reads its input and the memory's head cell r_{t−1} = m_{t−1}[0],

    h_t = tanh(W_x e(x_t) + W_r r_{t−1} + U h_{t−1} + b),     y_t = W_y h_t + b_y,

and changes the memory m (``memory_size`` cells of width ``cell_size``) by a soft mixture of discrete
actions, π_t = softmax(W_π h_t + b_π): the new memory is Σ_a π_{t,a} A_a(m_{t−1}), each action A_a a
shift of the cells after a write.

- **Stack** (Joulin & Mikolov 2015), cell 0 the top, cells past the bottom zero; p_t = tanh(W_p h_t + b_p):

      m_t[0] = π_push p_t + π_pop m_{t−1}[1] + π_noop m_{t−1}[0]
      m_t[i] = π_push m_{t−1}[i−1] + π_pop m_{t−1}[i+1] + π_noop m_{t−1}[i]     (i ≥ 1)

- **Tape** (Delétang et al.'s Tape-RNN with jumps), a circular tape rolled under a fixed head at cell
  0. It always writes w_t = MLP(h_t) (ReLU layers ``write_layers``, a linear output) into the head
  cell, m'_t = [w_t; m_{t−1}[1:]], then moves the head by one of five offsets o_a ∈ {0, +1, −1,
  +ℓ_t, −ℓ_t} (stay, right, left, jump right, jump left):

      m_t[i] = Σ_a π_{t,a} m'_t[(i + o_a) mod M].

  The jump ℓ_t is the number of input symbols read so far (token ids below ``input_symbols``): the
  input length ℓ once the input has been read.

Where this differs from Delétang et al.'s code (google-deepmind/neural_networks_chomsky_hierarchy,
``models/stack_rnn.py`` and ``models/tape_rnn.py``): the controller has 64 units by default (theirs
256); the pushed value passes through tanh (theirs is linear); one stack and one tape (theirs allow
several); the tape's jump during the input is the number of symbols read so far, so that the model
stays causal and can be stepped one token at a time, where theirs is told the whole input length
from the first step (both equal ℓ while the answer is written).

Fast and plain forms. ``step`` applies the equations above to the whole memory, one token at a time.
``forward`` computes the same logits with fewer kernels per token: the input projection and the
read-out of every position in one product each, the two controller products added into one tensor,
and the memory update as one autograd node (:class:`ShiftMix`, its gradient written out). The stack
also uses that its cells below depth t are still zero after t tokens: it carries only the
min(t, M) cells that can be non-zero, which gives the same numbers as the full stack.
``bench/memory_rnn.py`` times the two forms.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import check
from .base import SequenceModel


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
        if reach:
            written = memory.clone()
            written[:, 0] = value
            padded = torch.cat([written[:, written.shape[1] - reach:], written, written[:, :reach]], 1)
        else:
            padded = torch.cat([value[:, None], memory, memory.new_zeros(len(memory), 2, memory.shape[2])], 1)
        ctx.save_for_backward(padded, actions)
        ctx.offsets, ctx.size, ctx.reach, ctx.cells = offsets, size, reach, memory.shape[1]
        out = padded[:, offsets[0]:offsets[0] + size] * actions[:, :1, None]
        for a, o in enumerate(offsets[1:], 1):
            out.addcmul_(padded[:, o:o + size], actions[:, a:a + 1, None])
        return out, out[:, 0].clone()

    @staticmethod
    def backward(ctx, grad, grad_head):
        padded, actions = ctx.saved_tensors
        batch, size, reach, cells = len(padded), ctx.size, ctx.reach, ctx.cells
        grad = padded.new_zeros(batch, size, padded.shape[2]) if grad is None else grad.clone()
        if grad_head is not None:
            grad[:, 0] += grad_head
        grad_padded = torch.zeros_like(padded)
        grad_actions = torch.empty_like(actions)
        for a, o in enumerate(ctx.offsets):
            grad_padded[:, o:o + size].addcmul_(grad, actions[:, a:a + 1, None])
            grad_actions[:, a] = (grad * padded[:, o:o + size]).sum((1, 2))
        if not reach:
            return grad_padded[:, 1:1 + cells], grad_padded[:, 0], grad_actions, None, None, None
        grad_written = grad_padded[:, reach:reach + cells]  # fold the circular padding back
        grad_written[:, cells - reach:] += grad_padded[:, :reach]
        grad_written[:, :reach] += grad_padded[:, reach + cells:]
        grad_value = grad_written[:, 0].clone()
        grad_written[:, 0] = 0
        return grad_written, grad_value, grad_actions, None, None, None


class MemoryRNN(SequenceModel):
    """The controller; subclasses define ``n_actions``, the memory update and its fast form."""

    causal = True
    n_actions: int

    def __init__(self, in_vocab: int, out_vocab: int, *, hidden: int = 64, embed: int = 16,
                 memory_size: int = 30, cell_size: int = 8) -> None:
        super().__init__()
        check(isinstance(memory_size, int) and memory_size >= 2, f"memory_size must be an integer >= 2, got {memory_size!r}")
        self.memory_size, self.cell_size = memory_size, cell_size
        self.embed = nn.Embedding(in_vocab, embed)
        self.cell = nn.RNNCell(embed + cell_size, hidden)
        self.actions = nn.Linear(hidden, self.n_actions)
        self.head = nn.Linear(hidden, out_vocab)

    def controller(self, token, read, h):
        """h_t from the token, the head cell read and h_{t−1} (the plain form, via torch's cell)."""
        return self.cell(torch.cat([self.embed(token), read], -1), h)

    def fast_controller(self, tokens):
        """The controller's fixed parts for the fast form: W_x e(x_t) + b for every t in one product
        (a tuple over t), and W_r, U transposed."""
        weight, embed = self.cell.weight_ih, self.embed.embedding_dim
        inputs = F.linear(self.embed(tokens), weight[:, :embed], self.cell.bias_ih + self.cell.bias_hh)
        return inputs.unbind(1), weight[:, embed:].t(), self.cell.weight_hh.t()


class StackRNN(MemoryRNN):
    """Push, pop or no-op on a stack of ``memory_size`` cells (module docstring)."""

    n_actions = 3  # push, pop, no-op

    def __init__(self, in_vocab: int, out_vocab: int, *, hidden: int = 64, embed: int = 16,
                 memory_size: int = 30, cell_size: int = 8) -> None:
        super().__init__(in_vocab, out_vocab, hidden=hidden, embed=embed, memory_size=memory_size, cell_size=cell_size)
        self.push = nn.Linear(self.cell.hidden_size, self.cell_size)

    def initial_state(self, batch_size, device="cpu"):
        like = {"device": device, "dtype": self.head.weight.dtype}
        return (torch.zeros(batch_size, self.cell.hidden_size, **like),
                torch.zeros(batch_size, self.memory_size, self.cell_size, **like))

    def step(self, token, state):
        h, memory = state
        h = self.controller(token, memory[:, 0], h)
        push, pop, noop = torch.softmax(self.actions(h), -1)[:, :, None, None].unbind(1)
        pushed = torch.cat([torch.tanh(self.push(h))[:, None], memory[:, :-1]], 1)
        popped = torch.cat([memory[:, 1:], torch.zeros_like(memory[:, :1])], 1)
        return self.head(h), (h, push * pushed + pop * popped + noop * memory)

    def forward(self, tokens):
        inputs, read_weight, hidden_weight = self.fast_controller(tokens)
        out_weight = torch.cat([self.actions.weight, self.push.weight]).t()
        out_bias = torch.cat([self.actions.bias, self.push.bias])
        h = inputs[0].new_zeros(len(tokens), self.cell.hidden_size)
        memory = h.new_zeros(len(tokens), 0, self.cell_size)  # the cells that can be non-zero
        states = []
        for t, projected in enumerate(inputs):
            h = torch.tanh(torch.addmm(projected, h, hidden_weight) if t == 0 else
                           torch.addmm(projected, h, hidden_weight).addmm_(head, read_weight))
            states.append(h)
            actions, push = torch.addmm(out_bias, h, out_weight).split([self.n_actions, self.cell_size], 1)
            size = min(memory.shape[1] + 1, self.memory_size)  # push, pop, no-op:
            memory, head = ShiftMix.apply(memory, torch.tanh(push), torch.softmax(actions, -1), (0, 2, 1), size, 0)
        return self.head(torch.stack(states, 1))


class TapeRNN(MemoryRNN):
    """Write, then stay, move one cell or jump ℓ_t cells on a circular tape (module docstring).

    ``input_symbols``: token ids below it are input symbols, counted for the jump (``models.build``
    sets it from the layout; default: every id but the last, the read-then-write blank).
    """

    n_actions = 5  # stay, right, left, jump right, jump left

    def __init__(self, in_vocab: int, out_vocab: int, *, hidden: int = 64, embed: int = 16,
                 memory_size: int = 30, cell_size: int = 8, write_layers: tuple[int, ...] = (64, 64),
                 input_symbols: int | None = None) -> None:
        super().__init__(in_vocab, out_vocab, hidden=hidden, embed=embed, memory_size=memory_size, cell_size=cell_size)
        self.input_symbols = in_vocab - 1 if input_symbols is None else input_symbols
        check(1 <= self.input_symbols <= in_vocab, f"input_symbols must lie in 1..{in_vocab}, got {input_symbols!r}")
        sizes = (self.cell.hidden_size, *write_layers)
        layers = [module for a, b in zip(sizes, sizes[1:]) for module in (nn.Linear(a, b), nn.ReLU())]
        self.write = nn.Sequential(*layers, nn.Linear(sizes[-1], self.cell_size))

    def initial_state(self, batch_size, device="cpu"):
        like = {"device": device, "dtype": self.head.weight.dtype}
        return (torch.zeros(batch_size, self.cell.hidden_size, **like),
                torch.zeros(batch_size, self.memory_size, self.cell_size, **like),
                torch.zeros(batch_size, dtype=torch.long, device=device))

    def step(self, token, state):
        h, memory, read = state
        read = read + (token < self.input_symbols)
        h = self.controller(token, memory[:, 0], h)
        written = torch.cat([self.write(h)[:, None], memory[:, 1:]], 1)
        cells = torch.arange(self.memory_size, device=memory.device)
        moved = []
        for offset in (0, 1, -1, read, -read):
            index = (cells + torch.as_tensor(offset, device=memory.device).reshape(-1, 1)) % self.memory_size
            moved.append(written.gather(1, index.expand(len(token), -1)[..., None].expand_as(written)))
        actions = torch.softmax(self.actions(h), -1)[:, :, None, None]
        return self.head(h), (h, sum(actions[:, a] * cells_a for a, cells_a in enumerate(moved)), read)

    def forward(self, tokens):
        read = torch.cumsum(tokens < self.input_symbols, 1)  # ℓ_t
        if not bool((read == read[:1]).all()):  # inputs of different lengths in one batch
            return self.run_steps(tokens)
        inputs, read_weight, hidden_weight = self.fast_controller(tokens)
        size = self.memory_size
        h = inputs[0].new_zeros(len(tokens), self.cell.hidden_size)
        memory = h.new_zeros(len(tokens), size, self.cell_size)
        head = memory[:, 0]
        states = []
        for projected, jump in zip(inputs, read[0].remainder(size).tolist()):
            h = torch.tanh(torch.addmm(projected, h, hidden_weight).addmm_(head, read_weight))
            states.append(h)
            r = max(jump, 1)  # stay, right, left, jump right, jump left:
            offsets = (r, r + 1, r - 1, r + jump, r - jump)
            memory, head = ShiftMix.apply(memory, self.write(h), torch.softmax(self.actions(h), -1), offsets, size, r)
        return self.head(torch.stack(states, 1))
