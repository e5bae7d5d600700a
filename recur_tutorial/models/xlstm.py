"""xLSTM's two cells (Beck et al. 2024): the mLSTM (a matrix memory, linear in its state) and the
sLSTM (scalar memories whose gates read the previous output: nonlinear in its state).

mLSTM mixer, per head (op :func:`~.ops.mlstm`):

    q, k, v = W_q x, W_k x / √K, W_v x;   log f_t = log σ(w_f · x + b_f),   log i_t = w_i · x + b_i
    C_t = f_t C_{t−1} + i_t k_t ⊗ v_t,  n_t = f_t n_{t−1} + i_t k_t,  y_t = C_tᵀ q_t / max(|n_tᵀ q_t|, 1)
    out = W_o(GroupNorm(y) ⊙ σ(W_g x))

The transition is f_t I: one eigenvalue f_t ∈ (0, 1) per head. The stored state is the op's
stabilised (C̄, n̄, m), affine in (C̄, n̄) but not in m; ``transition`` declares f_t.

sLSTM mixer, per head of width d_h, with block-diagonal recurrent weights R (memory mixing):

    (z̃, ĩ, f̃, õ)_t = W x_t + R h_{t−1} + b;   z = tanh z̃,  log i = ĩ,  log f = log σ(f̃),  o = σ(õ)
    m_t = max(log f_t + m_{t−1}, log i_t)
    c_t = e^{log f_t + m_{t−1} − m_t} c_{t−1} + e^{log i_t − m_t} z_t,  n_t likewise with 1 for z_t
    h_t = o_t ⊙ c_t / n_t

(c and n stored scaled by e^{−m}, which their ratio does not see). The gates read h_{t−1}, so the
update is nonlinear in the state, as an LSTM's is. Simplified against the paper: one pre-norm
residual block per layer followed by a position-wise MLP (no causal convolution, no gated up- and
down-projections).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import check
from . import ops
from .layer_stack import MLP, HeadNorm, LayerStack, MultiHeadMixer, merge_heads, mode_for


class MLSTMMixer(MultiHeadMixer):
    LAW = "f_t I, f_t = σ(·) ∈ (0, 1): linear in the state, eigenvalues in (0, 1)"

    def __init__(self, d_model: int, n_heads: int) -> None:
        super().__init__(d_model, n_heads)
        self.gates = nn.Linear(d_model, 2 * n_heads)  # forget, input
        nn.init.constant_(self.gates.bias[:n_heads], 3.0)  # f ≈ 0.95 at the start
        self.output_gate = nn.Linear(d_model, d_model)
        self.norm = HeadNorm(n_heads, d_model)

    def log_gates(self, x):
        forget, write = self.gates(x).transpose(1, 2).chunk(2, 1)  # B H T each
        return F.logsigmoid(forget), write

    def forward(self, x, state):
        q, k, v = self.heads(x)
        log_f, log_i = self.log_gates(x)
        y, state = ops.mlstm(q, k / math.sqrt(k.shape[-1]), v, log_f, log_i, initial_state=state,
                             return_state=True, mode=mode_for(x))
        return self.out(self.norm(merge_heads(y)) * torch.sigmoid(self.output_gate(x))), state

    def transition(self, x):
        return self.log_gates(x)[0].exp().transpose(1, 2)


class SLSTMMixer(nn.Module):
    LAW = "nonlinear in h (gates read h_{t−1}, memory mixing per head): recurrence-complete"

    def __init__(self, d_model: int, n_heads: int) -> None:
        super().__init__()
        check(d_model % n_heads == 0, f"d_model ({d_model}) must be a multiple of n_heads ({n_heads})")
        self.n_heads, self.width = n_heads, d_model // n_heads
        self.inputs = nn.Linear(d_model, 4 * d_model)  # z, i, f, o
        self.recurrent = nn.Parameter(torch.randn(n_heads, self.width, 4 * self.width) / math.sqrt(self.width))
        with torch.no_grad():
            self.inputs.bias[2 * d_model : 3 * d_model].fill_(3.0)  # f ≈ 0.95 at the start
        self.norm = HeadNorm(n_heads, d_model)
        self.out = nn.Linear(d_model, d_model)

    def initial(self, x):
        zeros = x.new_zeros(x.shape[0], x.shape[-1])
        return zeros, zeros, zeros, zeros  # h, c̄, n̄, m

    def cell(self, drive, state):
        """One step from the input's pre-activations (B × 4d) and (h, c̄, n̄, m)."""
        h, c, n, m = state
        mixed = torch.einsum("bhd,hde->bhe", h.unflatten(-1, (self.n_heads, self.width)), self.recurrent)
        pre = drive + mixed.unflatten(-1, (4, self.width)).transpose(1, 2).flatten(1)  # grouped z, i, f, o
        z, log_i, f, o = pre.chunk(4, -1)
        log_f = F.logsigmoid(f)
        new_m = torch.maximum(log_f + m, log_i)
        keep, gain = torch.exp(log_f + m - new_m), torch.exp(log_i - new_m)
        c, n = keep * c + gain * torch.tanh(z), keep * n + gain
        return torch.sigmoid(o) * c / n, c, n, new_m

    def forward(self, x, state):
        state = self.initial(x) if state is None else state
        outputs = []
        for drive in self.inputs(x).unbind(1):
            state = self.cell(drive, state)
            outputs.append(state[0])
        return self.out(self.norm(torch.stack(outputs, 1))), state


class MLSTM(LayerStack):
    LAW = MLSTMMixer.LAW

    def __init__(self, in_vocab, out_vocab, *, d_model: int = 32, n_layers: int = 1, n_heads: int = 4) -> None:
        super().__init__(in_vocab, out_vocab, d_model, [
            sub for _ in range(n_layers) for sub in (MLSTMMixer(d_model, n_heads), MLP(d_model))])


class SLSTM(LayerStack):
    LAW = SLSTMMixer.LAW

    def __init__(self, in_vocab, out_vocab, *, d_model: int = 32, n_layers: int = 1, n_heads: int = 4) -> None:
        super().__init__(in_vocab, out_vocab, d_model, [
            sub for _ in range(n_layers) for sub in (SLSTMMixer(d_model, n_heads), MLP(d_model))])
