"""The table of tasks by name."""

from __future__ import annotations

from ..errors import Registry

TASKS: Registry[type] = Registry("task")


def register(cls: type) -> type:
    """Class decorator: add a task class to the registry under its ``name``."""
    TASKS.register(cls.name)(cls)
    return cls
