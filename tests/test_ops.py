"""Every op: the recurrent form (the definition) and the chunked form agree, and can be continued."""

from __future__ import annotations

import pytest
import torch

from recur_tutorial.errors import ConfigError
from recur_tutorial.models import ops

def close(a, b, tol=1e-6) -> bool:
    if isinstance(a, (tuple, list)):
        return all(close(x, y, tol) for x, y in zip(a, b))
    finite = torch.isfinite(b)
    if not torch.equal(finite, torch.isfinite(a)):
        return False
    a, b = a[finite], b[finite]
    return bool((a - b).norm() <= tol * b.norm().clamp_min(1e-30))


@pytest.mark.parametrize("name", ops.EXAMPLES)
@pytest.mark.parametrize("length,chunk", [(1, 4), (7, 3), (33, 8), (100, 16), (64, 64)])
def test_chunked_equals_recurrent(name, length, chunk):
    case = ops.example(name, length)
    slow, slow_state = case(mode="recurrent", return_state=True)
    fast, fast_state = case(mode="chunked", chunk_size=chunk, return_state=True)
    assert close(fast, slow) and close(fast_state, slow_state)


@pytest.mark.parametrize("name", ops.EXAMPLES)
@pytest.mark.parametrize("first_mode", ops.MODES)
def test_continuing_from_the_final_state(name, first_mode):
    """Run 30 steps, keep the state, run 17 more: the same as 47 steps at once."""
    case = ops.example(name, 47)
    head, tail = case.split(30)
    first, state = head(mode=first_mode, chunk_size=8, return_state=True)
    second = tail(mode="chunked", chunk_size=8, initial_state=state)
    assert close(torch.cat([first, second], case.time_axis), case(mode="recurrent"))


@pytest.mark.parametrize("name", ops.EXAMPLES)
def test_chunked_is_stable_at_length_2000(name):
    """float32, long sequences, decays near 0 and 1 and large keys: finite, and close to float64."""
    case = ops.example(name, 2000, seed=1)
    fast = case.to(torch.float32)()
    assert torch.isfinite(fast).all()
    assert close(fast.double(), case(), tol=1e-3)


def test_rwkv4_survives_huge_keys():
    w, u, k, v = ops.example("rwkv4_wkv", 50, dtype=torch.float32).args
    k = k + 500.0  # e^{k} overflows float32
    for mode in ops.MODES:
        assert torch.isfinite(ops.rwkv4_wkv(w, u, k, v, mode=mode)).all()


def parity_inputs(bits: torch.Tensor, flip: float, keep: float, drive_one: float, drive_zero: float):
    """a, b for a one-channel diagonal RNN: a(1) = flip, a(0) = keep, b(1) = drive_one, b(0) = drive_zero."""
    a = torch.where(bits == 1, flip, keep)[..., None]
    b = torch.where(bits == 1, drive_one, drive_zero)[..., None]
    return a, b


def test_hand_set_diagonal_rnn_computes_parity_at_length_10000():
    bits = torch.randint(0, 2, (4, 10_000), generator=torch.Generator().manual_seed(0))
    parity = bits.cumsum(1) % 2
    # from h_0 = 0 the state is h_t = parity of x_1..x_t ∈ {0, 1}, exactly (±1 and 0 are exact floats)
    a, b = parity_inputs(bits, flip=-1.0, keep=1.0, drive_one=1.0, drive_zero=0.0)
    for mode in ops.MODES:
        h = ops.diagonal_linear_rnn(a, b, mode=mode)
        assert torch.equal((h[..., 0] > 0.5).long(), parity)


@pytest.mark.parametrize("flip", [0.0, 0.25, 0.5, 0.9, 0.99, 1.0])
@pytest.mark.parametrize("keep", [0.0, 0.5, 0.99, 1.0])
def test_no_transition_in_0_1_computes_parity(flip, keep):
    """With a ∈ [0, 1] the state cannot alternate; no threshold on h reads parity off these inputs."""
    bits = torch.tensor([[1] * 12 + [0] * 4 + [1, 0, 1, 1, 0, 0, 1] * 6])
    parity = (bits.cumsum(1) % 2)[0]
    for drive_one in (-1.0, 0.5, 1.0):
        for drive_zero in (-0.5, 0.0, 0.5):
            a, b = parity_inputs(bits, flip, keep, drive_one, drive_zero)
            h = ops.diagonal_linear_rnn(a, b)[0, :, 0]
            # the best threshold rule, either direction, still errs somewhere
            for threshold in torch.cat([h, h + 1e-9, h - 1e-9]):
                for sign in (1, -1):
                    assert not torch.equal((sign * (h - threshold) > 0).long(), parity)


@pytest.mark.parametrize("name", ops.EXAMPLES)
@pytest.mark.parametrize("mode", ops.MODES)
def test_gradients_are_finite(name, mode):
    """Including a padded last chunk and, for RWKV-4, the empty state's ℓ = −∞."""
    case = ops.example(name, 21, requires_grad=True)
    case(mode=mode, chunk_size=8).square().sum().backward()
    assert all(torch.isfinite(a.grad).all() for a in case.args)


def as_tuple(state) -> tuple:
    return state if isinstance(state, tuple) else (state,)


@pytest.mark.parametrize("name", ops.EXAMPLES)
def test_chunked_gradients_equal_recurrent(name):
    """∂L/∂(every tensor argument, initial state) of the chunked form = the recurrent form's, for a loss
    on the outputs and the final state, 21 steps in chunks of 8 (the last one padded) continuing from
    the state that 30 earlier steps left."""
    head, tail = ops.example(name, 51).split(30)
    _, start = head(mode="recurrent", return_state=True)
    gradients = []
    for mode in ops.MODES:
        weights = torch.Generator().manual_seed(1)  # the same loss for both forms
        args = tuple(a.detach().clone().requires_grad_() for a in tail.args)
        kwargs = {key: value.detach().clone().requires_grad_() if torch.is_tensor(value) else value
                  for key, value in tail.kwargs.items()}
        state = tuple(s.detach().clone().requires_grad_() for s in as_tuple(start))
        y, last = tail.op(*args, **kwargs, initial_state=state if isinstance(start, tuple) else state[0],
                          return_state=True, mode=mode, chunk_size=8)
        loss = sum((x * torch.randn(x.shape, generator=weights, dtype=x.dtype)).sum() for x in (y, *as_tuple(last)))
        inputs = args + tuple(value for value in kwargs.values() if torch.is_tensor(value)) + state
        gradients.append(torch.autograd.grad(loss, inputs))
    slow, fast = gradients
    assert close(fast, slow)




NEW_OPS = ("generalized_delta_rule", "delta_product", "gated_delta_product", "mlstm")


@pytest.mark.parametrize("name", NEW_OPS)
def test_fast_form_agrees_to_1e_10_in_float64_and_1e_4_in_float32(name):
    """Issue 26's bound: the chunked form's outputs and state against the definition, 100 steps."""
    case = ops.example(name, 100, seed=3)
    for dtype, tol in ((torch.float64, 1e-10), (torch.float32, 1e-4)):
        slow, slow_state = case.to(dtype)(mode="recurrent", return_state=True)
        fast, fast_state = case.to(dtype)(mode="chunked", chunk_size=16, return_state=True)
        reference = case(mode="recurrent")
        assert (fast.double() - reference).abs().max() <= tol * reference.abs().max()
        assert (fast - slow).abs().max() <= tol * slow.abs().max()
        for x, y in zip(as_tuple(fast_state), as_tuple(slow_state)):
            assert (x - y).abs().max() <= tol * y.abs().max().clamp_min(1)


def test_two_householder_steps_per_token_rotate_the_state():
    """Two reflections with β = 2 compose a rotation: DeltaProduct with n_h = 2 cycles three states
    (a rotation by 120°, the cyclic part of S₃), which one reflection per token cannot do."""
    angle = torch.tensor(torch.pi / 3, dtype=torch.float64)
    first, second = torch.tensor([1.0, 0.0], dtype=torch.float64), torch.stack([angle.cos(), angle.sin()])
    keys = torch.stack([first, second])[None, None, None].expand(1, 1, 3, 2, 2)
    start = torch.tensor([[1.0], [0.0]], dtype=torch.float64)[None, None]
    q = torch.eye(2, dtype=torch.float64)[:1].expand(1, 1, 3, 2)
    for mode in ops.MODES:
        _, state = ops.delta_product(q, keys, torch.zeros(1, 1, 3, 2, 1, dtype=torch.float64),
                                     torch.full((1, 1, 3, 2), 2.0, dtype=torch.float64), initial_state=start,
                                     return_state=True, mode=mode)
        assert torch.allclose(state, start)  # three rotations by 120° are the identity
        _, once = ops.delta_product(q[:, :, :1], keys[:, :, :1], torch.zeros(1, 1, 1, 2, 1, dtype=torch.float64),
                                    torch.full((1, 1, 1, 2), 2.0, dtype=torch.float64), initial_state=start,
                                    return_state=True, mode=mode)
        assert torch.allclose(once[0, 0, :, 0], torch.stack([(2 * angle).cos(), (2 * angle).sin()]))


def test_rwkv7_transition_eigenvalue_along_the_removal_key_is_w_minus_a():
    """diag(w) − α κ̂ κ̂ᵀ with uniform w and α: w − α along κ̂ (read back from one step of the op)."""
    removal = torch.nn.functional.normalize(torch.tensor([1.0, 2.0, -1.0], dtype=torch.float64), dim=0)
    w, alpha = 0.55, 0.999
    start = removal[None, None, :, None].clone()
    shape = (1, 1, 1, 3)
    for mode in ops.MODES:
        _, state = ops.generalized_delta_rule(
            torch.zeros(shape, dtype=torch.float64), torch.zeros(shape, dtype=torch.float64),
            torch.zeros(1, 1, 1, 1, dtype=torch.float64), torch.full(shape, w, dtype=torch.float64),
            (-alpha * removal).expand(shape), removal.expand(shape), initial_state=start, return_state=True,
            mode=mode)
        assert torch.allclose(state, (w - alpha) * start)


def test_mlstm_survives_huge_input_gates():
    q, k, v, log_f, log_i = ops.example("mlstm", 50, dtype=torch.float32).args
    for mode in ops.MODES:
        assert torch.isfinite(ops.mlstm(q, k, v, log_f, log_i + 500.0, mode=mode)).all()


@pytest.mark.parametrize("mode", ops.MODES)
@pytest.mark.parametrize("name, change, message", [
    ("generalized_delta_rule", lambda a: (*a[:3], a[3] + 1.0, *a[4:]), r"every entry of w must lie in \[0, 1\]"),
    ("generalized_delta_rule", lambda a: (*a[:4], a[4][..., :2], a[5]), r"a has shape \(2, 2, 9, 2\)"),
    ("gated_delta_product", lambda a: (*a[:4], -a[4]), r"every entry of gate must lie in \(0, 1\]"),
    ("delta_product", lambda a: (a[0], a[1][:, :, :, :1], *a[2:]), r"v has shape \(2, 2, 9, 2, 3\), expected "
                                                                   r"\(B, H, T, N, V\) with .*N=1"),
    ("mlstm", lambda a: (*a[:3], a[3] + 1.0, a[4]), r"every entry of log_f must lie in"),
    ("mlstm", lambda a: (*a[:3], a[3][..., :4], a[4]), r"log_f has shape \(2, 2, 4\), expected \(B, H, T\)"),
])
def test_new_ops_refuse_bad_input(name, change, message, mode):
    case = ops.example(name, 9)
    with pytest.raises(ConfigError, match=message):
        case.op(*change(case.args), mode=mode)


def test_generalized_delta_rule_with_decays_too_small_to_factor():
    """Decays near 1e-3 multiply to e^{−110} over a chunk of 16: the chunked form takes the ratios
    pair by pair (no 1/Γ), and still agrees with the definition, in float64 and float32."""
    q, k, v, w, a, b = ops.example("generalized_delta_rule", 40).args
    w = 1e-3 + 1e-3 * w
    for dtype, tol in ((torch.float64, 1e-10), (torch.float32, 1e-4)):
        args = [x.to(dtype) for x in (q, k, v, w, a, b)]
        fast = ops.generalized_delta_rule(*args, chunk_size=16)
        slow = ops.generalized_delta_rule(*args, mode="recurrent")
        assert torch.isfinite(fast).all() and (fast - slow).abs().max() <= tol * slow.abs().max()
