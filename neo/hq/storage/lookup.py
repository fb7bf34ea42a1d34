"""SQL for HQ's record lookup: candidates from the identifier keys and from the name index.

Every statement is bound (no text of the query is ever spliced into SQL) and every one
is served by an index: ``reference_keys.key``, ``reference_names`` by birth date, by
phonetic key (with the birth year), or the fuzzy trigram index on the full name (FTS5 on
SQLite, pg_trgm's GIN index on PostgreSQL). Results are capped by ``limit``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Float,
    Integer,
    Table,
    and_,
    bindparam,
    column,
    delete,
    func,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects import sqlite

from neo.hq.storage.schema import UTCDateTime, reference_keys, reference_names, reference_records

_N = reference_names.c


def _in_files(column: Any, files: Sequence[str]) -> Any:
    """``column IN files`` written so that no planner uses it to pick an index: SQLite without
    statistics would otherwise prefer the ``(file, …)`` primary key to the selective index."""
    return column.concat("").in_(list(files))

NAME_COLUMNS = (_N.id, _N.file, _N.record_id, _N.surname, _N.given, _N.birth_date, _N.birth_year)


def _pg_type(column_type: Any) -> str:
    if isinstance(column_type, UTCDateTime):
        return "timestamptz"
    if isinstance(column_type, BigInteger):
        return "bigint"
    if isinstance(column_type, Integer):
        return "integer"
    return "text"


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *,
                conflict: Sequence[str] = (), update: Sequence[str] = ()) -> None:
    """INSERT ``rows`` into ``table`` (each row a dict of the same columns); with ``conflict``
    (the primary key's columns), an existing row gets the new values of ``update``.

    SQLite: ``executemany`` (in process, cheap per row). PostgreSQL: one
    ``INSERT … SELECT FROM json_to_recordset(:rows)`` per batch, because the driver's
    executemany costs a statement per row on the server (10 s per 100,000 rows measured).
    """
    if not rows:
        return
    names = list(rows[0])
    if conn.dialect.name != "postgresql":
        if conflict:
            ins = sqlite.insert(table)
            stmt: Any = ins.on_conflict_do_update(index_elements=list(conflict),
                                                 set_={c: ins.excluded[c] for c in update})
        else:
            stmt = table.insert()
        conn.execute(stmt, list(rows))
        return
    cols = ", ".join(f'"{n}"' for n in names)
    spec = ", ".join(f'"{n}" {_pg_type(table.c[n].type)}' for n in names)
    sql = f'INSERT INTO "{table.name}" ({cols}) SELECT {cols} FROM json_to_recordset(CAST(:rows AS json)) AS x({spec})'
    if conflict:
        sets = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in update)
        sql += f" ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {sets}"
    for i in range(0, len(rows), 5000):
        chunk = [{k: _json_value(v) for k, v in r.items()} for r in rows[i:i + 5000]]
        conn.execute(text(sql), {"rows": json.dumps(chunk, ensure_ascii=False, separators=(",", ":"))})


def existing_records(conn: Connection, refs: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """The ``(file, record_id)`` among ``refs`` already stored (primary-key probes)."""
    r = reference_records.c
    by_file: dict[str, list[str]] = {}
    for file, record_id in set(refs):
        by_file.setdefault(file, []).append(record_id)
    out: set[tuple[str, str]] = set()
    for file, ids in by_file.items():
        for i in range(0, len(ids), 1000):
            stmt = select(r.record_id).where(r.file == file, r.record_id.in_(sorted(ids[i:i + 1000])))
            out.update((file, rid) for rid in conn.execute(stmt).scalars())
    return out


def delete_rows_of(conn: Connection, table: Table, refs: Sequence[tuple[str, str]]) -> None:
    """Delete the rows of ``table`` belonging to the records ``refs``: one statement per
    record, each on the index that starts with ``(file, record_id)`` (a long ``IN`` list
    lets PostgreSQL, with stale statistics, scan a whole file instead)."""
    if refs:
        stmt = delete(table).where(table.c.file == bindparam("f"), table.c.record_id == bindparam("r"))
        conn.execute(stmt, [{"f": f, "r": rid} for f, rid in refs])


def replace_names(conn: Connection, refs: Sequence[tuple[str, str]], rows: Sequence[dict[str, Any]]) -> None:
    """Delete the name rows of the records ``refs`` and insert ``rows``."""
    delete_rows_of(conn, reference_names, refs)
    insert_rows(conn, reference_names, rows)


def _row(r: Any) -> dict[str, Any]:
    return {"id": r.id, "file": r.file, "record_id": r.record_id, "surname": r.surname, "given": r.given,
            "birth_date": r.birth_date, "birth_year": r.birth_year}


def records_by_keys(conn: Connection, keys: Iterable[str], files: Sequence[str], limit: int) -> list[dict[str, Any]]:
    """Records of ``files`` having any of ``keys``: ``file``, ``record_id``, ``key``,
    ``payload`` (JSON text), ``updated_at``."""
    keys = sorted(set(keys))
    if not keys or not files:
        return []
    k, r = reference_keys.c, reference_records.c
    stmt = (select(k.key, r.file, r.record_id, r.payload, r.updated_at)
            .select_from(reference_keys.join(reference_records, and_(r.file == k.file, r.record_id == k.record_id)))
            .where(k.key.in_(keys), _in_files(k.file, files))
            .order_by(r.file, r.record_id).limit(limit))
    return [{"key": row.key, "file": row.file, "record_id": row.record_id, "payload": row.payload,
             "updated_at": row.updated_at} for row in conn.execute(stmt)]


def names_by_birth_dates(conn: Connection, dates: Sequence[str], files: Sequence[str], limit: int) -> list[dict[str, Any]]:
    """Name rows of ``files`` born on one of ``dates`` (ISO)."""
    if not dates or not files:
        return []
    stmt = (select(*NAME_COLUMNS).where(_N.birth_date.in_(sorted(set(dates))), _in_files(_N.file, files))
            .limit(limit))
    return [_row(r) for r in conn.execute(stmt)]


def names_by_phonetic(conn: Connection, *, surname_keys: Sequence[str] = (), given_keys: Sequence[str] = (),
                      years: Sequence[int] = (), files: Sequence[str], limit: int) -> list[dict[str, Any]]:
    """Name rows whose surname key is in ``surname_keys`` (when given) and whose first given
    name's key is in ``given_keys`` (when given), born in one of ``years`` (when given)."""
    if not files or (not surname_keys and not given_keys):
        return []
    cond = [_in_files(_N.file, files)]
    if surname_keys:
        cond.append(_N.surname_ph.in_(sorted(set(surname_keys))))
    if given_keys:
        cond.append(_N.given_ph.in_(sorted(set(given_keys))))
    if years:
        cond.append(_N.birth_year.in_(sorted(set(years))))
    stmt = select(*NAME_COLUMNS).where(*cond).limit(limit)
    return [_row(r) for r in conn.execute(stmt)]


def names_fuzzy(conn: Connection, tokens: Sequence[str], *, years: Sequence[int] = (), files: Sequence[str],
                limit: int) -> list[dict[str, Any]]:
    """Name rows whose full name shares trigrams with ``tokens`` (folded ``[a-z]+`` words),
    most similar first: FTS5's trigram index on SQLite, pg_trgm on PostgreSQL."""
    words = [t for t in tokens if t.isascii() and t.isalpha() and t.islower()]
    if not words or not files:
        return []
    cond = [_in_files(_N.file, files)]
    if years:
        cond.append(_N.birth_year.in_(sorted(set(years))))
    if conn.dialect.name == "postgresql":
        q = " ".join(words)
        conn.execute(text("SET LOCAL pg_trgm.similarity_threshold = 0.3"))
        stmt = (select(*NAME_COLUMNS).where(_N.full_name.op("%")(bindparam("q", q)), *cond)
                .order_by(func.similarity(_N.full_name, bindparam("q", q)).desc()).limit(limit))
        return [_row(r) for r in conn.execute(stmt)]
    grams = sorted({w[i:i + 3] for w in words for i in range(len(w) - 2)})
    if not grams:
        return []
    # Each trigram is a quoted FTS5 string of three letters a-z: nothing of the query's
    # syntax can come from what the officer typed.
    match = " OR ".join(f'"{g}"' for g in grams)
    fts = (text("SELECT rowid AS id, rank FROM reference_names_fts WHERE reference_names_fts MATCH :m "
               "ORDER BY rank LIMIT :k").bindparams(m=match, k=limit * 20)
           .columns(column("id", Integer), column("rank", Float)).subquery("fts"))
    stmt = (select(*NAME_COLUMNS).select_from(reference_names.join(fts, fts.c.id == _N.id))
            .where(*cond).order_by(fts.c.rank).limit(limit))
    return [_row(r) for r in conn.execute(stmt)]


def records_get(conn: Connection, refs: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """The stored records among ``refs``: ``file``, ``record_id``, ``payload``, ``updated_at``."""
    refs = sorted(set(refs))
    out: list[dict[str, Any]] = []
    r = reference_records.c
    for i in range(0, len(refs), 100):
        chunk = refs[i:i + 100]
        if conn.dialect.name == "postgresql":
            cond = tuple_(r.file, r.record_id).in_(chunk)
        else:
            cond = or_(*(and_(r.file == f, r.record_id == rid) for f, rid in chunk))
        out += [{"file": row.file, "record_id": row.record_id, "payload": row.payload, "updated_at": row.updated_at}
                for row in conn.execute(select(r.file, r.record_id, r.payload, r.updated_at).where(cond))]
    return out


__all__ = ["delete_rows_of", "existing_records", "insert_rows", "names_by_birth_dates", "names_by_phonetic", "names_fuzzy", "records_by_keys", "records_get",
           "replace_names"]
