"""The recurrence-completeness probe: superposition and transition eigenvalues, read from step()."""

import numpy as np
import pytest
import torch

from recur_tutorial import models, tasks
from recur_tutorial.models import SequenceModel
from recur_tutorial.theory.probe import StateLayout, probe, probe_table, state_interface


class DiagonalToy(SequenceModel):
    """h_t = a(x_t) ⊙ h_{t−1} + b(x_t) with a hand-set table a: the probe must read a back."""

    def __init__(self, a):
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(a, dtype=torch.float32))
        self.b = torch.nn.Parameter(torch.ones_like(self.a))
        self.head = torch.nn.Linear(self.a.shape[1], 2)

    def initial_state(self, batch_size, device="cpu"):
        return {"h": torch.zeros(batch_size, self.a.shape[1], device=device), "t": torch.zeros((), dtype=torch.long)}

    def step(self, token, state):
        h = self.a[token] * state["h"] + self.b[token]
        return self.head(h), {"h": h, "t": state["t"] + 1}

    def forward(self, tokens):
        state, out = self.initial_state(tokens.shape[0]), []
        for t in range(tokens.shape[1]):
            logits, state = self.step(tokens[:, t], state)
            out.append(logits)
        return torch.stack(out, 1)


@pytest.fixture
def layout():
    return tasks.get_layout("tagging", tasks.get("parity_check"))


def test_linear_toy_is_affine_and_its_eigenvalues_are_read_back():
    result = probe(DiagonalToy([[1.0, 0.5], [-1.0, 0.25]]), 2, name="toy")
    assert result.fixed_state and result.affine
    assert result.superposition_error < 1e-10
    assert result.eig_real_min == pytest.approx(-1.0, abs=1e-6)
    assert result.eig_real_max == pytest.approx(1.0, abs=1e-6)
    assert sorted(set(np.round(result.eigenvalues.real, 6))) == [-1.0, 0.25, 0.5, 1.0]
    assert "parity reachable" in result.verdict


def test_negative_eigenvalues_far_from_minus_one_do_not_make_parity_reachable():
    """−0.4 alternates a repeated symbol's state with an amplitude 0.4ⁿ: gone long before length 200."""
    result = probe(DiagonalToy([[1.0, 0.5], [-0.4, 0.25]]), 2)
    assert result.eig_real_min == pytest.approx(-0.4, abs=1e-6)
    assert "none at -1" in result.verdict and "parity reachable" not in result.verdict


def test_positive_toy_verdict():
    result = probe(DiagonalToy([[0.9, 0.5], [0.1, 0.25]]), 2)
    assert result.affine and result.eig_real_min > 0 and "[0, 1]" in result.verdict


@pytest.mark.parametrize("name", ["lstm", "gru", "rnn"])
def test_classic_rnns_are_not_affine(layout, name):
    result = probe(models.build(name, layout, seed=0, hidden=16), 2, name=name)
    assert result.fixed_state and result.state_size == (32 if name == "lstm" else 16)
    assert not result.affine and result.superposition_error > 1e-4
    assert result.jacobian_varies > 1e-4  # the linearisation depends on the state


def test_transformer_has_no_fixed_state(layout):
    result = probe(models.build("transformer", layout, seed=0), 2, name="transformer")
    assert not result.fixed_state and "no fixed-size state" in result.verdict


def test_state_layout_round_trip(layout):
    model = models.build("lstm", layout, seed=0, hidden=8)
    init, step = state_interface(model)
    shape = StateLayout.of(init)
    state = step(torch.tensor([1, 0, 1]), init(3))[1]
    flat = shape.flatten(state)
    assert flat.shape == (3, 16)
    back = shape.unflatten(flat, init(3))
    assert all(torch.equal(a, b) for a, b in zip(back, state))
    assert [s.stop - s.start for s in shape.slices()] == [8, 8]


@pytest.mark.parametrize("name, config", [("diagonal_rnn_neg", {}), ("deltanet", {}), ("linear_transformer", {}),
                                          ("gated_deltanet_neg", {}), ("deltaproduct_neg", {"n_householder": 3})])
def test_zoo_linear_models_are_affine_and_agree_with_their_declared_transitions(layout, name, config):
    result = probe(models.build(name, layout, seed=0, **config), 2, name=name)
    assert result.affine and result.superposition_error < 1e-10
    assert result.eig_real_min == pytest.approx(result.declared_min, abs=1e-5)
    assert result.eig_real_max == pytest.approx(result.declared_max, abs=1e-5)


def test_mamba_is_affine_per_state_tensor_not_as_a_whole(layout):
    result = probe(models.build("mamba", layout, seed=0), 2, name="mamba")
    assert result.affine and result.joint_superposition_error > 1e-5  # A_t reads the convolution's buffer


def test_probe_is_deterministic_and_tabulates(layout):
    model = models.build("gru", layout, seed=0, hidden=8)
    a, b = probe(model, 2, name="gru"), probe(model, 2, name="gru")
    assert np.array_equal(a.eigenvalues, b.eigenvalues)
    table = probe_table([a])
    assert list(table.index) == ["gru"] and "verdict" in table


def test_rwkv7_is_affine_and_its_token_shift_adds_zero_eigenvalues(layout):
    """The generalised delta rule's eigenvalues as declared, and 0 for the token shifts' buffers (each
    is overwritten by the new input: a nilpotent block)."""
    result = probe(models.build("rwkv7", layout, seed=0), 2, name="rwkv7")
    assert result.affine and result.superposition_error < 1e-10
    declared = result.declared_min
    assert result.eig_real_min == pytest.approx(min(0.0, declared), abs=1e-5)
    assert result.eig_real_max == pytest.approx(result.declared_max, abs=1e-5)
    assert result.floor == pytest.approx(np.exp(-np.exp(-0.5)) - 1) and result.declared_min > result.floor
    assert "above -0.455 by its parametrisation" in result.verdict and "no parity" in result.verdict


def test_mlstm_is_linear_in_other_coordinates(layout):
    """Its stored state (C̄, n̄, m) is affine in (C̄, n̄) but not in the stabiliser m; it declares A_t = f_t I."""
    result = probe(models.build("mlstm", layout, seed=0), 2, name="mlstm")
    assert not result.affine and "linear in other coordinates" in result.verdict
    assert 0 < result.declared_min <= result.declared_max < 1


def test_slstm_is_nonlinear_in_its_state(layout):
    """Its gates read h_{t−1} (memory mixing): superposition fails and the linearisation moves."""
    result = probe(models.build("slstm", layout, seed=0), 2, name="slstm")
    assert not result.affine and result.jacobian_varies > 1e-4 and "nonlinear" in result.verdict
