"""The Tape-RNN (Delétang et al. 2023): an RNN controller with a tape under a moving head.

The controller of :mod:`.memory_rnn` writes w_t = tanh(W_w h_t) into the head cell with strengths
σ(W_g h_t), then moves the head: stay, left or right (a circular tape rolled under a fixed head);
m_t = Σ_a π_a roll_a(m'_t).
"""

from __future__ import annotations

import torch

from .memory_rnn import MemoryRNN


class TapeRNN(MemoryRNN):
    n_actions, n_values = 3, 2

    def update(self, memory, actions, values):
        strength = torch.sigmoid(values[:, 1:])  # B × 1 × cell, per entry of the head cell
        head = strength * torch.tanh(values[:, :1]) + (1 - strength) * memory[:, :1]
        written = torch.cat([head, memory[:, 1:]], 1)
        stay, left, right = written, written.roll(1, 1), written.roll(-1, 1)
        return actions[:, 0] * stay + actions[:, 1] * left + actions[:, 2] * right
