"""The seed paper's recurrent Transformer: a Transformer recurrent in time.

A causal Transformer whose first layer at step t also reads the last layer's output at step t−1, so
the top of step t−1 enters the bottom of step t; it runs strictly one step at a time.
"""

from __future__ import annotations

from torch import nn

from .transformer import TransformerParts


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
