"""The offline hot-list on the device: fetched with its ETag, refreshed at most every N
minutes, kept in the encrypted database as keyed hashes only, and checked offline against
the keys of what the officer typed (plates, VINs, documents, name and birth date)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from neo import i18n
from neo.modules.lookup import store as sql
from neo.modules.lookup.match import detect, document_key, person_keys, plate_key, vin_key
from neo.modules.lookup.service import hotlist_hash, query_keys
from tests.modules.lookup.device import Clock, FakeRemote, lookup_service, start_host

HOT_PLATE = "AB-123-CD"
HOT_VIN = "VF1RFB00X12345678"
HOT_DOC = "18AB12345"


@pytest.fixture(autouse=True)
def _french() -> Iterator[None]:
    i18n.set_language("fr")
    yield
    i18n.set_language("fr")


@pytest.fixture
def remote() -> FakeRemote:
    keys = [plate_key(HOT_PLATE), vin_key(HOT_VIN), document_key(HOT_DOC),
            *person_keys("De La Fontaine", "Jean-Pierre", "1985-03-12")]
    return FakeRemote(hot_keys=[k for k in keys if k])


@pytest.fixture
def setup(session: Any, remote: FakeRemote) -> Iterator[tuple[Any, Clock, FakeRemote]]:
    host = start_host(session, remote)
    clock = Clock()
    _, service = lookup_service(host, clock)
    yield service, clock, remote
    host.stop()


def hotlist_gets(remote: FakeRemote) -> list[Any]:
    return [etag for method, path, etag in remote.calls if path.endswith("/hotlist")]


def test_fetch_with_etag_and_at_most_every_n_minutes(setup: tuple[Any, Clock, FakeRemote]) -> None:
    service, clock, remote = setup
    assert service.hotlist_status() == (None, 0, None)
    assert service.refresh_hotlist() is True
    version, count, fetched = service.hotlist_status()
    assert version == "1" and count == len(set(remote.hot_keys)) and fetched == clock.now
    # within the interval: no call at all
    clock.advance(minutes=5)
    assert service.refresh_hotlist() is False
    assert hotlist_gets(remote) == [None]
    # past it: a conditional GET; 304 keeps the list and notes the time
    clock.advance(minutes=11)
    assert service.refresh_hotlist() is False
    assert hotlist_gets(remote) == [None, '"1"']
    assert service.hotlist_status() == ("1", count, clock.now)
    # a new version (new secret) replaces the old list
    remote.version, remote.secret = "2", b"\x01" * 32
    remote.hot_keys = [plate_key("ZZ-999-ZZ") or ""]
    assert service.refresh_hotlist(force=True) is True
    assert service.hotlist_status()[:2] == ("2", 1)


def test_offline_search_flags_a_probable_hit_without_saying_which(setup: tuple[Any, Clock, FakeRemote],
                                                                  session: Any) -> None:
    service, _, remote = setup
    service.refresh_hotlist()
    remote.online = False
    out = service.search(text="ab123cd", reason="controle_routier")
    assert out.status == "queued" and out.hotlist == ["plate"]
    assert out.hotlist_message == "Correspondance probable, à confirmer en ligne"
    assert service.search(text=HOT_VIN.lower(), reason="controle_routier").hotlist == ["vin"]
    assert service.search(fields={"document": "18 ab 12345"}, reason="controle_identite").hotlist == ["document"]
    # a name typed in another order, without accents or particles' capitals, with a 2-digit year
    person = service.search(text="jean-pierre de la fontaine 12/03/85", reason="controle_identite")
    assert person.hotlist == ["person"]
    assert service.search(fields={"surname": "DE LA FONTAINE", "given_names": "Jean-Pierre",
                                  "birth_date": "12/03/1985"}, reason="controle_identite").hotlist == ["person"]
    # not on the list
    assert service.search(text="AB-124-CD", reason="controle_routier").hotlist == []
    assert service.search(text="jean-pierre de la fontaine 13/03/1985", reason="controle_identite").hotlist == []
    # the flag is kept with the query and audited as a yes/no, never as an entry of the list
    assert service.get(out.query_id).hotlist == ["plate"]  # type: ignore[union-attr]
    event = next(e for e in session.audit.events(action="lookup.query") if e.details["query_id"] == out.query_id)
    assert event.details["hotlist"] is True
    i18n.set_language("en")
    assert service.get(out.query_id).hotlist_message == "Probable hit, confirm online"  # type: ignore[union-attr]


def test_online_the_hotlist_is_not_used(setup: tuple[Any, Clock, FakeRemote]) -> None:
    service, _, _ = setup
    service.refresh_hotlist()
    assert service.search(text=HOT_PLATE, reason="controle_routier").hotlist == []


def test_no_plate_or_name_in_clear_in_the_device_store(setup: tuple[Any, Clock, FakeRemote], session: Any) -> None:
    service, _, _ = setup
    service.refresh_hotlist()

    def dump(conn: Any) -> str:
        rows = [list(r) for t in ("lookup_hotlist", "lookup_hotlist_hashes")
                for r in conn.execute(f"SELECT * FROM {t}")]
        return json.dumps(rows).upper()

    text = session.store.read(dump)
    for needle in ("AB123CD", "AB-123-CD", HOT_VIN, HOT_DOC, "FONTAINE", "JEANPIERRE", "1985-03-12", "V1:"):
        assert needle not in text
    hashes = session.store.read(lambda c: [r[0] for r in c.execute("SELECT hash FROM lookup_hotlist_hashes")])
    secret = base64.b64decode(session.store.read(sql.hotlist_meta).secret)
    assert hotlist_hash(secret, plate_key(HOT_PLATE) or "") in hashes
    assert all(len(h) == 16 and int(h, 16) >= 0 for h in hashes)
    # and the database file itself is encrypted
    session.store.checkpoint()
    raw = session.store.path.read_bytes()
    assert b"SQLite format 3" not in raw[:16] and hashes[0].encode() not in raw


def test_an_unreadable_hotlist_keeps_the_old_one(setup: tuple[Any, Clock, FakeRemote]) -> None:
    service, _, remote = setup
    service.refresh_hotlist()
    before = service.hotlist_status()
    original = remote.request

    def bad(method: str, path: str, **kw: Any) -> Any:
        response = original(method, path, **kw)
        if path.endswith("/hotlist") and response.json:
            return type(response)(200, {**response.json, "hashes": ["not-hex"]}, '"9"')
        return response

    remote.request = bad  # type: ignore[method-assign]
    assert service.refresh_hotlist(force=True) is False
    assert service.hotlist_status() == before
    remote.online = False
    assert service.refresh_hotlist(force=True) is False  # offline: no error, the list stays


def test_query_keys_cover_every_reading() -> None:
    kinds = {k for k, _ in query_keys(detect("AB-123-CD"))}
    assert "plate" in kinds
    mrz = "IDFRADUPONT<<<<<<<<<<<<<<<<<<<<<<<<<<<\n0503067501234JEAN<<<<<<<<<<8503125M2"
    assert {k for k, _ in query_keys(detect(mrz))} <= {"document", "person"}
    assert query_keys(detect("dupont jean")) == []  # no birth date: no person key
