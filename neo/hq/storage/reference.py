"""SQL for the lookup's reference files: bulk upsert of records with their keys, counts,
and exact lookups by identifier key. The name index (``reference_names``,
:mod:`neo.hq.storage.lookup`) is rewritten with its records, in the same transaction.

A record is ``(file, record_id)``; importing it again replaces its payload, its times and
its keys in place (one ``executemany`` per statement and batch).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, tuple_

from neo.hq.storage import lookup as lookup_sql
from neo.hq.storage.schema import reference_keys, reference_records


def upsert_records(conn: Connection, rows: Sequence[dict[str, Any]], keys: Sequence[dict[str, Any]],
                   names: Sequence[dict[str, Any]] = ()) -> int:
    """Insert or update ``rows`` (``file``, ``record_id``, ``payload``, ``updated_at``,
    ``imported_at``) and replace their keys with ``keys`` (``file``, ``record_id``,
    ``kind``, ``key``) and their name-index rows with ``names`` (``reference_names``
    columns but ``id``), in the caller's transaction. Returns the number of records written."""
    if not rows:
        return 0
    refs = [(r["file"], r["record_id"]) for r in rows]
    existing = sorted(lookup_sql.existing_records(conn, refs))
    lookup_sql.insert_rows(conn, reference_records, rows, conflict=("file", "record_id"),
                           update=("payload", "updated_at", "imported_at"))
    lookup_sql.delete_rows_of(conn, reference_keys, existing)
    lookup_sql.insert_rows(conn, reference_keys, keys)
    lookup_sql.replace_names(conn, existing, names)
    return len(rows)


def counts(conn: Connection) -> dict[str, int]:
    """Records per reference file."""
    rows = conn.execute(select(reference_records.c.file, func.count()).group_by(reference_records.c.file))
    return {file: int(n) for file, n in rows}


def _records(r: Any) -> dict[str, Any]:
    return {"file": r.file, "record_id": r.record_id, "payload": r.payload, "updated_at": r.updated_at,
            "imported_at": r.imported_at}


def get_records(conn: Connection, refs: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """The stored records among ``refs`` (``(file, record_id)`` pairs)."""
    refs = list(refs)
    out: list[dict[str, Any]] = []
    for i in range(0, len(refs), 200):
        chunk = refs[i:i + 200]
        cond = or_(*(and_(reference_records.c.file == f, reference_records.c.record_id == rid) for f, rid in chunk))
        out += [_records(r) for r in conn.execute(select(reference_records).where(cond))]
    return out


def find_by_keys(conn: Connection, keys: Iterable[str]) -> list[dict[str, Any]]:
    """Records having any of ``keys`` (exact match on the key index), each once."""
    keys = sorted(set(keys))
    if not keys:
        return []
    matched = (select(reference_keys.c.file, reference_keys.c.record_id)
               .where(reference_keys.c.key.in_(keys)).distinct().subquery())
    stmt = (select(reference_records)
            .where(tuple_(reference_records.c.file, reference_records.c.record_id)
                   .in_(select(matched.c.file, matched.c.record_id)))
            .order_by(reference_records.c.file, reference_records.c.record_id))
    return [_records(r) for r in conn.execute(stmt)]


def keys_of(conn: Connection, file: str, record_id: str) -> list[str]:
    stmt = (select(reference_keys.c.key).where(reference_keys.c.file == file, reference_keys.c.record_id == record_id)
            .order_by(reference_keys.c.key))
    return list(conn.execute(stmt).scalars())


__all__ = ["counts", "find_by_keys", "get_records", "keys_of", "upsert_records"]

