"""The frame that every linear-recurrent model of the zoo shares.

Embedding → sublayers, each pre-LayerNorm and residual (x ← x + f(LN(x))) → LayerNorm → read-out.
A sublayer is a *mixer* (a recurrence over time, wrapping one op of :mod:`.ops`) or a position-wise
MLP. A sublayer maps (x: B × T × d, state) to (y, new state); ``state`` None is the empty state.
Over a whole sequence the mixers use the op's chunked form, one token at a time its recurrent form,
so ``step`` carries the real recurrent state and agrees with ``forward``.

Mixers that are linear in their state (h_t = A_t h_{t−1} + b_t) also define
``transition(x) -> B × T × n``, the eigenvalues of A_t for each input (see :mod:`.transitions`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import check
from .base import SequenceModel


def mode_for(x: torch.Tensor) -> str:
    """The op form for a B × T × d input: the definition for one step, the fast form for more."""
    return "recurrent" if x.shape[1] == 1 else "chunked"


def split_heads(x: torch.Tensor, heads: int) -> torch.Tensor:
    """B × T × (H·d) → B × H × T × d."""
    return x.unflatten(-1, (heads, -1)).transpose(1, 2)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """B × H × T × d → B × T × (H·d)."""
    return x.transpose(1, 2).flatten(2)


class HeadNorm(nn.GroupNorm):
    """GroupNorm with one group per head, on B × T × d (RetNet, RWKV-6, DeltaNet outputs)."""

    def forward(self, x):
        return super().forward(x.flatten(0, 1)).view_as(x)


class TokenShift(nn.Module):
    """x_{t−1} beside x_t (RWKV's token shift): returns the shifted sequence and the last x as state."""

    def forward(self, x, state):
        previous = x.new_zeros(x.shape[0], 1, x.shape[2]) if state is None else state[:, None]
        return torch.cat([previous, x[:, :-1]], 1), x[:, -1]


class MLP(nn.Module):
    """Position-wise W₂ GELU(W₁ x); stateless."""

    def __init__(self, d_model: int, expansion: int = 4) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_model, expansion * d_model), nn.GELU(),
                                 nn.Linear(expansion * d_model, d_model))

    def forward(self, x, state=None):
        return self.net(x), None


class MultiHeadMixer(nn.Module):
    """Shared wiring: q, k, v = W_qkv x split into heads; output W_o y."""

    def __init__(self, d_model: int, n_heads: int) -> None:
        super().__init__()
        check(d_model % n_heads == 0, f"d_model ({d_model}) must be a multiple of n_heads ({n_heads})")
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model, bias=False)
        self.out = nn.Linear(d_model, d_model)

    def heads(self, x):
        return [split_heads(part, self.n_heads) for part in self.qkv(x).chunk(3, -1)]


class Residual(nn.Module):
    def __init__(self, d_model: int, sublayer: nn.Module) -> None:
        super().__init__()
        self.norm, self.sublayer = nn.LayerNorm(d_model), sublayer

    def forward(self, x, state):
        y, state = self.sublayer(self.norm(x), state)
        return x + y, state


class LayerStack(SequenceModel):
    """A causal model made of residual sublayers with recurrent states."""

    causal = True

    def __init__(self, in_vocab: int, out_vocab: int, d_model: int, sublayers: list[nn.Module]) -> None:
        super().__init__()
        self.embed = nn.Embedding(in_vocab, d_model)
        self.layers = nn.ModuleList(Residual(d_model, sublayer) for sublayer in sublayers)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, out_vocab)

    def run(self, x: torch.Tensor, states: list) -> tuple[torch.Tensor, list]:
        new_states = []
        for layer, state in zip(self.layers, states):
            x, state = layer(x, state)
            new_states.append(state)
        return self.head(self.norm(x)), new_states

    def forward(self, tokens):
        return self.run(self.embed(tokens), self.initial_state(tokens.shape[0]))[0]

    def initial_state(self, batch_size, device="cpu"):
        return [None] * len(self.layers)

    def step(self, token, state):
        logits, state = self.run(self.embed(token)[:, None], state)
        return logits[:, 0], state

    @torch.no_grad()
    def transitions(self, tokens: torch.Tensor) -> list[torch.Tensor]:
        """For each mixer, the eigenvalues of its state transition A_t at every position (B × T × n)."""
        x, found = self.embed(tokens), []
        for layer in self.layers:
            if hasattr(layer.sublayer, "transition"):
                found.append(layer.sublayer.transition(layer.norm(x)))
            x, _ = layer(x, None)
        return found


def elu_feature(x: torch.Tensor) -> torch.Tensor:
    """φ(x) = elu(x) + 1 > 0, the Linear Transformer's feature map."""
    return F.elu(x) + 1
