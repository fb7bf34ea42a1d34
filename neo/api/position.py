"""Position sources, as the core sees them (no Qt).

The shell provides a real source (QtPositioning on a tablet, an NMEA log replayed for
the demo and tests); the core and modules depend only on this protocol.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from neo.models import Position

PositionListener = Callable[[Position | None], None]


@runtime_checkable
class PositionSource(Protocol):
    def current(self) -> Position | None:
        """The latest fix, or None when there is no signal."""

    def subscribe(self, listener: PositionListener) -> Callable[[], None]:
        """Call ``listener`` on every new fix (None when the signal is lost); returns an unsubscribe."""


class StaticPositionSource:
    """A source whose fix is set by hand: for tests, headless tools, and a device without GPS."""

    def __init__(self, position: Position | None = None) -> None:
        self._position = position
        self._listeners: list[PositionListener] = []
        self._lock = threading.Lock()

    def current(self) -> Position | None:
        return self._position

    def set(self, position: Position | None) -> None:
        self._position = position
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(position)

    def subscribe(self, listener: PositionListener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe
