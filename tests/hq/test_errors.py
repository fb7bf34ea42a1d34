"""Bad input gets a clear 4xx JSON error and writes nothing: malformed JSON, wrong types,
oversized or badly compressed bodies, missing, wrong or revoked credentials."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest

from neo.hq.testing import LiveHQ

from .conftest import DeviceHandle, assert_error, counts

AUTHED = [
    ("GET", "/api/v1/device"),
    ("GET", "/api/v1/roster"),
    ("POST", "/api/v1/officers/verify"),
    ("POST", "/api/v1/sync/push"),
    ("GET", "/api/v1/sync/pull"),
    ("GET", "/api/v1/conflicts"),
    ("PUT", "/api/v1/attachments/" + "0" * 64 + "/chunks/0"),
    ("GET", "/api/v1/attachments/" + "0" * 64),
    ("POST", "/api/v1/attachments/" + "0" * 64 + "/complete"),
    ("GET", "/api/v1/attachments/" + "0" * 64 + "/content"),
    ("POST", "/api/v1/audit/push"),
    ("GET", "/api/v1/audit/chain"),
]
JSON_POSTS = ["/api/v1/officers/verify", "/api/v1/sync/push", "/api/v1/audit/push",
              "/api/v1/attachments/" + "0" * 64 + "/complete"]


@pytest.mark.parametrize("method, path", AUTHED)
def test_missing_or_wrong_token(live: LiveHQ, method: str, path: str) -> None:
    before = counts(live)
    with live.client() as c:
        assert_error(c.request(method, path, content=b"{}"), 401, "auth", "token_missing")
    with live.client("neo_" + "x" * 43) as c:
        assert_error(c.request(method, path, content=b"{}"), 401, "auth", "token_unknown")
    with live.client() as c:
        r = c.request(method, path, content=b"{}", headers={"authorization": "Basic dXNlcjpwYXNz"})
        assert_error(r, 401, "auth", "token_malformed")
    assert counts(live) == before


def test_revoked_device_is_told_on_every_endpoint(device: DeviceHandle, live: LiveHQ) -> None:
    c = device.client()
    assert c.get("/api/v1/roster").status_code == 200
    assert live.hq.revoke_device(device.device_id) is True
    before = counts(live)
    for method, path in AUTHED:
        # Whatever else is wrong with the request, "revoked" comes first.
        for body in (b"{}", b"{not json", b"\x1f\x8b garbage"):
            assert_error(c.request(method, path, content=body, headers={"content-type": "application/json"}),
                         403, "revoked", "device_revoked")
    assert counts(live) == before
    assert live.hq.revoke_device(device.device_id) is False
    assert next(d for d in live.hq.list_devices() if d["device_id"] == device.device_id)["revoked"]


def test_a_revocation_made_by_another_hq_process_is_seen_once_the_token_check_expires(
        device: DeviceHandle, live: LiveHQ, monkeypatch: pytest.MonkeyPatch) -> None:
    from neo.hq import service as service_mod
    from neo.hq.service import AUTH_CACHE_SECONDS, Headquarters

    c = device.client()
    assert c.get("/api/v1/roster").status_code == 200  # the token check is now cached
    # Another worker (or `neo-hq device revoke`) on the same database: not this process's cache.
    other = Headquarters(live.config, migrate=False)
    try:
        assert other.revoke_device(device.device_id) is True
    finally:
        other.close()
    assert live.hq.authenticate_cached(device.token) is not None
    later = service_mod._auth_clock() + AUTH_CACHE_SECONDS
    monkeypatch.setattr(service_mod, "_auth_clock", lambda: later)
    assert live.hq.authenticate_cached(device.token) is None  # the bound: re-checked against the database
    assert_error(c.get("/api/v1/roster"), 403, "revoked", "device_revoked")
    assert live.hq.authenticate_cached(device.token) is None


def test_a_revocation_through_this_process_takes_effect_at_once(device: DeviceHandle, live: LiveHQ) -> None:
    c = device.client()
    assert c.get("/api/v1/roster").status_code == 200
    assert live.hq.authenticate_cached(device.token) is not None
    live.hq.revoke_device(device.device_id)
    assert live.hq.authenticate_cached(device.token) is None
    assert_error(c.get("/api/v1/roster"), 403, "revoked", "device_revoked")


@pytest.mark.parametrize("path", JSON_POSTS)
def test_malformed_json_and_wrong_types(device: DeviceHandle, live: LiveHQ, path: str) -> None:
    c = device.client()
    before = counts(live)
    for raw in (b"{", b"{'single': 'quotes'}", b"\xff\xfe", b"[" * 100_000, b'{"a": 1} trailing'):
        r = c.post(path, content=raw, headers={"content-type": "application/json"})
        assert_error(r, 400 if r.status_code == 400 else 422, "rejected")
    for body in ([], "text", 42, None, {"mutations": "x", "events": 3, "size": "1", "pin": 5}, {"unexpected": True}):
        r = c.post(path, json=body)
        assert_error(r, 422, "rejected", "invalid")
        assert isinstance(r.json()["error"]["detail"]["errors"], list)
    assert counts(live) == before


def test_wrong_types_inside_a_batch_refuse_the_whole_batch(device: DeviceHandle, live: LiveHQ) -> None:
    c = device.client()
    good = device.mutation()
    for field, value in [("tombstone", "yes"), ("version", 12), ("record_id", "not-a-uuid"), ("payload", [1, 2]),
                         ("officer", None), ("collection", "../etc"), ("mutation_id", "1")]:
        before = counts(live)
        bad = dict(device.mutation(), **{field: value})
        r = c.post("/api/v1/sync/push", json={"mutations": [good, bad]})
        err = assert_error(r, 422, "rejected", "invalid")
        assert err["detail"]["errors"][0]["loc"][:3] == ["body", "mutations", "1"]
        assert counts(live) == before
    too_many = [device.mutation() for _ in range(1001)]
    assert_error(c.post("/api/v1/sync/push", json={"mutations": too_many}), 422, "rejected", "invalid")


def test_oversized_bodies(device: DeviceHandle, live: LiveHQ) -> None:
    c = device.client()
    before = counts(live)
    limit = live.hq.config.max_body_bytes
    big = b'{"mutations": [' + b" " * limit + b"]}"
    assert_error(c.post("/api/v1/sync/push", content=big, headers={"content-type": "application/json"}),
                 413, "too_large", "body_too_large")
    # Streamed without a length.
    def stream():
        for _ in range(limit // 65536 + 2):
            yield b" " * 65536
    r = c.post("/api/v1/audit/push", content=stream(), headers={"content-type": "application/json"})
    assert_error(r, 413, "too_large", "body_too_large")
    # A small gzip body that inflates past the limit.
    bomb = gzip.compress(b'{"mutations": [' + b" " * (limit + 10) + b"]}")
    assert len(bomb) < 100_000
    r = c.post("/api/v1/sync/push", content=bomb,
               headers={"content-type": "application/json", "content-encoding": "gzip"})
    assert_error(r, 413, "too_large", "body_too_large")
    assert counts(live) == before


def test_bad_compression(device: DeviceHandle) -> None:
    c = device.client()
    r = c.post("/api/v1/sync/push", content=b"not gzip",
               headers={"content-type": "application/json", "content-encoding": "gzip"})
    assert_error(r, 400, "rejected", "bad_gzip")
    truncated = gzip.compress(json.dumps({"mutations": [device.mutation()]}).encode())[:-8]
    r = c.post("/api/v1/sync/push", content=truncated,
               headers={"content-type": "application/json", "content-encoding": "gzip"})
    assert_error(r, 400, "rejected", "bad_gzip")
    r = c.post("/api/v1/sync/push", content=b"{}", headers={"content-encoding": "br"})
    assert_error(r, 415, "rejected", "unsupported_encoding")


def test_unknown_routes_and_methods(device: DeviceHandle, live: LiveHQ) -> None:
    c = device.client()
    assert_error(c.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(c.delete("/api/v1/roster"), 405, "rejected", "method_not_allowed")
    with live.client() as anon:
        assert_error(anon.get("/"), 404, "not_found")
        assert anon.get("/api/v1/openapi.json").json()["info"]["title"] == "NEO HQ"


def test_openapi_documents_every_endpoint(live: LiveHQ) -> None:
    with live.client() as c:
        spec = c.get("/api/v1/openapi.json").json()
    paths = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    for method, path in AUTHED:
        templ = path.replace("0" * 64, "{sha256}").replace("/chunks/0", "/chunks/{index}")
        assert (method, templ) in paths
    push = spec["paths"]["/api/v1/sync/push"]["post"]
    assert push["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/PushRequest")
    assert "Mutation" in spec["components"]["schemas"]
    assert spec["paths"]["/api/v1/roster"]["get"]["security"] == [{"HTTPBearer": []}]


def test_http_plain_client_cannot_talk_to_a_tls_hq(live: LiveHQ) -> None:
    with httpx.Client(base_url=live.url.replace("https://", "http://"), timeout=5) as c:
        with pytest.raises(httpx.HTTPError):
            r = c.get("/api/v1/health")
            r.raise_for_status()
