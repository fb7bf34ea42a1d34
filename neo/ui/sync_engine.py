"""The shell's :class:`~neo.ui.sync.SyncRunner` on the device's sync engine (``neo.sync``).

Every method runs on a worker thread (the controller sees to it) except
:meth:`EngineRunner.available`, which only reads the vault header.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from neo import protocol
from neo.sync.engine import SyncEngine, SyncReport
from neo.sync.errors import DeviceRevoked, SyncError
from neo.sync.link import load_link
from neo.sync.transport import HqClient
from neo.ui.sync import DeviceRevokedFailure, SyncFailure, SyncOutcome, SyncProgress, SyncStatus, apply_roster
from neo.vault import Session

# Which failure to tell the officer about when several steps failed.
_SEVERITY = ("auth", "network", "server", "not_found", "too_large", "conflict", "rejected")


def _from_ms(ms: int | None) -> datetime | None:
    return datetime.fromtimestamp(ms / 1000).astimezone() if ms else None


class EngineRunner:
    def __init__(self, *, timeout: float = 30.0, health_timeout: float = 5.0,
                 batch: int = protocol.MAX_PUSH_BATCH) -> None:
        self.timeout = timeout
        self.health_timeout = health_timeout
        self.batch = batch

    def available(self, session: Session) -> bool:
        """Enrolled with an HQ (a device provisioned locally has nothing to sync with)."""
        return session.vault.hq_unlock_info() is not None

    def _replica(self, session: Session, policies: Any = None) -> Any:
        from neo.replica import Replica

        return Replica.for_session(session, policies)

    def status(self, session: Session) -> SyncStatus:
        replica = self._replica(session)
        status = replica.status()
        last = _from_ms(status.last_success_ms) if status.last_success_ms else None
        return SyncStatus(pending=replica.pending_count(), last_sync=last)

    def reachable(self, session: Session) -> bool:
        link = load_link(session.store)
        if link is None:
            return False
        try:
            with HqClient.from_link(link, timeout=self.health_timeout, retries=0) as client:
                client.health()
        except SyncError as exc:
            return exc.kind != "network"  # HQ answered, even if with an error
        return True

    def run(self, session: Session, progress: Callable[[SyncProgress], None]) -> SyncOutcome:
        from neo.sync.cli import discover_policies

        link = load_link(session.store)
        if link is None:
            raise SyncFailure("auth", "no HQ link on this device")
        replica = self._replica(session, discover_policies(session))
        removed: list[str] = []

        def on_roster(roster: list[Any]) -> None:
            removed.extend(apply_roster(session, roster))

        def report_progress(phase: str, done: int, total: int | None) -> None:
            progress(SyncProgress(phase, done, total))

        try:
            with HqClient.from_link(link, timeout=self.timeout) as client:
                engine = SyncEngine(session, client, replica, batch=self.batch, progress=report_progress,
                                    on_roster=on_roster)
                report: SyncReport = engine.run_once()
        except DeviceRevoked as exc:
            raise DeviceRevokedFailure(exc.message) from exc
        except SyncError as exc:
            raise SyncFailure(exc.kind, exc.message) from exc
        if not report.ok:
            errors = sorted(report.errors, key=lambda e: _SEVERITY.index(e["kind"]) if e["kind"] in _SEVERITY
                            else len(_SEVERITY))
            worst = errors[0]
            raise SyncFailure(str(worst["kind"]), str(worst.get("message") or ""), pending=report.pending)
        return SyncOutcome(
            finished_at=datetime.now().astimezone(), pending=report.pending, pushed=report.pushed,
            pulled=report.pulled, rejected=report.rejected, conflicts=report.conflicts,
            officers_removed=tuple(removed),
        )
