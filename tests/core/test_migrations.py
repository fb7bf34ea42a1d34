"""Named migration sets: versions live in the database, each step is atomic."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlcipher3

from neo.store import Migration, MigrationError, Store, migrate, schema_version
from neo.store.schema import CORE_MIGRATIONS

V1 = Migration(1, "visits", "CREATE TABLE visits (id INTEGER PRIMARY KEY, place TEXT NOT NULL);")
V2 = Migration(2, "visit notes", "ALTER TABLE visits ADD COLUMN note TEXT;\nCREATE INDEX visits_place ON visits(place);")
V3 = Migration(3, "visit officer", "ALTER TABLE visits ADD COLUMN officer TEXT;")


def _tables(store: Store) -> set[str]:
    return set(store.read(lambda c: [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")]))


def _columns(store: Store, table: str) -> list[str]:
    return store.read(lambda c: [r[1] for r in c.execute(f"PRAGMA table_info({table})")])


def test_named_sets_are_versioned_independently(store: Store) -> None:
    assert schema_version(store, "holiday_watch") == 0
    assert migrate(store, "holiday_watch", [V1, V2]) == 2
    assert migrate(store, "lookup", [Migration(1, "cache", "CREATE TABLE lookup_cache (k TEXT PRIMARY KEY);")]) == 1
    assert schema_version(store, "holiday_watch") == 2
    assert schema_version(store, "lookup") == 1
    assert schema_version(store, "statements") == 0
    assert {"visits", "lookup_cache", "neo_migrations"} <= _tables(store)
    assert _columns(store, "visits") == ["id", "place", "note"]


def test_the_version_is_stored_in_the_database(db_path: Path, key: bytes) -> None:
    with Store(db_path, key) as s:
        migrate(s, "holiday_watch", [V1, V2])
    with Store(db_path, key) as s:
        rows = s.read(lambda c: c.execute(
            "SELECT set_name, version, name FROM neo_migrations ORDER BY set_name, version").fetchall())
        assert rows == [("holiday_watch", 1, "visits"), ("holiday_watch", 2, "visit notes")]
        assert schema_version(s, "holiday_watch") == 2
        # Running again applies nothing; adding a step applies only that step.
        assert migrate(s, "holiday_watch", [V1, V2]) == 2
        assert migrate(s, "holiday_watch", [V1, V2, V3]) == 3
        assert _columns(s, "visits") == ["id", "place", "note", "officer"]


def test_several_statements_on_one_line(store: Store) -> None:
    # Migration.up is "SQL (several statements allowed)": a one-liner must work too,
    # and semicolons inside string literals and trigger bodies must not split it.
    one_line = Migration(
        1,
        "one line",
        "CREATE TABLE a (x TEXT); CREATE TABLE b (y TEXT); INSERT INTO a VALUES ('semi;colon'); "
        "CREATE TRIGGER b_ro BEFORE DELETE ON b BEGIN SELECT RAISE(ABORT, 'no; really'); END;",
    )
    assert migrate(store, "one_liner", [one_line]) == 1
    assert {"a", "b"} <= _tables(store)
    assert store.read(lambda c: c.execute("SELECT x FROM a").fetchall()) == [("semi;colon",)]


def test_callable_migrations_run_once(store: Store) -> None:
    calls = []

    def seed(conn) -> None:
        calls.append(1)
        conn.execute("CREATE TABLE natinf (code INTEGER PRIMARY KEY, label TEXT)")
        conn.executemany("INSERT INTO natinf VALUES (?, ?)", [(7001, "Vol simple"), (7875, "Vol aggravé")])

    migs = [Migration(1, "natinf codes", seed)]
    migrate(store, "statements", migs)
    migrate(store, "statements", migs)
    assert calls == [1]
    assert store.read(lambda c: c.execute("SELECT count(*) FROM natinf").fetchone()[0]) == 2


def test_a_failing_migration_leaves_the_previous_version(store: Store) -> None:
    broken = Migration(
        2,
        "half broken",
        "CREATE TABLE visit_photos (id INTEGER PRIMARY KEY);\n"
        "ALTER TABLE visits ADD COLUMN note TEXT;\n"
        "INSERT INTO no_such_table VALUES (1);",
    )
    with pytest.raises(sqlcipher3.OperationalError):
        migrate(store, "holiday_watch", [V1, broken, V3])
    assert schema_version(store, "holiday_watch") == 1
    # Nothing of the failed step survived, and the step after it did not run.
    assert "visit_photos" not in _tables(store)
    assert _columns(store, "visits") == ["id", "place"]

    # A callable step that raises is rolled back the same way.
    def explode(conn) -> None:
        conn.execute("CREATE TABLE half (x)")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        migrate(store, "holiday_watch", [V1, Migration(2, "explodes", explode)])
    assert schema_version(store, "holiday_watch") == 1
    assert "half" not in _tables(store)

    # The fixed set then migrates normally.
    assert migrate(store, "holiday_watch", [V1, V2, V3]) == 3


def test_a_database_newer_than_the_code_is_refused(db_path: Path, key: bytes) -> None:
    with Store(db_path, key) as s:
        migrate(s, "holiday_watch", [V1, V2, V3])
    with Store(db_path, key) as s:
        with pytest.raises(MigrationError, match="newer"):
            migrate(s, "holiday_watch", [V1, V2])
        assert schema_version(s, "holiday_watch") == 3
        assert _columns(s, "visits") == ["id", "place", "note", "officer"]


@pytest.mark.parametrize(
    "migs",
    [
        [Migration(2, "no first", "SELECT 1")],
        [V1, V3],
        [V1, Migration(1, "duplicate", "SELECT 1")],
    ],
)
def test_versions_must_be_1_to_n_without_gaps(store: Store, migs: list[Migration]) -> None:
    with pytest.raises(MigrationError):
        migrate(store, "holiday_watch", migs)


@pytest.mark.parametrize("name", ["", "drop table", "a;b", "x'--"])
def test_set_names_are_checked(store: Store, name: str) -> None:
    with pytest.raises(MigrationError):
        migrate(store, name, [V1])


def test_the_core_schema_migrates_on_a_fresh_database(tmp_path: Path) -> None:
    with Store(tmp_path / "core.db", os.urandom(32)) as s:
        assert migrate(s, "core", CORE_MIGRATIONS) == len(CORE_MIGRATIONS)
        assert {"device_info", "officers", "audit_events", "module_settings", "module_state"} <= _tables(s)
        triggers = s.read(lambda c: {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='trigger'")})
        assert {"audit_events_no_update", "audit_events_no_delete"} <= triggers
