"""The Recurrent Memory Transformer (Bulatov et al. 2022): a Transformer recurrent over segments.

The input is cut into segments of ``segment`` tokens; each segment is read as [memory; tokens; memory]
by a causal Transformer, and the outputs at the last ``n_memory`` positions (the write slots) are the
memory of the next segment. Gradients flow through the memory across segments.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import check
from .transformer import TransformerParts


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
