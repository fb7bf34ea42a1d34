"""SQL for synced records: the server sequence, records, answered mutations, conflicts, pull.

Built for batches: a push of N mutations costs a fixed handful of statements (one
``IN`` lookup per table, one ``executemany`` per table), never N round trips; a pull
page is one range scan of ``ix_records_server_seq``, and the database itself renders
each change as JSON so Python only joins strings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Text,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    insert,
    literal_column,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from neo.hq.storage import bulk
from neo.hq.storage.schema import conflicts, counters, mutations, records

SERVER_SEQ = "server_seq"


# -- the server sequence -----------------------------------------------------------------------


def lock_sequence(conn: Connection) -> int:
    """Take the sequence lock for this transaction and return the last sequence handed out.

    On PostgreSQL the no-op UPDATE locks the counter row until commit, so transactions
    that assign sequence numbers run one after the other and commit in sequence order
    (a pull can never see seq N+1 before seq N). On SQLite the write transaction
    already holds the database lock.
    """
    stmt = (
        update(counters)
        .where(counters.c.name == SERVER_SEQ)
        .values(value=counters.c.value)
        .returning(counters.c.value)
    )
    return int(conn.execute(stmt).scalar_one())


def set_sequence(conn: Connection, value: int) -> None:
    conn.execute(update(counters).where(counters.c.name == SERVER_SEQ).values(value=value))


def current_sequence(conn: Connection) -> int:
    return int(conn.execute(select(counters.c.value).where(counters.c.name == SERVER_SEQ)).scalar_one())


# -- answered mutations ------------------------------------------------------------------------

_MUTATION_RESULT = (
    mutations.c.mutation_id, mutations.c.device_id, mutations.c.status, mutations.c.server_seq, mutations.c.reason_code,
    mutations.c.reason, mutations.c.conflict_id, mutations.c.current_version,
)


def _ids_param(conn: Connection, column: Any, ids: Sequence[str]) -> tuple[Any, dict[str, Any]]:
    """``column IN ids`` with the whole list as one parameter (a JSON array on SQLite, an
    array on PostgreSQL), so the statement is the same for every batch size."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam("ids", type_=ARRAY(Text))), {"ids": list(ids)}
    values = func.json_each(bindparam("ids", type_=Text)).table_valued("value")
    return column.in_(select(values.c.value)), {"ids": json.dumps(list(ids))}


def mutations_get(conn: Connection, mutation_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    if not mutation_ids:
        return {}
    where, params = _ids_param(conn, mutations.c.mutation_id, sorted(set(mutation_ids)))
    return {r.mutation_id: dict(r._mapping) for r in conn.execute(select(*_MUTATION_RESULT).where(where), params)}


def mutations_insert(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Keep the answers to mutations. An id already answered keeps its first answer: a
    device that gave one mutation id to two records must not block every later write of
    them (the second answer would collide with the first)."""
    bulk.insert_many(conn, mutations, rows, skip_existing=True)


# -- records ---------------------------------------------------------------------------------

_RECORD_STATE = (
    records.c.collection, records.c.record_id, records.c.server_seq, records.c.version,
    records.c.origin_device, records.c.officer, records.c.tombstone, records.c.payload, records.c.audience,
    records.c.mutation_id,
)


def records_get(conn: Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Current state of the records named by ``(collection, record_id)`` keys (one query)."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    key = tuple_(records.c.collection, records.c.record_id)
    if conn.dialect.name == "postgresql":
        pairs = func.unnest(bindparam("cs", type_=ARRAY(Text)), bindparam("rs", type_=ARRAY(Text))).table_valued(
            "c", "r").render_derived()
        where = key.in_(select(pairs.c.c, pairs.c.r))
        params: dict[str, Any] = {"cs": [k[0] for k in wanted], "rs": [k[1] for k in wanted]}
    else:
        values = func.json_each(bindparam("keys", type_=Text)).table_valued("value")
        where = key.in_(select(func.json_extract(values.c.value, "$[0]"), func.json_extract(values.c.value, "$[1]")))
        params = {"keys": json.dumps(wanted)}
    return {(r.collection, r.record_id): dict(r._mapping) for r in conn.execute(select(*_RECORD_STATE).where(where),
                                                                                   params)}


def records_insert(conn: Connection, rows: list[dict[str, Any]]) -> None:
    bulk.insert_many(conn, records, rows)


_RECORD_UPDATE = (
    update(records)
    .where(and_(records.c.collection == bindparam("k_collection"), records.c.record_id == bindparam("k_record_id")))
    .values(
        server_seq=bindparam("server_seq"),
        version=bindparam("version"),
        origin_device=bindparam("origin_device"),
        officer=bindparam("officer"),
        tombstone=bindparam("tombstone"),
        payload=bindparam("payload"),
        mutation_id=bindparam("mutation_id"),
        updated_at=bindparam("updated_at"),
    )
)


def records_update(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Rewrite records in place; each row has the record fields plus ``k_collection``/``k_record_id``."""
    bulk.execute_many(conn, "records_update", _RECORD_UPDATE, rows)


def record_count(conn: Connection, collection: str | None = None) -> int:
    q = select(func.count()).select_from(records)
    if collection is not None:
        q = q.where(records.c.collection == collection)
    return int(conn.execute(q).scalar_one())


def record_get(conn: Connection, collection: str, record_id: str) -> dict[str, Any] | None:
    r = conn.execute(
        select(*_RECORD_STATE).where(records.c.collection == collection, records.c.record_id == record_id)
    ).first()
    return dict(r._mapping) if r is not None else None


# -- pull ------------------------------------------------------------------------------------


def _change_json(dialect: str, c: Any) -> Any:
    """A change rendered as JSON text by the database itself (``c``: the page's columns)."""
    fields = [
        ("server_seq", c.server_seq), ("collection", c.collection), ("record_id", c.record_id),
        ("version", c.version), ("origin_device", c.origin_device), ("officer", c.officer),
    ]
    args: list[Any] = []
    for name, col in fields:
        args += [literal_column(f"'{name}'"), col]
    if dialect == "sqlite":
        args += [
            literal_column("'tombstone'"),
            func.json(case((c.tombstone, literal_column("'true'")), else_=literal_column("'false'"))),
            literal_column("'payload'"), func.json(c.payload),
        ]
        return func.json_object(*args, type_=Text)
    if dialect == "postgresql":
        args += [literal_column("'tombstone'"), c.tombstone, literal_column("'payload'"), cast(c.payload, JSON)]
        return cast(func.json_build_object(*args), Text)
    raise ValueError(f"pull is not implemented for {dialect}")


def pull_page(conn: Connection, *, since: int, limit: int, audiences: Sequence[str],
              exclude_origin: str | None = None) -> tuple[list[str], int | None, bool]:
    """One page of changes after ``since`` visible to ``audiences`` (leaving out records
    whose current version ``exclude_origin`` wrote, when given).

    Returns the changes as JSON texts (already rendered by the database), the server
    sequence of the last one (None if the page is empty) and whether more follow. The
    page is chosen first (a range scan of the primary key), then rendered, so only the
    rows sent are turned into JSON.
    """
    where = [records.c.server_seq > since, records.c.audience.in_(list(audiences))]
    if exclude_origin is not None:
        where.append(records.c.origin_device != exclude_origin)
    page = (
        select(records)
        .where(*where)
        .order_by(records.c.server_seq)
        .limit(limit + 1)
        .subquery("page")
    )
    q = select(page.c.server_seq, _change_json(conn.dialect.name, page.c)).order_by(page.c.server_seq)
    rows = conn.execute(q).all()
    has_more = len(rows) > limit
    if has_more:
        rows = rows[:limit]
    last = int(rows[-1][0]) if rows else None
    return [r[1] for r in rows], last, has_more


# -- conflicts -------------------------------------------------------------------------------


def conflict_insert(conn: Connection, row: dict[str, Any]) -> int:
    return int(conn.execute(insert(conflicts).values(**row).returning(conflicts.c.id)).scalar_one())


def conflicts_resolve(conn: Connection, ids: Sequence[int], *, collection: str, record_id: str,
                      resolution: str, resolved_by: str, now: datetime) -> int:
    """Mark open conflicts resolved (only those on the given record); returns how many."""
    if not ids:
        return 0
    res = conn.execute(
        update(conflicts)
        .where(
            conflicts.c.id.in_(list(ids)),
            conflicts.c.collection == collection,
            conflicts.c.record_id == record_id,
            conflicts.c.resolved_at.is_(None),
        )
        .values(resolved_at=now, resolution=resolution, resolved_by=resolved_by)
    )
    return int(res.rowcount)


def conflict_get(conn: Connection, conflict_id: int) -> dict[str, Any] | None:
    r = conn.execute(select(conflicts).where(conflicts.c.id == conflict_id)).first()
    return dict(r._mapping) if r is not None else None


def conflict_list(conn: Connection, *, open_only: bool = True, audiences: Sequence[str] | None = None,
                  limit: int = 1000) -> list[dict[str, Any]]:
    q = select(conflicts)
    if open_only:
        q = q.where(conflicts.c.resolved_at.is_(None))
    if audiences is not None:
        q = q.where(conflicts.c.audience.in_(list(audiences)))
    return [dict(r._mapping) for r in conn.execute(q.order_by(conflicts.c.id).limit(limit))]
