"""The Stack-RNN (Joulin & Mikolov 2015, as in Delétang et al. 2023): an RNN controller with a stack.

The controller of :mod:`.memory_rnn` mixes three actions, π_t = (push, pop, no-op): push p_t =
tanh(W_p h_t) on top, pop, or leave the stack;
m_t = π_push [p_t; m_{t−1}[:−1]] + π_pop [m_{t−1}[1:]; 0] + π_noop m_{t−1}.
"""

from __future__ import annotations

import torch

from .memory_rnn import MemoryRNN


class StackRNN(MemoryRNN):
    n_actions, n_values = 3, 1

    def update(self, memory, actions, values):
        pushed = torch.cat([torch.tanh(values), memory[:, :-1]], 1)
        popped = torch.cat([memory[:, 1:], torch.zeros_like(memory[:, :1])], 1)
        return actions[:, 0] * pushed + actions[:, 1] * popped + actions[:, 2] * memory
