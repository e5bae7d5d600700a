"""Formal-language tasks: ``tasks.get(name)`` returns one; ``tasks.names()`` lists them."""

from __future__ import annotations

from . import arithmetic, binary, counting, groups, regular, stack, strings  # noqa: F401 - importing registers the tasks
from .base import END, LEVELS, Task
from .layouts import IGNORE, LAYOUTS, Batch, Layout, get_layout
from .registry import TASKS


def get(name: str, **options) -> Task:
    """The task called ``name`` (an unknown name raises an error listing the valid ones)."""
    return TASKS[name](**options)


def names() -> list[str]:
    return TASKS.names()


__all__ = ["END", "IGNORE", "LAYOUTS", "LEVELS", "Batch", "Layout", "Task", "get", "get_layout", "names"]
