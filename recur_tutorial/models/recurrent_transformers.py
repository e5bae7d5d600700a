"""Transformers made recurrent, over depth, over time, or over segments.

- Universal Transformer (Dehghani et al. 2019): one shared block applied ``n_steps`` times; set
  ``model.n_steps`` to think longer or shorter at test time (the per-step coordinate embedding of the
  paper is left out, so any number of steps is valid).
- Recurrent Transformer (the seed paper's design): a causal Transformer whose first layer at step t
  also reads the last layer's output at step t−1, so the top of step t−1 enters the bottom of step t:
  a recurrence in time, run strictly one step at a time.
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
    """A causal Transformer whose first layer at step t also reads the last layer at step t − 1.

    x⁰_t = E(x_t) + W_f h_{t−1},  h_t = LN(x^L_t),  logits_t = W_o h_t,
    where x^L_t is the output of the L causal blocks (each attending to its own earlier inputs through
    a KV cache). h_t is a state carried from step to step through L nonlinear blocks: a recurrence in
    time, run strictly one step at a time, as the seed paper's recurrent Transformer.
    """

    def __init__(self, in_vocab, out_vocab, *, d_model: int = 32, n_layers: int = 2, n_heads: int = 4,
                 d_mlp: int | None = None) -> None:
        super().__init__(in_vocab, out_vocab, d_model, n_layers, n_heads, d_mlp, "none", 1)
        self.feedback = nn.Linear(d_model, d_model)

    def initial_state(self, batch_size, device="cpu"):
        """h_0 = 0, and each block's keys and values so far (None: empty)."""
        weight = self.feedback.weight
        return weight.new_zeros(batch_size, weight.shape[0]).to(device), [None] * len(self.blocks)

    def step(self, token, state):
        top, caches = state
        x = (self.embed(token) + self.feedback(top))[:, None]
        new_caches = []
        for block, cache in zip(self.blocks, caches):
            x, cache = block(x, self.positional, True, cache)
            new_caches.append(cache)
        top = self.norm(x[:, 0])
        return self.head(top), (top, new_caches)

    def forward(self, tokens):
        return self.run_steps(tokens)


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
