"""Every registered model: builds for both layouts, steps like it runs, ignores the future, trains."""

from __future__ import annotations

import pytest
import torch

from recur_tutorial import models, tasks
from recur_tutorial.errors import ConfigError
from recur_tutorial.models import transitions

PARITY = tasks.get("parity_check")
TAGGING = tasks.get_layout("tagging", PARITY)
READ_THEN_WRITE = tasks.get_layout("read_then_write", PARITY)
# short segments so that stepping crosses segment boundaries
SMALL = {"memory_transformer": {"segment": 4, "n_memory": 2}}


def build(name, layout=TAGGING, **config):
    model = models.build(name, layout, seed=0, **{**SMALL.get(name, {}), **config})
    return model.double().eval()


def tokens(length=11, batch=3, seed=0):
    return torch.randint(0, TAGGING.in_vocab, (batch, length), generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("layout", [TAGGING, READ_THEN_WRITE], ids=lambda layout: layout.name)
@pytest.mark.parametrize("name", models.names())
def test_builds_for_each_layout(name, layout):
    model = models.build(name, layout)
    x = torch.randint(0, layout.in_vocab, (2, 7))
    assert model(x).shape == (2, 7, layout.out_vocab)


@pytest.mark.parametrize("name", models.names())
def test_stepping_equals_forward(name):
    model, x = build(name), tokens()
    state, stepped = model.initial_state(x.shape[0]), []
    for t in range(x.shape[1]):
        logits, state = model.step(x[:, t], state)
        stepped.append(logits)
    assert torch.allclose(torch.stack(stepped, 1), model(x), atol=1e-9, rtol=1e-7)


@pytest.mark.parametrize("name", models.names())
def test_causal_models_ignore_the_future(name):
    model, x = build(name), tokens(length=12)
    changed = x.clone()
    changed[:, 7:] = 1 - changed[:, 7:]
    assert model.causal
    assert torch.allclose(model(x)[:, :7], model(changed)[:, :7], atol=1e-10)
    assert not torch.allclose(model(x)[:, 7:], model(changed)[:, 7:])


@pytest.mark.parametrize("name", models.names())
def test_gradients_reach_every_parameter(name):
    model = build(name).train()
    model(tokens(length=9)).square().mean().backward()
    silent = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not silent


@pytest.mark.parametrize("positional", ["sinusoidal", "learned", "rope", "alibi", "none"])
def test_transformer_kv_cache(positional):
    model, x = build("transformer", positional=positional), tokens()
    state, stepped = model.initial_state(3), []
    for t in range(x.shape[1]):
        logits, state = model.step(x[:, t], state)
        stepped.append(logits)
    assert state[0][0].shape[2] == x.shape[1]  # the cache holds every position's keys
    assert torch.allclose(torch.stack(stepped, 1), model(x), atol=1e-9)


@pytest.mark.parametrize("name", models.names())
def test_logits_from_a_position_are_the_forward_pass(name):
    """What a layout reads (positions >= first) and its gradient are the forward pass's."""
    model, x, first = build(name).train(), tokens(length=9), 6
    full, part = model(x), model.logits_from(x, first)
    assert part.shape == full.shape and torch.allclose(part[:, first:], full[:, first:], atol=1e-9)
    grads = []
    for logits in (full, part):
        model.zero_grad()
        logits[:, first:].square().sum().backward(retain_graph=True)
        grads.append([p.grad.clone() for p in model.parameters() if p.grad is not None])
    assert len(grads[0]) == len(grads[1])
    assert all(torch.allclose(a, b, atol=1e-9) for a, b in zip(*grads))


@pytest.mark.parametrize("positional", ["sinusoidal", "learned", "rope", "alibi", "none"])
@pytest.mark.parametrize("layout", [TAGGING, READ_THEN_WRITE], ids=lambda layout: layout.name)
def test_transformer_leaves_out_the_unread_positions(positional, layout):
    """The encoder and the decoder, every positional encoding: the answer after the input is the
    forward pass's, the positions before it are not computed (zeros), and first 0 or T is forward."""
    model = build("transformer", layout, positional=positional)
    x = torch.randint(0, layout.in_vocab, (3, 10), generator=torch.Generator().manual_seed(1))
    part, full = model.logits_from(x, 7), model(x)
    assert torch.allclose(part[:, 7:], full[:, 7:], atol=1e-9)
    assert not part[:, :7].any()
    assert torch.equal(model.logits_from(x, 0), full) and torch.equal(model.logits_from(x, 10), full)


def test_encoder_transformer_cannot_step():
    with pytest.raises(ValueError):
        build("transformer", READ_THEN_WRITE).step(tokens()[:, 0], None)


def test_universal_transformer_steps_are_settable():
    model = build("universal_transformer", n_steps=2)
    x = tokens()
    two = model(x)
    model.n_steps = 6
    assert len(model.layers()) == 6 and not torch.allclose(model(x), two)
    assert model.num_parameters() == build("universal_transformer", n_steps=2).num_parameters()


LINEAR = ["linear_transformer", "retnet", "rwkv4", "rwkv6", "mamba", "deltanet", "diagonal_rnn", "gated_deltanet",
          "deltaproduct", "mlstm"]


@pytest.mark.parametrize("name", LINEAR)
def test_declared_eigenvalues_lie_in_0_1(name):
    low, high = transitions.eigenvalue_range(build(name), tokens(length=20))
    assert 0 <= low and high <= 1 + 1e-12  # a product of reflections' eigenvalues from eigvals: rounding


@pytest.mark.parametrize("name", ["mamba_neg", "deltanet_neg", "diagonal_rnn_neg"])
def test_negative_variants_reach_below_zero(name):
    model = build(name)
    with torch.no_grad():  # push the transitions to their negative end
        for module in model.modules():
            if hasattr(module, "beta"):
                module.beta.bias.fill_(6.0)
            if hasattr(module, "gate"):
                module.gate.bias.fill_(-6.0)
            if hasattr(module, "step_size"):
                module.step_size.bias.fill_(6.0)
    low, high = transitions.eigenvalue_range(model, tokens(length=20))
    assert -1 <= low < 0 and high <= 1


@pytest.mark.parametrize("name", ["lstm", "transformer", "stack_rnn", "slstm"])
def test_nonlinear_models_declare_no_transitions(name):
    assert not transitions.is_linear_recurrent(build(name))
    with pytest.raises(ConfigError):
        transitions.transitions(build(name), tokens())


def test_negative_variant_is_a_flag_not_a_copy():
    assert models.options("deltanet_neg") == {k: v for k, v in models.options("deltanet").items()
                                              if k != "negative_eigenvalues"}
    assert type(build("deltanet_neg")) is type(build("deltanet"))


def test_unknown_setting_is_a_config_error():
    with pytest.raises(ConfigError, match="negative_eigenvalues"):
        models.build("retnet", TAGGING, negative_eigenvalues=True)


def push_rates(model, beta_bias=6.0, gate_bias=None):
    """Set every mixer's β (and the gate, if given) to one end of its range."""
    with torch.no_grad():
        for module in model.modules():
            if hasattr(module, "n_householder"):
                module.beta.bias.fill_(beta_bias)
                if gate_bias is not None and module.gate is not None:
                    module.gate.bias.fill_(gate_bias)
    return model


@pytest.mark.parametrize("name", ["gated_deltanet_neg", "deltaproduct_neg"])
def test_householder_negative_variants_reach_below_zero(name):
    low, high = transitions.eigenvalue_range(push_rates(build(name), gate_bias=8.0), tokens(length=20))
    assert -1 <= low < -0.9 and high <= 1 + 1e-9


def test_two_reflections_give_complex_eigenvalues_and_one_does_not():
    """β → 2: the product of two reflections is a rotation (complex pair); one reflection stays real."""
    two = transitions.transitions(push_rates(build("deltaproduct_neg")), tokens(length=20))[0]
    one = transitions.transitions(push_rates(build("deltaproduct_neg", n_householder=1)), tokens(length=20))[0]
    assert two.is_complex() and two.imag.abs().max() > 0.1 and two.abs().max() <= 1 + 1e-9
    assert not one.is_complex() and one.min() < -0.9


def test_rwkv7_eigenvalues_stay_above_its_floor_minus_one():
    """RWKV-7's released range: w ∈ (e^{−e^{−1/2}}, 1), α ∈ (0, 1), so every eigenvalue > 0.545 − 1; at
    the ends of both ranges (w at its floor, α at 1) the one along the removal key comes near −0.455."""
    from recur_tutorial.models.rwkv7 import DECAY_FLOOR

    model = build("rwkv7")
    low, high = transitions.eigenvalue_range(model, tokens(length=20))
    assert DECAY_FLOOR - 1 < low and high < 1
    with torch.no_grad():
        for module in model.modules():
            if hasattr(module, "rate_base"):
                module.decay_base.fill_(20.0)
                module.rate_base.fill_(20.0)
    low, _ = transitions.eigenvalue_range(model, tokens(length=20))
    assert DECAY_FLOOR - 1 < low < DECAY_FLOOR - 1 + 1e-3


@pytest.mark.parametrize("name, config, message", [
    ("deltaproduct", {"n_householder": 0}, "n_householder"),
    ("rwkv7", {"d_model": 30, "n_heads": 4}, r"d_model \(30\) must be a multiple of n_heads \(4\)"),
    ("slstm", {"n_heads": 5}, r"must be a multiple of n_heads \(5\)"),
    ("gated_deltanet", {"gate": False}, "gate"),
])
def test_new_models_refuse_bad_settings(name, config, message):
    with pytest.raises(ConfigError, match=message):
        models.build(name, TAGGING, **config)
