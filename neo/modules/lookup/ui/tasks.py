"""Blocking work of the lookup page (HTTP to HQ, the encrypted store) off the UI thread.

``run(fn, on_done, on_failed)`` runs ``fn()`` on the application's ``QThreadPool``;
``on_done(result)`` or ``on_failed(exc)`` then runs on the UI thread. The callbacks are
bound methods of widgets: Qt queues them to the UI thread and drops them when the
widget was destroyed meanwhile (the device locked during a search). ``fn`` never
touches a widget.
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
            log.debug("lookup task failed", exc_info=True)
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
