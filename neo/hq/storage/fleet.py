"""SQL for the fleet check (``neo-hq check-fleet``): HQ's side of what a set of devices
sent and should hold, read in bulk (a few ``IN`` queries per table, in slices).

Read-only: nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from neo.hq.storage.schema import (
    attachment_chunks,
    attachments,
    audit_chains,
    audit_events,
    devices,
    lookup_queries,
    mutations,
    records,
    statements,
    units,
)

SLICE = 500


def _slices(values: Sequence[str]) -> Iterator[list[str]]:
    wanted = sorted(set(values))
    for i in range(0, len(wanted), SLICE):
        yield wanted[i:i + SLICE]


def devices_get(conn: Connection, device_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """id -> {id, name, unit_id, unit, revoked} for the devices HQ knows among ``device_ids``."""
    out: dict[str, dict[str, Any]] = {}
    for part in _slices(device_ids):
        q = (select(devices.c.id, devices.c.name, devices.c.unit_id, units.c.name.label("unit"), devices.c.revoked)
             .join(units, units.c.id == devices.c.unit_id).where(devices.c.id.in_(part)))
        out.update({r.id: dict(r._mapping) for r in conn.execute(q)})
    return out


_RECORD = (records.c.collection, records.c.record_id, records.c.server_seq, records.c.version,
           records.c.origin_device, records.c.tombstone, records.c.payload, records.c.audience, records.c.mutation_id)


def records_by_origin(conn: Connection, device_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Every record whose current version one of these devices wrote."""
    out: list[dict[str, Any]] = []
    for part in _slices(device_ids):
        out += [dict(r._mapping) for r in conn.execute(select(*_RECORD).where(records.c.origin_device.in_(part)))]
    return out


def records_by_key(conn: Connection, collection: str, record_ids: Sequence[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for part in _slices(record_ids):
        q = select(*_RECORD).where(records.c.collection == collection, records.c.record_id.in_(part))
        out += [dict(r._mapping) for r in conn.execute(q)]
    return out


def record_versions_for(conn: Connection, audiences: Sequence[str]) -> dict[tuple[str, str], str]:
    """(collection, record_id) -> current version, for records of these audiences."""
    q = select(records.c.collection, records.c.record_id, records.c.version).where(
        records.c.audience.in_(sorted(set(audiences))))
    return {(r.collection, r.record_id): r.version for r in conn.execute(q)}


def mutation_answers(conn: Connection, device_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Stored answers to these devices' mutations that no longer wrote a current version
    (the answer of a current version is ``records.mutation_id``)."""
    out: list[dict[str, Any]] = []
    cols = (mutations.c.mutation_id, mutations.c.device_id, mutations.c.collection, mutations.c.record_id,
            mutations.c.status, mutations.c.reason_code)
    for part in _slices(device_ids):
        out += [dict(r._mapping) for r in conn.execute(select(*cols).where(mutations.c.device_id.in_(part)))]
    return out


def attachments_get(conn: Connection, shas: Sequence[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for part in _slices(shas):
        out.update({r.sha256: dict(r._mapping) for r in conn.execute(
            select(attachments).where(attachments.c.sha256.in_(part)))})
    return out


def chunk_counts(conn: Connection, device_ids: Sequence[str]) -> dict[tuple[str, str], int]:
    """(device_id, sha256) -> chunks received and not assembled (left over)."""
    out: dict[tuple[str, str], int] = {}
    for part in _slices(device_ids):
        q = (select(attachment_chunks.c.device_id, attachment_chunks.c.sha256, func.count())
             .where(attachment_chunks.c.device_id.in_(part))
             .group_by(attachment_chunks.c.device_id, attachment_chunks.c.sha256))
        out.update({(r[0], r[1]): int(r[2]) for r in conn.execute(q)})
    return out


def lookup_query_devices(conn: Connection, device_ids: Sequence[str]) -> list[tuple[str, str]]:
    """(query_id, device_id) of every logged query of these devices."""
    out: list[tuple[str, str]] = []
    for part in _slices(device_ids):
        q = select(lookup_queries.c.query_id, lookup_queries.c.device_id).where(lookup_queries.c.device_id.in_(part))
        out += [(r[0], r[1]) for r in conn.execute(q)]
    return out


def lookup_queries_get(conn: Connection, query_ids: Sequence[str]) -> dict[str, str]:
    """query_id -> the device that asked it, for the ids HQ logged."""
    out: dict[str, str] = {}
    for part in _slices(query_ids):
        q = select(lookup_queries.c.query_id, lookup_queries.c.device_id).where(lookup_queries.c.query_id.in_(part))
        out.update({r[0]: r[1] for r in conn.execute(q)})
    return out


def statements_of(conn: Connection, device_ids: Sequence[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cols = (statements.c.id, statements.c.device_id, statements.c.status, statements.c.reason_code)
    for part in _slices(device_ids):
        out += [dict(r._mapping) for r in conn.execute(select(*cols).where(statements.c.device_id.in_(part)))]
    return out


def audit_states(conn: Connection, device_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """device_id -> its chain state and the number of event rows HQ stores for it."""
    out: dict[str, dict[str, Any]] = {}
    for part in _slices(device_ids):
        for r in conn.execute(select(audit_chains).where(audit_chains.c.device_id.in_(part))):
            out[r.device_id] = {**dict(r._mapping), "rows": 0}
        q = (select(audit_events.c.device_id, func.count()).where(audit_events.c.device_id.in_(part))
             .group_by(audit_events.c.device_id))
        for device_id, n in conn.execute(q):
            out.setdefault(device_id, {"device_id": device_id, "last_seq": 0, "last_hash": None, "event_count": 0,
                                       "broken": False, "first_broken_seq": None, "problem": None})
            out[device_id]["rows"] = int(n)
    return out
