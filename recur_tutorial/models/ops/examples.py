"""Random valid arguments for every op, for tests, benchmarks and readers trying an op out.

``example(name, length)`` returns an :class:`Example`: the op, its positional and keyword arguments,
and the time axis of its sequence arguments. ``EXAMPLES`` names the cases: one per op, plus RWKV-6
(GLA with the bonus u), the selective scan with negative eigenvalues, DeltaProduct with two steps per
token with and without its gate, and the generalised delta rule with RWKV-7's parametrisation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F

from ...errors import check_choice
from .delta_product import delta_product
from .delta_rule import delta_rule
from .diagonal import diagonal_linear_rnn
from .generalized_delta import generalized_delta_rule
from .gla import gated_linear_attention
from .linear_attention import linear_attention
from .mlstm import mlstm
from .retention import retention
from .rwkv4 import rwkv4_wkv
from .selective_scan import selective_scan

EXAMPLES = ("linear_attention", "retention", "gated_linear_attention", "rwkv6", "rwkv4_wkv",
            "selective_scan", "selective_scan_neg", "delta_rule", "diagonal_linear_rnn",
            "generalized_delta_rule", "delta_product", "gated_delta_product", "mlstm")


@dataclass
class Example:
    op: Callable
    args: tuple
    kwargs: dict = field(default_factory=dict)
    time_axis: int = 2

    def __call__(self, **options):
        return self.op(*self.args, **self.kwargs, **options)

    def split(self, at: int) -> tuple["Example", "Example"]:
        """The same call on steps [0, at) and [at, T)."""
        total = next(a.shape[self.time_axis] for a in self.args if a.dim() >= 3)

        def part(start, length):
            return tuple(a.narrow(self.time_axis, start, length) if a.dim() >= 3 else a for a in self.args)

        return (Example(self.op, part(0, at), self.kwargs, self.time_axis),
                Example(self.op, part(at, total - at), self.kwargs, self.time_axis))

    def to(self, dtype: torch.dtype) -> "Example":
        kwargs = {key: value.to(dtype) if torch.is_tensor(value) else value for key, value in self.kwargs.items()}
        return Example(self.op, tuple(a.to(dtype) for a in self.args), kwargs, self.time_axis)


def example(name: str, length: int, *, batch: int = 2, heads: int = 2, key: int = 4, value: int = 3,
            channels: int = 5, state: int = 3, dtype: torch.dtype = torch.float64, seed: int = 0,
            requires_grad: bool = False) -> Example:
    """Arguments for op ``name`` on sequences of ``length`` steps (``heads`` × ``key``/``value``
    widths for the attention-like ops, ``channels`` × ``state`` for the scans)."""
    check_choice("op example", name, EXAMPLES)
    g = torch.Generator().manual_seed(seed)

    def normal(*shape):
        return torch.randn(*shape, generator=g, dtype=dtype)

    def uniform(*shape):
        return torch.rand(*shape, generator=g, dtype=dtype)

    q, k, v = normal(batch, heads, length, key), normal(batch, heads, length, key), normal(batch, heads, length, value)
    sequence = (batch, length, channels)
    cases = {
        "linear_attention": lambda: Example(linear_attention, (F.elu(q) + 1, F.elu(k) + 1, v)),
        "retention": lambda: Example(retention, (q, k, v, 0.5 + 0.49 * uniform(heads))),
        "gated_linear_attention": lambda: Example(gated_linear_attention,
                                                  (q, k, v, uniform(batch, heads, length, key))),
        "rwkv6": lambda: Example(gated_linear_attention, (q, k, v, uniform(batch, heads, length, key)),
                                 {"u": normal(heads, key)}),
        "rwkv4_wkv": lambda: Example(rwkv4_wkv, (2 * uniform(channels), normal(channels), 3 * normal(*sequence),
                                                 normal(*sequence)), time_axis=1),
        "selective_scan": lambda: Example(selective_scan, (
            normal(*sequence), F.softplus(normal(*sequence)), -3 * uniform(channels, state),
            normal(batch, length, state), normal(batch, length, state), normal(channels)), time_axis=1),
        "delta_rule": lambda: Example(delta_rule, (q, F.normalize(k, dim=-1), v, 2 * uniform(batch, heads, length))),
        "diagonal_linear_rnn": lambda: Example(diagonal_linear_rnn, (2 * uniform(*sequence) - 1, normal(*sequence)),
                                               time_axis=1),
        "generalized_delta_rule": lambda: rwkv7_example(q, k, v, uniform, normal),
        "delta_product": lambda: Example(delta_product, (
            q, F.normalize(normal(batch, heads, length, 2, key), dim=-1), normal(batch, heads, length, 2, value),
            2 * uniform(batch, heads, length, 2))),
        "gated_delta_product": lambda: Example(delta_product, (
            q, F.normalize(normal(batch, heads, length, 2, key), dim=-1), normal(batch, heads, length, 2, value),
            2 * uniform(batch, heads, length, 2), 0.05 + 0.95 * uniform(batch, heads, length))),
        "mlstm": lambda: Example(mlstm, (q, k, v, F.logsigmoid(3 * normal(batch, heads, length)),
                                         3 * normal(batch, heads, length))),
    }
    case = cases["selective_scan" if name == "selective_scan_neg" else name]()
    if name == "selective_scan_neg":
        case.kwargs["negative_eigenvalues"] = True
    if requires_grad:
        case.args = tuple(a.requires_grad_() for a in case.args)
    return case


def rwkv7_example(q, k, v, uniform, normal) -> Example:
    """RWKV-7's transition: decay w ∈ (e^{−e^{−1/2}}, 1), a = −(α ⊙ κ̂), b = κ̂ (unit), α ∈ (0, 1)."""
    decay = torch.exp(-torch.exp(torch.tensor(-0.5, dtype=q.dtype)) * uniform(*q.shape))
    removal = F.normalize(normal(*q.shape), dim=-1)
    return Example(generalized_delta_rule, (q, k, v, decay, -uniform(*q.shape) * removal, removal))
