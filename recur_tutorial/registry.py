"""A name → item table (tasks, layouts, models) whose look-ups fail with the list of valid names."""

from __future__ import annotations

from typing import Callable, Generic, TypeVar

from .errors import check_choice

T = TypeVar("T")


class Registry(Generic[T]):
    """A name → factory table whose look-ups fail with the list of valid names."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def add(item: T) -> T:
            if name in self._items:
                raise RuntimeError(f"{self.kind} {name!r} registered twice")
            self._items[name] = item
            return item

        return add

    def __getitem__(self, name: str) -> T:
        check_choice(self.kind, name, self._items)
        return self._items[name]

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def names(self) -> list[str]:
        return list(self._items)
