"""The Tape-RNN (Delétang et al. 2023, with jumps): the Elman controller of :mod:`.memory_rnn` with a tape.

The tape is circular, rolled under a fixed head at cell 0. The model always writes w_t = MLP(h_t)
(ReLU layers ``write_layers``, a linear output) into the head cell, m'_t = [w_t; m_{t−1}[1:]], then
moves the head by one of five offsets o_a ∈ {0, +1, −1, +ℓ_t, −ℓ_t} (stay, right, left, jump right,
jump left):

    m_t[i] = Σ_a π_{t,a} m'_t[(i + o_a) mod M].

The jump ℓ_t is the number of input symbols read so far (token ids below ``input_symbols``): the
input length ℓ once the input has been read.

In the read-then-write layout the answer y_t = W_y h_t sees the cell under the head before step t,
so the plain strategy for duplicate_string (write x moving right, jump back ℓ cells, read it out) is
one step late when the first blank arrives; the layout's computation tokens (``read_then_write``
with ``computation_steps``, as Delétang et al. used for this model) give it steps to rewind first.
The write MLP defaults to Delétang et al.'s two layers of 64; ``write_layers=()`` writes through one
linear layer.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import check
from .memory_rnn import MemoryRNN, MemoryScan, ShiftMix


class TapeRNN(MemoryRNN):
    """Write, then stay, move one cell or jump ℓ_t cells on a circular tape (module docstring).

    ``input_symbols``: token ids below it are input symbols, counted for the jump (``models.build``
    sets it from the layout; default: every id but the last, the read-then-write blank).
    ``training_memory_size``: a shorter tape while training (``model.train()``), ``memory_size``
    cells when evaluated. No weight depends on the number of cells, and the cost of a step grows
    with it: a tape that holds the training inputs is enough to learn on, one that holds the longest
    test input is needed to be tested on (default: ``memory_size`` in both).
    """

    n_actions = 5  # stay, right, left, jump right, jump left

    def __init__(self, in_vocab: int, out_vocab: int, *, hidden: int = 64, embed: int = 16,
                 memory_size: int = 30, cell_size: int = 8, write_layers: tuple[int, ...] = (64, 64),
                 input_symbols: int | None = None, training_memory_size: int | None = None) -> None:
        super().__init__(in_vocab, out_vocab, hidden=hidden, embed=embed, memory_size=memory_size, cell_size=cell_size)
        self.training_memory_size = memory_size if training_memory_size is None else training_memory_size
        check(isinstance(self.training_memory_size, int) and self.training_memory_size >= 2,
              f"training_memory_size must be an integer >= 2, got {training_memory_size!r}")
        self.input_symbols = in_vocab - 1 if input_symbols is None else input_symbols
        check(1 <= self.input_symbols <= in_vocab, f"input_symbols must lie in 1..{in_vocab}, got {input_symbols!r}")
        sizes = (self.cell.hidden_size, *write_layers)
        layers = [module for a, b in zip(sizes, sizes[1:]) for module in (nn.Linear(a, b), nn.ReLU())]
        self.write = nn.Sequential(*layers, nn.Linear(sizes[-1], self.cell_size))

    @property
    def cells(self) -> int:
        """The number of tape cells in the current mode."""
        return self.training_memory_size if self.training else self.memory_size

    def initial_state(self, batch_size, device="cpu"):
        like = {"device": device, "dtype": self.head.weight.dtype}
        return (torch.zeros(batch_size, self.cell.hidden_size, **like),
                torch.zeros(batch_size, self.cells, self.cell_size, **like),
                torch.zeros(batch_size, dtype=torch.long, device=device))

    def step(self, token, state):
        h, memory, read = state
        read = read + (token < self.input_symbols)
        h = self.controller(token, memory[:, 0], h)
        written = torch.cat([self.write(h)[:, None], memory[:, 1:]], 1)
        size = memory.shape[1]
        cells = torch.arange(size, device=memory.device)
        moved = []
        for offset in (0, 1, -1, read, -read):
            index = (cells + torch.as_tensor(offset, device=memory.device).reshape(-1, 1)) % size
            moved.append(written.gather(1, index.expand(len(token), -1)[..., None].expand_as(written)))
        actions = torch.softmax(self.actions(h), -1)[:, :, None, None]
        return self.head(h), (h, sum(actions[:, a] * cells_a for a, cells_a in enumerate(moved)), read)

    def forward(self, tokens):
        read = torch.cumsum(tokens < self.input_symbols, 1)  # ℓ_t
        if not bool((read == read[:1]).all()):  # inputs of different lengths in one batch
            return self.run_steps(tokens)
        inputs, read_weight, hidden_weight = self.fast_controller(tokens)
        size = self.cells
        half = size // 2  # a jump of ℓ cells on a circular tape is one of ℓ mod M, or of ℓ mod M − M: the shorter
        schedule = []
        for jump in ((read[0] + half).remainder(size) - half).tolist():
            r = max(abs(jump), 1)  # stay, right, left, jump right, jump left:
            schedule.append(((r, r + 1, r - 1, r + jump, r - jump), size, r))
        first, rest = self.write[0], self.write[1:]  # π_t and the write MLP's first layer in one product
        out_weight = torch.cat([self.actions.weight, first.weight]).t()
        out_bias = torch.cat([self.actions.bias, first.bias])
        if not len(rest):  # a linear write: the whole loop is one autograd node
            return self.head(MemoryScan.apply(inputs, hidden_weight, read_weight, out_weight, out_bias, schedule,
                                              self.n_actions, False, size))
        h = inputs[:, 0].new_zeros(len(tokens), self.cell.hidden_size)
        memory = h.new_zeros(len(tokens), size, self.cell_size)
        head = memory[:, 0]
        states = []
        for t, (offsets, _, r) in enumerate(schedule):
            h = torch.tanh(torch.addmm(inputs[:, t], h, hidden_weight).addmm_(head, read_weight))
            states.append(h)
            actions, written = torch.addmm(out_bias, h, out_weight).split([self.n_actions, first.out_features], 1)
            memory, head = ShiftMix.apply(memory, rest(written), torch.softmax(actions, -1), offsets, size, r)
        return self.head(torch.stack(states, 1))
