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

    def forward(self, x: torch.Tensor, positional: Positional, causal: bool) -> torch.Tensor:
        batch, length, width = x.shape
        q, k, v = self.qkv(x).view(batch, length, 3, self.n_heads, -1).permute(2, 0, 3, 1, 4)
        q, k = positional.rotate(q), positional.rotate(k)
        bias = positional.bias(length, length, causal, x.device)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=None if bias is None else bias.to(q.dtype))
        return self.out(y.transpose(1, 2).reshape(batch, length, width))


class Block(nn.Module):
    def __init__(self, d_model: int, n_heads: int, d_mlp: int) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.attention = SelfAttention(d_model, n_heads)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_mlp), nn.GELU(), nn.Linear(d_mlp, d_model))

    def forward(self, x, positional, causal):
        x = x + self.attention(self.norm1(x), positional, causal)
        return x + self.mlp(self.norm2(x))


class Transformer(SequenceModel):
    """Embedding (+ absolute positions) → ``n_layers`` blocks → LayerNorm → linear read-out.

    ``causal=False`` is the encoder of Delétang et al. (every position sees the whole input);
    ``causal=True`` a decoder.
    """

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

    def forward(self, tokens):
        x = self.positional.add(self.embed(tokens))
        for block in self.blocks:
            x = block(x, self.positional, self.causal)
        return self.head(self.norm(x))
