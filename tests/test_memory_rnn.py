"""Stack-RNN and Tape-RNN: the fast forward pass equals the step-by-step equations (values and
gradients), and the actions do what their docstrings say."""

from __future__ import annotations

import pytest
import torch

from recur_tutorial import models, tasks
from recur_tutorial.errors import ConfigError
from recur_tutorial.models import memory_kernels
from recur_tutorial.models.memory_rnn import ShiftMix

REVERSE = tasks.get_layout("read_then_write", tasks.get("reverse_string"))
DUPLICATE = tasks.get_layout("read_then_write", tasks.get("duplicate_string"), computation_steps=1)


def build(name, layout, **config):
    return models.build(name, layout, seed=0, **config).double()


def stepped(model, tokens):
    state, logits = model.initial_state(len(tokens)), []
    for token in tokens.unbind(1):
        out, state = model.step(token, state)
        logits.append(out)
    return torch.stack(logits, 1)


def gradients(model, logits):
    model.zero_grad()
    (logits.sin().sum()).backward()
    return {name: p.grad.clone() for name, p in model.named_parameters()}


# memory smaller than the sequence (the stack's bottom falls off, the tape wraps) and larger
@pytest.mark.parametrize("loop", memory_kernels.LOOPS)
@pytest.mark.parametrize("memory_size", [5, 64])
@pytest.mark.parametrize("name, layout, config", [("stack_rnn", REVERSE, {}), ("tape_rnn", DUPLICATE, {}),
                                                  ("tape_rnn", DUPLICATE, {"write_layers": ()})],
                         ids=["stack", "tape", "tape-linear-write"])
def test_fast_forward_equals_the_step_equations(name, layout, config, memory_size, loop):
    model = build(name, layout, memory_size=memory_size, **config)
    with torch.no_grad():  # larger weights than at initialisation, so that every action matters
        model.actions.weight.mul_(20)
    batch = layout.batch(4, 7, torch.Generator().manual_seed(1))
    with memory_kernels.LOOPS[loop]():
        fast, fast_grads = model(batch.tokens), gradients(model, model(batch.tokens))
    plain = stepped(model, batch.tokens)
    assert torch.allclose(fast, plain, atol=1e-10, rtol=1e-9)
    plain_grads = gradients(model, plain)
    for parameter in fast_grads:
        assert torch.allclose(fast_grads[parameter], plain_grads[parameter], atol=1e-10, rtol=1e-8), parameter


def test_tape_with_inputs_of_different_lengths_in_one_batch_steps():
    model = build("tape_rnn", DUPLICATE, memory_size=16)
    tokens = DUPLICATE.batch(3, 5, torch.Generator().manual_seed(0)).tokens
    tokens[0, 2] = DUPLICATE.computation  # one sequence with fewer input symbols
    assert torch.allclose(model(tokens), stepped(model, tokens), atol=1e-12)


@pytest.mark.parametrize("reach", [0, 1, 3])
def test_shift_mix_gradient_is_the_taped_one(reach):
    generator = torch.Generator().manual_seed(0)
    memory = torch.randn(2, 6, 3, dtype=torch.double, generator=generator, requires_grad=True)
    value = torch.randn(2, 3, dtype=torch.double, generator=generator, requires_grad=True)
    n_actions, size = (3, 6) if reach == 0 else (5, 6)
    actions = torch.rand(2, n_actions, dtype=torch.double, generator=generator, requires_grad=True)
    offsets = (0, 2, 1) if reach == 0 else (reach, reach + 1, reach - 1, 2 * reach, 0)
    assert torch.autograd.gradcheck(lambda m, v, a: ShiftMix.apply(m, v, a, offsets, size, reach),
                                    (memory, value, actions))


def one_hot_actions(model, action, write):
    """Make ``model`` take ``action`` and write (or push) the vector ``write`` at every step."""
    with torch.no_grad():
        model.actions.weight.zero_()
        model.actions.bias.copy_(torch.full((model.n_actions,), -60.0).index_fill(0, torch.tensor(action), 60.0))
        last = model.push if hasattr(model, "push") else model.write[-1]
        last.weight.zero_()
        last.bias.copy_(write)


def test_stack_pushes_on_top_and_pops_back():
    model = build("stack_rnn", REVERSE, memory_size=4)
    value = torch.linspace(-0.5, 0.5, model.cell_size, dtype=torch.double)
    one_hot_actions(model, 0, value)  # push
    _, (_, memory) = model.step(torch.tensor([0]), model.step(torch.tensor([0]), model.initial_state(1))[1])
    assert torch.allclose(memory[0, :2], torch.tanh(value).expand(2, -1)) and memory[0, 2:].abs().max() < 1e-40
    one_hot_actions(model, 1, value)  # pop
    _, (_, popped) = model.step(torch.tensor([0]), (torch.zeros(1, model.cell.hidden_size, dtype=torch.double), memory))
    assert torch.allclose(popped[0, 0], torch.tanh(value)) and popped[0, 1:].abs().max() < 1e-40


@pytest.mark.parametrize("action, offset", [(0, 0), (1, 1), (2, -1), (3, 4), (4, -4)],
                         ids=["stay", "right", "left", "jump right", "jump left"])
def test_tape_moves_the_head_as_its_action_says(action, offset):
    """On the fourth input symbol (ℓ_t = 4) the model writes into an empty tape and moves by
    ``offset``: m_t[i] = m'_t[(i + offset) mod M], so the written cell lies at −offset from the head."""
    model = build("tape_rnn", DUPLICATE, memory_size=11)
    value = torch.arange(1.0, model.cell_size + 1, dtype=torch.double)
    state = model.initial_state(1)
    for token in (0, 1, 0):
        _, state = model.step(torch.tensor([token]), state)
    one_hot_actions(model, action, value)
    _, (_, memory, read) = model.step(torch.tensor([1]), (state[0], torch.zeros_like(state[1]), state[2]))
    assert read.tolist() == [4]
    expected = torch.zeros_like(memory)
    expected[0, -offset % 11] = value
    assert torch.allclose(memory, expected, rtol=0, atol=1e-40)


def test_build_takes_the_input_symbols_from_the_layout():
    assert build("tape_rnn", DUPLICATE).input_symbols == len(DUPLICATE.task.input_alphabet)
    with pytest.raises(ConfigError, match="memory_size"):
        build("stack_rnn", REVERSE, memory_size=1)


def test_computation_tokens_sit_between_input_and_blanks_unscored():
    batch = DUPLICATE.batch(2, 3, torch.Generator().manual_seed(0))
    assert batch.tokens.shape == (2, 3 + 3 + 6)
    assert (batch.tokens[:, 3:6] == DUPLICATE.computation).all() and (batch.tokens[:, 6:] == DUPLICATE.blank).all()
    assert not batch.scored[:, :6].any() and batch.scored[:, 6:].all()
    assert DUPLICATE.in_vocab == len(DUPLICATE.task.input_alphabet) + 2
    with pytest.raises(ConfigError, match="computation_steps"):
        tasks.get_layout("read_then_write", tasks.get("duplicate_string"), computation_steps=-1)


def test_tape_is_shorter_while_training_when_asked():
    model = build("tape_rnn", DUPLICATE, memory_size=12, training_memory_size=7)
    tokens = DUPLICATE.batch(2, 4, torch.Generator().manual_seed(0)).tokens
    for mode, cells in ((True, 7), (False, 12)):
        model.train(mode)
        assert model.initial_state(2)[1].shape[1] == cells
        assert torch.allclose(model(tokens), stepped(model, tokens), atol=1e-12)
    model.train()
    trained_tape = model(tokens)
    assert not torch.allclose(trained_tape, model.eval()(tokens))  # the tape's size matters once it wraps
