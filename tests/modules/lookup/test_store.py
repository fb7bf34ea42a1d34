"""The lookup's own tables in the real encrypted store: its migration set, the queue's
state changes, retention, and the hot-list swapped whole or not at all."""

from __future__ import annotations

from typing import Any

import pytest

from neo.modules.lookup import store as sql
from neo.store import migrate
from neo.store.migrations import schema_version


@pytest.fixture
def store(session: Any) -> Any:
    migrate(session.store, "lookup", sql.MIGRATIONS)
    return session.store


def add(store: Any, query_id: str, *, officer: str = "100001", asked_at: str = "2026-11-28T10:00:00.000+00:00",
        status: str = "queued") -> None:
    store.write(lambda c: sql.insert_query(
        c, query_id=query_id, officer=officer, asked_at=asked_at, answered_at=None, status=status,
        reason="recherche", reason_text="", entry="AB-123-CD", search_text="ab-123-cd\nab123cd",
        request={"query_id": query_id}, outcome={"hits": []}))


def test_the_migration_set_is_recorded_and_idempotent(session: Any, store: Any) -> None:
    assert schema_version(session.store, "lookup") == len(sql.MIGRATIONS)
    assert migrate(session.store, "lookup", sql.MIGRATIONS) == len(sql.MIGRATIONS)


def test_a_queued_query_is_settled_once(store: Any) -> None:
    add(store, "q1")
    assert [r.query_id for r in store.read(lambda c: sql.queued(c, "100001"))] == ["q1"]
    assert store.read(lambda c: sql.queued(c, "100002")) == []
    assert store.write(lambda c: sql.settle_query(c, "q1", status="answered", answered_at="x", outcome={"hits": [1]}))
    assert not store.write(lambda c: sql.settle_query(c, "q1", status="refused", answered_at="y", outcome={}))
    row = store.read(lambda c: sql.get_query(c, "q1"))
    assert row.status == "answered" and row.outcome == {"hits": [1]} and row.attempts == 1
    assert store.read(lambda c: sql.get_query(c, "q1", "100002")) is None


def test_status_is_checked_by_the_schema(store: Any) -> None:
    with pytest.raises(Exception, match="CHECK"):
        add(store, "bad", status="lost")
    assert store.read(sql.count_queries) == 0


def test_retention_never_drops_a_waiting_query(store: Any) -> None:
    add(store, "old-queued", asked_at="2020-01-01T00:00:00")
    add(store, "old-answered", asked_at="2020-01-01T00:00:01", status="answered")
    for i in range(3):
        add(store, f"new-{i}", asked_at=f"2026-11-28T10:00:0{i}", status="answered")
    add(store, "other-officer", officer="100002", asked_at="2026-11-28T09:00:00", status="answered")
    deleted = store.write(lambda c: sql.purge(c, before="2026-01-01", keep=2))
    assert deleted == 2
    left = {r.query_id for r in store.read(lambda c: sql.history(c, "100001", 100))}
    assert left == {"old-queued", "new-1", "new-2"}
    assert [r.query_id for r in store.read(lambda c: sql.history(c, "100002", 100))] == ["other-officer"]


def test_the_hotlist_is_replaced_whole_or_not_at_all(store: Any) -> None:
    def put(conn: Any, version: str, hashes: list[str]) -> int:
        return sql.replace_hotlist(conn, version=version, key_version="v1", algorithm="hmac-sha256-64",
                                   secret="c2VjcmV0", etag=f'"{version}"', generated_at=None, fetched_at="t",
                                   hashes=hashes)

    assert store.write(lambda c: put(c, "1", ["00" * 8, "11" * 8, "00" * 8])) == 2

    def broken(conn: Any) -> None:
        put(conn, "2", ["22" * 8])
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        store.write(broken)
    meta = store.read(sql.hotlist_meta)
    assert (meta.version, meta.count, meta.etag) == ("1", 2, '"1"')
    assert store.read(lambda c: sql.hotlist_hits(c, ["00" * 8, "22" * 8])) == {"00" * 8}
