"""SQL injection and full-text query syntax (SQLite FTS5, PostgreSQL pg_trgm and LIKE)
in lookups, in the single search field and in every structured field: the input is only
ever text to match. No error, no extra rows (a query built around a wanted person's name
finds that person and nobody else), and the reference tables are untouched."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neo.hq.lookup.service import RateLimiter
from neo.hq.testing import LiveHQ

from .conftest import Snapshot, World, examples

INJECTIONS = [
    "' OR '1'='1", "' OR 1=1 --", "\" OR \"\"=\"", "'; DROP TABLE reference_records; --", "1; DELETE FROM records",
    "' UNION SELECT payload FROM reference_records --", "') OR ('a'='a", "\\' OR 1=1 #", "%", "%%", "_", "%_%",
    "*", "\"*\"", "a*", "NEAR(a b)", "a OR b", "a AND NOT b", "NOT a", "surname:*", "{surname given_names}:a",
    "^a", "a + b", "\"unterminated", "(((", ")))", "'", "\\", "[a-z]", ".*", "$1", "?", ":name", "@@version",
    "%' ESCAPE '\\", "a' COLLATE \"C\" --", "x <-> y", "a %> b", "a <% b", "set_limit(0)", "similarity(a,b)",
    "E'\\x41'", "$$a$$", "0x414243", "/**/OR/**/1=1", "char(39)", "|| pg_sleep(1) --",
]


@pytest.fixture
def unlimited(live: LiveHQ, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live.hq.lookup, "rate", RateLimiter(1_000_000))


def _ask(world: World, **entry: Any) -> Any:
    body = {"query_id": str(uuid.uuid4()), "officer": world.a.handle.officer, "reason": "recherche",
            "asked_at_ms": 1_790_000_000_000, **entry}
    with world.client(world.a.handle.token) as c:
        return c.post("/api/v1/m/lookup/search", json=body)


def _reference(live: LiveHQ) -> dict[str, int]:
    tables = Snapshot.take(live).tables
    return {t: n for t, n in tables.items() if t.startswith("reference_") or t == "records"}


def test_injections_in_the_search_field_find_nothing(live: LiveHQ, world: World, unlimited: None) -> None:
    ref = _reference(live)
    for text in INJECTIONS:
        r = _ask(world, text=text)
        assert r.status_code == 200, (text, r.text[:300])
        assert r.json()["hits"] == [], (text, [h["record_id"] for h in r.json()["hits"]])
    assert _reference(live) == ref


@pytest.mark.parametrize("field", ["surname", "given_names", "birth_date", "plate", "vin", "document", "serial", "mrz"])
def test_injections_in_every_structured_field_find_nothing(live: LiveHQ, world: World, unlimited: None,
                                                           field: str) -> None:
    ref = _reference(live)
    for text in INJECTIONS:
        fields = {field: text}
        if field == "given_names":
            fields["surname"] = "x"
        r = _ask(world, fields=fields)
        assert r.status_code in (200, 422), (field, text, r.status_code, r.text[:300])
        if r.status_code == 200:
            assert r.json()["hits"] == [], (field, text, [h["record_id"] for h in r.json()["hits"]])
        else:
            assert r.json()["error"]["kind"] == "rejected"
    assert _reference(live) == ref


def test_an_injection_around_a_real_name_widens_nothing(live: LiveHQ, world: World, unlimited: None) -> None:
    """The wanted person's own name, with injection syntax around it, finds that person and
    nobody else; the stolen plate likewise."""
    name = f"{world.wanted['surname']} Karim 23/11/1988"
    plain = {h["record_id"] for h in _ask(world, text=name).json()["hits"]}
    assert world.wanted["id"] in plain
    for wrap in ("{} ' OR '1'='1", "{}%", "{} OR a", "{}*", "\"{}\" OR \"\"", "{}' --", "{} NEAR(a b)", "%{}%"):
        hits = {h["record_id"] for h in _ask(world, text=wrap.format(name)).json()["hits"]}
        assert hits <= plain | {world.wanted["id"]}, (wrap, hits - plain)
    plate = world.stolen["plate"]
    for wrap in ("{}' OR '1'='1", "{}%", "{}*", "%{}"):
        hits = {h["record_id"] for h in _ask(world, text=wrap.format(plate)).json()["hits"]}
        assert hits <= {world.stolen["id"]}, (wrap, hits)


@given(text=st.text(alphabet=st.sampled_from(list("%_*\"'()-:^{}[]\\;|&<>=.,!?~ ") + list("aeKXZ09é")),
                    min_size=1, max_size=40))
@settings(max_examples=examples(25, 400), deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_any_query_syntax_is_just_text(live: LiveHQ, world: World, unlimited: None, text: str) -> None:
    r = _ask(world, text=text)
    assert r.status_code in (200, 422), (text, r.status_code, r.text[:300])
    if r.status_code == 200 and not any(ch.isalnum() for ch in text):
        assert r.json()["hits"] == [], (text, r.json()["hits"])  # syntax alone matches nothing
