"""Hostile bodies and headers on every route that takes them: bodies over the limits
(declared, streamed, or inflated from gzip), deeply nested JSON, wrong content types,
oversized and duplicated headers, unicode edge cases (NUL, lone surrogates, bidi
overrides) and numbers out of range. Each gets a clear 4xx (or, where the input is
fine, a normal answer) and writes nothing it should not; HQ never crashes."""

from __future__ import annotations

import gzip
import json
import uuid
import zlib
from datetime import date, timedelta
from typing import Any

import pytest

from neo.hq.testing import LiveHQ
from tests.hq.watch.watch_data import postcode, registration

from .conftest import Snapshot, World, assert_error, raw_http

SHA = "0" * 64
JSON = {"content-type": "application/json"}


def json_routes(world: World) -> list[tuple[str, str]]:
    """Every route that takes a JSON body (method, path)."""
    return [
        ("POST", "/api/v1/enroll"),
        ("POST", "/api/v1/officers/verify"),
        ("POST", "/api/v1/sync/push"),
        ("POST", f"/api/v1/attachments/{SHA}/complete"),
        ("POST", "/api/v1/audit/push"),
        ("POST", "/api/v1/m/lookup/search"),
        ("POST", "/api/v1/m/holiday_watch/registrations"),
        ("POST", f"/api/v1/m/holiday_watch/registrations/{world.registration_id}/access"),
    ]


def body_routes(world: World) -> list[tuple[str, str]]:
    return [*json_routes(world), ("PUT", f"/api/v1/attachments/{SHA}/chunks/0")]


def test_every_json_route_is_listed(live: LiveHQ, world: World) -> None:
    with live.client() as c:
        spec = c.get("/api/v1/openapi.json").json()
    with_body = {(m.upper(), p) for p, ops in spec["paths"].items() for m, op in ops.items() if "requestBody" in op}
    templated = {(m, p.replace(SHA, "{sha256}").replace("/chunks/0", "/chunks/{index}")
                  .replace(world.registration_id, "{registration_id}")) for m, p in body_routes(world)}
    assert with_body == templated


# -- sizes ------------------------------------------------------------------------------------------


def test_bodies_over_the_limit_are_413_and_write_nothing(live: LiveHQ, world: World) -> None:
    body_limit, chunk_limit = live.hq.config.max_body_bytes, live.hq.config.max_chunk_bytes
    with world.client(world.a.handle.token) as c:
        for method, path in body_routes(world):
            limit = chunk_limit if "/chunks/" in path else body_limit
            before = Snapshot.take(live)
            # declared too large
            big = b'{"x": "' + b"a" * limit + b'"}'
            assert_error(c.request(method, path, content=big, headers=JSON), 413, "too_large", "body_too_large")

            # streamed, no length
            def stream(n: int = limit) -> Any:
                for _ in range(n // 65536 + 2):
                    yield b" " * 65536

            assert_error(c.request(method, path, content=stream(), headers=JSON), 413, "too_large", "body_too_large")
            # a gzip bomb: small on the wire, past the limit once inflated
            bomb = gzip.compress(b"[" + b" " * (limit * 4) + b"]", 9)
            assert len(bomb) < limit // 50
            r = c.request(method, path, content=bomb, headers={**JSON, "content-encoding": "gzip"})
            assert_error(r, 413, "too_large", "body_too_large")
            before.unchanged()


def test_a_large_gzip_bomb_is_cut_at_the_limit(live: LiveHQ, world: World) -> None:
    """A 1 GiB bomb (about 1 MiB on the wire) is refused after inflating at most the limit."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * (1 << 20)
    bomb = b"".join(comp.compress(zeros) for _ in range(1024)) + comp.flush()
    assert len(bomb) < 2 << 20
    before = Snapshot.take(live)
    with world.client(world.a.handle.token) as c:
        for path in ("/api/v1/sync/push", "/api/v1/m/lookup/search", f"/api/v1/attachments/{SHA}/chunks/0"):
            method = "PUT" if "/chunks/" in path else "POST"
            r = c.request(method, path, content=bomb, headers={**JSON, "content-encoding": "gzip"})
            assert_error(r, 413, "too_large", "body_too_large")
        # gzip inside gzip: HQ inflates one layer only, the rest is not JSON
        nested = gzip.compress(gzip.compress(b'{"mutations": []}'))
        r = c.post("/api/v1/sync/push", content=nested, headers={**JSON, "content-encoding": "gzip"})
        assert_error(r, 400, "rejected", "malformed_json")
        for encoding in ("gzip, gzip", "deflate", "br", "x-gzip, identity", "compress"):
            r = c.post("/api/v1/sync/push", content=b"{}", headers={**JSON, "content-encoding": encoding})
            assert_error(r, 415, "rejected", "unsupported_encoding")
    before.unchanged()


def test_a_push_of_the_largest_payload_allowed_is_fine_and_one_byte_more_is_refused(live: LiveHQ, world: World) -> None:
    from neo import protocol

    device = world.a2
    filler = "x" * (protocol.MAX_PAYLOAD_BYTES - len('{"f":""}'))
    ok = device.mutation("test.events", {"f": filler})
    too_big = device.mutation("test.events", {"f": filler + "x"})
    with device.client() as c:
        r = c.post("/api/v1/sync/push", json={"mutations": [ok, too_big]})
    assert r.status_code == 200, r.text
    assert [x["status"] for x in r.json()["results"]] == ["applied", "rejected"]
    assert r.json()["results"][1]["reason_code"] == "payload_too_large"


# -- nesting ----------------------------------------------------------------------------------------

DEEP = 100_000


@pytest.mark.parametrize("shape", ["arrays", "objects", "inside_a_valid_envelope"])
def test_deeply_nested_json_is_a_clear_4xx(live: LiveHQ, world: World, shape: str) -> None:
    deep_array = b"[" * DEEP + b"]" * DEEP
    deep_object = b'{"a":' * DEEP + b"1" + b"}" * DEEP
    with world.client(world.a.handle.token) as c:
        for method, path in json_routes(world):
            before = Snapshot.take(live)
            if shape == "arrays":
                body = deep_array
            elif shape == "objects":
                body = deep_object
            else:
                body = _envelope(world, path, deep_object)
            r = c.request(method, path, content=body, headers=JSON)
            assert 400 <= r.status_code < 500, (path, r.status_code, r.text[:300])
            assert r.json()["error"]["kind"] in ("rejected", "auth"), (path, r.text[:300])
            before.unchanged()


def _envelope(world: World, path: str, deep: bytes) -> bytes:
    """A body valid but for one deeply nested value where the route takes free JSON."""
    if path.endswith("/sync/push"):
        m = world.a.handle.mutation("test.events", {"k": 1})
        return json.dumps({"mutations": [m]}).encode().replace(b'{"k": 1}', b'{"k": ' + deep + b"}")
    if path.endswith("/audit/push"):
        return b'{"events": [{"seq": 1, "details": ' + deep + b"}]}"
    return b'{"officer": "1234", "reason": "controle_routier", "x": ' + deep + b"}"


def test_a_payload_deeper_than_allowed_is_rejected_per_mutation(live: LiveHQ, world: World) -> None:
    device = world.a2
    deep: Any = 1
    for _ in range(40):
        deep = {"a": deep}
    ok = device.mutation("test.events", {"n": 1})
    with device.client() as c:
        r = c.post("/api/v1/sync/push", json={"mutations": [ok, device.mutation("test.events", deep)]})
    assert r.status_code == 200, r.text
    assert [(x["status"], x.get("reason_code")) for x in r.json()["results"]] == [
        ("applied", None), ("rejected", "payload_too_deep")]


# -- content types and headers --------------------------------------------------------------------

CONTENT_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                 "application/xml", "application/json; charset=utf-16", "", "application/octet-stream",
                 "application/json\r\nx-injected: 1"]


def test_wrong_content_types_get_a_clear_answer(live: LiveHQ, world: World) -> None:
    body = json.dumps({"officer": world.a.handle.officer, "reason": "controle"}).encode()
    with world.client(world.a.handle.token) as c:
        for method, path in json_routes(world):
            for ctype in CONTENT_TYPES:
                before = Snapshot.take(live)
                try:
                    r = c.request(method, path, content=body, headers={"content-type": ctype})
                except Exception:  # httpx refuses a header with a line break: the attack cannot be sent
                    assert "\r" in ctype
                    continue
                assert r.status_code < 500, (path, ctype, r.text[:200])
                assert r.headers["content-type"].startswith("application/json")
                if r.status_code >= 400:
                    assert set(r.json()) == {"error"}, r.text
                before.unchanged(allow=("watch_access_log",))
            # UTF-16: read or refused, never a crash
            r = c.request(method, path, content=body.decode().encode("utf-16"), headers=JSON)
            assert r.status_code < 500, (path, r.status_code)


def test_oversized_headers_are_refused_before_the_app(live: LiveHQ, world: World) -> None:
    before = Snapshot.take(live)
    with world.client(world.a.handle.token) as c:
        for headers in ({"x-padding": "a" * 200_000}, {f"x-h{i}": "v" * 100 for i in range(2000)},
                        {"authorization": "Bearer neo_" + "a" * 100_000}):
            try:
                r = c.get("/api/v1/roster", headers=headers)
            except Exception:  # the server may close the connection on a header flood: also a refusal
                continue
            assert 400 <= r.status_code < 500, (r.status_code, r.text[:200])
        # an absurd token within the header limits: unknown, not a crash
        for token in ("neo_" + "é" * 2000, "neo_\u202e" + "a" * 40):
            r = c.get("/api/v1/roster", headers={"authorization": b"Bearer " + token.encode()})
            assert_error(r, 401, "auth", "token_unknown")
    # a NUL in a header (no client library sends one): refused by the HTTP layer or unknown
    status, answer = raw_http(live, b"GET /api/v1/roster HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                    b"Authorization: Bearer neo_\x00" + b"a" * 40 + b"\r\n\r\n")
    assert status in (0, 400, 401), answer[:300]
    before.unchanged()


def test_duplicated_headers_are_refused(live: LiveHQ, world: World) -> None:
    """Two Authorization (or Content-Length, Content-Encoding) headers: which one counts
    would be a guess, so HQ refuses the request."""
    before = Snapshot.take(live)
    mine, theirs = world.a.handle.token, world.b.handle.token
    with live.client() as c:
        both = [("authorization", f"Bearer {mine}"), ("authorization", f"Bearer {theirs}")]
        assert_error(c.get("/api/v1/roster", headers=both), 400, "rejected", "duplicate_header")
        assert_error(c.get("/api/v1/sync/pull", headers=list(reversed(both))), 400, "rejected", "duplicate_header")
        same_twice = [("authorization", f"Bearer {mine}")] * 2
        assert_error(c.get("/api/v1/roster", headers=same_twice), 400, "rejected", "duplicate_header")
        body = gzip.compress(json.dumps({"mutations": [world.a2.mutation()]}).encode())
        headers = [("authorization", f"Bearer {mine}"), ("content-type", "application/json"),
                   ("content-encoding", "gzip"), ("content-encoding", "identity")]
        assert_error(c.post("/api/v1/sync/push", content=body, headers=headers), 400, "rejected", "duplicate_header")
    before.unchanged()


# -- unicode ----------------------------------------------------------------------------------------

NASTY = ["\x00", "a\x00b", "\ud800", "x\udfffy", "\u202eevil\u202c", "\u2066iso\u2069", "\ufeff", "\uffff",
         "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "é" * 300, "\u0301" * 50]
"""NUL, lone surrogates (sent as JSON escapes), bidi overrides and isolates, BOM, a
non-character, astral letters, long and combining-only strings."""


def _raw(obj: Any) -> bytes:
    """JSON with every non-ASCII character escaped: lone surrogates travel as \\udXXX."""
    return json.dumps(obj, ensure_ascii=True).encode()


def test_unicode_edge_cases_in_pushed_records(live: LiveHQ, world: World) -> None:
    device = world.a2
    with device.client() as c:
        for text in NASTY:
            m = device.mutation("test.events", {"name": text, text: 1})
            before = Snapshot.take(live)
            r = c.post("/api/v1/sync/push", content=_raw({"mutations": [m]}), headers=JSON)
            if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
                # not representable in UTF-8 (nor in PostgreSQL): HQ's parser refuses the batch
                assert_error(r, 400, "rejected", "malformed_json")
                before.unchanged()
            else:
                assert r.status_code == 200, (repr(text), r.text[:300])
                (res,) = r.json()["results"]
                assert res["status"] == "applied", (repr(text), res)
                page = c.get("/api/v1/sync/pull", params={"since": res["server_seq"] - 1, "limit": 1}).json()
                assert page["changes"][0]["payload"] == {"name": text, text: 1}


def test_unicode_edge_cases_in_lookups(live: LiveHQ, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from neo.hq.lookup.service import RateLimiter

    monkeypatch.setattr(live.hq.lookup, "rate", RateLimiter(100_000))
    with world.client(world.a.handle.token) as c:
        for text in NASTY:
            for body in ({"text": text}, {"fields": {"surname": text, "plate": text[:20]}}):
                q = {"query_id": str(uuid.uuid4()), "officer": world.a.handle.officer, "reason": "controle_routier",
                     "asked_at_ms": 1_790_000_000_000, **body}
                before = Snapshot.take(live)
                r = c.post("/api/v1/m/lookup/search", content=_raw(q), headers=JSON)
                # a lone surrogate is not valid JSON for HQ's parser (400), a NUL is a control character (422)
                assert r.status_code in (200, 400, 422), (repr(text), r.status_code, r.text[:300])
                if r.status_code != 200:
                    before.unchanged()
                else:
                    assert r.json()["hits"] == [] or all(h["file"] for h in r.json()["hits"])


def test_unicode_edge_cases_in_registrations(live: LiveHQ, world: World) -> None:
    """Names and notes with NUL, lone surrogates or bidi controls are refused (a bidi
    override would make a report or a screen show another name than the one stored)."""
    url = "/api/v1/m/holiday_watch/registrations"
    with world.client(world.a.handle.token) as c:
        for text in NASTY:
            for where in ("citizen", "notes", "people", "access"):
                reg = registration(postcode())
                if where == "citizen":
                    reg["citizen"]["name"] = f"Jeanne {text}"
                elif where == "notes":
                    reg["notes"] = f"note {text}"
                elif where == "people":
                    reg["authorised_people"][0]["name"] = f"Paul {text}"
                else:
                    reg["access"] = f"code {text}"
                before = Snapshot.take(live)
                r = c.post(url, content=_raw({"officer": world.a.handle.officer, "registration": reg}), headers=JSON)
                bad = any(ch in text for ch in "\x00\ud800\udfff\u202e\u202c\u2066\u2069") or (
                    len(text) > 100 and where in ("citizen", "people"))  # names: 120 characters at most
                if bad:
                    assert r.status_code in (400, 422), (where, repr(text), r.text[:300])
                    assert r.json()["error"]["kind"] == "rejected"
                    before.unchanged()
                else:
                    assert r.status_code == 200, (where, repr(text), r.text[:300])


# -- numbers ----------------------------------------------------------------------------------------

HUGE = [-1, -(2**63), 2**63, 2**64, 10**30, 1e308, -0.0, 1.5, "1", None, True]


def test_numbers_out_of_range_in_lookups(live: LiveHQ, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from neo.hq.lookup.service import RateLimiter

    monkeypatch.setattr(live.hq.lookup, "rate", RateLimiter(100_000))
    with world.client(world.a.handle.token) as c:
        for value in HUGE:
            q = {"query_id": str(uuid.uuid4()), "officer": world.a.handle.officer, "reason": "controle_routier",
                 "text": "AB-123-CD", "asked_at_ms": value}
            before = Snapshot.take(live)
            assert_error(c.post("/api/v1/m/lookup/search", json=q), 422, "rejected", "invalid")
            before.unchanged()
        for raw in (b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-1e999"):
            for field in ("lat", "lon", "accuracy"):
                pos = {"lat": "43.7", "lon": "7.5", "accuracy": "10"}
                pos[field] = raw.decode()
                body = (b'{"query_id": "%s", "officer": "%s", "reason": "controle_routier", "text": "AB-123-CD", '
                        b'"asked_at_ms": 1790000000000, "position": {"lat": %s, "lon": %s, "accuracy": %s}}') % (
                    str(uuid.uuid4()).encode(), world.a.handle.officer.encode(), pos["lat"].encode(),
                    pos["lon"].encode(), pos["accuracy"].encode())
                before = Snapshot.take(live)
                r = c.post("/api/v1/m/lookup/search", content=body, headers=JSON)
                assert r.status_code in (400, 422), (raw, field, r.status_code, r.text[:300])
                before.unchanged()


def test_numbers_out_of_range_in_sync_audit_and_attachments(live: LiveHQ, world: World) -> None:
    from neo.audit import event_hash

    device = world.a2
    with device.client() as c:
        before = Snapshot.take(live)
        for since in ("-1", str(2**63), str(2**64), "1e3", "0x10", "NaN", "", "1 OR 1=1"):
            assert_error(c.get("/api/v1/sync/pull", params={"since": since}), 422, "rejected", "invalid")
        for limit in ("0", "-5", str(10**20), "5001"):
            assert_error(c.get("/api/v1/sync/pull", params={"limit": limit}), 422, "rejected", "invalid")
        for index in ("-1", "10000", str(2**64), "1.5", "%2e%2e", "0x1"):
            r = c.put(f"/api/v1/attachments/{SHA}/chunks/{index}", content=b"data")
            assert r.status_code in (404, 422), (index, r.status_code)
        for size, count in ((-1, 1), (2**40, 1), (1, 0), (1, 10**6), (2**63, 2**63)):
            r = c.post(f"/api/v1/attachments/{SHA}/complete", json={"size": size, "chunk_count": count})
            assert_error(r, 422, "rejected", "invalid")
        for seq in (0, -1, 2**62 + 1, 2**63, 2**64):
            ev = {"seq": seq, "id": "e", "ts": "t", "device_id": device.device_id, "action": "x", "prev_hash": SHA,
                  "hash": SHA}
            assert_error(c.post("/api/v1/audit/push", json={"events": [ev]}), 422, "rejected", "invalid")
        for raw in (b"NaN", b"Infinity", b"1e999"):
            ev = {"seq": 1, "id": "e", "ts": "t", "device_id": device.device_id, "action": "x", "prev_hash": "0" * 64,
                  "details": {}, "lat": 1.0}
            ev["hash"] = event_hash(ev)
            body = json.dumps({"events": [ev]}).encode().replace(b'"lat": 1.0', b'"lat": ' + raw)
            r = c.post("/api/v1/audit/push", content=body, headers=JSON)
            assert r.status_code in (400, 422), (raw, r.status_code, r.text[:300])
        before.unchanged()
        # a version whose clock is absurdly far in the future or zero is still a well-formed stamp
        for wall in ("9999999999999", "0000000000000"):
            m = device.mutation("test.events", {"n": 1})
            m["version"] = f"{wall}:00000:{device.device_id}"
            r = c.post("/api/v1/sync/push", json={"mutations": [m]})
            assert r.status_code == 200 and r.json()["results"][0]["status"] in ("applied", "rejected"), r.text


def test_numbers_out_of_range_in_registrations(live: LiveHQ, world: World) -> None:
    url = "/api/v1/m/holiday_watch/registrations"
    today = date.today()
    cases: list[dict[str, Any]] = [
        {"position": {"lat": 1e308, "lon": 7.5}}, {"position": {"lat": -91, "lon": 7.5}},
        {"visit_policy": {"min_visits_per_week": 2**64}}, {"visit_policy": {"every_n_days": -1}},
        {"start_date": "9999-12-31", "end_date": "9999-12-31"}, {"start_date": "0001-01-01"},
        {"end_date": (today - timedelta(days=10**5)).isoformat()}, {"start_date": "2026-02-30"},
    ]
    with world.client(world.a.handle.token) as c:
        for change in cases:
            reg = registration(postcode())
            reg.update(change)
            before = Snapshot.take(live)
            r = c.post(url, json={"officer": world.a.handle.officer, "registration": reg})
            assert r.status_code == 422, (change, r.text[:300])
            assert r.json()["error"]["kind"] == "rejected"
            before.unchanged()


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))]
    return [path] if isinstance(value, str) else []


def _with(value: Any, path: tuple[Any, ...], text: str) -> Any:
    copy = json.loads(json.dumps(value))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = target[path[-1]] + text
    return copy


@pytest.mark.parametrize("poison", ["\x00", "\x1b", "\u202e"])
def test_a_control_character_in_any_string_of_a_valid_body(live: LiveHQ, world: World, poison: str) -> None:
    """Every string of a good body of every JSON route (a visit and a statement pushed
    too), one at a time, with a NUL, an escape or a bidi override: never a 5xx (a NUL
    cannot be stored in PostgreSQL text), and an error writes nothing."""
    from tests.hq.watch.watch_data import visit

    from .conftest import authed_routes

    bodies = [(m, p, kw["json"]) for m, p, kw in authed_routes(world) if "json" in kw]
    bodies.append(("POST", "/api/v1/enroll", {"code": "NEO1-xxxx", "device_public_key": "A" * 44,
                                              "device_name": "Tablette"}))
    watch_visit = visit(world.registration_id, world.a2.officer, outcome="anomaly", anomalies=("doors",), note="n")
    bodies.append(("POST", "/api/v1/sync/push", {"mutations": [world.a2.mutation(
        "holiday_watch.visits", watch_visit, record_id=watch_visit["id"])]}))
    with world.client(world.a2.token) as c:
        for method, path, body in bodies:
            for leaf in _leaves(body):
                if leaf[-1] in ("mutation_id", "record_id", "version", "query_id", "id"):
                    continue  # the same id twice would be a replay, tested elsewhere
                sent = _with(body, leaf, poison)
                if "mutations" in sent:  # a fresh write each time
                    for m in sent["mutations"]:
                        m["mutation_id"], m["version"] = str(uuid.uuid4()), str(world.a2.clock.now())
                if "query_id" in sent:
                    sent["query_id"] = str(uuid.uuid4())
                before = Snapshot.take(live)
                r = c.request(method, path, content=_raw(sent), headers=JSON)
                assert r.status_code < 500, (path, leaf, r.text[:300])
                if r.status_code >= 400:
                    before.unchanged()
