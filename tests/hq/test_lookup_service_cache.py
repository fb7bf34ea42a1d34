"""What keeps a lookup cheap at HQ, on SQLite and PostgreSQL: the officer's roster row is
read at most every ``OFFICER_CACHE_SECONDS`` (and forgotten when HQ disables an officer),
and the query log is committed without waiting for the disk, without leaving that setting
on the connection for the writes that need it."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, text

from neo import protocol
from neo.hq.errors import AuthError
from neo.hq.lookup.service import OFFICER_CACHE_SECONDS, LookupService
from neo.hq.storage import lookup_log as log_sql

from .conftest import PIN, new_unit, random_service_number


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def request(officer: str) -> protocol.LookupRequest:
    return protocol.LookupRequest(query_id=str(uuid.uuid4()), officer=officer, reason="controle_routier",
                                  text="AB-123-CD", asked_at_ms=0)


@contextlib.contextmanager
def officer_reads(live: Any) -> Iterator[list[str]]:
    """The statements reading the roster while inside."""
    seen: list[str] = []

    def capture(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if "FROM officers" in statement:
            seen.append(statement)

    event.listen(live.hq.db.engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(live.hq.db.engine, "before_cursor_execute", capture)


def test_the_roster_row_is_cached_for_a_moment(live: Any) -> None:
    unit, unit_id, (officer,) = new_unit(live)
    clock = Clock()
    service = LookupService(live.hq.db, live.hq.config, clock=clock)
    with officer_reads(live) as reads:
        for _ in range(3):
            service.query("dev-cache", unit_id, request(officer))
        assert len(reads) == 1
        clock.now += OFFICER_CACHE_SECONDS
        service.query("dev-cache", unit_id, request(officer))
        assert len(reads) == 2
        # An unknown officer is never cached: one added since is known at once.
        late = random_service_number()
        with pytest.raises(AuthError):
            service.query("dev-cache", unit_id, request(late))
        live.hq.add_officer(late, "Agent tardif", unit, PIN)
        service.query("dev-cache", unit_id, request(late))


def test_an_officer_disabled_at_hq_is_refused_at_once(live: Any) -> None:
    _unit, unit_id, (officer,) = new_unit(live)
    service = live.hq.lookup
    service.query("dev-cache", unit_id, request(officer))  # cached now
    live.hq.set_officer_disabled(officer, True)
    with pytest.raises(AuthError) as err:
        service.query("dev-cache", unit_id, request(officer))
    assert err.value.code == "officer_disabled"


def test_the_query_log_is_written_without_a_flush_and_the_setting_does_not_stay(live: Any) -> None:
    _unit, unit_id, (officer,) = new_unit(live)
    db = live.hq.db
    req = request(officer)
    live.hq.lookup.query("dev-cache", unit_id, req)
    assert db.read(lambda c: log_sql.get(c, req.query_id)) is not None

    def setting(conn: Any) -> str:
        if db.dialect == "sqlite":
            return str(conn.execute(text("PRAGMA synchronous")).scalar())
        return str(conn.execute(text("SHOW synchronous_commit")).scalar())

    inside = db.write(setting, flush=False)
    after = db.write(setting)
    if db.dialect == "sqlite":
        assert (inside, after) == ("1", "2")  # NORMAL for that commit, FULL again
    else:
        assert (inside, after) == ("off", "on")
    with pytest.raises(RuntimeError):
        db.write(lambda c: (_ for _ in ()).throw(RuntimeError("no")), flush=False)
    assert db.write(setting) == after
