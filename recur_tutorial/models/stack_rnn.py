"""The Stack-RNN (Joulin & Mikolov 2015): the Elman controller of :mod:`.memory_rnn` with a stack.

Cell 0 is the top, cells past the bottom are zero; the pushed value is p_t = tanh(W_p h_t + b_p):

    m_t[0] = π_push p_t + π_pop m_{t−1}[1] + π_noop m_{t−1}[0]
    m_t[i] = π_push m_{t−1}[i−1] + π_pop m_{t−1}[i+1] + π_noop m_{t−1}[i]     (i ≥ 1)
"""

from __future__ import annotations

import torch
from torch import nn

from .memory_rnn import MemoryRNN, MemoryScan


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
        # push, pop, no-op on the cells that can be non-zero: min(t + 1, M) after token t
        schedule = [((0, 2, 1), min(t + 1, self.memory_size), 0) for t in range(tokens.shape[1])]
        states = MemoryScan.apply(inputs, hidden_weight, read_weight, out_weight, out_bias, schedule,
                                  self.n_actions, True, 0)
        return self.head(states)
