"""What every simulated device sent, what HQ answered, and what it should hold.

The journal is the device side of a convergence check: after a run, a checker compares it
with HQ's database (every record here acknowledged must be at HQ exactly once, with this
version and payload; every attachment complete with this SHA-256 and size; every audit
event stored with this hash; every lookup logged once; every device's pulled state equal to
what HQ lets it see). It is plain data (dataclasses of JSON types): ``Journal.to_dict()``
and ``Journal.from_dict()`` round-trip through JSON, so a run can be checked later or by
another process.

States follow the device engine's outbox (docs/sync-protocol.md, "what the engine must
do"): an entry is *pending* until HQ answered it, then it holds HQ's answer. A network
error or a 5xx leaves it pending, and it is resent with the same mutation id (or query id)
at the next session: HQ's idempotency makes that harmless, and the journal counts the
attempts so a checker can tell "sent three times, stored once" from "stored three times".
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

UNIT_VISIBLE = frozenset({"holiday_watch.visits"})
"""Collections the fleet writes whose records every device of the writer's unit pulls
(statements go back only to the device that took them: visibility ``origin``)."""
ACKNOWLEDGED = ("applied", "duplicate")
"""Push results after which the record is at HQ (``duplicate``: HQ already had this version)."""


@dataclass
class RecordEntry:
    """One record the device wrote (one mutation: the fleet never edits a record)."""

    collection: str
    record_id: str
    mutation_id: str
    version: str
    officer: str
    payload: dict[str, Any]
    expected: str = "applied"
    """What HQ should answer: ``applied`` for a valid record, ``rejected`` for one the fleet
    made invalid on purpose (``Mix.invalid_share``): it must then never be a record at HQ."""
    status: str | None = None
    """HQ's answer (``applied``, ``duplicate``, ``rejected``, ``conflict``), None while pending."""
    reason_code: str | None = None
    server_seq: int | None = None
    attempts: int = 0
    """Pushes that carried this mutation (resends after a lost answer included)."""
    replayed: bool = False
    """HQ's last answer was a replay of an earlier one (the mutation id was already known)."""
    files: list[str] = field(default_factory=list)
    """SHA-256 of the attachments the record names (photos, signatures, the PDF)."""

    @property
    def acknowledged(self) -> bool:
        return self.status in ACKNOWLEDGED


@dataclass
class AttachmentEntry:
    sha256: str
    size: int
    media_type: str
    chunk_count: int
    record_id: str
    """The record that names the file."""
    complete: bool = False
    """HQ answered ``complete: true`` (this device's upload or another's of the same file)."""
    attempts: int = 0


@dataclass
class LookupEntry:
    query_id: str
    officer: str
    reason: str
    text: str
    expected_record: str | None = None
    """``file/record_id`` the query should find (the demo generator's label), if any."""
    answered: bool = False
    hits: int = 0
    found_expected: bool | None = None
    replayed: bool = False
    status: int | None = None
    """HTTP status of the last answer (200, or the refusal's)."""
    attempts: int = 0


@dataclass
class DeviceJournal:
    """Everything one simulated device did."""

    device_id: str
    unit: str
    officers: list[str]
    public_key: str
    """The Ed25519 identity key registered at enrolment (standard base64)."""
    records: dict[str, RecordEntry] = field(default_factory=dict)
    """by record id"""
    attachments: dict[str, AttachmentEntry] = field(default_factory=dict)
    """by SHA-256"""
    audit: list[dict[str, Any]] = field(default_factory=list)
    """every audit event made, in chain order, exactly as sent (``seq`` 1..n)"""
    audit_acked: int = 0
    """the last ``seq`` HQ acknowledged (its ``chain.last_seq``)"""
    audit_chain_ok: bool | None = None
    lookups: dict[str, LookupEntry] = field(default_factory=dict)
    """by query id"""
    cursor: int = 0
    epoch: str | None = None
    pulled: dict[str, str] = field(default_factory=dict)
    """``"collection/record_id"`` -> the version last pulled (tombstones included: ``"-" + version``)"""
    sessions: int = 0
    """sync sessions completed (push, files, pull, audit all went through)"""
    failed_sessions: int = 0

    # -- what a checker asks -----------------------------------------------------------
    def pending(self) -> dict[str, int]:
        """What is still to deliver: records, files, audit events, lookups."""
        return {
            "records": sum(1 for r in self.records.values() if r.status is None),
            "attachments": sum(1 for a in self.attachments.values() if not a.complete),
            "audit": len(self.audit) - self.audit_acked,
            "lookups": sum(1 for q in self.lookups.values() if not q.answered),
        }

    def delivered(self) -> bool:
        return not any(self.pending().values())


@dataclass
class Journal:
    devices: dict[str, DeviceJournal] = field(default_factory=dict)
    """by device id"""
    registrations: dict[str, list[str]] = field(default_factory=dict)
    """unit -> the ids of the holiday-watch homes HQ registered for it (HQ-authored records
    its devices must receive)"""

    def expected_received(self, device_id: str) -> dict[str, str | None]:
        """``"collection/record_id"`` -> version this device should have pulled, from the
        other devices' journals: every record of a unit-mate HQ acknowledged in a collection
        visible to the unit (:data:`UNIT_VISIBLE`: the visits), and the unit's registrations (HQ-authored:
        version None, the checker reads it from HQ). Its own records are left out (the
        fleet pulls with ``exclude_own``)."""
        me = self.devices[device_id]
        out: dict[str, str | None] = {f"holiday_watch.registrations/{rid}": None
                                      for rid in self.registrations.get(me.unit, [])}
        for other in self.devices.values():
            if other.unit != me.unit or other.device_id == device_id:
                continue
            for rec in other.records.values():
                if rec.acknowledged and rec.collection in UNIT_VISIBLE:
                    out[f"{rec.collection}/{rec.record_id}"] = rec.version
        return out

    def totals(self) -> dict[str, int]:
        t = {"devices": len(self.devices), "records": 0, "acknowledged": 0, "rejected": 0, "attachments": 0,
             "audit_events": 0, "lookups": 0}
        for d in self.devices.values():
            t["records"] += len(d.records)
            t["acknowledged"] += sum(1 for r in d.records.values() if r.acknowledged)
            t["rejected"] += sum(1 for r in d.records.values() if r.status == "rejected")
            t["attachments"] += len(d.attachments)
            t["audit_events"] += len(d.audit)
            t["lookups"] += len(d.lookups)
        return t

    # -- the checker's format (neo-hq check-fleet) ----------------------------------------
    def check_objects(self) -> list[dict[str, Any]]:
        """One object per device in the journal format ``neo-hq check-fleet`` reads
        (``neo.hq.check``, format 1): mutations with the SHA-256 of their payload and the
        answer kept, files, where the audit chain ends, lookups and statements sent, and
        ``held``: what the device holds (its own records HQ acknowledged, since it pulls
        with ``exclude_own``, and everything it pulled; tombstones are deletions)."""
        out = []
        for d in self.devices.values():
            held: dict[str, dict[str, str]] = {}
            for key, version in d.pulled.items():
                collection, record_id = key.split("/", 1)
                if not version.startswith("-"):
                    held.setdefault(collection, {})[record_id] = version
            for rec in d.records.values():
                if rec.acknowledged:
                    held.setdefault(rec.collection, {})[rec.record_id] = rec.version
            acked = d.audit[: d.audit_acked]
            out.append({
                "journal": 1, "device_id": d.device_id, "unit": d.unit,
                "mutations": [{"mutation_id": r.mutation_id, "collection": r.collection, "record_id": r.record_id,
                               "version": r.version, "tombstone": False, "payload_sha256": payload_digest(r.payload),
                               "status": r.status} for r in d.records.values()],
                "attachments": [{"sha256": a.sha256, "size": a.size} for a in d.attachments.values()
                                if a.complete or a.attempts],
                "audit": {"count": len(acked), "last_seq": acked[-1]["seq"], "last_hash": acked[-1]["hash"]}
                if acked else None,
                "lookups": [q.query_id for q in d.lookups.values() if q.attempts],
                "statements": [r.record_id for r in d.records.values()
                               if r.collection == "statements.statements" and r.status is not None],
                "held": held, "scope": None,
            })
        return out

    def export_check(self, path: Path) -> Path:
        """Write :meth:`check_objects` as JSON Lines (``neo-hq check-fleet --journal PATH``)."""
        tmp = path.with_suffix(path.suffix + ".part")
        with tmp.open("w", encoding="utf-8") as fh:
            for obj in self.check_objects():
                fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
        tmp.replace(path)
        return path

    # -- serialisation -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Journal:
        devices = {}
        for did, d in data.get("devices", {}).items():
            d = dict(d)
            d["records"] = {k: RecordEntry(**v) for k, v in d.get("records", {}).items()}
            d["attachments"] = {k: AttachmentEntry(**v) for k, v in d.get("attachments", {}).items()}
            d["lookups"] = {k: LookupEntry(**v) for k, v in d.get("lookups", {}).items()}
            devices[did] = DeviceJournal(**d)
        return cls(devices=devices, registrations={k: list(v) for k, v in data.get("registrations", {}).items()})

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_text(json.dumps(self.to_dict(), ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Journal:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))


def payload_digest(payload: Any) -> str | None:
    """SHA-256 of a payload's canonical JSON (sorted keys, compact, UTF-8), as the checker
    (``neo.hq.check.payload_digest``) computes it on HQ's side."""
    if payload is None:
        return None
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
