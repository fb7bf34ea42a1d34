"""Push and pull over real HTTPS: idempotency, pagination, policies, conflicts, visibility."""

from __future__ import annotations

import gzip
import json
import uuid
from typing import Any

import httpx

from neo import protocol
from neo.hq.testing import LiveHQ

from .conftest import DeviceHandle, assert_error, counts


def push(client: httpx.Client, mutations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    r = client.post("/api/v1/sync/push", json={"mutations": mutations})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    for res in results:
        protocol.MutationResult.model_validate(res)
    assert [res["mutation_id"] for res in results] == [m["mutation_id"] for m in mutations]
    return results


def pull_all(client: httpx.Client, since: int = 0, limit: int = 1000,
             exclude_own: bool | None = None) -> tuple[list[dict[str, Any]], int, int]:
    """Every change after ``since``: (changes, final cursor, pages)."""
    changes: list[dict[str, Any]] = []
    pages = 0
    extra = {} if exclude_own is None else {"exclude_own": "true" if exclude_own else "false"}
    while True:
        r = client.get("/api/v1/sync/pull", params={"since": since, "limit": limit, **extra})
        assert r.status_code == 200, r.text
        page = protocol.PullResponse.model_validate(r.json())
        pages += 1
        changes += [c.model_dump() for c in page.changes]
        assert page.next_cursor >= since
        since = page.next_cursor
        if not page.has_more:
            return changes, since, pages


def test_push_then_pull_round_trip(device: DeviceHandle) -> None:
    c = device.client()
    payload = {"texte": "Véhicule stationné, rien à signaler", "n": 3, "tags": ["a", "b"], "gps": {"lat": 43.77}}
    m = device.mutation("test.events", payload)
    (res,) = push(c, [m])
    assert res["status"] == "applied" and res["server_seq"] > 0
    changes, cursor, _ = pull_all(c)
    (change,) = [ch for ch in changes if ch["record_id"] == m["record_id"]]
    assert change == {"server_seq": res["server_seq"], "collection": "test.events", "record_id": m["record_id"],
                      "version": m["version"], "origin_device": device.device_id, "officer": device.officer,
                      "tombstone": False, "payload": payload}
    assert cursor >= res["server_seq"]
    assert pull_all(c, since=cursor)[0] == []


def test_push_is_idempotent_by_mutation_id(device: DeviceHandle, live: LiveHQ) -> None:
    c = device.client()
    batch = [device.mutation("test.events", {"i": i}) for i in range(5)]
    batch.append(device.mutation("test.reference", {"x": 1}))  # rejected: also answered the same way again
    first = push(c, batch)
    before = counts(live)
    second = push(c, batch)
    assert counts(live) == before  # nothing written the second time
    assert all(r["replayed"] for r in second)
    assert [{k: v for k, v in r.items() if k != "replayed"} for r in second] == first
    changes, _, _ = pull_all(c)
    assert len([ch for ch in changes if ch["collection"] == "test.events"]) == 5
    # The same mutation twice in one batch: one write, the second answer is a replay.
    m = device.mutation("test.events", {"dup": True})
    a, b = push(c, [m, m])
    assert a["status"] == "applied" and b == {**a, "replayed": True}


def test_pull_pages_with_a_cursor(device: DeviceHandle) -> None:
    c = device.client()
    muts = [device.mutation("test.events", {"i": i}) for i in range(25)]
    push(c, muts)
    seen: list[dict[str, Any]] = []
    since, pages = 0, 0
    while True:
        page = c.get("/api/v1/sync/pull", params={"since": since, "limit": 7}).json()
        pages += 1
        assert len(page["changes"]) <= 7
        seen += page["changes"]
        if page["changes"]:
            assert page["changes"][-1]["server_seq"] == page["next_cursor"] or not page["has_more"]
        since = page["next_cursor"]
        if not page["has_more"]:
            break
    assert pages == 4
    seqs = [ch["server_seq"] for ch in seen]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert sorted(ch["payload"]["i"] for ch in seen) == list(range(25))
    # Resuming from any cursor gives exactly the rest.
    middle = seen[10]["server_seq"]
    rest, _, _ = pull_all(c, since=middle, limit=5)
    assert [ch["server_seq"] for ch in rest] == seqs[11:]


def test_pull_sees_only_what_the_unit_may_see(make_device: Any, live: LiveHQ) -> None:
    a1 = make_device()
    a2 = make_device(a1.unit)  # same unit, another tablet
    b = make_device()  # another unit
    ev = a1.mutation("test.events", {"who": "a1"})
    private = a1.mutation("test.private", {"only": "a1"})
    hq_only = a1.mutation("test.hqonly", {"kept": "at hq"})
    assert [r["status"] for r in push(a1.client(), [ev, private, hq_only])] == ["applied"] * 3
    ids = {ev["record_id"], private["record_id"], hq_only["record_id"]}

    def visible(d: DeviceHandle) -> set[str]:
        return {ch["record_id"] for ch in pull_all(d.client())[0]} & ids

    assert visible(a1) == {ev["record_id"], private["record_id"]}
    assert visible(a2) == {ev["record_id"]}
    assert visible(b) == set()
    # HQ-owned records addressed to a unit reach only that unit.
    rid = str(uuid.uuid4())
    live.hq.put_hq_records("test.reference", [(rid, {"plate": "AB-123-CD"}, f"u:{b.unit_id}")])
    assert rid in {ch["record_id"] for ch in pull_all(b.client())[0]}
    assert rid not in {ch["record_id"] for ch in pull_all(a1.client())[0]}


def test_empty_pages_move_the_cursor_past_invisible_records(make_device: Any) -> None:
    a, b = make_device(), make_device()
    _, cursor_b, _ = pull_all(b.client())
    push(a.client(), [a.mutation("test.events") for _ in range(3)])
    changes, cursor_b2, _ = pull_all(b.client(), since=cursor_b)
    assert changes == [] and cursor_b2 > cursor_b


def test_pull_can_leave_out_the_devices_own_writes(make_device: Any) -> None:
    a = make_device()
    b = make_device(a.unit)
    ca, cb = a.client(), b.client()
    _, start, _ = pull_all(ca)
    own = [a.mutation("test.notes", {"i": i}) for i in range(5)]
    push(ca, own[:3])
    theirs = b.mutation("test.events", {"from": "b"})
    push(cb, [theirs])
    push(ca, own[3:])
    # b edits one of a's records: its current version is b's, so a gets it.
    b.clock.observe(own[1]["version"])
    edit = b.mutation("test.notes", {"i": 1, "by": "b"}, record_id=own[1]["record_id"],
                      base_version=own[1]["version"])
    assert push(cb, [edit])[0]["status"] == "applied"
    full, cursor_full, _ = pull_all(ca, since=start)
    assert {ch["record_id"] for ch in full} == {m["record_id"] for m in own} | {theirs["record_id"]}
    for limit in (1, 2, 1000):
        changes, cursor, _ = pull_all(ca, since=start, limit=limit, exclude_own=True)
        assert [ch["record_id"] for ch in changes] == [theirs["record_id"], edit["record_id"]]
        assert changes[1]["payload"] == {"i": 1, "by": "b"}
        # The cursor still moves past the records left out.
        assert cursor == cursor_full
        assert pull_all(ca, since=cursor, exclude_own=True)[0] == []
    # Off by default and when false; b gets a's records but not the one it rewrote.
    assert pull_all(ca, since=start, exclude_own=False)[0] == full
    seen_by_b = {ch["record_id"] for ch in pull_all(cb, exclude_own=True)[0]}
    assert {m["record_id"] for m in own} - seen_by_b == {edit["record_id"]}
    # Only the caller's own writes are left out, whatever the page size.
    page = ca.get("/api/v1/sync/pull", params={"since": start, "limit": 1, "exclude_own": "true"}).json()
    assert [ch["record_id"] for ch in page["changes"]] == [theirs["record_id"]] and page["has_more"] is True
    assert_error(ca.get("/api/v1/sync/pull", params={"exclude_own": "maybe"}), 422, "rejected", "invalid")


def test_hq_authoritative_collections_refuse_device_writes(device: DeviceHandle, live: LiveHQ) -> None:
    c = device.client()
    rid = str(uuid.uuid4())
    live.hq.put_hq_records("test.reference", [(rid, {"v": 1}, f"u:{device.unit_id}")])
    (res,) = push(c, [device.mutation("test.reference", {"v": 2}, record_id=rid)])
    assert res["status"] == "rejected" and res["reason_code"] == "hq_authoritative" and res["reason"]
    (change,) = [ch for ch in pull_all(c)[0] if ch["record_id"] == rid]
    assert change["payload"] == {"v": 1} and change["origin_device"] == "hq"
    # HQ rewrites it: the device sees the new version; an unchanged rewrite writes nothing.
    assert live.hq.put_hq_records("test.reference", [(rid, {"v": 3}, f"u:{device.unit_id}")]) == 1
    assert live.hq.put_hq_records("test.reference", [(rid, {"v": 3}, f"u:{device.unit_id}")]) == 0
    (change2,) = [ch for ch in pull_all(c)[0] if ch["record_id"] == rid]
    assert change2["payload"] == {"v": 3} and change2["version"] > change["version"]


def test_append_only_and_immutable_records_cannot_be_rewritten(device: DeviceHandle) -> None:
    c = device.client()
    for collection in ("test.events", "test.documents"):
        m = device.mutation(collection, {"v": 1})
        assert push(c, [m])[0]["status"] == "applied"
        again = dict(m, mutation_id=str(uuid.uuid4()))  # same version under a new mutation id
        dup = push(c, [again])[0]
        assert dup["status"] == "duplicate" and dup["current_version"] == m["version"]
        edit = device.mutation(collection, {"v": 2}, record_id=m["record_id"], base_version=m["version"])
        res = push(c, [edit])[0]
        assert res["status"] == "rejected" and res["reason_code"] == "already_exists"
        gone = device.mutation(collection, None, tombstone=True)
        assert push(c, [gone])[0]["reason_code"] == "no_delete"


def test_mutable_shared_edits_and_true_conflicts(make_device: Any, live: LiveHQ) -> None:
    a = make_device()
    b = make_device(a.unit)
    ca, cb = a.client(), b.client()
    create = a.mutation("test.notes", {"text": "ronde 14h"})
    assert push(ca, [create])[0]["status"] == "applied"
    # b pulls it, then both edit offline from the same base.
    (base,) = [ch for ch in pull_all(cb)[0] if ch["record_id"] == create["record_id"]]
    b.clock.observe(base["version"])
    edit_a = a.mutation("test.notes", {"text": "ronde 15h"}, record_id=create["record_id"],
                        base_version=create["version"])
    edit_b = b.mutation("test.notes", {"text": "ronde 16h"}, record_id=create["record_id"],
                        base_version=base["version"])
    assert push(ca, [edit_a])[0]["status"] == "applied"
    res = push(cb, [edit_b])[0]
    assert res["status"] == "conflict" and res["conflict_id"] > 0 and res["current_version"] == edit_a["version"]
    # HQ kept a's version, and the conflict with both sides, visible to the unit.
    (current,) = [ch for ch in pull_all(cb)[0] if ch["record_id"] == create["record_id"]]
    assert current["payload"] == {"text": "ronde 15h"}
    conflicts = cb.get("/api/v1/conflicts").json()["conflicts"]
    (conflict,) = [x for x in conflicts if x["conflict_id"] == res["conflict_id"]]
    assert conflict["incoming"]["payload"] == {"text": "ronde 16h"}
    assert conflict["current"]["payload"] == {"text": "ronde 15h"}
    assert conflict["base_version"] == create["version"]
    # Resending the conflicting mutation gives the same answer and stores nothing new.
    before = counts(live)
    assert push(cb, [edit_b])[0] == {**res, "replayed": True}
    assert counts(live) == before
    # A person settles it: an edit on top of HQ's version that names the conflict.
    b.clock.observe(current["version"])
    settle = b.mutation("test.notes", {"text": "ronde 15h30"}, record_id=create["record_id"],
                        base_version=current["version"], resolves=[res["conflict_id"]])
    assert push(cb, [settle])[0]["status"] == "applied"
    assert res["conflict_id"] not in [x["conflict_id"] for x in cb.get("/api/v1/conflicts").json()["conflicts"]]
    # The first writer's answer survives its record being rewritten.
    assert push(ca, [create])[0] == {"mutation_id": create["mutation_id"], "status": "applied",
                                     "server_seq": push(ca, [create])[0]["server_seq"], "replayed": True}


def test_mutable_shared_delete_and_unknown_base(device: DeviceHandle) -> None:
    c = device.client()
    create = device.mutation("test.notes", {"t": 1})
    delete = device.mutation("test.notes", None, record_id=create["record_id"], base_version=create["version"],
                             tombstone=True)
    orphan = device.mutation("test.notes", {"t": 2}, base_version=create["version"])
    stale = device.mutation("test.notes", {"t": 3}, record_id=create["record_id"], base_version=create["version"])
    results = push(c, [create, delete, orphan, stale])
    assert [r["status"] for r in results] == ["applied", "applied", "rejected", "conflict"]
    assert results[2]["reason_code"] == "unknown_record"
    (gone,) = [ch for ch in pull_all(c)[0] if ch["record_id"] == create["record_id"]]
    assert gone["tombstone"] is True and gone["version"] == delete["version"]


def test_mutations_are_checked_one_by_one(device: DeviceHandle, live: LiveHQ) -> None:
    c = device.client()
    other_node = dict(device.mutation(), version="1800000000000:00000:someone-else")
    unknown_collection = device.mutation("test.nothing")
    unknown_officer = device.mutation(officer="99999999")
    huge = device.mutation(payload={"x": "a" * (protocol.MAX_PAYLOAD_BYTES + 10)})
    deep: Any = {}
    node = deep
    for _ in range(protocol.MAX_PAYLOAD_DEPTH + 1):
        node["d"] = {}
        node = node["d"]
    too_deep = device.mutation(payload=deep)
    good = device.mutation(payload={"ok": True})
    results = push(c, [other_node, unknown_collection, unknown_officer, too_deep, good])
    assert [r.get("reason_code") for r in results] == [
        "version_node", "unknown_collection", "officer_unknown", "payload_too_deep", None]
    assert results[-1]["status"] == "applied"
    r = c.post("/api/v1/sync/push", content=gzip.compress(json.dumps({"mutations": [huge]}).encode()),
               headers={"content-type": "application/json", "content-encoding": "gzip"})
    assert r.status_code == 200 and r.json()["results"][0]["reason_code"] == "payload_too_large"
    # Non-finite numbers are not JSON: refused for the one mutation that has them.
    body = '{{"mutations": [{}]}}'.format(json.dumps(device.mutation(payload={"x": 1})).replace('{"x": 1}', '{"x": NaN}'))
    r = c.post("/api/v1/sync/push", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["results"][0]["reason_code"] == "payload_invalid"


def test_disabled_officer_loses_write_access_from_then_on(device: DeviceHandle, live: LiveHQ) -> None:
    c = device.client()
    before = device.mutation(payload={"made": "before"})
    live.hq.set_officer_disabled(device.officer, True)
    device.clock.observe(protocol.Version(device.clock.now().wall_ms + 5000, 0, "x"))
    after = device.mutation(payload={"made": "after"})
    results = push(c, [before, after])
    assert [r["status"] for r in results] == ["applied", "rejected"], results
    assert results[1]["reason_code"] == "officer_disabled"


def test_compressed_request_and_response(device: DeviceHandle) -> None:
    c = device.client()
    muts = [device.mutation(payload={"i": i, "text": "x" * 50}) for i in range(50)]
    raw = json.dumps({"mutations": muts}).encode()
    r = c.post("/api/v1/sync/push", content=gzip.compress(raw),
               headers={"content-type": "application/json", "content-encoding": "gzip"})
    assert r.status_code == 200 and len(r.json()["results"]) == 50
    r = c.get("/api/v1/sync/pull", params={"since": 0}, headers={"accept-encoding": "gzip"})
    assert r.headers.get("content-encoding") == "gzip"
    assert len(r.json()["changes"]) >= 50


def test_pull_validates_its_parameters(device: DeviceHandle) -> None:
    c = device.client()
    for params in ({"since": "abc"}, {"since": -1}, {"limit": 0}, {"limit": protocol.MAX_PULL_LIMIT + 1},
                   {"since": 2**70}):
        assert_error(c.get("/api/v1/sync/pull", params=params), 422, "rejected", "invalid")


def test_pull_reports_the_epoch(device: DeviceHandle, live: LiveHQ) -> None:
    page = device.client().get("/api/v1/sync/pull").json()
    assert page["epoch"] == live.hq.epoch == device.client().get("/api/v1/health").json()["epoch"]
