"""SQL for HQ's record lookup: candidates from the identifier keys and from the name index.

Every statement is bound (no text of the query is ever spliced into SQL) and every one
is served by an index: ``reference_keys.key``, ``reference_names`` by birth date, by
phonetic key (with the birth year), or the fuzzy trigram index on the full name (FTS5 on
SQLite, pg_trgm's GIN index on PostgreSQL). Results are capped by ``limit``.
"""

from __future__ import annotations

import functools
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
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql.elements import BindParameter

from neo.hq.storage.schema import UTCDateTime, reference_keys, reference_names, reference_records

_N = reference_names.c


def _in_files(column: Any, files: Any) -> Any:
    """``column IN files`` (a list, or an expanding parameter) written so that no planner
    uses it to pick an index: SQLite without statistics would otherwise prefer the
    ``(file, …)`` primary key to the selective index."""
    return column.concat("").in_(files if isinstance(files, BindParameter) else list(files))

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


# The statements are built once, with expanding parameters for their lists, so a search
# pays neither for building SQL expressions nor for compiling them (SQLAlchemy's cache).

_NAME_KEYS = tuple(c.name for c in NAME_COLUMNS)


def _names(result: Any) -> list[dict[str, Any]]:
    return [dict(zip(_NAME_KEYS, r, strict=True)) for r in result.all()]


def _expanding(name: str) -> Any:
    return bindparam(name, expanding=True)


def _files_in() -> Any:
    return _in_files(_N.file, _expanding("files"))


_K, _R = reference_keys.c, reference_records.c
_BY_KEYS = (select(_K.key, _R.file, _R.record_id, _R.payload, _R.updated_at)
            .select_from(reference_keys.join(reference_records, and_(_R.file == _K.file,
                                                                      _R.record_id == _K.record_id)))
            .where(_K.key.in_(_expanding("keys")), _in_files(_K.file, _expanding("files")))
            .order_by(_R.file, _R.record_id).limit(bindparam("limit")))
_BY_DATES = (select(*NAME_COLUMNS).where(_N.birth_date.in_(_expanding("dates")), _files_in())
             .limit(bindparam("limit")))
_RECORDS_OF_FILE = (select(_R.file, _R.record_id, _R.payload, _R.updated_at)
                    .where(_R.file == bindparam("file"), _R.record_id.in_(_expanding("ids"))))


@functools.cache
def _by_phonetic(surname: bool, given: bool, years: bool, near: bool) -> Any:
    cond = [_files_in()]
    if surname:
        cond.append(_N.surname_ph.in_(_expanding("surname_keys")))
    if given:
        cond.append(_N.given_ph.in_(_expanding("given_keys")))
    if years:
        cond.append(_N.birth_year.in_(_expanding("years")))
    if near:  # "1988-03-25": born in 1988-03, or on a 25th in 1988
        day = func.substr(_N.birth_date, 1, 5).concat(func.substr(_N.birth_date, 9, 2))
        cond.append(or_(func.substr(_N.birth_date, 1, 7).in_(_expanding("months")), day.in_(_expanding("days"))))
    return select(*NAME_COLUMNS).where(*cond).limit(bindparam("limit"))


@functools.cache
def _fuzzy_pg(years: bool) -> Any:
    # Word similarity (``q <% full_name``): how well the words typed match some run of the
    # full name, so a record with four given names is not pushed under the threshold by
    # the three that were not typed.
    q = bindparam("q")
    cond = [q.op("<%")(_N.full_name), _files_in()]
    if years:
        cond.append(_N.birth_year.in_(_expanding("years")))
    return select(*NAME_COLUMNS).where(*cond).order_by(func.word_similarity(q, _N.full_name).desc()).limit(
        bindparam("limit"))


@functools.cache
def _fuzzy_sqlite(years: bool) -> Any:
    fts = (text("SELECT rowid AS id, rank FROM reference_names_fts WHERE reference_names_fts MATCH :m "
                "ORDER BY rank LIMIT :k").columns(column("id", Integer), column("rank", Float)).subquery("fts"))
    cond = [_files_in()]
    if years:
        cond.append(_N.birth_year.in_(_expanding("years")))
    return (select(*NAME_COLUMNS).select_from(reference_names.join(fts, fts.c.id == _N.id))
            .where(*cond).order_by(fts.c.rank).limit(bindparam("limit")))


def records_by_keys(conn: Connection, keys: Iterable[str], files: Sequence[str], limit: int) -> list[dict[str, Any]]:
    """Records of ``files`` having any of ``keys``: ``file``, ``record_id``, ``key``,
    ``payload`` (JSON text), ``updated_at``."""
    keys = sorted(set(keys))
    if not keys or not files:
        return []
    rows = conn.execute(_BY_KEYS, {"keys": keys, "files": list(files), "limit": limit}).all()
    return [{"key": row.key, "file": row.file, "record_id": row.record_id, "payload": row.payload,
             "updated_at": row.updated_at} for row in rows]


def names_by_birth_dates(conn: Connection, dates: Sequence[str], files: Sequence[str], limit: int) -> list[dict[str, Any]]:
    """Name rows of ``files`` born on one of ``dates`` (ISO)."""
    if not dates or not files:
        return []
    return _names(conn.execute(_BY_DATES, {"dates": sorted(set(dates)), "files": list(files), "limit": limit}))


def names_by_phonetic(conn: Connection, *, surname_keys: Sequence[str] = (), given_keys: Sequence[str] = (),
                      years: Sequence[int] = (), near: Sequence[str] = (), files: Sequence[str],
                      limit: int) -> list[dict[str, Any]]:
    """Name rows whose surname key is in ``surname_keys`` (when given) and whose first given
    name's key is in ``given_keys`` (when given), born in one of ``years`` (when given) and,
    with ``near`` (ISO dates), in the year and month or on the year and day of one of them
    (a date typed with one part wrong)."""
    if not files or (not surname_keys and not given_keys):
        return []
    params: dict[str, Any] = {"files": list(files), "limit": limit}
    if surname_keys:
        params["surname_keys"] = sorted(set(surname_keys))
    if given_keys:
        params["given_keys"] = sorted(set(given_keys))
    if years:
        params["years"] = sorted(set(years))
    if near:
        params["months"] = sorted({d[:7] for d in near})
        params["days"] = sorted({d[:5] + d[8:10] for d in near})
    stmt = _by_phonetic(bool(surname_keys), bool(given_keys), bool(years), bool(near))
    return _names(conn.execute(stmt, params))


def names_fuzzy(conn: Connection, tokens: Sequence[str], *, years: Sequence[int] = (), files: Sequence[str],
                limit: int) -> list[dict[str, Any]]:
    """Name rows whose full name shares trigrams with ``tokens`` (folded ``[a-z]+`` words),
    most similar first: FTS5's trigram index on SQLite, pg_trgm on PostgreSQL."""
    words = [t for t in tokens if t.isascii() and t.isalpha() and t.islower()]
    if not words or not files:
        return []
    params: dict[str, Any] = {"files": list(files), "limit": limit}
    if years:
        params["years"] = sorted(set(years))
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL pg_trgm.word_similarity_threshold = 0.4"))
        return _names(conn.execute(_fuzzy_pg(bool(years)), {**params, "q": " ".join(words)}))
    grams = sorted({w[i:i + 3] for w in words for i in range(len(w) - 2)})
    if not grams:
        return []
    # Each trigram is a quoted FTS5 string of three letters a-z: nothing of the query's
    # syntax can come from what the officer typed.
    match = " OR ".join(f'"{g}"' for g in grams)
    return _names(conn.execute(_fuzzy_sqlite(bool(years)), {**params, "m": match, "k": limit * 20}))


def records_get(conn: Connection, refs: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """The stored records among ``refs``: ``file``, ``record_id``, ``payload``, ``updated_at``
    (one statement per file, on the primary key)."""
    by_file: dict[str, set[str]] = {}
    for file, record_id in refs:
        by_file.setdefault(file, set()).add(record_id)
    out: list[dict[str, Any]] = []
    for file in sorted(by_file):
        ids = sorted(by_file[file])
        for i in range(0, len(ids), 500):
            rows = conn.execute(_RECORDS_OF_FILE, {"file": file, "ids": ids[i:i + 500]}).all()
            out += [{"file": row.file, "record_id": row.record_id, "payload": row.payload,
                     "updated_at": row.updated_at} for row in rows]
    return out


__all__ = ["delete_rows_of", "existing_records", "insert_rows", "names_by_birth_dates", "names_by_phonetic", "names_fuzzy", "records_by_keys", "records_get",
           "replace_names"]
