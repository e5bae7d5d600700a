"""The exception for bad input (:class:`ConfigError`), the checks that raise it with what is allowed,
and the exception for a training run that diverged (:class:`TrainingDiverged`)."""

from __future__ import annotations

import math
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


def check_integer(name: str, value: object, minimum: int = 1) -> None:
    """Raise a :class:`ConfigError` unless ``value`` is an integer (not a bool) of at least ``minimum``."""
    check(isinstance(value, int) and not isinstance(value, bool) and value >= minimum,
          f"{name} must be an integer >= {minimum}, got {value!r}")


def check_number(name: str, value: object, *, positive: bool = False) -> None:
    """Raise a :class:`ConfigError` unless ``value`` is a finite real number, > 0 with ``positive``,
    else >= 0 (a string, a bool, inf and nan are refused)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    bound = "> 0" if positive else ">= 0"
    check(ok and (value > 0 if positive else value >= 0), f"{name} must be a finite number {bound}, got {value!r}")


class TrainingDiverged(RuntimeError):
    """The training loss became NaN or infinite; the message names the step, the loss and the learning
    rate. Not a :class:`ConfigError`: the settings were valid, the run failed."""
