"""SQL for attachments: which files HQ holds and which chunks each device has uploaded."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from neo.hq.storage.schema import attachment_chunks, attachments


def attachment_get(conn: Connection, sha256: str) -> dict[str, Any] | None:
    r = conn.execute(select(attachments).where(attachments.c.sha256 == sha256)).first()
    return dict(r._mapping) if r is not None else None


def attachment_ensure(conn: Connection, sha256: str, *, unit_id: int | None, device_id: str | None,
                      now: datetime) -> None:
    if attachment_get(conn, sha256) is None:
        conn.execute(
            insert(attachments).values(
                sha256=sha256, complete=False, size=None, media_type=None, unit_id=unit_id,
                created_by=device_id, created_at=now, completed_at=None,
            )
        )


def attachment_mark_complete(conn: Connection, sha256: str, *, size: int, media_type: str | None,
                             now: datetime) -> None:
    conn.execute(
        update(attachments)
        .where(attachments.c.sha256 == sha256)
        .values(complete=True, size=size, media_type=media_type, completed_at=now)
    )
    conn.execute(delete(attachment_chunks).where(attachment_chunks.c.sha256 == sha256))


def chunk_put(conn: Connection, sha256: str, device_id: str, idx: int, size: int, now: datetime) -> None:
    key = (
        attachment_chunks.c.sha256 == sha256,
        attachment_chunks.c.device_id == device_id,
        attachment_chunks.c.idx == idx,
    )
    res = conn.execute(update(attachment_chunks).where(*key).values(size=size, received_at=now))
    if res.rowcount == 0:
        conn.execute(
            insert(attachment_chunks).values(sha256=sha256, device_id=device_id, idx=idx, size=size, received_at=now)
        )


def chunks_of(conn: Connection, sha256: str, device_id: str) -> dict[int, int]:
    """{chunk index: size} uploaded by ``device_id`` for ``sha256``."""
    q = select(attachment_chunks.c.idx, attachment_chunks.c.size).where(
        attachment_chunks.c.sha256 == sha256, attachment_chunks.c.device_id == device_id
    )
    return {int(r.idx): int(r.size) for r in conn.execute(q)}


def chunks_drop(conn: Connection, sha256: str, device_id: str) -> None:
    conn.execute(
        delete(attachment_chunks).where(
            attachment_chunks.c.sha256 == sha256, attachment_chunks.c.device_id == device_id
        )
    )
