"""The Universal Transformer (Dehghani et al. 2019): a Transformer recurrent over depth.

One shared block applied ``n_steps`` times; set ``model.n_steps`` to think longer or shorter at test
time (the per-step coordinate embedding of the paper is left out, so any number of steps is valid).
"""

from __future__ import annotations

from ..errors import check
from .transformer import Transformer


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
