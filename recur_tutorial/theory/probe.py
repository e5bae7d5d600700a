"""The recurrence-completeness probe of Chapter 4: what kind of recurrence does a model run?

For a causal model with a fixed-size state, reading one token x is a map of the state,
``h ↦ f_x(h)`` (the new state after ``model.step(x, h)``). The probe asks two questions of it,
numerically, from the step function alone, so that it runs on any model of the zoo:

1. *Superposition.* Is ``f_x`` affine in the state for every fixed input x, that is
   ``f_x(α h₁ + (1 − α) h₂) = α f_x(h₁) + (1 − α) f_x(h₂)`` for all states and all real α?
   It is tested tensor by tensor of the state, the other tensors held fixed: a convolution's or a
   token shift's buffer holds past *inputs* (on which A_t may depend), and a later sublayer's token
   shift holds a read-out; neither makes the recurrence nonlinear. The error of the whole state at
   once is reported too. Linear recurrences (Linear Transformer, RetNet, RWKV, Mamba, DeltaNet,
   diagonal linear RNNs) pass when their state is stored in its linear coordinates; Elman RNN,
   LSTM and GRU do not. Affinity depends on the coordinates: RWKV-4 stored as (a/b, log b) for
   numerical range is not affine in them, though (a, b) is; where a model declares its transition
   (``models.transitions``, the zoo's hook), that declaration is reported beside the measurement.
2. *Transition eigenvalues.* The Jacobian ``J = ∂f_x/∂h`` at states the model actually reaches. For
   an affine update it is the transition matrix A(x) itself (the same at every state); for a
   nonlinear one it is the local linearisation and changes with the state. Its eigenvalues are what
   the theory of Sarrof et al. (2024) and Grazzi et al. (2025) is about: a linear recurrence whose
   transition eigenvalues stay in [0, 1] cannot keep parity in finite precision, and negative ones
   are not enough either unless one comes close to −1 (:data:`NEAR_MINUS_ONE`): a symbol read again
   and again multiplies the alternating part of the state by |λ| < 1 each time, until it is lost.

Everything runs in float64 on a copy of the model; Jacobians come from central differences,
evaluated for all state directions in one batched step, so the probe needs no autograd through the
model (a step function under ``torch.no_grad`` is fine). For a stack of layers the joint Jacobian is
block lower-triangular (layer l reads the new output of layer l − 1, never the other way round), so
its eigenvalues are the union of the per-layer transition eigenvalues; superposition, however, is
tested on the whole state, and a stack of linear recurrences with nonlinear read-outs between the
layers is not affine as a whole. Chapter 4 probes one-layer models.

A model whose state grows with every token (a Transformer's key-value cache, or the default
``SequenceModel.step`` that keeps the tokens read so far) has no fixed-size state; the probe says so.
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np
import torch

from ..models import SequenceModel
from ..models import transitions as declared
from ..runtime import model_device

StepFn = Callable[[torch.Tensor, Any], tuple[torch.Tensor, Any]]
InitFn = Callable[..., Any]

NEAR_MINUS_ONE = 0.01
"""How close to −1 an eigenvalue must come for the probe to call parity reachable. A symbol read again
and again alternates the state along an eigenvalue λ < 0 with an amplitude |λ|ⁿ; parity needs the
alternation to last, and 0.99²⁰⁰ ≈ 0.13 still separates the two parities at Chapter 4's longest test
length, where 0.9²⁰⁰ ≈ 7·10⁻¹⁰ is below float32's resolution."""


# ---- access to a model's state ----------------------------------------------------------------
def state_interface(model: SequenceModel) -> tuple[InitFn, StepFn]:
    """``(state_after_one_step(batch), step(token, state))`` of a causal model.

    Models may start from an empty state (``None``) that their first step fills in, so the probe
    takes its state template from the state after one step on token 0, not from ``initial_state``.
    """
    if not model.causal:
        raise ValueError(f"{type(model).__name__} is not causal: it reads the whole input and has no state")
    device = next(model.parameters()).device

    def after_steps(batch: int, n: int = 1):
        state = model.initial_state(batch, device)
        for _ in range(n):
            _, state = model.step(torch.zeros(batch, dtype=torch.long, device=device), state)
        return state

    return after_steps, model.step


# ---- states as flat vectors -------------------------------------------------------------------
def _leaves(state: Any, path=()):
    """(path, tensor) for every tensor in a nested tuple/list/dict state."""
    if isinstance(state, torch.Tensor):
        yield path, state
    elif isinstance(state, (tuple, list)):
        for i, item in enumerate(state):
            yield from _leaves(item, path + (i,))
    elif isinstance(state, dict):
        for key in sorted(state):
            yield from _leaves(state[key], path + (key,))


def _replace(state: Any, values: dict, path=()):
    if isinstance(state, torch.Tensor):
        return values.get(path, state)
    if isinstance(state, (tuple, list)):
        items = [_replace(item, values, path + (i,)) for i, item in enumerate(state)]
        return type(state)(items) if isinstance(state, tuple) and not hasattr(state, "_fields") else (
            type(state)(*items) if hasattr(state, "_fields") else items)
    if isinstance(state, dict):
        return {key: _replace(value, values, path + (key,)) for key, value in state.items()}
    return state


@dataclass
class StateLayout:
    """Which tensors of a state are its floating-point, per-sequence part, and where their batch
    dimension is; ``flatten``/``unflatten`` map such a state to B × D and back."""

    template: Any
    leaves: dict  # path -> (batch_dim, shape without the batch dim)

    @classmethod
    def of(cls, init: InitFn) -> "StateLayout":
        one, two = dict(_leaves(init(1))), dict(_leaves(init(2)))
        leaves = {}
        for path, tensor in one.items():
            if not tensor.is_floating_point() or tensor.shape == two[path].shape:
                continue  # integer bookkeeping or batch-independent: carried as it is
            batch_dim = next(d for d, (a, b) in enumerate(zip(tensor.shape, two[path].shape)) if a != b)
            rest = tensor.shape[:batch_dim] + tensor.shape[batch_dim + 1:]
            leaves[path] = (batch_dim, tuple(rest))
        return cls(init(1), leaves)

    @property
    def size(self) -> int:
        return int(sum(np.prod(shape, dtype=int) for _, shape in self.leaves.values()))

    def flatten(self, state: Any) -> torch.Tensor:
        found = dict(_leaves(state))
        parts = [found[p].movedim(d, 0).reshape(found[p].shape[d], -1) for p, (d, _) in self.leaves.items()]
        return torch.cat(parts, 1)

    def unflatten(self, flat: torch.Tensor, like: Any) -> Any:
        values, start = {}, 0
        for path, (batch_dim, shape) in self.leaves.items():
            n = int(np.prod(shape, dtype=int))
            values[path] = flat[:, start:start + n].reshape(flat.shape[0], *shape).movedim(0, batch_dim)
            start += n
        return _replace(like, values)

    def slices(self) -> list[slice]:
        """Where each tensor of the state sits in the flat vector."""
        out, start = [], 0
        for _, shape in self.leaves.values():
            n = int(np.prod(shape, dtype=int))
            out.append(slice(start, start + n))
            start += n
        return out

    def matches(self, state: Any) -> bool:
        found = dict(_leaves(state))
        for path, (batch_dim, shape) in self.leaves.items():
            tensor = found.get(path)
            if tensor is None or tuple(tensor.movedim(batch_dim, 0).shape[1:]) != shape:
                return False
        return True


# ---- the probe --------------------------------------------------------------------------------
@dataclass
class ProbeResult:
    """What the probe measured on one model (``eigenvalues``: every sampled one, complex). ``floor`` is
    not measured: it is the smallest eigenvalue the model's parametrisation allows, where a mixer states
    it (``EIGENVALUE_FLOOR``, RWKV-7's min w − max α), NaN where none does."""

    model: str
    fixed_state: bool
    state_size: int = 0
    affine: bool | None = None
    superposition_error: float = float("nan")
    joint_superposition_error: float = float("nan")
    jacobian_varies: float = float("nan")
    eig_real_min: float = float("nan")
    eig_real_max: float = float("nan")
    eig_abs_max: float = float("nan")
    eig_imag_max: float = float("nan")
    negative_fraction: float = float("nan")
    declared_min: float = float("nan")
    declared_max: float = float("nan")
    floor: float = float("nan")
    eigenvalues: np.ndarray = field(default_factory=lambda: np.zeros(0, complex), repr=False)

    @property
    def verdict(self) -> str:
        """The probe's reading, in the words of Chapter 4."""
        if not self.fixed_state:
            return "no fixed-size state (grows with the input)"
        if not self.affine and not math.isnan(self.declared_min):
            return ("linear in other coordinates (declares A_t), not affine in its stored state"
                    + (": negative eigenvalues" if self.declared_min < -1e-3 else ": eigenvalues in [0, 1]"))
        if not self.affine:
            return "nonlinear in the state: can be recurrence-complete"
        if self.floor > -1 + NEAR_MINUS_ONE:
            return (f"linear, every eigenvalue above {self.floor:.3f} by its parametrisation: a repeated symbol's "
                    "states converge, no parity in finite precision; not recurrence-complete")
        if self.eig_real_min <= -1 + NEAR_MINUS_ONE:
            return "linear, with an eigenvalue at -1: parity reachable, not recurrence-complete"
        if self.eig_real_min < -1e-3:
            return (f"linear, negative eigenvalues down to {self.eig_real_min:.2f}, none at -1 here (parity needs "
                    "one): not recurrence-complete")
        return "linear, eigenvalues in [0, 1]: no parity, not recurrence-complete"

    def row(self) -> dict:
        data = {k: v for k, v in asdict(self).items() if k != "eigenvalues"}
        data["verdict"] = self.verdict
        return data


def _reachable_states(init, step, layout: StateLayout, vocab: int, n_sequences: int, length: int,
                      generator: torch.Generator, device: torch.device) -> tuple[Any, torch.Tensor]:
    """Run random inputs (drawn on the CPU, read on ``device``); return a template state and the flat
    states reached (N × D)."""
    state = init(n_sequences, 0)
    seen = []
    tokens = torch.randint(0, vocab, (length, n_sequences), generator=generator)
    for t in range(length):
        _, state = step(tokens[t].to(device), state)
        if t + 1 in (max(1, length // 4), length // 2, length):
            seen.append(layout.flatten(state))
    return state, torch.cat(seen)


def _gap(got: torch.Tensor, expected: torch.Tensor) -> float:
    """Largest relative distance between two batches of flat states."""
    scale = got.norm(dim=1) + expected.norm(dim=1) + 1e-12
    return float(((got - expected).norm(dim=1) / scale).max())


def _map(step, layout: StateLayout, template_for: Callable[[int], Any], token: int,
         flat: torch.Tensor) -> torch.Tensor:
    """f_x on a batch of flat states: the flat new states."""
    state = layout.unflatten(flat, template_for(flat.shape[0]))
    tokens = torch.full((flat.shape[0],), token, dtype=torch.long, device=flat.device)
    return layout.flatten(step(tokens, state)[1])


def jacobian(step, layout: StateLayout, template_for, token: int, flat_state: torch.Tensor,
             eps: float = 1e-6) -> torch.Tensor:
    """D × D Jacobian of f_x at one flat state (1 × D), by batched central differences."""
    d = flat_state.shape[1]
    directions = torch.eye(d, dtype=flat_state.dtype, device=flat_state.device) * eps
    outputs = _map(step, layout, template_for, token, torch.cat([flat_state + directions, flat_state - directions]))
    return ((outputs[:d] - outputs[d:]) / (2 * eps)).T


@torch.no_grad()
def probe(model: SequenceModel, vocab: int, *, name: str = "", n_states: int = 3, seed: int = 0,
          alphas=(-1.0, 0.3, 2.0), tolerance: float = 1e-6, max_state: int = 4096) -> ProbeResult:
    """Probe ``model`` (reading tokens 0..vocab−1): superposition and transition eigenvalues.

    ``n_states`` reachable states per input token are linearised; ``tolerance`` bounds the relative
    superposition error of an affine update (float64 arithmetic gives ~1e-12 for a linear one).
    """
    name = name or type(model).__name__
    model = copy.deepcopy(model).double().eval()
    init, step = state_interface(model)
    generator = torch.Generator().manual_seed(seed)
    layout = StateLayout.of(init)
    template_for = init
    state = init(1, 4)  # a state that keeps the tokens (or a KV cache) grows: no fixed-size state
    if layout.size == 0 or not layout.matches(state) or layout.flatten(state).shape[1] != layout.size:
        return ProbeResult(name, fixed_state=False)
    if layout.size > max_state:
        raise ValueError(f"state of {layout.size} numbers is too large to linearise (max_state={max_state})")

    _, states = _reachable_states(init, step, layout, vocab, 2 * n_states, 24, generator, model_device(model))
    errors, joint_errors, jacobian_spread, eigenvalues = [], [], [], []
    h1, h2 = states[: len(states) // 2], states[len(states) // 2:]
    for token in range(vocab):
        def f(flat):
            return _map(step, layout, template_for, token, flat)

        # superposition of the whole state ...
        f1, f2 = f(h1), f(h2)
        for alpha in alphas:
            joint_errors.append(_gap(f(alpha * h1 + (1 - alpha) * h2), alpha * f1 + (1 - alpha) * f2))
        # ... and of each state tensor, the others held fixed (they may carry input history, as a
        # convolution's or a token shift's buffer does, or a read-out, as a later sublayer's shift)
        for part in layout.slices():
            other = h1.clone()
            other[:, part] = h2[:, part]
            g1, g2 = f1[:, part], f(other)[:, part]
            for alpha in alphas:
                mixed = h1.clone()
                mixed[:, part] = alpha * h1[:, part] + (1 - alpha) * h2[:, part]
                errors.append(_gap(f(mixed)[:, part], alpha * g1 + (1 - alpha) * g2))
        # linearisation at a few reachable states
        picks = torch.randperm(len(states), generator=generator)[:n_states]
        jacobians = [jacobian(step, layout, template_for, token, states[i:i + 1]) for i in picks]
        reference = jacobians[0]
        jacobian_spread.append(max(float((j - reference).abs().max()) for j in jacobians))
        for j in jacobians:
            eigenvalues.append(torch.linalg.eigvals(j).cpu().numpy())
    values = np.concatenate(eigenvalues)
    superposition = max(errors)
    floors = [m.EIGENVALUE_FLOOR for m in model.modules() if hasattr(m, "EIGENVALUE_FLOOR")]
    low = high = float("nan")
    if declared.is_linear_recurrent(model):  # the zoo's own statement of A_t, as a cross-check
        tokens = torch.randint(0, vocab, (8, 40), generator=generator).to(model_device(model))
        low, high = declared.eigenvalue_range(model, tokens)
    return ProbeResult(
        name, fixed_state=True, state_size=layout.size, affine=superposition < tolerance,
        superposition_error=superposition, joint_superposition_error=max(joint_errors),
        jacobian_varies=max(jacobian_spread),
        eig_real_min=float(values.real.min()), eig_real_max=float(values.real.max()),
        eig_abs_max=float(np.abs(values).max()), eig_imag_max=float(np.abs(values.imag).max()),
        negative_fraction=float((values.real < -1e-3).mean()), declared_min=low, declared_max=high,
        floor=min(floors, default=float("nan")), eigenvalues=values,
    )


def probe_table(results: list[ProbeResult]):
    """The probe's results as a DataFrame, one row per model."""
    import pandas as pd

    return pd.DataFrame([r.row() for r in results]).set_index("model")


__all__ = ["ProbeResult", "StateLayout", "jacobian", "probe", "probe_table", "state_interface"]
