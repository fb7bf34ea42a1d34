"""The storage layer on both backends: migrations match the schema, batch writes store what
the Core path would, the sequence and the pull query behave."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, select

from neo.hq.storage import Database, DatabaseError, normalize_url
from neo.hq.storage import sync as sync_sql
from neo.hq.storage.schema import FUZZY_INDEX_OBJECTS, metadata, mutations, records
from neo.hq.testing import LiveHQ


@pytest.fixture
def db(live: LiveHQ) -> Database:
    return live.hq.db


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from neo.hq.storage.db import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg).get_current_head()


def _declared(name, type_, _parent) -> bool:
    """Leave out the dialect-specific fuzzy index objects (FTS5 tables, pg_trgm index)."""
    return name not in FUZZY_INDEX_OBJECTS


def _compare(conn) -> list:
    opts = {"compare_type": True, "include_name": _declared}
    return compare_metadata(MigrationContext.configure(conn, opts=opts), metadata)


def test_migrations_build_exactly_the_declared_schema(db: Database) -> None:
    assert db.migrate() == _head()  # idempotent
    with db.engine.connect() as conn:
        diff = _compare(conn)
    assert diff == []


def test_batch_insert_stores_what_core_would(db: Database) -> None:
    when = datetime(2026, 11, 28, 10, 30, 15, 123456, tzinfo=UTC)

    def row(mid: str) -> dict:
        return {"mutation_id": mid, "device_id": "d", "collection": "test.x", "record_id": str(uuid.uuid4()),
                "status": "rejected", "server_seq": None, "reason_code": "x", "reason": "é", "conflict_id": None,
                "current_version": None, "received_at": when}

    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    db.write(lambda c: sync_sql.mutations_insert(c, [row(a)]))
    db.write(lambda c: c.execute(insert(mutations), [row(b)]))
    got = db.read(lambda c: {r.mutation_id: r.received_at for r in c.execute(
        select(mutations.c.mutation_id, mutations.c.received_at).where(mutations.c.mutation_id.in_([a, b])))})
    assert got[a] == got[b] == when
    # And the raw stored text is identical too (string comparisons in SQL stay right).
    raw = db.read(lambda c: [r[0] for r in c.exec_driver_sql(
        f"SELECT CAST(received_at AS TEXT) FROM mutations WHERE mutation_id IN ('{a}', '{b}')")])
    assert raw[0] == raw[1]


def test_lookups_and_sequence(db: Database) -> None:
    keys = [("test.x", str(uuid.uuid4())) for _ in range(1500)]
    now = datetime.now(UTC)

    def write(conn):
        start = sync_sql.lock_sequence(conn)
        rows = [{"server_seq": start + i + 1, "collection": k[0], "record_id": k[1], "version": "v",
                 "origin_device": "d", "officer": None, "tombstone": False, "payload": None,
                 "audience": "hq", "mutation_id": None, "created_at": now, "updated_at": now}
                for i, k in enumerate(keys)]
        sync_sql.records_insert(conn, rows)
        sync_sql.set_sequence(conn, start + len(keys))
        return start

    start = db.write(write)
    found = db.read(lambda c: sync_sql.records_get(c, [*keys[::3], ("test.x", str(uuid.uuid4()))]))
    assert set(found) == set(keys[::3])
    assert db.read(sync_sql.current_sequence) >= start + 1500
    # "hq" records are never pulled.
    texts, _last, more = db.read(lambda c: sync_sql.pull_page(c, since=start, limit=10, audiences=["*"]))
    assert (texts, more) == ([], False)
    assert db.read(lambda c: sync_sql.mutations_get(c, [])) == {}
    assert db.read(lambda c: c.execute(select(records.c.server_seq).where(
        records.c.record_id == keys[0][1])).scalar()) == start + 1


def test_database_urls() -> None:
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    with pytest.raises(DatabaseError):
        normalize_url("mysql://u@h/db")
    with pytest.raises(DatabaseError):
        normalize_url("not a url")


def test_unreachable_postgres_is_a_clear_error() -> None:
    db = Database("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(DatabaseError, match="cannot open the database"):
        db.migrate()


def test_upgrade_from_the_first_revision_keeps_data(tmp_path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from neo.hq.storage.db import MIGRATIONS_DIR

    db = Database(f"sqlite+pysqlite:///{tmp_path / 'old.db'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.engine.connect() as conn:
        conn.execution_options(sqlite_begin="IMMEDIATE")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.commit()
    db.write(lambda c: c.execute(text(
        "INSERT INTO units (name, created_at) VALUES ('BTA Menton', '2026-11-28 10:00:00.000000')")))
    db.write(lambda c: c.execute(text(
        "INSERT INTO devices (id, name, unit_id, public_key, key_type, token_hash, enrolled_at, revoked) "
        "VALUES ('d1', 'T', 1, 'k', 'x25519', 'h', '2026-11-28 10:00:00.000000', 0)")))
    assert db.migrate() == _head()
    row = db.read(lambda c: c.execute(text("SELECT id, unlock_token_hash, unlock_share FROM devices")).one())
    assert tuple(row) == ("d1", None, None)
    with db.engine.connect() as conn:
        assert _compare(conn) == []
    db.dispose()
