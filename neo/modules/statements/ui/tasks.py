"""Blocking work of the statements' screens (the encrypted store, sealing, the PDF) off
the UI thread.

``run(fn, on_done, on_failed)`` runs ``fn()`` on the application's ``QThreadPool``;
``on_done(result)`` or ``on_failed(exc)`` then runs on the UI thread. The callbacks are
bound methods of widgets: Qt queues them to the UI thread and drops them when the widget
was destroyed meanwhile (the device locked). ``fn`` never touches a widget.

:class:`SerialWriter` runs a draft's writes one after the other, in order (autosave):
a write waiting for its turn is replaced by a newer one with the same key (the field's
latest value is what counts), so typing never piles up writes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class _Signals(QObject):
    sig_done = Signal(object)
    sig_failed = Signal(object)


class Task(QRunnable):
    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.fn: Callable[[], Any] | None = fn
        self.signals = _Signals()

    def run(self) -> None:
        try:
            assert self.fn is not None
            result = self.fn()
        except Exception as exc:  # shown to the officer, never lost
            log.debug("statements task failed", exc_info=True)
            self.signals.sig_failed.emit(exc)
        else:
            self.signals.sig_done.emit(result)
        finally:
            self.fn = None


def run(fn: Callable[[], Any], on_done: Callable[[Any], None], on_failed: Callable[[Any], None]) -> Task:
    task = Task(fn)
    task.signals.sig_done.connect(on_done)
    task.signals.sig_failed.connect(on_failed)
    QThreadPool.globalInstance().start(task)
    return task


class SerialWriter(QObject):
    """Writes of one draft, in order, one at a time, off the UI thread.

    ``put(key, fn)`` queues ``fn()`` (``key`` None: never replaced). ``sig_saved(result)``
    follows each write that succeeded, ``sig_failed(exc)`` one that failed, and
    ``sig_idle`` the moment nothing is queued or running."""

    sig_saved = Signal(object)
    sig_failed = Signal(object)
    sig_idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.queue: list[tuple[str | None, Callable[[], Any]]] = []
        self.running: Task | None = None

    def put(self, key: str | None, fn: Callable[[], Any]) -> None:
        if key is not None:
            for i, (k, _) in enumerate(self.queue):
                if k == key:
                    self.queue[i] = (key, fn)
                    break
            else:
                self.queue.append((key, fn))
        else:
            self.queue.append((None, fn))
        self._next()

    def busy(self) -> bool:
        return self.running is not None or bool(self.queue)

    def _next(self) -> None:
        if self.running is not None or not self.queue:
            return
        _key, fn = self.queue.pop(0)
        self.running = run(fn, self._done, self._failed)

    def _done(self, result: Any) -> None:
        self.running = None
        self.sig_saved.emit(result)
        self._after()

    def _failed(self, exc: Any) -> None:
        self.running = None
        log.error("a draft could not be saved: %r", exc)
        self.sig_failed.emit(exc)
        self._after()

    def _after(self) -> None:
        if self.queue:
            self._next()
        else:
            self.sig_idle.emit()
