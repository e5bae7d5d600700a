"""Formal-language tasks: ``tasks.get(name, **options)`` returns one; ``tasks.names()`` lists them.

Layouts (``get_layout(name, task, **options)``): ``read_then_write``, ``tagging`` and
``causal_lm`` (options ``trace=None|"full"|"partial"|"scratchpad"``, ``interleave``,
``score_trace``). Traces: ``get_trace(task, kind)``, ``trace_kinds(task)``. Greedy evaluation of a
causal model on ``causal_lm``: ``greedy_generate`` and ``greedy_answer_accuracy``.
"""

from __future__ import annotations

import inspect

from ..errors import check
from . import regular, counting, groups, stack, arithmetic, strings, binary  # noqa: F401, I001 - registers the tasks
from .base import END, LEVELS, TASKS, Task
from .causal_lm import CausalLM, Sequences
from .generation import Generated, greedy_answer_accuracy, greedy_generate
from .layouts import IGNORE, LAYOUTS, Batch, Layout, get_layout
from .traces import Trace, get_trace, trace_kinds


def get(name: str, **options) -> Task:
    """The task called ``name`` (an unknown name raises an error listing the valid ones).

    Options: ``modular_counter(modulus=4)``, ``word_problem(group="S3")``; the others take none.
    """
    factory = TASKS[name]
    allowed = list(inspect.signature(factory).parameters)
    unknown = sorted(set(options) - set(allowed))
    check(not unknown, f"task {name!r} has no option {unknown}; it takes: {allowed or 'none'}")
    return factory(**options)


def names() -> list[str]:
    """The task names, regular first, then deterministic context-free, then context-sensitive."""
    order = list(LEVELS)
    return sorted(TASKS.names(), key=lambda name: order.index(TASKS[name].level))


__all__ = [
    "END", "IGNORE", "LAYOUTS", "LEVELS", "Batch", "CausalLM", "Generated", "Layout", "Sequences", "Task",
    "Trace", "get", "get_layout", "get_trace", "greedy_answer_accuracy", "greedy_generate", "names",
    "trace_kinds",
]
