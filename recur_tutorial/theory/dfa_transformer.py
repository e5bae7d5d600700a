"""A one-layer causal Transformer whose weights are set by hand so that, writing the full-state trace,
it executes any DFA exactly: a chain of thought that *is* the recurrence.

The sequence is ``BOS x₁ s₁ x₂ s₂ … x_n s_n`` (the interleaved trace of Chapter 3), with s_t = δ(s_{t−1},
x_t) and BOS standing for s₀ = q₀. At the position of x_t the model must predict s_t, which depends on
two tokens only: x_t itself (already in the residual stream) and s_{t−1}, the token just before it.

Residual stream of width |Q| + |Σ| + 3 + |Q|: a one-hot state block (BOS writes q₀ there), a one-hot
input block, positional features (1, p, p²) of the position p, and a block that attention fills.

- Attention, one head: query q_p = λ·(2(p−1), −1, −(p−1)²), key k_j = (j, j², 1), so that
  q_p·k_j = −λ (j − (p−1))²: the score is 0 at the previous token and at most −λ elsewhere (the
  causal mask removes j > p). Both are linear maps of the features (1, p, p²). The value copies the
  state block, so the head writes the previous token's state into the last block.
- MLP: one ReLU unit per pair (q, a), ReLU(prev_q + in_a − 1), which is 1 exactly when the previous
  state is q and the input is a; the output layer sends unit (q, a) to the logit of the token δ(q, a).

Nothing depends on the length: the attention gap λ is the same at every position, so the construction
is exact for any length that float64 positions resolve (p² < 2⁵³).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..runtime import threads
from ..errors import check
from .automata import DFA


@dataclass
class Generation:
    """A generated trace: the states (B × n), and for each step the position attended to most and
    the weight it got (B × n each)."""

    states: np.ndarray
    attended: np.ndarray
    attention_weight: np.ndarray


class DFATransformer:
    """The hand-built one-layer Transformer of ``dfa``. Token ids: 0 = BOS, 1..|Σ| the input
    symbols, |Σ|+1 .. |Σ|+|Q| the state tokens. It predicts state tokens only."""

    def __init__(self, dfa: DFA, sharpness: float = 30.0, dtype=torch.float64) -> None:
        self.dfa, self.dtype = dfa, dtype
        n_q, n_a = dfa.table.shape
        self.n_q, self.n_a = n_q, n_a
        self.vocab = 1 + n_a + n_q
        # residual stream blocks
        self.state_block = slice(0, n_q)
        self.input_block = slice(n_q, n_q + n_a)
        self.pos_block = slice(n_q + n_a, n_q + n_a + 3)
        self.prev_block = slice(n_q + n_a + 3, 2 * n_q + n_a + 3)
        width = 2 * n_q + n_a + 3
        self.width = width

        embed = torch.zeros(self.vocab, width, dtype=dtype)
        embed[0, dfa.start] = 1  # BOS stands for q₀
        for a in range(n_a):
            embed[1 + a, n_q + a] = 1
        for q in range(n_q):
            embed[1 + n_a + q, q] = 1
        self.embed = embed

        f1, fp, fp2 = (self.pos_block.start + i for i in range(3))  # indices of 1, p, p²
        w_q = torch.zeros(3, width, dtype=dtype)  # query = λ (2p − 2, −1, −p² + 2p − 1)
        w_q[0, fp], w_q[0, f1] = 2, -2
        w_q[1, f1] = -1
        w_q[2, fp2], w_q[2, fp], w_q[2, f1] = -1, 2, -1
        self.W_Q = sharpness * w_q
        w_k = torch.zeros(3, width, dtype=dtype)  # key = (j, j², 1)
        w_k[0, fp], w_k[1, fp2], w_k[2, f1] = 1, 1, 1
        self.W_K = w_k
        w_ov = torch.zeros(width, width, dtype=dtype)  # value: copy the state block into prev
        for q in range(n_q):
            w_ov[self.prev_block.start + q, q] = 1
        self.W_OV = w_ov

        n_hidden = n_q * n_a
        w1 = torch.zeros(n_hidden, width, dtype=dtype)
        w2 = torch.zeros(n_q, n_hidden, dtype=dtype)
        for q in range(n_q):
            for a in range(n_a):
                unit = q * n_a + a
                w1[unit, self.prev_block.start + q] = 1
                w1[unit, n_q + a] = 1
                w2[dfa.table[q, a], unit] = 10.0
        self.W_1, self.b_1, self.W_2 = w1, -torch.ones(n_hidden, dtype=dtype), w2

    # ---- pieces ---------------------------------------------------------------------------
    def residual(self, tokens: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """Token embedding plus the positional features (1, p, p²)."""
        x = self.embed[tokens]
        p = positions.to(self.dtype)
        x[..., self.pos_block] = torch.stack([torch.ones_like(p), p, p * p], -1)
        return x

    def mlp_logits(self, x: torch.Tensor) -> torch.Tensor:
        """Logits over the next state (… × |Q|) from the residual stream after attention."""
        return torch.relu(x @ self.W_1.T + self.b_1) @ self.W_2.T

    # ---- the whole sequence at once (teacher forcing) --------------------------------------
    @torch.no_grad()
    def forward(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits over the next state at every position (B × T × |Q|) and the attention (B × T × T)."""
        tokens = torch.as_tensor(tokens, dtype=torch.long)
        length = tokens.shape[1]
        x = self.residual(tokens, torch.arange(length).expand_as(tokens))
        scores = (x @ self.W_Q.T) @ (x @ self.W_K.T).transpose(1, 2)
        scores = scores.masked_fill(torch.ones(length, length, dtype=torch.bool).triu(1), float("-inf"))
        attention = scores.softmax(-1)
        x = x + attention @ x @ self.W_OV.T
        return self.mlp_logits(x), attention

    def sequence(self, x: torch.Tensor, states: torch.Tensor) -> torch.Tensor:
        """Token ids BOS x₁ s₁ … x_n s_n for input ids x and state ids (both B × n)."""
        x, states = torch.as_tensor(x), torch.as_tensor(states)
        tokens = torch.zeros(x.shape[0], 2 * x.shape[1] + 1, dtype=torch.long)
        tokens[:, 1::2] = 1 + x
        tokens[:, 2::2] = 1 + self.n_a + states
        return tokens

    # ---- greedy generation with a key-value cache -----------------------------------------
    @torch.no_grad()
    def generate(self, x: torch.Tensor) -> Generation:
        """Feed x_t, take the greedy state token, feed it back; one query per input symbol over the
        cached keys. Returns the generated states and where each step attended."""
        x = torch.as_tensor(x, dtype=torch.long)
        batch, n = x.shape
        check(2 * n + 1 < 2**26, "positions beyond 2^26 lose float64 precision in p²")
        keys = torch.empty(batch, 2 * n + 1, 3, dtype=self.dtype)
        values = torch.empty(batch, 2 * n + 1, self.width, dtype=self.dtype)
        states = torch.empty(batch, n, dtype=torch.long)
        attended = torch.empty(batch, n, dtype=torch.long)
        weight = torch.empty(batch, n, dtype=self.dtype)

        def write(token: torch.Tensor, position: int) -> torch.Tensor:
            h = self.residual(token, torch.full_like(token, position))
            keys[:, position], values[:, position] = h @ self.W_K.T, h @ self.W_OV.T
            return h

        write(torch.zeros(batch, dtype=torch.long), 0)
        for t in range(n):
            position = 2 * t + 1
            h = write(1 + x[:, t], position)
            scores = torch.einsum("bk,bjk->bj", h @ self.W_Q.T, keys[:, : position + 1])
            attention = scores.softmax(-1)
            h = h + torch.einsum("bj,bjw->bw", attention, values[:, : position + 1])
            states[:, t] = self.mlp_logits(h).argmax(-1)
            weight[:, t], attended[:, t] = attention.max(-1)
            write(1 + self.n_a + states[:, t], position + 1)
        return Generation(states.numpy(), attended.numpy(), weight.numpy())


def check_exact(dfa: DFA, length: int = 1000, batch: int = 16, seed: int = 0) -> dict:
    """Generate the trace of random strings of ``length`` with the hand-built Transformer and
    compare it with the DFA's own trace, state by state."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, len(dfa.alphabet), (batch, length))
    with threads(1):  # a loop of tiny tensor operations: one thread is fastest
        generation = DFATransformer(dfa).generate(torch.as_tensor(x))
    truth = dfa.run(x)
    previous_token = 2 * np.arange(length)[None, :]  # position of s_{t−1} (BOS for t = 1)
    return {"automaton": dfa.name, "states": dfa.n_states, "length": length,
            "trace accuracy": float((generation.states == truth).mean()),
            "final answers right": float((generation.states[:, -1] == truth[:, -1]).mean()),
            "attends to the previous state token": float((generation.attended == previous_token).mean()),
            "smallest attention weight there": float(generation.attention_weight.min())}
