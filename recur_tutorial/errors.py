"""The one exception the package raises for bad input, and the checks that raise it with what is allowed."""

from __future__ import annotations

from typing import Iterable


class ConfigError(ValueError):
    """A setting that the package cannot honour; the message says what is allowed."""


def check(condition: bool, message: str) -> None:
    """Raise :class:`ConfigError` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise ConfigError(message)


def check_choice(kind: str, value: object, allowed: Iterable[object]) -> None:
    """Raise a :class:`ConfigError` naming ``allowed`` when ``value`` is not one of them."""
    allowed = list(allowed)
    if value not in allowed:
        listed = ", ".join(repr(a) for a in allowed)
        raise ConfigError(f"unknown {kind} {value!r}; allowed: {listed}")
