"""Sync in the shell: the "Synchroniser" button, background runs, triggers, errors.

The shell talks to the sync engine through :class:`SyncRunner`, a small interface it
owns, so the screens do not depend on how the engine is built (and tests use a fake):

* ``available(session)``: the device has an HQ link (a device set up locally, without
  HQ, has nothing to sync with: no button, no timers);
* ``status(session)``: what is known before syncing (pending count, last sync);
* ``reachable(session)``: a cheap health check of HQ, used while offline;
* ``run(session, progress)``: one full sync; reports :class:`SyncProgress`, returns a
  :class:`SyncOutcome`, raises :class:`SyncFailure` (with the protocol's error kind) or
  :class:`DeviceRevokedFailure`.

Every call runs on a ``QThreadPool`` worker (never on the UI thread);
:class:`SyncController` receives the answers on the UI thread and feeds the
:class:`~neo.ui.status.StatusModel`.

Triggers: the button; a periodic timer while unlocked; connectivity regained (while
offline a periodic health check, and the first success starts a sync); after an HQ
failure, a retry with a growing delay.

Modules learn it too (``ctx.hq.on_reachable``, module API 1.2): the controller calls
``on_reachable`` (the module host's ``notify_reachable``, which runs the modules'
callbacks on a worker) after each sync that completed and when the health check finds
HQ again after a period offline, and ``on_unreachable`` when HQ could not be reached.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from neo.i18n import tr
from neo.sync.errors import message_for
from neo.ui.qt import QObject, QTimer, Signal
from neo.ui.status import StatusModel
from neo.ui.tasks import run_in_background, run_with_progress
from neo.vault import Session

log = logging.getLogger(__name__)

SYNC_INTERVAL_MS = 5 * 60 * 1000  # a full sync every 5 minutes while unlocked
HEALTH_INTERVAL_MS = 30 * 1000  # while offline: is HQ back? (and the pending count, always)
RETRY_FIRST_MS = 30 * 1000  # after an HQ failure: 30 s, 60 s, 120 s... up to the interval


# -- the interface between the shell and the sync engine ----------------------------------------


@dataclass(frozen=True)
class SyncProgress:
    """One step of a running sync: ``phase`` is one of :data:`PHASES` (or a text to show
    as is); ``done``/``total`` measure it when known."""

    phase: str
    done: int | None = None
    total: int | None = None


@dataclass(frozen=True)
class SyncStatus:
    """What the device knows about sync without contacting HQ."""

    pending: int = 0
    last_sync: datetime | None = None


@dataclass(frozen=True)
class SyncOutcome:
    """A sync that completed."""

    finished_at: datetime
    pending: int = 0
    pushed: int = 0
    pulled: int = 0
    rejected: int = 0
    conflicts: int = 0
    officers_removed: tuple[str, ...] = field(default_factory=tuple)  # disabled or gone, by HQ's roster


class SyncFailure(Exception):
    """A sync that did not complete. ``kind`` is the protocol's error kind (``auth``,
    ``network``, ``server``, ``rejected``, ``conflict``, ``not_found``, ``too_large``...);
    ``message`` is the engine's or HQ's own words (kept as a detail); ``pending`` the
    writes still waiting for HQ, when known."""

    def __init__(self, kind: str, message: str = "", *, pending: int | None = None) -> None:
        super().__init__(f"{kind}: {message}" if message else kind)
        self.kind = kind
        self.message = message
        self.pending = pending


class DeviceRevokedFailure(SyncFailure):
    """HQ revoked this device: the shell audits, locks and wipes."""

    def __init__(self, message: str = "") -> None:
        super().__init__("revoked", message)


class SyncRunner(Protocol):
    def available(self, session: Session) -> bool: ...

    def status(self, session: Session) -> SyncStatus: ...

    def reachable(self, session: Session) -> bool: ...

    def run(self, session: Session, progress: Callable[[SyncProgress], None]) -> SyncOutcome: ...


PHASES = ("connect", "attachments", "push", "pull", "conflicts", "audit", "roster")


def phase_text(phase: str) -> str:
    return {
        "connect": tr("Connexion au QG…"),
        "push": tr("Envoi des données…"),
        "attachments": tr("Envoi des pièces jointes…"),
        "audit": tr("Envoi du journal…"),
        "pull": tr("Réception des données…"),
        "conflicts": tr("Vérification des conflits…"),
        "roster": tr("Mise à jour des agents…"),
    }.get(phase, phase)


def failure_text(kind: str, detail: str = "") -> str:
    """What went wrong and what to do next, for the officer (texts shared with the CLI)."""
    return message_for(kind, detail)


def apply_roster(session: Session, roster: Iterable[Any]) -> list[str]:
    """Apply HQ's roster of the unit (officers disabled or gone lose their key slot);
    returns the service numbers that lost access. Runs on the sync worker."""
    entries = [e.model_dump() if hasattr(e, "model_dump") else dict(e) for e in roster]
    changes = session.vault.apply_roster(session, entries)
    return [*changes.get("disabled", []), *changes.get("removed", [])]


# -- the real engine ------------------------------------------------------------------------------


ENGINE_MODULE = "neo.sync.engine"


def engine_installed() -> bool:
    try:
        return importlib.util.find_spec(ENGINE_MODULE) is not None
    except ImportError:
        return False


def default_runner() -> SyncRunner | None:
    """The runner on the device's sync engine, or None if this build has no engine."""
    if not engine_installed():
        log.warning("no sync engine (%s): the shell runs without sync", ENGINE_MODULE)
        return None
    try:
        from neo.ui.sync_engine import EngineRunner
    except Exception:  # the app must open even with a broken sync layer (it says so in the log)
        log.exception("the sync engine could not be loaded: the shell runs without sync")
        return None
    return EngineRunner()


# -- the controller -------------------------------------------------------------------------------


class SyncController(QObject):
    """Runs syncs for one unlocked session, off the UI thread, and reports on the UI thread.

    It lives inside the unlocked view and dies with it at lock (it holds the session).
    """

    sig_state_changed = Signal()  # running or not (the button follows)
    sig_finished = Signal(object)  # SyncOutcome
    sig_failed = Signal(str, str, bool)  # kind, message for the officer, asked by the officer
    sig_revoked = Signal(str)  # the device was revoked (message)
    sig_access_removed = Signal()  # HQ's roster removed the signed-in officer

    def __init__(self, session: Session, runner: SyncRunner, model: StatusModel, *,
                 interval_ms: int = SYNC_INTERVAL_MS, health_ms: int = HEALTH_INTERVAL_MS,
                 retry_ms: int = RETRY_FIRST_MS, parent: QObject | None = None,
                 on_reachable: Callable[[], Any] | None = None,
                 on_unreachable: Callable[[], Any] | None = None) -> None:
        """``on_reachable()``/``on_unreachable()`` are called on the UI thread and must
        return at once (the module host's ``notify_reachable`` hands the work to a worker)."""
        super().__init__(parent)
        self.on_reachable = on_reachable
        self.on_unreachable = on_unreachable
        self.session: Session | None = session
        self.runner = runner
        self.model = model
        self.running = False
        self._checking = False
        self._manual = False
        self._again = False
        self._stopped = False
        self._retry_ms = retry_ms
        self._retry_next = retry_ms
        self.last_failure: tuple[str, str] | None = None
        self.runs = 0
        self.periodic = QTimer(self)
        self.periodic.setInterval(interval_ms)
        self.periodic.timeout.connect(self._periodic)
        self.health = QTimer(self)
        self.health.setInterval(health_ms)
        self.health.timeout.connect(self.check)
        self.retry = QTimer(self)
        self.retry.setSingleShot(True)
        self.retry.timeout.connect(self._retry_now)

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        """Read the pending count and check HQ; reachable means a first sync at once."""
        self.periodic.start()
        self.health.start()
        self.check()

    def stop(self) -> None:
        """At lock: no new work; a run in flight is abandoned (its answer is dropped)."""
        self._stopped = True
        for timer in (self.periodic, self.health, self.retry):
            timer.stop()
        if self.running:
            self.running = False
            self.model.set_sync_state("idle" if self.model.last_sync else "never")
        self.session = None

    # -- triggers ---------------------------------------------------------------------------
    def sync_now(self, manual: bool = True) -> bool:
        """Start a sync unless one runs (then one more follows if the officer asked)."""
        session = self.session
        if self._stopped or session is None:
            return False
        if self.running:
            self._again = self._again or manual
            return False
        self.retry.stop()
        self.running = True
        self._manual = manual
        self.model.set_sync_state("syncing")
        self.model.set_sync_progress(phase_text("connect"))
        self.sig_state_changed.emit()
        runner = self.runner
        self.runs += 1
        run_with_progress(lambda report: runner.run(session, report), self._progress, self._done, self._failed)
        return True

    def _tell(self, reached: bool) -> None:
        hook = self.on_reachable if reached else self.on_unreachable
        if hook is None or self._stopped:
            return
        try:
            hook()
        except Exception:  # the modules must not break the sync controller
            log.exception("telling the modules about HQ's reachability failed")

    def _retry_now(self) -> None:
        self.sync_now(manual=False)

    def _periodic(self) -> None:
        if self.model.online:
            self.sync_now(manual=False)
        # offline: the health check starts the sync when HQ answers again

    def check(self, probe: bool = True) -> None:
        """Refresh the pending count; while offline (and ``probe``), also ask whether HQ is back."""
        session = self.session
        if self._stopped or session is None or self._checking or self.running:
            return
        self._checking = True
        runner = self.runner
        probe_network = probe and not self.model.online

        def work() -> tuple[SyncStatus, bool | None]:
            status = runner.status(session)
            reachable = runner.reachable(session) if probe_network else None
            return status, reachable

        run_in_background(work, self._checked, self._check_failed)

    def _checked(self, answer: tuple[SyncStatus, bool | None]) -> None:
        self._checking = False
        if self._stopped:
            return
        status, reachable = answer
        self.model.set_pending(status.pending)
        if status.last_sync is not None and self.model.last_sync is None and not self.running:
            self.model.set_sync_state("idle", status.last_sync)
        if reachable:
            self.model.set_online(True)
            self._tell(True)  # HQ is back after a period offline: the modules may send what waited
            self.sync_now(manual=False)  # connectivity regained
        elif reachable is False:
            self.model.set_online(False)
            self._tell(False)

    def _check_failed(self, exc: BaseException) -> None:
        self._checking = False
        if not self._stopped:
            log.warning("sync status check failed: %s", exc)

    # -- answers (UI thread) ------------------------------------------------------------------
    def _progress(self, step: object) -> None:
        if self._stopped or not self.running:
            return
        if isinstance(step, SyncProgress):
            self.model.set_sync_progress(phase_text(step.phase), step.done, step.total)
            if step.phase == "push" and step.total:  # acknowledged writes leave the outbox as they go
                self.model.set_pending(step.total - min(step.done or 0, step.total))
        elif isinstance(step, str):
            self.model.set_sync_progress(step)

    def _done(self, outcome: SyncOutcome) -> None:
        if self._stopped:
            return
        self.running = False
        self.last_failure = None
        self._retry_next = self._retry_ms
        self.model.set_online(True)
        self.model.set_pending(outcome.pending)
        self.model.set_sync_state("idle", outcome.finished_at)
        self.sig_state_changed.emit()
        self.sig_finished.emit(outcome)
        self._tell(True)
        session = self.session
        if session is not None and session.officer.service_number in outcome.officers_removed:
            self.sig_access_removed.emit()
            return
        if self._again:
            self._again = False
            self.sync_now(manual=True)

    def _failed(self, exc: BaseException) -> None:
        if self._stopped:
            return
        self.running = False
        manual, self._again = self._manual, False
        self.sig_state_changed.emit()
        if isinstance(exc, DeviceRevokedFailure):
            self.stop()
            self.sig_revoked.emit(failure_text("revoked"))
            return
        if isinstance(exc, SyncFailure):
            kind, detail = exc.kind, exc.message
            if exc.pending is not None:
                self.model.set_pending(exc.pending)
        else:
            log.error("the sync failed unexpectedly", exc_info=exc)
            kind, detail = "internal", f"{type(exc).__name__}: {exc}"
        self.last_failure = (kind, detail)
        if kind == "network":
            # Not an error on patrol: offline. The health check notices when HQ is back.
            self.model.set_online(False)
            self._tell(False)
            self.model.set_sync_state("idle" if self.model.last_sync else "never")
        else:
            if kind != "internal":
                self.model.set_online(True)  # HQ answered, with an error
            self.model.set_sync_state("error")
            if kind != "auth":
                self.retry.start(self._retry_next)
                self._retry_next = min(self._retry_next * 2, self.periodic.interval())
        self.sig_failed.emit(kind, failure_text(kind, detail), manual)
        self.check(probe=False)  # re-read the pending count; HQ is asked again by the timers
