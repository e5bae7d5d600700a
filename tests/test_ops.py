"""Every op: the recurrent form (the definition) and the chunked form agree, and can be continued."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from recur_tutorial.models import ops

B, H, K, V, E, N = 2, 2, 4, 3, 5, 3


def inputs(name: str, length: int, dtype=torch.float64, seed: int = 0) -> tuple[tuple, dict]:
    """Random valid arguments for op ``name`` (positional args, keyword args)."""
    g = torch.Generator().manual_seed(seed)

    def rand(*shape):
        return torch.randn(*shape, generator=g, dtype=dtype)

    def unit(*shape):
        return torch.rand(*shape, generator=g, dtype=dtype)

    q, k, v = rand(B, H, length, K), rand(B, H, length, K), rand(B, H, length, V)
    if name == "linear_attention":
        return (F.elu(q) + 1, F.elu(k) + 1, v), {}
    if name == "retention":
        return (q, k, v, 0.5 + 0.49 * unit(H)), {}
    if name == "gated_linear_attention":
        return (q, k, v, unit(B, H, length, K)), {}
    if name == "rwkv6":
        return (q, k, v, unit(B, H, length, K), rand(H, K)), {}
    if name == "rwkv4_wkv":
        return (unit(E) * 2, rand(E), 3 * rand(B, length, E), rand(B, length, E)), {}
    if name == "selective_scan":
        delta = F.softplus(rand(B, length, E))
        return (rand(B, length, E), delta, -unit(E, N) * 3, rand(B, length, N), rand(B, length, N), rand(E)), {}
    if name == "selective_scan_neg":
        args, _ = inputs("selective_scan", length, dtype, seed)
        return args, {"negative_eigenvalues": True}
    if name == "delta_rule":
        return (q, F.normalize(k, dim=-1), v, 2 * unit(B, H, length)), {}
    if name == "diagonal_linear_rnn":
        return (2 * unit(B, length, E) - 1, rand(B, length, E)), {}
    raise KeyError(name)


def op(name: str):
    return {"rwkv6": ops.gated_linear_attention, "selective_scan_neg": ops.selective_scan}.get(name) or getattr(ops, name)


NAMES = ["linear_attention", "retention", "gated_linear_attention", "rwkv6", "rwkv4_wkv", "selective_scan",
         "selective_scan_neg", "delta_rule", "diagonal_linear_rnn"]


def time_axis(name: str) -> int:
    return 1 if name in ("rwkv4_wkv", "selective_scan", "selective_scan_neg", "diagonal_linear_rnn") else 2


def close(a, b, tol=1e-6) -> bool:
    if isinstance(a, (tuple, list)):
        return all(close(x, y, tol) for x, y in zip(a, b))
    finite = torch.isfinite(b)
    if not torch.equal(finite, torch.isfinite(a)):
        return False
    a, b = a[finite], b[finite]
    return bool((a - b).norm() <= tol * b.norm().clamp_min(1e-30))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("length,chunk", [(1, 4), (7, 3), (33, 8), (100, 16), (64, 64)])
def test_chunked_equals_recurrent(name, length, chunk):
    args, kwargs = inputs(name, length)
    slow, slow_state = op(name)(*args, **kwargs, mode="recurrent", return_state=True)
    fast, fast_state = op(name)(*args, **kwargs, mode="chunked", chunk_size=chunk, return_state=True)
    assert close(fast, slow) and close(fast_state, slow_state)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("first_mode", ["chunked", "recurrent"])
def test_continuing_from_the_final_state(name, first_mode):
    """Run 30 steps, keep the state, run 17 more: the same as 47 steps at once."""
    args, kwargs = inputs(name, 47)
    axis = time_axis(name)
    whole = op(name)(*args, **kwargs, mode="recurrent")
    split = [a.narrow(axis, 0, 30) if a.dim() > axis and a.shape[axis] == 47 else a for a in args]
    rest = [a.narrow(axis, 30, 17) if a.dim() > axis and a.shape[axis] == 47 else a for a in args]
    head, state = op(name)(*split, **kwargs, mode=first_mode, chunk_size=8, return_state=True)
    tail = op(name)(*rest, **kwargs, mode="chunked", chunk_size=8, initial_state=state)
    assert close(torch.cat([head, tail], axis), whole)


@pytest.mark.parametrize("name", NAMES)
def test_chunked_is_stable_at_length_2000(name):
    """float32, long sequences, decays near 0 and 1 and large keys: finite, and close to float64."""
    args, kwargs = inputs(name, 2000, dtype=torch.float32, seed=1)
    fast = op(name)(*args, **kwargs)
    exact = op(name)(*(a.double() for a in args), **kwargs)
    assert torch.isfinite(fast).all()
    assert close(fast.double(), exact, tol=1e-3)


def test_rwkv4_survives_huge_keys():
    w, u, k, v = (a.float() for a in inputs("rwkv4_wkv", 50)[0])
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
