"""Gated DeltaNet (Yang, Kautz & Hatamizadeh 2025) and DeltaProduct (Siems et al. 2025).

Each head keeps a K × V state; per token it is scaled by a gate g_t ∈ (0, 1) (``gate``) and then
takes n_h delta-rule steps (``n_householder``), op :func:`~.ops.delta_product`:

    S ← g_t S;  S ← (I − β_{t,j} k_{t,j} k_{t,j}ᵀ) S + β_{t,j} k_{t,j} ⊗ v_{t,j}  (j = 1 … n_h);  y_t = S_tᵀ q_t

Keys are L2-normalised SiLU projections, one per step; β_{t,j} = σ(·) ∈ (0, 1), or 2σ(·) ∈ (0, 2)
with ``negative_eigenvalues`` (Grazzi et al. 2025). The token's transition g_t ∏_j (I − β_{t,j} k kᵀ)
is identity plus rank n_h; its eigenvalues lie in the disc of radius g_t. With β ∈ (0, 1) and
n_h ≤ 2 they are real and in [0, 1] (a product of two positive semidefinite matrices); with
β ∈ (0, 2) and n_h = 1 real in (−1, 1]; with β ∈ (0, 2) and n_h ≥ 2 they can be complex (two
reflections compose a rotation, which S₃'s 3-cycles need in one layer).

Gated DeltaNet is n_h = 1 with the gate, DeltaProduct n_h ≥ 2 (gated or not). Simplified against the
papers: no short convolutions on q, k, v, and the gate is σ(·) per head instead of Mamba-2's
exp(−softplus(·)·A) parametrisation (the same range, (0, 1)).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import check
from . import ops
from .layer_stack import MLP, HeadNorm, LayerStack, merge_heads, mode_for, split_heads


class DeltaProductMixer(nn.Module):
    """q, n_h keys, n_h values and n_h rates β per head and token; the gate g_t per head (optional)."""

    LAW = ("g_t ∏_j (I − β_j k_j k_jᵀ), β ∈ (0, 1): eigenvalues in [0, 1] for n_h ≤ 2, in the unit disc",
           "g_t ∏_j (I − β_j k_j k_jᵀ), β ∈ (0, 2): eigenvalues in the unit disc, negative or complex")

    def __init__(self, d_model: int, n_heads: int, n_householder: int, gate: bool, negative_eigenvalues: bool):
        super().__init__()
        check(d_model % n_heads == 0, f"d_model ({d_model}) must be a multiple of n_heads ({n_heads})")
        self.n_heads, self.n_householder = n_heads, n_householder
        self.query = nn.Linear(d_model, d_model, bias=False)
        self.keys = nn.Linear(d_model, n_householder * d_model, bias=False)
        self.values = nn.Linear(d_model, n_householder * d_model, bias=False)
        self.beta = nn.Linear(d_model, n_householder * n_heads)
        self.gate = nn.Linear(d_model, n_heads) if gate else None
        if gate:
            nn.init.constant_(self.gate.bias, 3.0)  # g ≈ 0.95 at the start: a long memory
        self.scale = 2.0 if negative_eigenvalues else 1.0
        self.norm = HeadNorm(n_heads, d_model)
        self.out = nn.Linear(d_model, d_model)

    def per_step(self, x, projection):
        """B × T × (n_h·d) → B × H × T × n_h × d/H."""
        return projection(x).unflatten(-1, (self.n_householder, self.n_heads, -1)).permute(0, 3, 1, 2, 4)

    def rates(self, x):
        """β: B × H × T × n_h, and the gate g: B × H × T or None."""
        beta = self.scale * torch.sigmoid(self.beta(x)).unflatten(-1, (self.n_householder, self.n_heads))
        gate = None if self.gate is None else torch.sigmoid(self.gate(x)).transpose(1, 2)
        return beta.permute(0, 3, 1, 2), gate

    def forward(self, x, state):
        q = F.normalize(F.silu(split_heads(self.query(x), self.n_heads)), dim=-1)
        k = F.normalize(F.silu(self.per_step(x, self.keys)), dim=-1)
        beta, gate = self.rates(x)
        y, state = ops.delta_product(q, k, self.per_step(x, self.values), beta, gate, initial_state=state,
                                     return_state=True, mode=mode_for(x))
        return self.out(self.norm(merge_heads(y))), state

    def transition_matrices(self, x):
        """Each token's transition per head, B × T × H × K × K."""
        k = F.normalize(F.silu(self.per_step(x, self.keys)), dim=-1)  # B H T n_h K
        beta, gate = self.rates(x)
        eye = torch.eye(k.shape[-1], dtype=x.dtype, device=x.device)
        total = eye.expand(*k.shape[:3], -1, -1) if gate is None else gate[..., None, None] * eye
        for key, rate in zip(k.unbind(3), beta.unbind(3)):
            total = (eye - rate[..., None, None] * key[..., :, None] * key[..., None, :]) @ total
        return total.transpose(1, 2)

    def transition(self, x):
        """Eigenvalues of every token's transition, B × T × (H·K), complex where n_h ≥ 2."""
        values = torch.linalg.eigvals(self.transition_matrices(x))
        return (values.real if self.n_householder == 1 else values).flatten(2)


class DeltaProduct(LayerStack):
    """Siems et al. 2025 (``n_householder`` ≥ 2) and Gated DeltaNet (n_h = 1, ``gate``), an MLP per layer."""

    LAW = DeltaProductMixer.LAW

    def __init__(self, in_vocab, out_vocab, *, d_model: int = 32, n_layers: int = 1, n_heads: int = 4,
                 n_householder: int = 2, gate: bool = False, negative_eigenvalues: bool = False) -> None:
        super().__init__(in_vocab, out_vocab, d_model, [
            sub for _ in range(n_layers)
            for sub in (DeltaProductMixer(d_model, n_heads, n_householder, gate, negative_eigenvalues),
                        MLP(d_model))])
