"""SQL for the lookup's hot-list: its HMAC secret (in ``hq_meta``), the generation of the
reference files (a counter every reference import bumps in its own transaction, so a
cached hot-list knows it is stale), and the records the hot-list is built from.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from neo.hq.storage.schema import counters, hq_meta, reference_records

SECRET_KEY = "hotlist_secret"
"""``hq_meta`` key of the hot-list's HMAC secret (standard base64 of 32 bytes)."""
GENERATION = "reference_gen"
"""``counters`` row bumped by every write to the reference files."""


def _insert(conn: Connection, table: Any) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def bump_reference_generation(conn: Connection) -> None:
    """Note that the reference files changed (call it in the transaction that writes them)."""
    res = conn.execute(update(counters).where(counters.c.name == GENERATION).values(value=counters.c.value + 1))
    if res.rowcount == 0:
        stmt = _insert(conn, counters).values(name=GENERATION, value=1)
        conn.execute(stmt.on_conflict_do_update(index_elements=[counters.c.name],
                                                set_={"value": counters.c.value + 1}))


def state(conn: Connection) -> tuple[int, str | None]:
    """(generation of the reference files, the hot-list secret or None if none yet)."""
    generation = conn.execute(select(counters.c.value).where(counters.c.name == GENERATION)).scalar()
    secret = conn.execute(select(hq_meta.c.value).where(hq_meta.c.key == SECRET_KEY)).scalar()
    return int(generation or 0), secret


def secret_set_default(conn: Connection, value: str) -> str:
    """Store the secret unless one is there (another process may race us); return the stored one."""
    conn.execute(_insert(conn, hq_meta).values(key=SECRET_KEY, value=value).on_conflict_do_nothing(
        index_elements=[hq_meta.c.key]))
    return str(conn.execute(select(hq_meta.c.value).where(hq_meta.c.key == SECRET_KEY)).scalar_one())


def secret_replace(conn: Connection, value: str) -> None:
    stmt = _insert(conn, hq_meta).values(key=SECRET_KEY, value=value)
    conn.execute(stmt.on_conflict_do_update(index_elements=[hq_meta.c.key], set_={"value": stmt.excluded.value}))


def source_payloads(conn: Connection, files: Iterable[str]) -> list[tuple[str, str]]:
    """``(file, payload JSON)`` of every record of ``files``."""
    stmt = (select(reference_records.c.file, reference_records.c.payload)
            .where(reference_records.c.file.in_(sorted(set(files))))
            .order_by(reference_records.c.file, reference_records.c.record_id))
    return [(f, p) for f, p in conn.execute(stmt)]


__all__ = ["bump_reference_generation", "secret_replace", "secret_set_default", "source_payloads", "state"]
