"""Run blocking work (Argon2, database, files) off the UI thread.

``run_in_background(fn, on_done, on_failed)`` runs ``fn()`` on the shared
``QThreadPool``; ``on_done(result)`` or ``on_failed(exc)`` is then called on the UI
thread. ``fn`` must not touch widgets. The callbacks should be bound methods of
QObjects (widgets): Qt then queues them onto the UI thread and drops them if the
widget was destroyed in the meantime.

``run_with_progress(fn, on_progress, on_done, on_failed)`` is the same for long work
that reports as it goes (enrolment, sync): ``fn(report)`` may call ``report(obj)``
from the worker; each ``obj`` reaches ``on_progress`` on the UI thread, in order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from neo.ui.qt import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class _TaskSignals(QObject):
    sig_done = Signal(object)
    sig_failed = Signal(object)
    sig_progress = Signal(object)
    sig_finished = Signal()


class Task(QRunnable):
    def __init__(self, fn: Callable[..., Any] | None, *, reports: bool = False) -> None:
        super().__init__()
        self.fn = fn
        self.reports = reports
        self.signals = _TaskSignals()

    def run(self) -> None:
        try:
            assert self.fn is not None
            result = self.fn(self.signals.sig_progress.emit) if self.reports else self.fn()
        except BaseException as exc:  # reported to the UI, never lost
            log.debug("background task failed", exc_info=True)
            self.signals.sig_failed.emit(exc)
        else:
            self.signals.sig_done.emit(result)
        finally:
            self.fn = None  # drop what the work referenced (a PIN, a vault) as soon as possible
            self.signals.sig_finished.emit()


def run_in_background(fn: Callable[[], Any], on_done: Callable[[Any], None],
                      on_failed: Callable[[BaseException], None], *,
                      pool: QThreadPool | None = None) -> Task:
    task = Task(fn)
    task.signals.sig_done.connect(on_done)
    task.signals.sig_failed.connect(on_failed)
    (pool or QThreadPool.globalInstance()).start(task)
    return task


def run_with_progress(fn: Callable[[Callable[[Any], None]], Any], on_progress: Callable[[Any], None],
                      on_done: Callable[[Any], None], on_failed: Callable[[BaseException], None], *,
                      pool: QThreadPool | None = None) -> Task:
    """Like :func:`run_in_background`, for work that reports progress: ``fn(report)``."""
    task = Task(fn, reports=True)
    task.signals.sig_progress.connect(on_progress)
    task.signals.sig_done.connect(on_done)
    task.signals.sig_failed.connect(on_failed)
    (pool or QThreadPool.globalInstance()).start(task)
    return task


def wait_for_tasks(msecs: int = 30000) -> bool:
    """Block until the background pool is idle (used at exit and in tests)."""
    return QThreadPool.globalInstance().waitForDone(msecs)
