"""An Elman RNN whose weights are set, not trained, so that it runs any DFA exactly.

The hidden units are indexed by the pairs (q, a) of a state and a symbol, plus one *start* unit.
Unit (q, a) is on at step t exactly when the automaton was in q before step t and read a. The state
after step t is then a linear read-out of the hidden vector, s_t = M h_t with M[δ(q, a), (q, a)] = 1
(and M[q₀, start] = 1), so one Elman step

    h_t = H(W h_{t−1} + U x_t + b),   W = P M,   U[(q, a), a] = 1,   b = −1.5

computes the conjunction "was in q" ∧ "reads a": P[(q, a), q] = 1 copies the state indicator, U the
one-hot input, and the threshold −1.5 lets through only units where both are 1 (1 + 1 − 1.5 > 0,
while 1 + 0 − 1.5 and 0 + 1 − 1.5 are < 0). H is the step function, or a steep sigmoid σ(g·z): every
pre-activation is then ±0.5 away from 0, so σ(±g/2) is within e^{−g/2} of 0 or 1, and the next step's
threshold restores exact 0/1 margins — errors cannot accumulate, whatever the length.
"""

from __future__ import annotations

import numpy as np
import torch

from ..runtime import threads
from ..errors import check_choice
from .automata import DFA

ACTIVATIONS = ("step", "sigmoid")


class DFARNN:
    """The hand-built Elman RNN of a DFA: ``weights`` holds W, U, b and the read-out M."""

    def __init__(self, dfa: DFA, activation: str = "step", gain: float = 40.0, dtype=torch.float32) -> None:
        check_choice("activation", activation, ACTIVATIONS)
        self.dfa, self.activation, self.gain, self.dtype = dfa, activation, gain, dtype
        n_q, n_a = dfa.table.shape
        self.hidden = n_q * n_a + 1  # pairs (q, a) at index q·|Σ| + a, then the start unit
        start = self.hidden - 1
        read_state = torch.zeros(n_q, self.hidden, dtype=dtype)  # M: hidden → state one-hot
        copy_state = torch.zeros(self.hidden, n_q, dtype=dtype)  # P: state → pair units
        read_input = torch.zeros(self.hidden, n_a, dtype=dtype)  # U
        for q in range(n_q):
            for a in range(n_a):
                unit = q * n_a + a
                read_state[dfa.table[q, a], unit] = 1
                copy_state[unit, q] = 1
                read_input[unit, a] = 1
        read_state[dfa.start, start] = 1
        bias = torch.full((self.hidden,), -1.5, dtype=dtype)
        bias[start] = -1e4  # the start unit is on at t = 0 only
        self.W, self.U, self.b, self.M = copy_state @ read_state, read_input, bias, read_state
        self.h0 = torch.zeros(self.hidden, dtype=dtype)
        self.h0[start] = 1

    def nonlinearity(self, z: torch.Tensor) -> torch.Tensor:
        if self.activation == "step":
            return (z > 0).to(self.dtype)
        return torch.sigmoid(self.gain * z)

    @torch.no_grad()
    def run(self, x: torch.Tensor, keep_hidden: bool = False):
        """Read a batch of input ids (B × n). Returns the state held after each symbol, read as the
        argmax of M h_t (B × n ids), and the largest distance of any hidden unit from its ideal 0/1
        value over the whole run (0 for the step function, tiny for a steep sigmoid); with
        ``keep_hidden`` also the hidden vectors h_1 … h_n (B × n × hidden)."""
        x = torch.as_tensor(x, dtype=torch.long)
        h = self.h0.expand(x.shape[0], -1)
        one_hot = torch.eye(self.dfa.table.shape[1], dtype=self.dtype)
        out, worst, hidden = torch.empty_like(x), 0.0, []
        for t in range(x.shape[1]):
            h = self.nonlinearity(h @ self.W.T + one_hot[x[:, t]] @ self.U.T + self.b)
            out[:, t] = (h @ self.M.T).argmax(-1)
            worst = max(worst, float((h - h.round()).abs().max()))
            if keep_hidden:
                hidden.append(h)
        return (out, worst, torch.stack(hidden, 1)) if keep_hidden else (out, worst)

    def unit_names(self) -> list[str]:
        """Hidden unit names: ``q·a`` for the pair units (state name, symbol), then ``start``."""
        return [f"{self.dfa.state_names[q]}·{a}" for q in range(self.dfa.n_states)
                for a in self.dfa.alphabet] + ["start"]


def check_exact(dfa: DFA, length: int = 10_000, batch: int = 16, seed: int = 0, **options) -> dict:
    """Run the hand-built RNN of ``dfa`` on random strings of ``length``; compare every state with the
    DFA's own trace. Returns the fraction of states right and the largest deviation from 0/1."""
    rng = np.random.default_rng(seed)
    x = torch.as_tensor(rng.integers(0, len(dfa.alphabet), (batch, length)))
    rnn = DFARNN(dfa, **options)
    with threads(1):
        states, worst = rnn.run(x)
    states, truth = states.numpy(), dfa.run(x.numpy())
    return {"automaton": dfa.name, "states": dfa.n_states, "hidden units": rnn.hidden, "length": length,
            "state accuracy": float((states == truth).mean()),
            "final answers right": float((states[:, -1] == truth[:, -1]).mean()),
            "largest deviation from 0/1": worst}
