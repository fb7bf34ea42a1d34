"""SQL for the lookup's query log at HQ (``lookup_queries``): one row per query answered.

A row is written in the same transaction that decides the query was not answered before,
and it holds the answer as sent, so a query resent with the same ``query_id`` gets the
same answer and is logged once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from neo.hq.storage.schema import lookup_queries, officers, units


def get(conn: Connection, query_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(lookup_queries).where(lookup_queries.c.query_id == query_id)).first()
    return dict(row._mapping) if row is not None else None


def insert_query(conn: Connection, row: dict[str, Any]) -> None:
    """Log one answered query (``row`` has every column of ``lookup_queries``). A second
    row with the same ``query_id`` raises :class:`sqlalchemy.exc.IntegrityError`."""
    conn.execute(insert(lookup_queries).values(**row))


def recent(conn: Connection, *, officer: str | None = None, limit: int = 50,
           since: datetime | None = None) -> list[dict[str, Any]]:
    """The latest queries, newest first, with the officer's name and unit (without the
    stored answers)."""
    cols = [c for c in lookup_queries.c if c.name != "response"]
    stmt = (select(*cols, officers.c.name.label("officer_name"), units.c.name.label("unit"))
            .select_from(lookup_queries
                         .outerjoin(officers, officers.c.service_number == lookup_queries.c.officer)
                         .outerjoin(units, units.c.id == lookup_queries.c.unit_id)))
    if officer is not None:
        stmt = stmt.where(lookup_queries.c.officer == officer)
    if since is not None:
        stmt = stmt.where(lookup_queries.c.received_at >= since)
    stmt = stmt.order_by(lookup_queries.c.received_at.desc(), lookup_queries.c.query_id).limit(limit)
    return [dict(r._mapping) for r in conn.execute(stmt)]


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(lookup_queries)).scalar_one())


__all__ = ["count", "get", "insert_query", "recent"]
