"""``seed_demo`` into empty reference tables (the bulk load: indexes dropped, rows streamed
with COPY or executemany, indexes built at the end, one transaction) writes exactly what the
record-by-record upsert writes, on SQLite and PostgreSQL; the indexes and the trigram
index work afterwards; a failure leaves the tables empty with every index in place; the
records can be made in worker processes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, text

from neo.hq import reference
from neo.hq.lookup.quality import request_for
from neo.hq.lookup.search import search
from neo.hq.storage import Database
from neo.hq.storage import reference as reference_sql
from neo.hq.storage.schema import reference_keys, reference_names, reference_records
from neo.modules.lookup.demo import FILES, generate
from tests.hq.conftest import BACKENDS
from tests.pg import fresh_database

PERSONS = 240
TODAY = date(2026, 11, 29)


@pytest.fixture(params=BACKENDS)
def make_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Makes fresh, migrated databases of one backend (dropped afterwards)."""
    made: list[tuple[Database, Iterator[str] | None]] = []

    def make() -> Database:
        pg: Iterator[str] | None = None
        if request.param == "postgres":
            pg = fresh_database("neo_reference_seed")
            url = next(pg)
        else:
            url = f"sqlite+pysqlite:///{tmp_path_factory.mktemp('seed') / 'hq.db'}"
        db = Database(url)
        db.migrate()
        made.append((db, pg))
        return db

    yield make
    for db, pg in made:
        db.dispose()
        if pg is not None:
            pg.close()


def content(db: Database) -> dict[str, Any]:
    """Every reference row, in a stable order (``imported_at`` left out: it is the time of
    the run)."""
    r, k, n = reference_records.c, reference_keys.c, reference_names.c

    def read(conn: Any) -> dict[str, Any]:
        return {
            "records": [tuple(x) for x in conn.execute(select(r.file, r.record_id, r.payload, r.updated_at)
                                                       .order_by(r.file, r.record_id))],
            "keys": [tuple(x) for x in conn.execute(select(k.file, k.record_id, k.kind, k.key)
                                                    .order_by(k.file, k.record_id, k.key))],
            "names": [tuple(x) for x in conn.execute(select(*(c for c in reference_names.c))
                                                     .order_by(n.id))],
        }

    return db.read(read)


def schema_objects(db: Database) -> set[tuple[str, str]]:
    """The indexes and triggers on the reference tables."""
    def read(conn: Any) -> set[tuple[str, str]]:
        if db.dialect == "postgresql":
            rows = conn.execute(text("SELECT 'index', indexname FROM pg_indexes WHERE tablename IN "
                                     "('reference_records', 'reference_keys', 'reference_names')"))
        else:
            rows = conn.execute(text("SELECT type, name FROM sqlite_master WHERE type IN ('index', 'trigger') "
                                     "AND tbl_name IN ('reference_records', 'reference_keys', 'reference_names')"))
        return {(a, b) for a, b in rows}

    return db.read(read)


def test_bulk_load_writes_what_the_upsert_writes(make_db: Any) -> None:
    bulk, upsert = make_db(), make_db()
    objects = schema_objects(bulk)
    ticks: list[tuple[int, int]] = []
    expected = reference.seed_demo(upsert, PERSONS, chunk=100, bulk=False)
    assert reference.seed_demo(bulk, PERSONS, lambda _l, d, t: ticks.append((d, t)), chunk=100) == expected
    assert ticks == [(100, PERSONS), (200, PERSONS), (PERSONS, PERSONS)]
    assert not bulk.read(reference_sql.is_empty)
    got, want = content(bulk), content(upsert)
    assert len(got["records"]) == sum(expected.values())
    assert got["keys"] and got["names"]
    assert got == want
    assert schema_objects(bulk) == objects  # every index (and trigger) made again

    # The search finds the same on both, fuzzy names included (the trigram index was rebuilt).
    person = next(r for r in generate(reference.DEMO_SEED, PERSONS) if r.FILE == "persons" and len(r.surname) >= 6)
    typo = person.surname[:2] + person.surname[3] + person.surname[2] + person.surname[4:]
    for typed in (f"{person.surname} {person.given_names[0]}", f"{typo}x {person.given_names[0]}",
                  person.id.replace("P", "D", 1)):
        a = search(bulk, request_for(typed, 20), FILES, today=TODAY)
        b = search(upsert, request_for(typed, 20), FILES, today=TODAY)
        assert [(h.record_id, h.score) for h in a.hits] == [(h.record_id, h.score) for h in b.hits], typed
    assert person.id in [h.record_id for h in search(bulk, request_for(f"{typo}x {person.given_names[0]}"),
                                                     FILES, today=TODAY).hits]

    # Seeding again (the tables are no longer empty) upserts in place: nothing changes but
    # the numbering of the name rows (each record's are replaced).
    assert reference.seed_demo(bulk, PERSONS, chunk=100) == expected
    again = content(bulk)
    assert again["records"] == want["records"] and again["keys"] == want["keys"]
    assert [n[1:] for n in again["names"]] == [n[1:] for n in want["names"]]
    # New records go through the triggers again (SQLite's trigram index follows them).
    assert reference.seed_demo(bulk, PERSONS + 30, chunk=100)["persons"] == expected["persons"] + 30
    late = next(r for r in generate(reference.DEMO_SEED, PERSONS + 30, PERSONS) if r.FILE == "persons")
    found = search(bulk, request_for(f"{late.surname} {late.given_names[0]}"), FILES, today=TODAY)
    assert late.id in [h.record_id for h in found.hits]


def test_a_failed_bulk_load_leaves_empty_tables_with_their_indexes(make_db: Any) -> None:
    db = make_db()
    objects = schema_objects(db)

    def fail(_label: str, done: int, _total: int) -> None:
        if done >= 200:
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        reference.seed_demo(db, PERSONS, fail, chunk=100, bulk=True)
    assert db.read(reference_sql.is_empty)
    assert schema_objects(db) == objects
    assert reference.seed_demo(db, 50) == reference.seed_demo(make_db(), 50, bulk=False)


def test_bulk_load_needs_empty_tables(make_db: Any) -> None:
    db = make_db()
    reference.seed_demo(db, 10)
    with pytest.raises(ValueError, match="empty"):
        db.write(reference_sql.bulk_begin)


@pytest.mark.parametrize("make_db", ["sqlite"], indirect=True)
def test_records_made_in_worker_processes_are_the_same(make_db: Any) -> None:
    one, two = make_db(), make_db()
    assert reference.seed_demo(one, 150, chunk=40, workers=2) == reference.seed_demo(two, 150, chunk=40, workers=0)
    assert content(one) == content(two)
