"""Extension points: typed places where modules contribute to the shell or to each other.

A point is declared statically in its owner's manifest (so contributions can be made
before the owner is imported). Contributions are keyed by (module id, key): disabling a
module removes everything it contributed, as in Picard's plug-in API.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class ExtensionError(Exception):
    pass


@dataclass(frozen=True)
class ExtensionPoint:
    id: str
    owner: str
    doc: str = ""


@dataclass(frozen=True)
class Contribution:
    point: str
    module_id: str
    key: str
    value: Any


class ExtensionRegistry:
    def __init__(self) -> None:
        self._points: dict[str, ExtensionPoint] = {}
        self._items: dict[str, dict[tuple[str, str], Contribution]] = {}
        self._listeners: list[Callable[[str], None]] = []
        self._lock = threading.RLock()

    def declare(self, point: ExtensionPoint) -> None:
        with self._lock:
            existing = self._points.get(point.id)
            if existing and existing.owner != point.owner:
                raise ExtensionError(f"extension point {point.id!r} is already declared by {existing.owner!r}")
            self._points[point.id] = point
            self._items.setdefault(point.id, {})

    def points(self) -> list[ExtensionPoint]:
        return sorted(self._points.values(), key=lambda p: p.id)

    def register(self, point_id: str, module_id: str, key: str, value: Any) -> Contribution:
        with self._lock:
            if point_id not in self._points:
                raise ExtensionError(f"unknown extension point {point_id!r}")
            item = Contribution(point_id, module_id, key, value)
            self._items[point_id][(module_id, key)] = item
        self._notify(point_id)
        return item

    def unregister(self, point_id: str, module_id: str, key: str) -> None:
        with self._lock:
            self._items.get(point_id, {}).pop((module_id, key), None)
        self._notify(point_id)

    def contributions(self, point_id: str) -> list[Contribution]:
        with self._lock:
            if point_id not in self._points:
                raise ExtensionError(f"unknown extension point {point_id!r}")
            return sorted(self._items[point_id].values(), key=lambda c: (c.module_id, c.key))

    def by_module(self, module_id: str) -> list[Contribution]:
        with self._lock:
            return [c for items in self._items.values() for c in items.values() if c.module_id == module_id]

    def remove_module(self, module_id: str) -> int:
        touched: set[str] = set()
        with self._lock:
            for point_id, items in self._items.items():
                for k in [k for k in items if k[0] == module_id]:
                    del items[k]
                    touched.add(point_id)
        for point_id in touched:
            self._notify(point_id)
        return len(touched)

    def on_change(self, listener: Callable[[str], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _notify(self, point_id: str) -> None:
        for listener in list(self._listeners):
            listener(point_id)
