"""A pre-LayerNorm Transformer with attention written on ``F.scaled_dot_product_attention``.

Block ℓ: x ← x + Attn(LN(x)); x ← x + MLP(LN(x)), MLP(z) = W₂ GELU(W₁ z).
Attention per head: softmax(q kᵀ / √d_h + B) v, where B carries ALiBi and, when ``causal``, the
mask −∞ above the diagonal. The depth is ``n_layers`` whatever the input length: the constant
depth that Chapter 2 sets against recurrence.

torch's ``nn.TransformerEncoderLayer`` is not used: in eval mode its fast path mishandles a
per-head mask (pytorch issue 102333), which ALiBi needs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import check
from .base import SequenceModel
from .positional import Positional


class SelfAttention(nn.Module):
    def __init__(self, d_model: int, n_heads: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def project(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Queries, keys and values, each B × H × T × d_h."""
        return list(self.qkv(x).unflatten(-1, (3, self.n_heads, -1)).permute(2, 0, 3, 1, 4))

    def keys_values(self, x: torch.Tensor, positional: Positional) -> tuple[torch.Tensor, torch.Tensor]:
        """The keys (rotated) and values of x (B × T × d) at positions 0..T−1, to pass as ``past``."""
        _, k, v = self.project(x)
        return positional.rotate(k), v

    def forward(self, x: torch.Tensor, positional: Positional, causal: bool, past=None):
        """Attend from x (B × T × d) to ``past`` keys and values (a KV cache, or None) and x's own.

        Returns the output and the keys and values of every position seen, to pass as ``past`` next.
        """
        batch, length, width = x.shape
        offset = 0 if past is None else past[0].shape[2]
        q, k, v = self.project(x)
        q, k = positional.rotate(q, offset), positional.rotate(k, offset)
        if past is not None:
            k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)
        bias = positional.bias(length, k.shape[2], causal, x.device)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=None if bias is None else bias.to(q.dtype))
        return self.out(y.transpose(1, 2).reshape(batch, length, width)), (k, v)


class Block(nn.Module):
    def __init__(self, d_model: int, n_heads: int, d_mlp: int) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.attention = SelfAttention(d_model, n_heads)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_mlp), nn.GELU(), nn.Linear(d_mlp, d_model))

    def forward(self, x, positional, causal, past=None):
        """x ← x + Attn(LN(x)); x ← x + MLP(LN(x)); also returns the attention's keys and values."""
        attended, cache = self.attention(self.norm1(x), positional, causal, past)
        x = x + attended
        return x + self.mlp(self.norm2(x)), cache


class Transformer(SequenceModel):
    """Embedding (+ absolute positions) → ``n_layers`` blocks → LayerNorm → linear read-out.

    ``causal=False`` is the encoder of Delétang et al. (every position sees the whole input);
    ``causal=True`` a decoder, which also decodes one token at a time with a KV cache: the state is
    each layer's keys and values so far, so a step costs O(T) instead of a whole forward pass.
    """

    LAW = "no recurrent state (attention over all tokens)"

    def __init__(self, in_vocab: int, out_vocab: int, *, d_model: int = 64, n_layers: int = 2,
                 n_heads: int = 4, d_mlp: int | None = None, positional: str = "sinusoidal",
                 causal: bool = False, max_len: int = 2048) -> None:
        super().__init__()
        check(d_model % n_heads == 0, f"d_model ({d_model}) must be a multiple of n_heads ({n_heads})")
        check(n_layers >= 1, f"n_layers must be at least 1, got {n_layers}")
        self.causal = causal
        self.embed = nn.Embedding(in_vocab, d_model)
        self.positional = Positional(positional, d_model, n_heads, max_len)
        self.blocks = nn.ModuleList(Block(d_model, n_heads, d_mlp or 4 * d_model) for _ in range(n_layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, out_vocab)

    def layers(self) -> list[Block]:
        """The blocks in the order they are applied."""
        return list(self.blocks)

    def run(self, tokens: torch.Tensor, caches: list, causal: bool) -> tuple[torch.Tensor, list]:
        offset = 0 if caches[0] is None else caches[0][0].shape[2]
        x = self.positional.add(self.embed(tokens), offset)
        new_caches = []
        for block, cache in zip(self.layers(), caches):
            x, cache = block(x, self.positional, causal, cache)
            new_caches.append(cache)
        return self.head(self.norm(x)), new_caches

    def forward(self, tokens):
        return self.run(tokens, [None] * len(self.layers()), self.causal)[0]

    def logits_from(self, tokens, first):
        """The last block's queries, and all it computes after attention, at positions ≥ ``first``
        only; its keys and values still come from every position, so those logits are ``forward``'s
        (up to rounding) and the rest are zeros. With one answer after ℓ input tokens this saves
        most of the last block."""
        if not 0 < first < tokens.shape[1]:
            return self(tokens)
        *inner, last = self.layers()
        x = self.positional.add(self.embed(tokens))
        for block in inner:
            x, _ = block(x, self.positional, self.causal)
        past = last.attention.keys_values(last.norm1(x[:, :first]), self.positional)
        x, _ = last(x[:, first:], self.positional, self.causal, past)
        logits = self.head(self.norm(x))
        return torch.cat([logits.new_zeros(len(tokens), first, logits.shape[-1]), logits], 1)

    def initial_state(self, batch_size, device="cpu"):
        return [None] * len(self.layers())

    def step(self, token, state):
        if not self.causal:
            raise ValueError(f"{type(self).__name__} was built with causal=False and cannot step")
        logits, state = self.run(token[:, None], state, True)
        return logits[:, 0], state


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
