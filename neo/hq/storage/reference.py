"""SQL for the lookup's reference files: bulk upsert of records with their keys, counts,
and exact lookups by identifier key. The name index (``reference_names``,
:mod:`neo.hq.storage.lookup`) is rewritten with its records, in the same transaction.

A record is ``(file, record_id)``; importing it again replaces its payload, its times and
its keys in place (one ``executemany`` per statement and batch).

Loading into empty tables (``neo-hq seed-demo`` on a fresh database, a million persons)
goes another way, in one transaction: :func:`bulk_begin` drops the secondary indexes (and,
on SQLite, the triggers that keep the trigram index), :func:`bulk_insert` streams rows in
(PostgreSQL ``COPY``, SQLite ``executemany``), :func:`bulk_finish` builds the indexes again
from their own definitions, read from the catalog before they were dropped. Building an
index once over sorted data is much cheaper than keeping it up to date row by row, and
a failure anywhere rolls everything back, the indexes included (both databases have
transactional DDL).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, and_, exists, func, or_, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from neo.hq.storage import lookup as lookup_sql
from neo.hq.storage.schema import reference_keys, reference_names, reference_records


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


# -- bulk loading into empty tables -------------------------------------------------------------

BULK_TABLES: tuple[Table, ...] = (reference_records, reference_keys, reference_names)
_BULK_NAMES = tuple(t.name for t in BULK_TABLES)


def bulk_columns(table: Table) -> tuple[str, ...]:
    """The columns a bulk row gives, in order (every column but ``reference_names.id``,
    which the database numbers)."""
    return tuple(c.name for c in table.columns if not (c.primary_key and c.autoincrement is True))


_DIALECTS = {"sqlite": sqlite.dialect, "postgresql": postgresql.psycopg.dialect}


def bulk_encoder(dialect_name: str) -> Callable[[str, dict[str, Any]], tuple[Any, ...]]:
    """``encode(table name, row dict)`` -> the tuple :func:`bulk_insert` takes for that
    table: values in :func:`bulk_columns` order, times as the database stores them (on
    SQLite the text SQLAlchemy writes, so rows read back the same either way). Pure: worker
    processes call it to prepare rows."""
    dialect = _DIALECTS[dialect_name]()
    plans: dict[str, tuple[tuple[str, ...], dict[int, Callable[[Any], Any]]]] = {}
    for table in BULK_TABLES:
        names = bulk_columns(table)
        procs: dict[int, Callable[[Any], Any]] = {}
        for i, name in enumerate(names):
            proc = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None and dialect_name == "sqlite":
                procs[i] = proc
        plans[table.name] = (names, procs)

    last: dict[tuple[str, int], tuple[Any, Any]] = {}  # the same time again (imported_at): no work

    def encode(table_name: str, row: dict[str, Any]) -> tuple[Any, ...]:
        names, procs = plans[table_name]
        values = [row[n] for n in names]
        for i, proc in procs.items():
            value = values[i]
            if value is not None:
                seen = last.get((table_name, i))
                if seen is not None and seen[0] is value:
                    values[i] = seen[1]
                else:
                    values[i] = proc(value)
                    last[(table_name, i)] = (value, values[i])
        return tuple(values)

    return encode


def is_empty(conn: Connection) -> bool:
    """Whether the reference tables (records, keys, name index) hold no row at all."""
    return not any(conn.execute(select(exists().select_from(t))).scalar() for t in BULK_TABLES)


BulkState = list[tuple[str, str, str]]  # (kind, name, SQL that makes it again), in order


def bulk_begin(conn: Connection) -> BulkState:
    """Drop the reference tables' secondary indexes (and SQLite's FTS triggers) for a bulk
    load into empty tables; returns what :func:`bulk_finish` makes again. Primary keys stay
    (rows arrive in key order within each file, so they cost little)."""
    if not is_empty(conn):
        raise ValueError("bulk loading needs empty reference tables")
    state: BulkState = []
    if conn.dialect.name == "postgresql":
        rows = conn.execute(text(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname = ANY(:tables) AND pg_table_is_visible(t.oid) "
            "AND NOT x.indisprimary AND NOT x.indisunique ORDER BY i.relname"), {"tables": list(_BULK_NAMES)}).all()
        for name, sql in rows:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
            state.append(("index", name, sql))
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
        return state
    placeholders = ", ".join("?" for _ in _BULK_NAMES)
    rows = conn.exec_driver_sql(
        f"SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ({placeholders}) "
        "AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name", _BULK_NAMES).all()
    for kind, name, sql in rows:
        conn.exec_driver_sql(f'DROP {kind.upper()} "{name}"')
        state.append((kind, name, sql))
    cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    state.append(("pragma", "cache_size", f"PRAGMA cache_size = {int(cache)}"))
    conn.exec_driver_sql("PRAGMA cache_size = -524288")  # 512 MiB while the indexes are built
    return state


def bulk_insert(conn: Connection, rows: dict[str, Sequence[tuple[Any, ...]]]) -> None:
    """Append rows (table name -> tuples from :func:`bulk_encoder`) between
    :func:`bulk_begin` and :func:`bulk_finish`."""
    for table in BULK_TABLES:
        batch = rows.get(table.name)
        if not batch:
            continue
        names = bulk_columns(table)
        cols = ", ".join(f'"{n}"' for n in names)
        if conn.dialect.name == "postgresql":
            raw = conn.connection.driver_connection
            assert raw is not None
            with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
                for row in batch:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in names)
            conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({cols}) VALUES ({marks})', list(batch))


def bulk_finish(conn: Connection, state: BulkState) -> None:
    """Make again what :func:`bulk_begin` dropped: the indexes, built once over the loaded
    rows; on SQLite the trigram table rebuilt from ``reference_names``, then its triggers.
    PostgreSQL gathers the tables' statistics for its planner."""
    for kind, _name, sql in state:
        if kind == "index":
            conn.exec_driver_sql(sql)
    if conn.dialect.name == "postgresql":
        for table in BULK_TABLES:
            conn.exec_driver_sql(f'ANALYZE "{table.name}"')
        return
    fts = conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'reference_names_fts'").first()
    if fts is not None:
        conn.exec_driver_sql("INSERT INTO reference_names_fts(reference_names_fts) VALUES ('rebuild')")
    for kind, _name, sql in state:
        if kind in ("trigger", "pragma"):
            conn.exec_driver_sql(sql)


def wal_truncate(conn: Connection) -> None:
    """SQLite: copy the write-ahead log into the database and empty it (after a bulk load it
    holds the whole database, gigabytes at a million persons). Nothing on PostgreSQL. On a
    connection outside any transaction."""
    if conn.dialect.name == "sqlite":
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


__all__ = ["BULK_TABLES", "bulk_begin", "bulk_columns", "bulk_encoder", "bulk_finish", "bulk_insert", "counts",
           "find_by_keys", "get_records", "is_empty", "keys_of", "upsert_records",
           "wal_truncate"]

