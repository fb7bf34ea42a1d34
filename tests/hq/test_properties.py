"""Property-based tests over the live HQ (hypothesis).

* Push: for any batch a device might send (valid or not, any JSON payload), HQ answers
  200 with one result per mutation or a 4xx that wrote nothing; never a 5xx. Resending
  gives the same answers and writes nothing; what was applied is pulled back unchanged.
* Every JSON endpoint, fed arbitrary JSON: only 2xx or 4xx JSON errors, never a 5xx.
"""

from __future__ import annotations

import json
import math
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neo.hq.testing import LiveHQ

from .conftest import DeviceHandle, counts

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=25)
payloads = st.dictionaries(st.text(max_size=12), json_values, max_size=6)
COLLECTIONS = ["test.events", "test.documents", "test.notes", "test.reference", "test.private", "nope.nothing"]


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


@st.composite
def mutation_batches(draw: st.DrawFn, device: DeviceHandle) -> list[dict[str, Any]]:
    n = draw(st.integers(min_value=1, max_value=6))
    records = [str(uuid.uuid4()) for _ in range(3)]
    batch: list[dict[str, Any]] = []
    for _ in range(n):
        if batch and draw(st.booleans()) and draw(st.booleans()):
            batch.append(dict(draw(st.sampled_from(batch))))  # the same mutation again in one batch
            continue
        tombstone = draw(st.booleans()) and draw(st.booleans())
        m = device.mutation(
            draw(st.sampled_from(COLLECTIONS)), draw(payloads) if not tombstone else None,
            record_id=draw(st.sampled_from(records)), tombstone=tombstone,
        )
        if batch and draw(st.booleans()):
            m["base_version"] = draw(st.sampled_from(batch))["version"]
        batch.append(m)
    # Sometimes break the envelope: HQ must then refuse the whole batch and write nothing.
    if draw(st.integers(min_value=0, max_value=5)) == 0:
        victim = draw(st.sampled_from(batch))
        field = draw(st.sampled_from(["mutation_id", "version", "tombstone", "officer", "payload", "record_id"]))
        victim[field] = draw(st.sampled_from([None, 1, "x", [], {"a": 1}, True]))
    return batch


def test_push_never_fails_and_is_idempotent(device: DeviceHandle, live: LiveHQ) -> None:
    client = device.client()

    @SETTINGS
    @given(batch=mutation_batches(device))
    def check(batch: list[dict[str, Any]]) -> None:
        # Lone surrogates and non-finite numbers travel as JSON escapes / literals.
        body = json.dumps({"mutations": batch}, ensure_ascii=True).encode()
        before = counts(live)
        r = client.post("/api/v1/sync/push", content=body, headers={"content-type": "application/json"})
        assert r.status_code < 500, r.text
        if r.status_code != 200:
            assert 400 <= r.status_code < 500 and r.json()["error"]["kind"] == "rejected"
            assert counts(live) == before
            return
        results = r.json()["results"]
        assert [x["mutation_id"] for x in results] == [m["mutation_id"] for m in batch]
        assert all(x["status"] in ("applied", "duplicate", "conflict", "rejected") for x in results)
        applied = {x["mutation_id"] for x in results if x["status"] == "applied" and not x.get("replayed")}
        # One write per applied mutation: resending writes nothing and answers the same.
        after = counts(live)
        again = client.post("/api/v1/sync/push", content=body, headers={"content-type": "application/json"})
        assert again.status_code == 200
        assert [{k: v for k, v in x.items() if k != "replayed"} for x in again.json()["results"]] == \
               [{k: v for k, v in x.items() if k != "replayed"} for x in results]
        assert counts(live) == after
        # What HQ applied is pulled back exactly as sent (or superseded later in the batch).
        by_id = {m["mutation_id"]: m for m in batch}
        latest: dict[tuple[str, str], dict[str, Any]] = {}
        for x in results:
            if x["mutation_id"] in applied:
                m = by_id[x["mutation_id"]]
                latest[(m["collection"], m["record_id"])] = m
        if latest:
            page = client.get("/api/v1/sync/pull", params={"since": min(
                x["server_seq"] for x in results if x["mutation_id"] in applied) - 1, "limit": 5000}).json()
            pulled = {(ch["collection"], ch["record_id"]): ch for ch in page["changes"]}
            for key, m in latest.items():
                ch = pulled[key]
                assert ch["version"] == m["version"] and ch["tombstone"] == m["tombstone"]
                assert _finite(m["payload"]) and ch["payload"] == m["payload"]
                checked.append(key)

    checked: list[tuple[str, str]] = []
    check()
    assert checked  # the round trip was exercised


ENDPOINTS = [
    ("/api/v1/enroll", False),
    ("/api/v1/officers/verify", True),
    ("/api/v1/sync/push", True),
    ("/api/v1/audit/push", True),
    ("/api/v1/attachments/" + "1" * 64 + "/complete", True),
]
records = st.dictionaries(st.sampled_from(["code", "device_public_key", "device_name", "service_number", "pin",
                                           "mutations", "events", "size", "chunk_count", "device_id", "x"]),
                          json_values, max_size=5)


@pytest.mark.parametrize("path, authed", ENDPOINTS)
def test_arbitrary_json_on_every_endpoint(device: DeviceHandle, live: LiveHQ, path: str, authed: bool) -> None:
    client = device.client() if authed else live.client()

    @settings(max_examples=25, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(body=json_values | records)
    def check(body: Any) -> None:
        before = counts(live)
        r = client.post(path, content=json.dumps(body, ensure_ascii=True).encode(),
                        headers={"content-type": "application/json"})
        assert r.status_code < 500, r.text
        if r.status_code >= 400:
            assert r.json()["error"]["kind"] in ("rejected", "auth", "not_found", "too_large", "conflict")
            assert counts(live) == before

    try:
        check()
    finally:
        if not authed:
            client.close()
