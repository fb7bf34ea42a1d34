"""Replayed requests: whatever is sent again — by the device that sent it, by another
device, many times at once — writes nothing twice and hands no one else's answer out."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

import pytest

from neo import protocol
from neo.hq.lookup.service import RateLimiter
from neo.hq.testing import LiveHQ

from .conftest import Snapshot, World, assert_error, audit_events, chains_valid, counts, enrol_device, public_key


def _push(device: Any, body: Any) -> Any:
    with device.client() as c:
        return c.post("/api/v1/sync/push", json=body)


def test_a_replayed_push_writes_once(live: LiveHQ, world: World) -> None:
    device = world.a2
    batch = {"mutations": [device.mutation("test.events", {"n": i}) for i in range(3)]
             + [device.mutation("test.notes", {"t": "partagée"})]}
    first = _push(device, batch)
    assert first.status_code == 200
    assert {x["status"] for x in first.json()["results"]} == {"applied"}
    after = Snapshot.take(live)
    for _ in range(3):
        again = _push(device, batch)
        assert again.status_code == 200
        assert [{**x, "replayed": True} for x in first.json()["results"]] == again.json()["results"]
    after.unchanged()


def test_the_same_push_sent_many_times_at_once_writes_once(live: LiveHQ, world: World) -> None:
    device = world.a2
    batch = {"mutations": [device.mutation("test.events", {"n": i}) for i in range(5)]}
    answers: list[Any] = []

    def send() -> None:
        answers.append(_push(device, batch))

    threads = [threading.Thread(target=send) for _ in range(8)]
    before = counts(live)["records"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
    seqs = {tuple(x["server_seq"] for x in r.json()["results"]) for r in answers}
    assert len(seqs) == 1  # every answer names the same writes
    assert counts(live)["records"] == before + 5


def test_another_devices_mutation_id_gets_no_answer_of_its_own(live: LiveHQ, world: World) -> None:
    """A device sending a mutation id another device used learns nothing of that
    mutation (no server_seq, no version) and writes nothing."""
    a, b = world.a.handle, world.b.handle
    mine = a.mutation("test.notes", {"t": "à moi"})
    answer = _push(a, {"mutations": [mine]}).json()["results"][0]
    assert answer["status"] == "applied"
    # the same id for the same record, and for a record of its own
    stolen = b.mutation("test.notes", {"t": "vol"}, record_id=mine["record_id"], mutation_id=mine["mutation_id"])
    before = Snapshot.take(live)
    r = _push(b, {"mutations": [stolen]})
    assert r.status_code == 200, r.text
    (res,) = r.json()["results"]
    assert (res["status"], res.get("reason_code")) == ("rejected", "mutation_id_reused"), res
    assert "server_seq" not in res and "current_version" not in res
    protocol.MutationResult.model_validate(res)  # a reason the device knows
    before.unchanged()
    # once A's answer is among those HQ keeps (its record was edited since), the same
    edit = a.mutation("test.notes", {"t": "modifiée"}, record_id=mine["record_id"], base_version=mine["version"])
    assert _push(a, {"mutations": [edit]}).json()["results"][0]["status"] == "applied"
    before = Snapshot.take(live)
    for m in (stolen, b.mutation("test.notes", {"t": "vol"}, mutation_id=mine["mutation_id"])):
        (res,) = _push(b, {"mutations": [m]}).json()["results"]
        assert (res["status"], res.get("reason_code")) == ("rejected", "mutation_id_reused"), res
    before.unchanged()
    # the owner still gets its own answer
    again = _push(a, {"mutations": [mine]}).json()["results"][0]
    assert again == {**answer, "replayed": True}


def test_a_reused_mutation_id_cannot_block_later_writes(live: LiveHQ, world: World) -> None:
    """A rogue device giving one mutation id to two records, then editing both: every
    later push still goes through (no 500 on the answers HQ keeps)."""
    d = world.a2
    mid = str(uuid.uuid4())
    first = d.mutation("test.notes", {"v": 1}, mutation_id=mid)
    second = d.mutation("test.notes", {"v": 1}, mutation_id=mid)
    r = _push(d, {"mutations": [first]})
    assert r.json()["results"][0]["status"] == "applied"
    r = _push(d, {"mutations": [second]})
    assert r.status_code == 200, r.text
    assert r.json()["results"][0].get("replayed") or r.json()["results"][0]["status"] in ("applied", "rejected")
    for m in (first, second):
        cur = None
        with d.client() as c:
            page = c.get("/api/v1/sync/pull", params={"since": 0, "limit": 5000}).json()
        for ch in page["changes"]:
            if ch["record_id"] == m["record_id"]:
                cur = ch["version"]
        if cur is None:
            continue
        edit = d.mutation("test.notes", {"v": 2}, record_id=m["record_id"], base_version=cur)
        r = _push(d, {"mutations": [edit]})
        assert r.status_code == 200, r.text
        assert r.json()["results"][0]["status"] == "applied", r.text
    # a colleague's edit of the same records goes through too
    for m in (first, second):
        with world.a.handle.client() as c:
            page = c.get("/api/v1/sync/pull", params={"since": 0, "limit": 5000}).json()
        cur = next((ch["version"] for ch in page["changes"] if ch["record_id"] == m["record_id"]), None)
        if cur is None:
            continue
        edit = world.a.handle.mutation("test.notes", {"v": 3}, record_id=m["record_id"], base_version=cur)
        r = _push(world.a.handle, {"mutations": [edit]})
        assert r.status_code == 200 and r.json()["results"][0]["status"] == "applied", r.text


def test_a_lookup_replayed_by_another_device_is_409(live: LiveHQ, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live.hq.lookup, "rate", RateLimiter(100_000))
    body = {"query_id": str(uuid.uuid4()), "officer": world.a.handle.officer, "reason": "recherche",
            "text": world.stolen["plate"], "asked_at_ms": 1_790_000_000_000}
    with world.client(world.a.handle.token) as c:
        first = c.post("/api/v1/m/lookup/search", json=body)
        assert first.status_code == 200 and first.json()["hits"], first.text
        logged = Snapshot.take(live)
        # the same device again, even with another text: the first answer, logged once
        again = c.post("/api/v1/m/lookup/search", json={**body, "text": world.wanted["surname"]})
        assert again.json() == {**first.json(), "replayed": True}
    with world.client(world.a2.token) as c:  # another device of the same unit
        assert_error(c.post("/api/v1/m/lookup/search", json=body), 409, "conflict", "query_id_reused")
    with world.client(world.b.handle.token) as c:  # a device of another unit, with its own officer
        err = assert_error(c.post("/api/v1/m/lookup/search", json={**body, "officer": world.officer_b}), 409,
                           "conflict", "query_id_reused")
        assert world.stolen["plate"] not in json.dumps(err)
    logged.unchanged()


def test_a_used_enrolment_code_enrols_once_even_when_raced(live: LiveHQ, world: World) -> None:
    code = live.enrolment_code(world.a.handle.unit)
    answers: list[Any] = []

    def enrol() -> None:
        with live.client() as c:
            answers.append(c.post("/api/v1/enroll", json={"code": code, "device_public_key": public_key(),
                                                          "device_name": "Tablette"}))

    before = counts(live)["devices"]
    threads = [threading.Thread(target=enrol) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200] + [401] * 5, [r.text for r in answers]
    assert {r.json()["error"]["detail"]["code"] for r in answers if r.status_code == 401} == {"enrolment_code_used"}
    assert counts(live)["devices"] == before + 1
    with live.client() as c:
        again = c.post("/api/v1/enroll", json={"code": code, "device_public_key": public_key(), "device_name": "T"})
    assert_error(again, 401, "auth", "enrolment_code_used")


def test_replayed_audit_events_are_duplicates_and_anothers_are_refused(live: LiveHQ, world: World) -> None:
    device = enrol_device(live, world.a.handle.unit)
    events = audit_events(device.device_id, 4)
    with device.client() as c:
        assert c.post("/api/v1/audit/push", json={"events": events}).json()["accepted"] == 4
        after = Snapshot.take(live)
        again = c.post("/api/v1/audit/push", json={"events": events}).json()
        assert (again["accepted"], again["duplicates"], again["chain"]["ok"]) == (0, 4, True)
    after.unchanged()
    with world.client(world.b.handle.token) as c:  # another device sends them: not its chain
        assert_error(c.post("/api/v1/audit/push", json={"events": events}), 422, "rejected", "device_mismatch")
    after.unchanged()
    chains_valid(live)


def test_a_replayed_statement_is_the_same_answer_and_an_altered_one_is_refused(live: LiveHQ, world: World) -> None:
    with world.a.handle.client() as c:
        page = c.get("/api/v1/sync/pull", params={"since": 0, "limit": 5000}).json()
    stored = next(ch for ch in page["changes"] if ch["record_id"] == world.statement_id)
    before = Snapshot.take(live)
    # sent again under a new mutation id, same version: a duplicate, nothing written
    m = world.a.handle.mutation("statements.statements", stored["payload"], record_id=world.statement_id)
    m["version"] = stored["version"]
    r = _push(world.a.handle, {"mutations": [m]})
    assert r.json()["results"][0]["status"] == "duplicate", r.text
    # altered and sent again as a new version: the statement is immutable
    altered = {**stored["payload"], "narrative": "autre récit"}
    r = _push(world.a.handle, {"mutations": [world.a.handle.mutation("statements.statements", altered,
                                                                     record_id=world.statement_id)]})
    res = r.json()["results"][0]
    assert res["status"] == "rejected" and res["reason_code"] in ("already_exists", "seal_invalid"), res
    before.unchanged(allow=("mutations", "statements"))
    with world.a.handle.client() as c:
        page = c.get("/api/v1/sync/pull", params={"since": 0, "limit": 5000}).json()
    assert next(ch for ch in page["changes"] if ch["record_id"] == world.statement_id)["payload"] == stored["payload"]


def test_every_access_reveal_is_logged_even_when_replayed(live: LiveHQ, world: World) -> None:
    url = f"/api/v1/m/holiday_watch/registrations/{world.registration_id}/access"
    body = {"officer": world.a.handle.officer, "reason": "alarme déclenchée"}
    before = len(live.hq.watch.access_log(world.registration_id))
    with world.client(world.a.handle.token) as c:
        for _ in range(3):
            r = c.post(url, json=body)
            assert r.status_code == 200 and r.json()["access"] == world.access
    assert len(live.hq.watch.access_log(world.registration_id)) == before + 3
