"""The audit trail: append-only, hash-chained events.

Every unlock, failed unlock, wipe, module failure (and later every lookup, signature,
visit and sync) is an :class:`AuditEvent`. Each event carries the hash of the event
before it, so removing, reordering or editing one breaks the chain at that point, and
:func:`verify_chain` names the first broken link. The device enforces append-only with
SQL triggers; HQ re-verifies every device's chain when it receives it.

The hash is SHA-256 over the canonical JSON (sorted keys, no spaces, UTF-8) of every
field except ``hash`` itself. The first event's ``prev_hash`` is 64 zeros.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from neo.models import Position
from neo.store import Store, repos

GENESIS = "0" * 64

HASHED_FIELDS = (
    "seq", "id", "ts", "device_id", "officer", "action", "reason", "details",
    "lat", "lon", "accuracy", "prev_hash",
)  # fmt: skip


class AuditEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    seq: int = Field(ge=1)
    id: str
    ts: str
    device_id: str
    officer: str | None = None
    action: str = Field(min_length=1, max_length=80)
    reason: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    lat: float | None = None
    lon: float | None = None
    accuracy: float | None = None
    prev_hash: str
    hash: str


def canonical(event: Mapping[str, Any]) -> bytes:
    body = {k: event.get(k) for k in HASHED_FIELDS}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_hash(event: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


@dataclass(frozen=True)
class ChainVerdict:
    ok: bool
    count: int
    first_broken_seq: int | None = None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "count": self.count,
            "first_broken_seq": self.first_broken_seq,
            "problem": self.problem,
        }


def verify_chain(events: Iterable[Mapping[str, Any]], *, start_hash: str = GENESIS, start_seq: int = 1) -> ChainVerdict:
    """Check a sequence of events; returns the first broken link, if any."""
    prev = start_hash
    expected_seq = start_seq
    count = 0
    for ev in events:
        count += 1
        seq = ev.get("seq")
        if seq != expected_seq:
            return ChainVerdict(False, count, expected_seq, f"event {expected_seq} is missing (found {seq})")
        if ev.get("prev_hash") != prev:
            return ChainVerdict(False, count, seq, f"event {seq} does not follow event {seq - 1}")
        if event_hash(ev) != ev.get("hash"):
            return ChainVerdict(False, count, seq, f"event {seq} was altered (hash mismatch)")
        prev = str(ev["hash"])
        expected_seq += 1
    return ChainVerdict(True, count)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class AuditLog:
    """The device's audit trail, written through the store's writer thread."""

    def __init__(self, store: Store, device_id: str) -> None:
        self.store = store
        self.device_id = device_id
        self._lock = threading.Lock()

    def build(self, conn: Any, *, action: str, officer: str | None, reason: str | None,
              details: Mapping[str, Any] | None, position: Position | None,
              ts: str | None = None, event_id: str | None = None) -> dict[str, Any]:
        last = repos.audit_last(conn)
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        event: dict[str, Any] = {
            "seq": seq,
            "id": event_id or str(uuid.uuid4()),
            "ts": ts or now_iso(),
            "device_id": self.device_id,
            "officer": officer,
            "action": action,
            "reason": reason,
            "details": dict(details or {}),
            "lat": position.lat if position else None,
            "lon": position.lon if position else None,
            "accuracy": position.accuracy if position else None,
            "prev_hash": prev,
        }
        # Round-trip details through JSON so the hash is over what is stored.
        event["details"] = json.loads(json.dumps(event["details"], sort_keys=True))
        event["hash"] = event_hash(event)
        return event

    def append_in(self, conn: Any, **kw: Any) -> AuditEvent:
        """Append inside a write task that is already running (same transaction)."""
        event = self.build(conn, **{"details": None, "position": None, "reason": None, "officer": None, **kw})
        repos.audit_insert(conn, event)
        return AuditEvent(**event)

    def append(self, action: str, *, officer: str | None = None, reason: str | None = None,
               details: Mapping[str, Any] | None = None, position: Position | None = None,
               ts: str | None = None, event_id: str | None = None) -> AuditEvent:
        return self.store.write(
            lambda conn: self.append_in(
                conn, action=action, officer=officer, reason=reason, details=details,
                position=position, ts=ts, event_id=event_id,
            )
        )

    def events(self, after_seq: int = 0, action: str | None = None) -> list[AuditEvent]:
        return self.store.read(lambda c: [AuditEvent(**e) for e in repos.audit_iter(c, after_seq, action)])

    def verify(self) -> ChainVerdict:
        return self.store.read(lambda c: verify_chain(repos.audit_iter(c)))

    def count(self) -> int:
        return self.store.read(repos.audit_count)
