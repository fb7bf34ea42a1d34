"""SQL for statements at HQ: the index (``statements``) beside the synced records, and the
files each statement's seal covers (``statement_attachments``).

A statement's index row is written in the push transaction that applies (or refuses) its
record, and moves from ``received_pending_attachments`` to ``verified`` in the
transaction that completes its last file.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from neo.hq.storage.schema import attachments, records, statement_attachments, statements, units

PENDING = "received_pending_attachments"
VERIFIED = "verified"
REJECTED_TAMPERED = "rejected_tampered"
REJECTED_INVALID = "rejected_invalid"
STATUSES = (PENDING, VERIFIED, REJECTED_TAMPERED, REJECTED_INVALID)
REJECTED = (REJECTED_TAMPERED, REJECTED_INVALID)


def get(conn: Connection, statement_id: str) -> dict[str, Any] | None:
    stmt = (select(statements, units.c.name.label("unit"))
            .select_from(statements.outerjoin(units, units.c.id == statements.c.unit_id))
            .where(statements.c.id == statement_id))
    row = conn.execute(stmt).first()
    return dict(row._mapping) if row is not None else None


def save(conn: Connection, row: dict[str, Any], files: list[dict[str, Any]]) -> None:
    """Insert or replace a statement's index row and its files (``row`` has every column)."""
    exists = conn.execute(select(statements.c.id).where(statements.c.id == row["id"])).first() is not None
    if exists:
        conn.execute(update(statements).where(statements.c.id == row["id"])
                     .values(**{k: v for k, v in row.items() if k != "id"}))
        conn.execute(delete(statement_attachments).where(statement_attachments.c.statement_id == row["id"]))
    else:
        conn.execute(insert(statements).values(**row))
    if files:
        conn.execute(insert(statement_attachments),
                     [{"statement_id": row["id"], "idx": i, **f} for i, f in enumerate(files)])


def set_status(conn: Connection, statement_id: str, status: str, *, reason_code: str | None = None,
               reason: str | None = None, verified_at: datetime | None = None) -> None:
    conn.execute(update(statements).where(statements.c.id == statement_id).values(
        status=status, reason_code=reason_code, reason=reason, verified_at=verified_at))


def files_of(conn: Connection, statement_id: str) -> list[dict[str, Any]]:
    """The files a statement's seal covers, in order, each with what HQ holds of it
    (``complete``, ``stored_size``, ``stored_media_type``; null when HQ has nothing)."""
    stmt = (select(statement_attachments, attachments.c.complete, attachments.c.size.label("stored_size"),
                   attachments.c.media_type.label("stored_media_type"))
            .select_from(statement_attachments.outerjoin(
                attachments, attachments.c.sha256 == statement_attachments.c.sha256))
            .where(statement_attachments.c.statement_id == statement_id)
            .order_by(statement_attachments.c.idx))
    return [dict(r._mapping) for r in conn.execute(stmt)]


def pending_ids(conn: Connection, limit: int = 10_000) -> list[str]:
    """Ids of the statements still waiting for their files (oldest first)."""
    stmt = (select(statements.c.id).where(statements.c.status == PENDING)
            .order_by(statements.c.received_at, statements.c.id).limit(limit))
    return [r[0] for r in conn.execute(stmt)]


def pending_with_file(conn: Connection, sha256: str) -> list[str]:
    """Ids of statements waiting for their files that include ``sha256``."""
    stmt = (select(statements.c.id).distinct()
            .select_from(statements.join(statement_attachments,
                                         statement_attachments.c.statement_id == statements.c.id))
            .where(statement_attachments.c.sha256 == sha256, statements.c.status == PENDING)
            .order_by(statements.c.id))
    return [r[0] for r in conn.execute(stmt)]


def listing(conn: Connection, *, unit_id: int | None = None, since: datetime | None = None,
            status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Statements received, newest first, with their unit's name (no payloads)."""
    cols = [c for c in statements.c if c.name != "rejected_payload"]
    stmt = (select(*cols, units.c.name.label("unit"))
            .select_from(statements.outerjoin(units, units.c.id == statements.c.unit_id)))
    if unit_id is not None:
        stmt = stmt.where(statements.c.unit_id == unit_id)
    if since is not None:
        stmt = stmt.where(statements.c.received_at >= since)
    if status is not None:
        stmt = stmt.where(statements.c.status == status)
    stmt = stmt.order_by(statements.c.received_at.desc(), statements.c.id).limit(limit)
    return [dict(r._mapping) for r in conn.execute(stmt)]


def corrections_of(conn: Connection, statement_id: str) -> list[str]:
    """Ids of the statements that correct ``statement_id`` (oldest first)."""
    stmt = (select(statements.c.id).where(statements.c.corrects == statement_id)
            .order_by(statements.c.received_at, statements.c.id))
    return [r[0] for r in conn.execute(stmt)]


def record_payload(conn: Connection, collection: str, record_id: str) -> str | None:
    """The stored payload (JSON text) of a live synced record, or None."""
    row = conn.execute(select(records.c.payload).where(
        records.c.collection == collection, records.c.record_id == record_id, records.c.tombstone.is_(False))).first()
    return row[0] if row is not None else None


def live_record_ids(conn: Connection, collection: str) -> dict[str, str | None]:
    """``record_id -> payload`` of the live (not deleted) records of a collection."""
    stmt = select(records.c.record_id, records.c.payload).where(
        records.c.collection == collection, records.c.tombstone.is_(False))
    return {r.record_id: r.payload for r in conn.execute(stmt)}


__all__ = [
    "PENDING", "REJECTED", "REJECTED_INVALID", "REJECTED_TAMPERED", "STATUSES", "VERIFIED", "corrections_of",
    "files_of", "get", "listing", "live_record_ids", "pending_ids", "pending_with_file", "record_payload", "save", "set_status",
]
