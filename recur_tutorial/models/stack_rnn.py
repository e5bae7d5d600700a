"""The Stack-RNN (Joulin & Mikolov 2015): the Elman controller of :mod:`.memory_rnn` with a stack.

Cell 0 is the top, cells past the bottom are zero; the pushed value is p_t = tanh(W_p h_t + b_p):

    m_t[0] = π_push p_t + π_pop m_{t−1}[1] + π_noop m_{t−1}[0]
    m_t[i] = π_push m_{t−1}[i−1] + π_pop m_{t−1}[i+1] + π_noop m_{t−1}[i]     (i ≥ 1)
"""

from __future__ import annotations

import torch
from torch import nn

from .memory_rnn import MemoryRNN, ShiftMix


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
        states, head = [], None  # head: the top cell read, from the second token on
        for t, projected in enumerate(inputs):
            h = torch.tanh(torch.addmm(projected, h, hidden_weight) if t == 0 else
                           torch.addmm(projected, h, hidden_weight).addmm_(head, read_weight))
            states.append(h)
            actions, push = torch.addmm(out_bias, h, out_weight).split([self.n_actions, self.cell_size], 1)
            size = min(memory.shape[1] + 1, self.memory_size)  # push, pop, no-op:
            memory, head = ShiftMix.apply(memory, torch.tanh(push), torch.softmax(actions, -1), (0, 2, 1), size, 0)
        return self.head(torch.stack(states, 1))
