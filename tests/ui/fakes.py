"""A scripted :class:`neo.ui.sync.SyncRunner` for the shell's sync tests.

It runs on the controller's worker threads like the real one; the test thread steers it
through plain attributes and events.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from neo.ui.sync import SyncOutcome, SyncProgress, SyncStatus
from neo.vault import Session

STEPS = (SyncProgress("push", 0, 3), SyncProgress("push", 1, 3), SyncProgress("pull"))


class FakeRunner:
    def __init__(self, *, pending: int = 3, online: bool = False, available: bool = True) -> None:
        self.pending = pending
        self.online = online
        self.is_available = available
        self.last_sync: datetime | None = None
        self.failure: BaseException | None = None
        self.steps: tuple[SyncProgress, ...] = STEPS
        self.gate: threading.Event | None = None  # when given, a run waits for it after its progress
        self.started = threading.Event()
        self.removed: tuple[str, ...] = ()
        self.runs = 0
        self.checks = 0
        self.on_run: Callable[[Session], None] | None = None

    def hold(self) -> threading.Event:
        """Make the next runs wait (mid-sync) until the returned event is set."""
        self.gate = threading.Event()
        self.started.clear()
        return self.gate

    # -- SyncRunner ---------------------------------------------------------------------------
    def available(self, session: Session) -> bool:
        return self.is_available

    def status(self, session: Session) -> SyncStatus:
        self.checks += 1
        return SyncStatus(self.pending, self.last_sync)

    def reachable(self, session: Session) -> bool:
        return self.online

    def run(self, session: Session, progress: Callable[[SyncProgress], None]) -> SyncOutcome:
        self.runs += 1
        for step in self.steps:
            progress(step)
        self.started.set()
        if self.gate is not None:
            assert self.gate.wait(15), "the test never released the sync"
        if self.on_run is not None:
            self.on_run(session)
        if self.failure is not None:
            raise self.failure
        self.pending = 0
        return SyncOutcome(datetime.now().astimezone(), pending=0, pushed=3, officers_removed=self.removed)
