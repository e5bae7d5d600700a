"""Transformers made recurrent, over depth, over time, or over segments.

- Universal Transformer (Dehghani et al. 2019): one shared block applied ``n_steps`` times; set
  ``model.n_steps`` to think longer or shorter at test time (the per-step coordinate embedding of the
  paper is left out, so any number of steps is valid).
- Recurrent (feedback) Transformer (after Fan et al. 2020): at step t every layer attends to the memory
  m_1 … m_{t−1} of last-layer outputs and to its own input; m_t = the last layer's output at t. So the
  top of step t−1 enters the bottom of step t: a recurrence in time, run strictly one step at a time.
- Memory Transformer (Recurrent Memory Transformer, Bulatov et al. 2022): the input is cut into
  segments of ``segment`` tokens; each segment is read as [memory; tokens; memory] by a causal
  Transformer, and the outputs at the last ``n_memory`` positions (the write slots) are the memory of
  the next segment. Gradients flow through the memory across segments.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import check
from .base import SequenceModel
from .positional import Positional
from .transformer import Block, Transformer


class UniversalTransformer(Transformer):
    def __init__(self, in_vocab: int, out_vocab: int, *, d_model: int = 64, n_steps: int = 4, n_heads: int = 4,
                 d_mlp: int | None = None, positional: str = "sinusoidal", causal: bool = False,
                 max_len: int = 2048) -> None:
        check(n_steps >= 1, f"n_steps must be at least 1, got {n_steps}")
        super().__init__(in_vocab, out_vocab, d_model=d_model, n_layers=1, n_heads=n_heads, d_mlp=d_mlp,
                         positional=positional, causal=causal, max_len=max_len)
        self.n_steps = n_steps

    def layers(self):
        return [self.blocks[0]] * self.n_steps


class TransformerParts(SequenceModel):
    """Embedding, ``n_layers`` blocks, LayerNorm and read-out, for the recurrent designs below."""

    causal = True

    def __init__(self, in_vocab, out_vocab, d_model, n_layers, n_heads, d_mlp, positional, max_len):
        super().__init__()
        check(d_model % n_heads == 0, f"d_model ({d_model}) must be a multiple of n_heads ({n_heads})")
        check(n_layers >= 1, f"n_layers must be at least 1, got {n_layers}")
        self.embed = nn.Embedding(in_vocab, d_model)
        self.positional = Positional(positional, d_model, n_heads, max_len)
        self.blocks = nn.ModuleList(Block(d_model, n_heads, d_mlp or 4 * d_model) for _ in range(n_layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, out_vocab)


class RecurrentTransformer(TransformerParts):
    def __init__(self, in_vocab, out_vocab, *, d_model: int = 32, n_layers: int = 2, n_heads: int = 4,
                 d_mlp: int | None = None) -> None:
        super().__init__(in_vocab, out_vocab, d_model, n_layers, n_heads, d_mlp, "none", 1)

    def initial_state(self, batch_size, device="cpu"):
        """Each layer's keys and values of the memory m_1 … m_{t−1} (None: empty)."""
        return [None] * len(self.blocks)

    def step(self, token, state):
        x = self.embed(token)[:, None]
        for block, memory in zip(self.blocks, state):
            x, _ = block(x, self.positional, False, memory)
        new_state = []
        for block, memory in zip(self.blocks, state):  # the new memory entry, seen by every layer
            _, k, v = block.attention.project(block.norm1(x))
            new_state.append((k, v) if memory is None else (torch.cat([memory[0], k], 2), torch.cat([memory[1], v], 2)))
        return self.head(self.norm(x[:, 0])), new_state

    def forward(self, tokens):
        state, logits = self.initial_state(tokens.shape[0]), []
        for t in range(tokens.shape[1]):
            out, state = self.step(tokens[:, t], state)
            logits.append(out)
        return torch.stack(logits, 1)


class MemoryTransformer(TransformerParts):
    def __init__(self, in_vocab, out_vocab, *, d_model: int = 32, n_layers: int = 2, n_heads: int = 4,
                 d_mlp: int | None = None, segment: int = 10, n_memory: int = 4,
                 positional: str = "sinusoidal") -> None:
        check(segment >= 1 and n_memory >= 1, f"segment and n_memory must be positive, got {segment}, {n_memory}")
        super().__init__(in_vocab, out_vocab, d_model, n_layers, n_heads, d_mlp, positional, segment + 2 * n_memory)
        self.segment = segment
        self.memory = nn.Parameter(0.02 * torch.randn(n_memory, d_model))

    def read(self, tokens: torch.Tensor, memory: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """One segment (B × L, L ≤ segment): logits B × L × V and the memory it writes."""
        if memory is None:
            memory = self.memory.expand(tokens.shape[0], -1, -1)
        slots = memory.shape[1]
        x = self.positional.add(torch.cat([memory, self.embed(tokens), memory], 1))
        for block in self.blocks:
            x, _ = block(x, self.positional, True)
        return self.head(self.norm(x[:, slots:-slots])), x[:, -slots:]

    def forward(self, tokens):
        memory, logits = None, []
        for part in tokens.split(self.segment, 1):
            out, memory = self.read(part, memory)
            logits.append(out)
        return torch.cat(logits, 1)

    def initial_state(self, batch_size, device="cpu"):
        """(memory from the segments before, or None; the tokens of the current segment so far)."""
        return None, torch.zeros(batch_size, 0, dtype=torch.long, device=device)

    def step(self, token, state):
        memory, pending = state
        pending = torch.cat([pending, token[:, None]], 1)
        logits, written = self.read(pending, memory)
        if pending.shape[1] == self.segment:
            memory, pending = written, pending[:, :0]
        return logits[:, -1], (memory, pending)
