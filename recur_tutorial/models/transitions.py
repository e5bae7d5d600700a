"""The transitions a linear-recurrent model declares: where do the eigenvalues of its A_t lie?

A *linear-recurrent* model updates each layer's state as h_t = A_t h_{t−1} + b_t, where A_t and b_t
depend on the layer's input only; its mixers say so by defining ``transition`` (see
:mod:`.layer_stack`). For such a model, ``transitions(model, tokens)`` returns, for every mixer, the
eigenvalues of A_t at every position (B × T × n). Models with a nonlinear update (Elman RNN, LSTM,
GRU, the memory RNNs) and attention models have none: ``is_linear_recurrent`` is False for them.

The numerical probe that measures the same from ``step`` alone, for every model of the zoo, is
:mod:`recur_tutorial.theory.probe`; it reports these declarations beside its measurement.

Example — do the transitions ever go negative over random inputs?

    tokens = torch.randint(0, layout.in_vocab, (64, 40))
    low, high = transitions.eigenvalue_range(model, tokens)    # e.g. (0.02, 0.97): no sign flips, no parity
"""

from __future__ import annotations

import torch

from ..errors import check
from .base import SequenceModel


def is_linear_recurrent(model: SequenceModel) -> bool:
    """Whether the model declares A_t: a layer stack with at least one mixer that has ``transition``."""
    return hasattr(model, "transitions") and any(hasattr(m, "transition") for m in model.modules())


def transitions(model: SequenceModel, tokens: torch.Tensor) -> list[torch.Tensor]:
    """Per mixer, the transition eigenvalues at every position of ``tokens`` (B × T), each B × T × n
    (complex where the transition is not similar to a symmetric matrix, as DeltaProduct's)."""
    check(is_linear_recurrent(model),
          f"{type(model).__name__} has no linear state update h_t = A_t h_(t-1) + b_t to report")
    return model.transitions(tokens)


def eigenvalue_range(model: SequenceModel, tokens: torch.Tensor) -> tuple[float, float]:
    """The smallest and largest real part of a transition eigenvalue over all mixers and positions."""
    values = torch.cat([torch.real(t).flatten() for t in transitions(model, tokens)])
    return float(values.min()), float(values.max())
