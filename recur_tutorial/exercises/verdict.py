"""What every exercise checker answers: a verdict, never a traceback.

A :class:`Verdict` is *right* (with what was checked), or *wrong* with a counter-example (the input
on which the answer fails, and what was expected there) and a hint. It is truthy exactly when the
answer is right, so ``assert check(...)`` grades it, and it prints as a short paragraph in a
notebook. :func:`checker` turns a checking function into one that always returns a verdict: the
checker says what is wrong by raising :class:`Wrong` (or an ``AssertionError`` with the
counter-example as message); an exception raised by the reader's own code becomes a wrong verdict
that names it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    right: bool
    message: str
    hint: str = ""

    def __bool__(self) -> bool:
        return self.right

    def __str__(self) -> str:
        if self.right:
            return f"right: {self.message}"
        return f"wrong: {self.message}" + (f"\nhint: {self.hint}" if self.hint else "")

    __repr__ = __str__


class Wrong(Exception):
    """Raised inside a checker: the answer fails, ``message`` holds the counter-example."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message, self.hint = message, hint


def checker(hint: str):
    """Decorate a checker that returns what it verified (a string) or raises :class:`Wrong`."""

    def decorate(function):
        @functools.wraps(function)
        def check(*args, **kwargs) -> Verdict:
            if any(value is Ellipsis for value in (*args, *kwargs.values())):
                return Verdict(False, "not answered yet: replace each ... with your answer", hint)
            try:
                checked = function(*args, **kwargs)
            except Wrong as wrong:
                return Verdict(False, wrong.message, wrong.hint or hint)
            except AssertionError as wrong:
                return Verdict(False, str(wrong), hint)
            except Exception as error:  # the reader's code failed: say how, without a traceback
                return Verdict(False, f"your answer raised {type(error).__name__}: {error}", hint)
            return checked if isinstance(checked, Verdict) else Verdict(True, str(checked))

        return check

    return decorate


__all__ = ["Verdict", "Wrong", "checker"]
