"""The device's replica of synced records: local writes with their outbox, and what the
sync engine applies from HQ. No HTTP here (that is :mod:`neo.sync`), no SQL (that is
:mod:`neo.store.sync_sql`): this module holds the rules.

* A record has a device-made UUID, a collection, an HLC version stamped on the device
  (:class:`neo.protocol.HybridLogicalClock`, node = device id, its high-water mark kept
  in the database so versions never go backwards across restarts), an origin device, a
  tombstone and a JSON payload.
* A local write and its outbox entry are written in ONE store transaction. Each entry
  carries its own mutation id; it leaves the outbox only when HQ answered it (applied,
  duplicate, conflict); rejected entries stay, with HQ's reason, for the officer to see.
* What the officer sees per record (:data:`RecordState`): ``pending`` (written here, not
  sent), ``sent`` (sent, no answer yet), ``acknowledged`` (HQ holds this version),
  ``rejected`` (HQ refused it, with its reason), ``conflict`` (HQ holds another version
  edited from the same base: both are kept here for a person to resolve).
* Policies come from the module manifests (``CollectionDecl``): the replica refuses
  device writes to ``hq_authoritative`` collections, and updates or deletes of
  ``append_only`` and ``immutable`` records.

docs/sync-device.md describes the tables and the state machine.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pydantic_core

from neo import protocol
from neo.i18n import tr
from neo.store import Store, migrate, sync_sql
from neo.store.schema_sync import SET_NAME, SYNC_MIGRATIONS

if TYPE_CHECKING:
    from neo.api.manifest import CollectionDecl
    from neo.store import Connection
    from neo.vault import Session

log = logging.getLogger(__name__)

RecordState = Literal["pending", "sent", "acknowledged", "rejected", "conflict"]
Policy = protocol.SyncPolicy

ATTACHMENT_CHUNK = 1024 * 1024
"""Bytes per attachment chunk, on the device and on the wire (HQ accepts up to 4 MiB)."""
MAX_BATCH_BYTES = 7 * 1024 * 1024
"""Largest push body the engine builds (HQ reads at most 8 MiB after decompression)."""

_UUID_RE = re.compile(protocol.UUID_PATTERN)
_SHA_RE = re.compile(protocol.SHA256_PATTERN)
_COLLECTION_RE = re.compile(protocol.COLLECTION_PATTERN)
_OFFICER_RE = re.compile(protocol.SERVICE_NUMBER_PATTERN)

META_HLC = "hlc"
META_OUTBOX_SEQ = "outbox_seq"
META_CURSOR = "cursor"
META_EPOCH = "epoch"
META_SENT_UPTO = "sent_upto"


# -- errors ---------------------------------------------------------------------------------------


class ReplicaError(Exception):
    """A write the replica refuses; ``message`` is for the officer (translated), ``code``
    is stable for code."""

    code = "replica"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class UnknownCollection(ReplicaError):
    code = "unknown_collection"


class PolicyViolation(ReplicaError):
    code = "policy"


class RecordNotFound(ReplicaError):
    code = "not_found"


class InvalidRecord(ReplicaError):
    code = "invalid"


class RecordInConflict(ReplicaError):
    code = "in_conflict"


class ResolutionBusy(ReplicaError):
    code = "busy"


# -- views ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncedRecord:
    """A record as the device holds it, with its sync state."""

    collection: str
    record_id: str
    version: str
    origin_device: str
    officer: str | None
    deleted: bool
    payload: dict[str, Any] | None
    state: RecordState
    server_seq: int | None = None
    reason_code: str | None = None
    reason: str | None = None
    conflict_ids: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "collection": self.collection, "record_id": self.record_id, "version": self.version,
            "origin_device": self.origin_device, "officer": self.officer, "deleted": self.deleted,
            "payload": self.payload, "state": self.state, "server_seq": self.server_seq,
            "reason_code": self.reason_code, "reason": self.reason, "conflict_ids": list(self.conflict_ids),
        }


@dataclass(frozen=True)
class Side:
    """One side of a conflict: a version, whether it deletes, its payload."""

    version: str | None
    deleted: bool
    payload: dict[str, Any] | None
    origin_device: str | None = None
    officer: str | None = None


@dataclass(frozen=True)
class Conflict:
    """A record edited here and elsewhere from the same base. ``local`` is this device's
    version (what ``get`` returns), ``hq`` is HQ's (``None`` fields when not yet known:
    the next pull brings it). ``conflict_ids`` are HQ's ids (empty while only the device
    has seen the conflict)."""

    collection: str
    record_id: str
    conflict_ids: tuple[int, ...]
    local: Side
    hq: Side
    reason: str | None

    def as_dict(self) -> dict[str, Any]:
        def side(s: Side) -> dict[str, Any]:
            return {"version": s.version, "deleted": s.deleted, "payload": s.payload,
                    "origin_device": s.origin_device, "officer": s.officer}

        return {"collection": self.collection, "record_id": self.record_id, "conflict_ids": list(self.conflict_ids),
                "local": side(self.local), "hq": side(self.hq), "reason": self.reason}


@dataclass(frozen=True)
class Rejection:
    """A write HQ refused for good; kept (with its payload) until dismissed."""

    seq: int
    mutation_id: str
    collection: str
    record_id: str
    version: str
    deleted: bool
    payload: dict[str, Any] | None
    reason_code: str | None
    reason: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "mutation_id": self.mutation_id, "collection": self.collection,
                "record_id": self.record_id, "version": self.version, "deleted": self.deleted,
                "payload": self.payload, "reason_code": self.reason_code, "reason": self.reason}


@dataclass
class ClaimedBatch:
    """Outbox entries claimed for one push: their ids in order and the JSON body."""

    seqs: list[int]
    mutation_ids: list[str]
    body: bytes

    @property
    def first(self) -> int:
        return self.seqs[0]

    @property
    def last(self) -> int:
        return self.seqs[-1]

    def __len__(self) -> int:
        return len(self.seqs)

    def split(self) -> tuple[ClaimedBatch, ClaimedBatch]:
        """Two halves (same entries, same order), to isolate a mutation HQ cannot parse."""
        mutations = json.loads(self.body)["mutations"]
        half = len(self.seqs) // 2

        def part(a: int, b: int) -> ClaimedBatch:
            body = json.dumps({"mutations": mutations[a:b]}, ensure_ascii=False, separators=(",", ":"))
            return ClaimedBatch(self.seqs[a:b], self.mutation_ids[a:b], body.encode("utf-8"))

        return part(0, half), part(half, len(self.seqs))


@dataclass
class PushTally:
    acknowledged: int = 0
    rejected: int = 0
    conflicts: int = 0
    ignored: int = 0
    """answers for entries no longer outstanding (another sync answered them first)"""


@dataclass
class PullTally:
    received: int = 0
    applied: int = 0
    conflicts: int = 0
    kept_local: int = 0


@dataclass
class ReplicaStatus:
    """What the status bar shows: outstanding writes, problems, the last sync."""

    pending: int
    sent: int
    rejected: int
    conflicts: int
    attachments_pending: int
    cursor: int
    last_sync_ms: int | None
    last_sync_ok: bool | None
    counts: dict[str, int] = field(default_factory=dict)
    last_success_ms: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"pending": self.pending, "sent": self.sent, "rejected": self.rejected, "conflicts": self.conflicts,
                "attachments_pending": self.attachments_pending, "cursor": self.cursor,
                "last_sync_ms": self.last_sync_ms, "last_sync_ok": self.last_sync_ok,
                "last_success_ms": self.last_success_ms, "records": self.counts}


# -- payload checks ---------------------------------------------------------------------------------


def encode_payload(payload: Any) -> str:
    """Compact JSON text of a payload, checked as HQ would check it (so HQ does not
    reject it later): an object, finite numbers, valid Unicode, ≤ 1 MiB, ≤ 32 levels."""
    if not isinstance(payload, dict):
        raise InvalidRecord(tr("Les données d'un enregistrement doivent former un objet JSON."))
    try:
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        size = len(text.encode("utf-8"))
    except (TypeError, ValueError, UnicodeEncodeError, RecursionError) as exc:
        raise InvalidRecord(tr("Ces données ne peuvent pas être synchronisées : {err}", err=str(exc)[:200])) from exc
    if size > protocol.MAX_PAYLOAD_BYTES:
        raise InvalidRecord(tr("Enregistrement trop volumineux ({kb} Kio, maximum {max} Kio).",
                               kb=size // 1024, max=protocol.MAX_PAYLOAD_BYTES // 1024))
    if len(text) > 2 * protocol.MAX_PAYLOAD_DEPTH and _depth(text) > protocol.MAX_PAYLOAD_DEPTH:
        raise InvalidRecord(tr("Enregistrement trop imbriqué (maximum {n} niveaux).", n=protocol.MAX_PAYLOAD_DEPTH))
    return text


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")


def _depth(text: str) -> int:
    """Deepest nesting of objects and arrays in a JSON text (strings skipped)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_JSON_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _to_json(payload: dict[str, Any] | None) -> str | None:
    """Compact JSON of a payload HQ sent (already valid JSON: the fast encoder is safe)."""
    return None if payload is None else pydantic_core.to_json(payload).decode("utf-8")


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _ids(text: str | None) -> tuple[int, ...]:
    return tuple(json.loads(text)) if text else ()


def new_uuids(n: int) -> list[str]:
    """``n`` random (version 4) UUIDs, canonical lowercase (one system call for all)."""
    raw = bytearray(os.urandom(16 * n))
    out = []
    for i in range(0, 16 * n, 16):
        raw[i + 6] = (raw[i + 6] & 0x0F) | 0x40
        raw[i + 8] = (raw[i + 8] & 0x3F) | 0x80
        x = raw[i:i + 16].hex()
        out.append(f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}")
    return out


def _now_ms() -> int:
    return int(time.time() * 1000)


def check_record_id(record_id: str) -> str:
    if not isinstance(record_id, str) or not _UUID_RE.match(record_id):
        raise InvalidRecord(tr("Identifiant d'enregistrement invalide : {id}", id=str(record_id)[:40]))
    return record_id


def policies_from_manifests(manifests: Iterable[Any]) -> dict[str, Policy]:
    """``{collection: policy}`` from module manifests (their ``collections``). A collection
    declared twice with different policies is left out (and logged): no module can write it."""
    found: dict[str, Policy] = {}
    clashing: set[str] = set()
    for manifest in manifests:
        for decl in getattr(manifest, "collections", ()):
            previous = found.get(decl.name)
            if previous is not None and previous != decl.policy:
                clashing.add(decl.name)
            found[decl.name] = decl.policy
    for name in clashing:
        log.warning("collection %s is declared with different policies: no module may write it", name)
        found.pop(name, None)
    return found


def ensure_schema(store: Store) -> None:
    """Apply the "sync" migration set (idempotent)."""
    migrate(store, SET_NAME, SYNC_MIGRATIONS)


# -- the replica ------------------------------------------------------------------------------------


class Replica:
    """Synced records on this device. One instance per open session, shared by every
    module context and by the sync engine (it holds the device's clock).

    Thread-safe: writes go through the store's writer thread, reads through the calling
    thread's reader connection.
    """

    def __init__(self, store: Store, device_id: str, officer: str | None = None,
                 policies: Mapping[str, Policy] | None = None, *,
                 wall_clock: Any = time.time) -> None:
        if officer is not None and not _OFFICER_RE.match(officer):
            raise ValueError(f"not a service number: {officer!r}")
        ensure_schema(store)
        self.store = store
        self.device_id = device_id
        self.officer = officer
        self.clock = protocol.HybridLogicalClock(device_id, wall_clock)
        self._policies: dict[str, Policy] = {}
        self._lock = threading.Lock()
        for name, policy in (policies or {}).items():
            self.declare(name, policy)
        hwm = store.read(lambda c: sync_sql.meta_get(c, META_HLC))
        if hwm:
            self.clock.observe(hwm)

    @classmethod
    def for_session(cls, session: Session, policies: Mapping[str, Policy] | None = None) -> Replica:
        """The session's one replica (it owns the device's clock): made once, then shared
        by the module host, the shell's sync and ``neo sync``; more policies are added."""
        replica = getattr(session, "_replica", None)
        if replica is None or replica.store is not session.store:
            replica = cls(session.store, session.device_id, session.officer.service_number, policies)
            session._replica = replica
        elif policies:
            for name, policy in policies.items():
                replica.declare(name, policy)
        return replica

    # -- policies -----------------------------------------------------------------------
    def declare(self, name: str, policy: Policy) -> None:
        """Declare a collection and its policy (from a module manifest)."""
        if not _COLLECTION_RE.match(name):
            raise ValueError(f"not a collection name: {name!r}")
        if policy not in ("append_only", "immutable", "hq_authoritative", "mutable_shared"):
            raise ValueError(f"unknown policy {policy!r}")
        with self._lock:
            previous = self._policies.get(name)
            if previous is not None and previous != policy:
                raise ValueError(f"collection {name!r} is already declared as {previous}, not {policy}")
            self._policies[name] = policy

    def declare_manifest_collections(self, decls: Iterable[CollectionDecl]) -> None:
        for decl in decls:
            self.declare(decl.name, decl.policy)

    def policy(self, collection: str) -> Policy | None:
        return self._policies.get(collection)

    def _writable(self, collection: str) -> Policy:
        policy = self._policies.get(collection)
        if policy is None:
            raise UnknownCollection(tr("Collection inconnue : {name}. Un module doit la déclarer dans son manifeste.",
                                       name=collection))
        if policy == "hq_authoritative":
            raise PolicyViolation(
                tr("Ces données appartiennent au QG : l'appareil ne peut pas les modifier ({name}).", name=collection),
                "hq_authoritative")
        return policy

    def _officer(self, officer: str | None) -> str:
        who = officer or self.officer
        if who is None or not _OFFICER_RE.match(who):
            raise InvalidRecord(tr("Aucun agent identifié pour cette écriture."))
        return who

    # -- local writes -------------------------------------------------------------------
    def put(self, collection: str, record_id: str | None, payload: dict[str, Any], *,
            officer: str | None = None, priority: bool = False) -> str:
        """Create (``record_id`` None or new) or replace a record; returns its id.
        ``priority``: the next sync pushes it before anything else (files included)."""
        return self.put_many(collection, [(record_id, payload)], officer=officer, priority=priority)[0]

    def put_many(self, collection: str, items: Iterable[tuple[str | None, dict[str, Any]]], *,
                 officer: str | None = None, priority: bool = False) -> list[str]:
        """Several writes in one transaction (all or nothing); returns the record ids."""
        policy = self._writable(collection)
        who = self._officer(officer)
        prepared: list[tuple[str, bool, str]] = []  # (record_id, given, payload text)
        for record_id, payload in items:
            text = encode_payload(payload)
            if record_id is None:
                prepared.append(("", False, text))
            else:
                prepared.append((check_record_id(record_id), True, text))
        fresh = iter(new_uuids(sum(1 for p in prepared if not p[1])))
        prepared = [p if p[1] else (next(fresh), False, p[2]) for p in prepared]
        if not prepared:
            return []
        self.store.write(lambda conn: self._write_tx(conn, collection, policy, who, prepared, tombstone=False,
                                                     priority=priority))
        return [p[0] for p in prepared]

    def delete(self, collection: str, record_id: str, *, officer: str | None = None) -> None:
        """Delete a record (a tombstone that syncs). Only ``mutable_shared`` records can be deleted."""
        policy = self._writable(collection)
        if policy != "mutable_shared":
            raise PolicyViolation(tr("Les enregistrements de {name} ne peuvent pas être supprimés.", name=collection),
                                  "no_delete")
        who = self._officer(officer)
        check_record_id(record_id)
        self.store.write(lambda conn: self._write_tx(conn, collection, policy, who, [(record_id, True, None)],
                                                     tombstone=True))

    def _stamp_start(self, conn: Connection) -> None:
        hwm = sync_sql.meta_get(conn, META_HLC)
        if hwm:
            self.clock.observe(hwm)

    def _write_tx(self, conn: Connection, collection: str, policy: Policy, officer: str,
                  items: Sequence[tuple[str, bool, str | None]], *, tombstone: bool,
                  resolves: Sequence[int] = (), base_override: str | None = None, priority: bool = False) -> None:
        self._stamp_start(conn)
        given = [rid for rid, was_given, _ in items if was_given]
        existing = sync_sql.records_get_many(conn, collection, given) if given else {}
        seq = int(sync_sql.meta_get(conn, META_OUTBOX_SEQ) or 0)
        next_rowid = sync_sql.next_record_rowid(conn)
        rowids: dict[str, int] = {rid: int(rec["rowid"]) for rid, rec in existing.items()}
        now = _now_ms()
        inserts: list[tuple[Any, ...]] = []
        updates: dict[str, tuple[Any, ...]] = {}
        outbox: list[tuple[Any, ...]] = []
        last_version = ""
        current: dict[str, str | None] = {}  # record id -> version written earlier in this batch
        resolves_text = json.dumps(list(resolves)) if resolves else None
        mutation_ids = iter(new_uuids(len(items)))
        for record_id, _given, text in items:
            rec = existing.get(record_id)
            if (rec is not None or record_id in current) and policy in ("append_only", "immutable"):
                raise PolicyViolation(
                    tr("Cet enregistrement ne peut plus être modifié ({policy}) ; une correction est un nouvel "
                       "enregistrement.", policy=policy), "already_exists")
            if record_id in current:
                base: str | None = current[record_id]
            elif rec is not None:
                if base_override is not None:
                    base = base_override
                else:
                    if rec["state"] == "conflict":
                        raise RecordInConflict(tr(
                            "Cet enregistrement est en conflit avec la version du QG : résolvez le conflit d'abord."))
                    if tombstone and rec["tombstone"]:
                        raise RecordNotFound(tr("Enregistrement introuvable : {id}", id=record_id))
                    # A write HQ refused is not a base: edit from what HQ holds (None: nothing).
                    base = rec["hq_version"] if rec["state"] == "rejected" else rec["version"]
            else:
                if tombstone:
                    raise RecordNotFound(tr("Enregistrement introuvable : {id}", id=record_id))
                base = None
            version = str(self.clock.now())
            last_version = version
            seq += 1
            if record_id not in rowids:
                rowids[record_id] = next_rowid
                next_rowid += 1
            outbox.append((seq, rowids[record_id], next(mutation_ids), collection, record_id, version, base,
                           int(tombstone), text, officer, resolves_text, now, int(priority)))
            if rec is None and record_id not in current:
                inserts.append((rowids[record_id], collection, record_id, version, self.device_id, officer,
                                int(tombstone), text, "pending", seq, now))
            else:
                updates[record_id] = (version, self.device_id, officer, int(tombstone), text, "pending", seq, now,
                                      collection, record_id)
            current[record_id] = version
        if inserts:
            sync_sql.records_insert_local(conn, inserts)
        if updates:
            sync_sql.records_update_local(conn, list(updates.values()))
        sync_sql.outbox_insert(conn, outbox)
        sync_sql.meta_set_many(conn, {META_OUTBOX_SEQ: str(seq), META_HLC: last_version})

    # -- conflicts and rejections -------------------------------------------------------
    def resolve(self, collection: str, record_id: str, payload: dict[str, Any] | None, *,
                delete: bool = False, officer: str | None = None) -> str:
        """Settle a conflict with a new write (the payload a person chose or merged, or a
        deletion): it is based on HQ's version and names HQ's conflict ids (``resolves``).
        Returns the new version."""
        policy = self._writable(collection)
        who = self._officer(officer)
        check_record_id(record_id)
        text = None if delete else encode_payload(payload)
        if delete and policy != "mutable_shared":
            raise PolicyViolation(tr("Les enregistrements de {name} ne peuvent pas être supprimés.", name=collection),
                                  "no_delete")

        def tx(conn: Connection) -> str:
            rec = sync_sql.record_get(conn, collection, record_id)
            if rec is None or rec["state"] != "conflict":
                raise ReplicaError(tr("Cet enregistrement n'est pas en conflit."), "not_in_conflict")
            entries = sync_sql.outbox_for_record(conn, collection, record_id)
            sent_upto = int(sync_sql.meta_get(conn, META_SENT_UPTO) or 0)
            if any(e["state"] == "pending" and e["seq"] <= sent_upto for e in entries):
                raise ResolutionBusy(
                    tr("Une synchronisation est en cours pour cet enregistrement ; réessayez après la synchronisation."))
            # Writes HQ never received are superseded by the resolution.
            sync_sql.outbox_delete_unsent(conn, collection, record_id, sent_upto)
            base = rec["hq_version"]
            ids = _ids(rec["conflict_ids"])
            if base is None:  # HQ has nothing for this record (cannot really happen): a plain write
                base = rec["version"]
            self._write_tx(conn, collection, "mutable_shared", who, [(record_id, True, text)], tombstone=delete,
                           resolves=ids, base_override=base)
            after = sync_sql.record_get(conn, collection, record_id)
            assert after is not None
            sync_sql.record_set(conn, collection, record_id, {"hq_payload": None, "hq_tombstone": None,
                                                              "hq_origin": None, "hq_officer": None})
            return str(after["version"])

        if policy != "mutable_shared":
            raise PolicyViolation(tr("Seuls les enregistrements partagés modifiables peuvent être en conflit."),
                                  "policy")
        return self.store.write(tx)

    def accept_hq(self, collection: str, record_id: str, *, officer: str | None = None) -> str:
        """Settle a conflict by keeping HQ's version (pushed as the resolution, so HQ closes it)."""
        rec = self.store.read(lambda c: sync_sql.record_get(c, collection, record_id))
        if rec is None or rec["state"] != "conflict":
            raise ReplicaError(tr("Cet enregistrement n'est pas en conflit."), "not_in_conflict")
        if rec["hq_version"] is None or (rec["hq_payload"] is None and not rec["hq_tombstone"]):
            raise ResolutionBusy(tr("La version du QG n'est pas encore connue : synchronisez d'abord."))
        if rec["hq_tombstone"]:
            return self.resolve(collection, record_id, None, delete=True, officer=officer)
        return self.resolve(collection, record_id, _load(rec["hq_payload"]), officer=officer)

    def dismiss_rejection(self, seq: int) -> bool:
        """Forget a rejected write the officer has seen."""
        return self.store.write(lambda c: sync_sql.outbox_delete_answered(c, seq))

    # -- reads ---------------------------------------------------------------------------
    @staticmethod
    def _view(rec: Mapping[str, Any]) -> SyncedRecord:
        state = rec["state"]
        if state == "pending" and rec["outbox_seq"] is not None and rec["outbox_seq"] <= rec.get("sent_upto", 0):
            state = "sent"
        return SyncedRecord(
            collection=rec["collection"], record_id=rec["record_id"], version=rec["version"],
            origin_device=rec["origin_device"], officer=rec["officer"], deleted=bool(rec["tombstone"]),
            payload=_load(rec["payload"]), state=state, server_seq=rec["server_seq"],
            reason_code=rec["reason_code"], reason=rec["reason"], conflict_ids=_ids(rec["conflict_ids"]),
        )

    def record(self, collection: str, record_id: str) -> SyncedRecord | None:
        rec = self.store.read(lambda c: sync_sql.record_get(c, collection, record_id))
        return None if rec is None else self._view(rec)

    def get(self, collection: str, record_id: str) -> dict[str, Any] | None:
        """The payload of a live record (None if absent or deleted)."""
        rec = self.record(collection, record_id)
        return None if rec is None or rec.deleted else rec.payload

    def list(self, collection: str, *, include_deleted: bool = False, limit: int | None = None,
             offset: int = 0) -> list[SyncedRecord]:
        rows = self.store.read(lambda c: sync_sql.records_list(c, collection, include_deleted=include_deleted,
                                                               limit=limit, offset=offset))
        return [self._view(r) for r in rows]

    def state(self, collection: str, record_id: str) -> RecordState | None:
        rec = self.record(collection, record_id)
        return None if rec is None else rec.state

    def conflicts(self, collection: str | None = None) -> list[Conflict]:
        rows = self.store.read(lambda c: sync_sql.records_in_states(c, ["conflict"], collection))
        out = []
        for r in rows:
            hq = Side(r["hq_version"], bool(r["hq_tombstone"]), _load(r["hq_payload"]), r["hq_origin"],
                      r["hq_officer"])
            local = Side(r["version"], bool(r["tombstone"]), _load(r["payload"]), r["origin_device"], r["officer"])
            out.append(Conflict(r["collection"], r["record_id"], _ids(r["conflict_ids"]), local, hq, r["reason"]))
        return out

    def rejected(self, collection: str | None = None) -> list[Rejection]:
        rows = self.store.read(lambda c: sync_sql.outbox_in_states(c, ["rejected"], collection))
        return [Rejection(r["seq"], r["mutation_id"], r["collection"], r["record_id"], r["version"],
                          bool(r["tombstone"]), _load(r["payload"]), r["reason_code"], r["reason"]) for r in rows]

    def pending_count(self) -> int:
        return self.store.read(sync_sql.outbox_outstanding)

    def status(self) -> ReplicaStatus:
        def q(conn: Connection) -> ReplicaStatus:
            sent_upto = int(sync_sql.meta_get(conn, META_SENT_UPTO) or 0)
            outbox = sync_sql.outbox_counts(conn, sent_upto)
            states = sync_sql.state_counts(conn)
            meta = sync_sql.meta_get_many(conn, [META_CURSOR, "last_sync_ms", "last_sync_ok", "last_success_ms"])
            attachments = sync_sql.attachment_counts(conn)
            return ReplicaStatus(
                pending=outbox.get("pending", 0), sent=outbox.get("sent", 0), rejected=outbox.get("rejected", 0),
                conflicts=states.get("conflict", 0), attachments_pending=attachments.get("pending", 0),
                cursor=int(meta.get(META_CURSOR, 0)),
                last_sync_ms=int(meta["last_sync_ms"]) if "last_sync_ms" in meta else None,
                last_sync_ok=(meta["last_sync_ok"] == "1") if "last_sync_ok" in meta else None,
                counts=sync_sql.record_counts(conn),
                last_success_ms=int(meta["last_success_ms"]) if "last_success_ms" in meta else None,
            )

        return self.store.read(q)

    # -- attachments ---------------------------------------------------------------------
    def attach(self, data: bytes, media_type: str | None = None) -> str:
        """Keep a file (photo, signature, PDF) for upload; returns its name: the hex
        SHA-256 of its content, to put in a record's payload."""
        if not isinstance(data, bytes | bytearray | memoryview) or len(data) == 0:
            raise InvalidRecord(tr("Pièce jointe vide."))
        data = bytes(data)
        if len(data) > protocol.MAX_ATTACHMENT_BYTES:
            raise InvalidRecord(tr("Pièce jointe trop volumineuse."))
        if media_type is not None and not re.fullmatch(r"[a-z]+/[a-z0-9.+-]+", media_type):
            raise InvalidRecord(tr("Type de fichier invalide : {t}", t=media_type[:40]))
        sha = hashlib.sha256(data).hexdigest()
        chunks = [data[i:i + ATTACHMENT_CHUNK] for i in range(0, len(data), ATTACHMENT_CHUNK)]
        self.store.write(lambda c: sync_sql.attachment_insert(
            c, sha, size=len(data), media_type=media_type, chunk_size=ATTACHMENT_CHUNK, chunks=chunks,
            state="pending", now_ms=_now_ms()))
        return sha

    def attachment(self, sha256: str) -> bytes | None:
        """A file's content, if the device holds it whole."""
        if not _SHA_RE.match(sha256):
            return None

        def q(conn: Connection) -> bytes | None:
            meta = sync_sql.attachment_get(conn, sha256)
            if meta is None or meta["state"] not in ("pending", "complete"):
                return None
            parts = []
            for i in range(meta["chunk_count"]):
                part = sync_sql.attachment_chunk(conn, sha256, i)
                if part is None:
                    return None
                parts.append(part)
            return b"".join(parts)

        return self.store.read(q)

    def attachment_info(self, sha256: str) -> dict[str, Any] | None:
        return self.store.read(lambda c: sync_sql.attachment_get(c, sha256))

    def store_downloaded(self, sha256: str, data: bytes, media_type: str | None = None) -> None:
        """Keep a file fetched from HQ (already verified against its name)."""
        if hashlib.sha256(data).hexdigest() != sha256:
            raise InvalidRecord(tr("Le fichier reçu ne correspond pas à son empreinte."))
        chunks = [data[i:i + ATTACHMENT_CHUNK] for i in range(0, len(data), ATTACHMENT_CHUNK)] or [b""]
        self.store.write(lambda c: sync_sql.attachment_insert(
            c, sha256, size=len(data), media_type=media_type, chunk_size=ATTACHMENT_CHUNK, chunks=chunks,
            state="complete", now_ms=_now_ms()))

    # == what the sync engine calls ========================================================
    def meta(self, *keys: str) -> dict[str, str]:
        return self.store.read(lambda c: sync_sql.meta_get_many(c, list(keys)))

    def set_meta(self, values: Mapping[str, str]) -> None:
        self.store.write(lambda c: sync_sql.meta_set_many(c, values))

    def cursor(self) -> tuple[int, str | None]:
        meta = self.meta(META_CURSOR, META_EPOCH)
        return int(meta.get(META_CURSOR, 0)), meta.get(META_EPOCH)

    def reset_cursor(self, epoch: str | None) -> None:
        """HQ's database changed (another epoch): pull everything again from 0."""
        values = {META_CURSOR: "0"}
        if epoch is not None:
            values[META_EPOCH] = epoch
        self.set_meta(values)

    # -- push ------------------------------------------------------------------------------
    def claim_tx(self, conn: Connection, after_seq: int, limit: int,
                 max_bytes: int = MAX_BATCH_BYTES, *, priority: bool = False) -> ClaimedBatch | None:
        """(On the writer) the next batch after ``after_seq``: marks it sent, returns its body.
        ``priority``: the entries written with priority instead (not a seq range; not
        marked sent: if they do not get through, the ordinary push sends them again)."""
        rows = (sync_sql.outbox_claim_priority(conn, limit) if priority
                else sync_sql.outbox_claim(conn, after_seq, limit))
        if not rows:
            return None
        parts: list[str] = []
        seqs: list[int] = []
        mids: list[str] = []
        size = 20
        for seq, mid, coll, rid, version, base, tomb, payload, officer, resolves in rows:
            part = (
                f'{{"mutation_id":"{mid}","collection":"{coll}","record_id":"{rid}","version":"{version}",'
                f'"base_version":{"null" if base is None else chr(34) + base + chr(34)},'
                f'"tombstone":{"true" if tomb else "false"},"payload":{"null" if payload is None else payload},'
                f'"officer":"{officer}","resolves":{resolves or "[]"}}}'
            )
            size += len(part) + 1 + (len(payload.encode("utf-8")) - len(payload) if payload and not payload.isascii()
                                     else 0)
            if parts and size > max_bytes:
                break
            parts.append(part)
            seqs.append(int(seq))
            mids.append(mid)
        sent_upto = int(sync_sql.meta_get(conn, META_SENT_UPTO) or 0)
        if seqs[-1] > sent_upto and not priority:
            sync_sql.meta_set(conn, META_SENT_UPTO, str(seqs[-1]))
        body = '{"mutations":[' + ",".join(parts) + "]}"
        return ClaimedBatch(seqs, mids, body.encode("utf-8"))

    def claim(self, after_seq: int, limit: int, max_bytes: int = MAX_BATCH_BYTES) -> ClaimedBatch | None:
        return self.store.write(lambda c: self.claim_tx(c, after_seq, limit, max_bytes))

    def unclaim(self, batch: ClaimedBatch) -> None:
        """A claimed batch was not sent after all: its entries are not 'sent'."""

        def tx(conn: Connection) -> None:
            if int(sync_sql.meta_get(conn, META_SENT_UPTO) or 0) >= batch.first:
                sync_sql.meta_set(conn, META_SENT_UPTO, str(batch.first - 1))

        self.store.write(tx)

    def reject_locally(self, batch: ClaimedBatch, reason_code: str, reason: str) -> PushTally:
        """HQ refused a single mutation's envelope as malformed (422 for a batch of one):
        keep it as rejected, with HQ's message."""
        results = [protocol.MutationResult(mutation_id=mid, status="rejected", reason_code=None, reason=reason)
                   for mid in batch.mutation_ids]
        return self.apply_results(batch, results, local_reason_code=reason_code)

    def apply_results_tx(self, conn: Connection, batch: ClaimedBatch, results: Sequence[protocol.MutationResult],
                         *, local_reason_code: str | None = None) -> PushTally:
        if len(results) != len(batch.seqs) or any(
                r.mutation_id != mid for r, mid in zip(results, batch.mutation_ids, strict=True)):
            raise ValueError("HQ's answer does not match the batch sent (count or order of mutation ids)")
        info = sync_sql.outbox_batch_records(conn, batch.first, batch.last)
        tally = PushTally()
        now = _now_ms()
        acks: list[tuple[Any, ...]] = []
        notes: list[tuple[Any, ...]] = []
        answers: list[tuple[Any, ...]] = []
        max_seen = ""
        for seq, res in zip(batch.seqs, results, strict=True):
            entry = info.get(seq)
            if entry is None:
                tally.ignored += 1
                continue
            coll, rid = entry["collection"], entry["record_id"]
            latest = entry["outbox_seq"] == seq
            if res.current_version and res.current_version > max_seen:
                max_seen = res.current_version
            if entry["record_state"] is None:  # no record (cannot happen): just settle the entry
                continue
            if res.status in ("applied", "duplicate"):
                tally.acknowledged += 1
                server_seq = res.server_seq
                if not latest:
                    if server_seq is not None:
                        notes.append((entry["version"], server_seq, coll, rid))
                    continue
                if entry["record_state"] == "conflict":
                    if _ids(entry["conflict_ids"]):  # HQ still holds an open conflict on it
                        sync_sql.record_set(conn, coll, rid, {"outbox_seq": None, "hq_version": entry["version"],
                                                              "server_seq": server_seq, "hq_seq": server_seq})
                    elif entry["hq_seq"] is not None and server_seq is not None and entry["hq_seq"] > server_seq:
                        # HQ's version (pulled while this write was in flight) came after ours: take it.
                        full = sync_sql.record_get(conn, coll, rid)
                        assert full is not None
                        sync_sql.record_set(conn, coll, rid, {
                            "version": full["hq_version"], "tombstone": int(bool(full["hq_tombstone"])),
                            "payload": full["hq_payload"], "origin_device": full["hq_origin"] or "hq",
                            "officer": full["hq_officer"], "state": "acknowledged", "outbox_seq": None,
                            "server_seq": full["hq_seq"], "hq_payload": None, "hq_tombstone": None,
                            "hq_origin": None, "hq_officer": None, "reason_code": None, "reason": None,
                            "conflict_ids": None,
                        })
                    else:
                        acks.append((server_seq, entry["rowid"]))
                else:
                    acks.append((server_seq, entry["rowid"]))
            elif res.status == "rejected":
                tally.rejected += 1
                code = res.reason_code or local_reason_code
                answers.append(("rejected", code, res.reason, now, seq))
                fields: dict[str, Any] = {"reason_code": code, "reason": res.reason}
                if latest:
                    fields["outbox_seq"] = None
                    if entry["record_state"] != "conflict":
                        fields["state"] = "rejected"
                sync_sql.record_set(conn, coll, rid, fields)
            else:  # conflict
                tally.conflicts += 1
                ids = list(_ids(entry["conflict_ids"]))
                if res.conflict_id is not None and res.conflict_id not in ids:
                    ids.append(res.conflict_id)
                fields = {"state": "conflict", "conflict_ids": json.dumps(ids), "reason": res.reason,
                          "reason_code": "conflict"}
                if latest:
                    fields["outbox_seq"] = None
                if res.current_version and res.current_version != entry["hq_version"]:
                    fields.update(hq_version=res.current_version, hq_payload=None, hq_tombstone=None,
                                  hq_origin=None, hq_officer=None)
                sync_sql.record_set(conn, coll, rid, fields)
                entry["conflict_ids"] = json.dumps(ids)
                # later entries of this record in the same batch see the new state
                for other in info.values():
                    if other["collection"] == coll and other["record_id"] == rid:
                        other["record_state"] = "conflict"
                        other["conflict_ids"] = entry["conflict_ids"]
        if notes:
            sync_sql.records_note_hq(conn, notes)
        if acks:
            sync_sql.records_acknowledge(conn, acks)
        if answers:  # rejected entries stay, with HQ's reason...
            sync_sql.outbox_answer(conn, answers)
        # ...every other entry of the batch was answered and leaves the outbox.
        if batch.last - batch.first + 1 == len(batch.seqs):
            sync_sql.outbox_delete_range(conn, batch.first, batch.last)
        else:  # a priority batch: other entries lie between its seqs
            sync_sql.outbox_delete_pending(conn, batch.seqs)
        if max_seen:
            self._observe_tx(conn, max_seen)
        return tally

    def apply_results(self, batch: ClaimedBatch, results: Sequence[protocol.MutationResult], *,
                      local_reason_code: str | None = None) -> PushTally:
        return self.store.write(lambda c: self.apply_results_tx(c, batch, results,
                                                                local_reason_code=local_reason_code))

    def _observe_tx(self, conn: Connection, version: str) -> None:
        try:
            self.clock.observe(version)
        except ValueError:
            return
        hwm = sync_sql.meta_get(conn, META_HLC)
        if hwm is None or version > hwm:
            sync_sql.meta_set(conn, META_HLC, version)

    # -- pull ------------------------------------------------------------------------------
    def apply_pull_tx(self, conn: Connection, since: int, changes: Sequence[protocol.Change], next_cursor: int,
                      epoch: str) -> PullTally | None:
        """(On the writer) apply one page and its cursor together. None, and nothing
        written, if the stored cursor is no longer ``since`` (the page was applied already)."""
        stored = int(sync_sql.meta_get(conn, META_CURSOR) or 0)
        if stored != since:
            return None
        tally = PullTally(received=len(changes))
        now = _now_ms()
        by_collection: dict[str, dict[str, protocol.Change]] = {}
        max_version = ""
        for ch in changes:
            # A record appears once per page (its latest state); keep the last anyway.
            by_collection.setdefault(ch.collection, {})[ch.record_id] = ch
            if ch.version > max_version:
                max_version = ch.version
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        special: list[tuple[str, protocol.Change]] = []
        for collection, latest in by_collection.items():
            known = sync_sql.records_brief(conn, collection, list(latest))
            for rid, ch in latest.items():
                brief = known.get(rid)
                if brief is None:
                    inserts.append((collection, rid, ch.version, ch.origin_device, ch.officer, int(ch.tombstone),
                                    _to_json(ch.payload), ch.server_seq, now))
                elif brief[3] != "acknowledged":
                    special.append((collection, ch))
                elif brief[1] != ch.version or brief[2] != ch.server_seq:
                    updates.append((ch.version, ch.origin_device, ch.officer, int(ch.tombstone),
                                    _to_json(ch.payload), ch.server_seq, now, brief[0]))
                # else: the device already holds exactly this (e.g. its own write coming back)
        if inserts:
            sync_sql.records_insert_pulled(conn, inserts)
        if updates:
            sync_sql.records_update_pulled(conn, updates)
        tally.applied += len(inserts) + len(updates)
        for collection, ch in special:
            rec = sync_sql.record_get(conn, collection, ch.record_id)
            assert rec is not None
            self._pull_special(conn, rec, ch, _to_json(ch.payload), tally)
        sync_sql.meta_set_many(conn, {META_CURSOR: str(next_cursor), META_EPOCH: epoch})
        if max_version:
            self._observe_tx(conn, max_version)
        return tally

    def _pull_special(self, conn: Connection, rec: dict[str, Any], ch: protocol.Change, payload: str | None,
                      tally: PullTally) -> None:
        coll, rid = rec["collection"], rec["record_id"]
        hq_side = {"hq_version": ch.version, "hq_tombstone": int(ch.tombstone), "hq_payload": payload,
                   "hq_origin": ch.origin_device, "hq_officer": ch.officer, "hq_seq": ch.server_seq,
                   "server_seq": ch.server_seq}
        take_hq = {"version": ch.version, "origin_device": ch.origin_device, "officer": ch.officer,
                   "tombstone": int(ch.tombstone), "payload": payload, "state": "acknowledged",
                   "server_seq": ch.server_seq, "hq_version": ch.version, "hq_seq": ch.server_seq,
                   "hq_payload": None, "hq_tombstone": None, "hq_origin": None, "hq_officer": None,
                   "reason_code": None, "reason": None, "conflict_ids": None, "updated_ms": _now_ms()}
        outstanding = rec["outbox_seq"] is not None
        if outstanding:
            if ch.version == rec["version"]:
                # Our latest write is at HQ already (its answer is still to come).
                sync_sql.record_set(conn, coll, rid, {"hq_version": ch.version, "hq_seq": ch.server_seq,
                                                      "server_seq": ch.server_seq})
            elif rec["hq_seq"] is not None and ch.server_seq <= rec["hq_seq"]:
                pass  # older than what we know
            else:
                # HQ moved on while we have unsent or unanswered edits: keep both.
                fields = dict(hq_side)
                if rec["state"] != "conflict":
                    tally.conflicts += 1
                    fields["state"] = "conflict"
                    fields["reason"] = tr("Modifié sur le QG pendant que cet appareil avait des modifications en attente.")
                    fields["reason_code"] = "conflict"
                sync_sql.record_set(conn, coll, rid, fields)
            tally.kept_local += 1
            return
        if rec["state"] == "conflict":
            if ch.version == rec["version"]:
                sync_sql.record_set(conn, coll, rid, take_hq)  # HQ settled it with our version
                tally.applied += 1
            else:
                sync_sql.record_set(conn, coll, rid, hq_side)
                tally.kept_local += 1
            return
        # rejected (or anything else with nothing outstanding): HQ's state is the truth;
        # the refused write stays visible in the outbox as rejected.
        sync_sql.record_set(conn, coll, rid, take_hq)
        tally.applied += 1

    def apply_pull(self, since: int, changes: Sequence[protocol.Change], next_cursor: int,
                   epoch: str) -> PullTally | None:
        return self.store.write(lambda c: self.apply_pull_tx(c, since, changes, next_cursor, epoch))

    # -- conflicts as HQ lists them ------------------------------------------------------------
    def reconcile_conflicts(self, open_conflicts: Sequence[Mapping[str, Any]]) -> int:
        """Given HQ's open conflicts (``GET /conflicts``): fill in HQ's side where the
        device does not know it yet, and settle local conflicts HQ no longer has open
        (resolved at HQ or by another device) by taking HQ's version. Returns how many
        were settled."""
        open_ids = {int(c["conflict_id"]) for c in open_conflicts if "conflict_id" in c}
        by_id = {int(c["conflict_id"]): c for c in open_conflicts if "conflict_id" in c}

        def tx(conn: Connection) -> int:
            settled = 0
            for rec in sync_sql.records_in_states(conn, ["conflict"]):
                ids = _ids(rec["conflict_ids"])
                if not ids or rec["outbox_seq"] is not None:
                    continue  # a conflict only the device knows, or writes still outstanding
                coll, rid = rec["collection"], rec["record_id"]
                still = [i for i in ids if i in open_ids]
                if not still:
                    if rec["hq_version"] is None or (rec["hq_payload"] is None and not rec["hq_tombstone"]):
                        continue  # HQ's version not known yet: the next pull brings it
                    sync_sql.record_set(conn, coll, rid, {
                        "version": rec["hq_version"], "tombstone": int(bool(rec["hq_tombstone"])),
                        "payload": rec["hq_payload"], "origin_device": rec["hq_origin"] or "hq",
                        "officer": rec["hq_officer"], "state": "acknowledged", "server_seq": rec["hq_seq"],
                        "hq_payload": None, "hq_tombstone": None, "hq_origin": None, "hq_officer": None,
                        "reason_code": None, "reason": None, "conflict_ids": None,
                    })
                    settled += 1
                    continue
                current = by_id[still[-1]].get("current") or {}
                if rec["hq_payload"] is None and not rec["hq_tombstone"] and current.get("version"):
                    payload = current.get("payload")
                    sync_sql.record_set(conn, coll, rid, {
                        "hq_version": current["version"], "hq_tombstone": int(bool(current.get("tombstone"))),
                        "hq_payload": None if payload is None else json.dumps(payload, ensure_ascii=False,
                                                                              separators=(",", ":")),
                    })
            return settled

        return self.store.write(tx)
