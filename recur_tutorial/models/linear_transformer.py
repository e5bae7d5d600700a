"""The Linear Transformer (Katharopoulos et al. 2020): attention with a feature map, a recurrence in time.

Each head keeps a K × V state S_t = S_{t−1} + φ(k_t) ⊗ v_t and reads y_t = S_tᵀ φ(q_t) (unnormalised),
φ = elu + 1 > 0 (:func:`~.layer_stack.elu_feature`); op :func:`~.ops.linear_attention`. The
transition is the identity: every eigenvalue is 1.
"""

from __future__ import annotations

from . import ops
from .layer_stack import MLP, LayerStack, MultiHeadMixer, elu_feature, merge_heads, mode_for


class LinearAttentionMixer(MultiHeadMixer):
    LAW = "transition I: eigenvalue 1"
    def forward(self, x, state):
        q, k, v = self.heads(x)
        y, state = ops.linear_attention(elu_feature(q), elu_feature(k), v, initial_state=state,
                                        return_state=True, mode=mode_for(x))
        return self.out(merge_heads(y)), state

    def transition(self, x):
        return x.new_ones(x.shape[0], x.shape[1], 1)


class LinearTransformer(LayerStack):
    """Katharopoulos et al. 2020: linear attention (φ = elu + 1) and an MLP per layer."""

    LAW = LinearAttentionMixer.LAW

    def __init__(self, in_vocab, out_vocab, *, d_model: int = 32, n_layers: int = 1, n_heads: int = 4) -> None:
        super().__init__(in_vocab, out_vocab, d_model, [
            sub for _ in range(n_layers) for sub in (LinearAttentionMixer(d_model, n_heads), MLP(d_model))])
