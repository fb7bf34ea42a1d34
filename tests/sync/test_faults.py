"""Faults between device and HQ, injected by a proxy on loopback: connections dropped
mid-push and mid-pull, answers lost after HQ committed, duplicated requests, HQ
answering 5xx, HQ slower than the client's timeout. Afterwards every record exists
exactly once at HQ and on each device, and the outbox is empty."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from neo.hq.testing import LiveHQ

from .conftest import Device, hq_rows
from .faultproxy import FaultProxy

PUSH = "/api/v1/sync/push"
PULL = "/api/v1/sync/pull"


def sync_until_done(device: Device, client: Any, *, rounds: int = 6, **kw: Any) -> list[Any]:
    reports = []
    for _ in range(rounds):
        report = device.sync(client, **kw)
        reports.append(report)
        if report.ok and device.replica.pending_count() == 0:
            return reports
    raise AssertionError(f"never converged: {[r.as_dict() for r in reports]}")


def check_exactly_once(live: LiveHQ, devices: list[Device], expected: dict[str, int]) -> None:
    """Every record written by these devices is once at HQ, with the writer's latest
    version, and once on every device, identical."""
    origin_ids = {d.device_id for d in devices}
    by_key: Counter[tuple[str, str]] = Counter()
    at_hq: dict[str, tuple[str, Any]] = {}
    for coll in ("test.events", "test.notes"):
        for row in hq_rows(live, collection=coll):
            if row["origin_device"] in origin_ids:
                by_key[(coll, row["record_id"])] += 1
                at_hq[row["record_id"]] = (row["version"], json.loads(row["payload"]) if row["payload"] else None)
    assert set(by_key.values()) == {1}
    assert Counter(c for c, _ in by_key) == Counter(expected)
    for device in devices:
        local = {r.record_id: (r.version, r.payload) for coll in expected
                 for r in device.replica.list(coll, include_deleted=True)}
        assert local == at_hq
        assert device.replica.pending_count() == 0
        assert {r.state for coll in expected for r in device.replica.list(coll)} == {"acknowledged"}
        assert device.replica.status().conflicts == 0


def test_faults_during_push_and_pull(pair: tuple[Device, Device], live: LiveHQ) -> None:
    a, b = pair
    a_ids = a.replica.put_many("test.events", [(None, {"n": i, "par": "a"}) for i in range(150)])
    notes = a.replica.put_many("test.notes", [(None, {"n": i}) for i in range(30)])
    b.replica.put_many("test.events", [(None, {"n": i, "par": "b"}) for i in range(60)])

    with FaultProxy.for_live(live) as proxy:
        # pushes: the 2nd dropped mid-body, the 3rd's answer lost after HQ committed, the 4th
        # sent twice, the 5th and 6th answered 503 and 500 (the 6th after HQ committed), the
        # 7th answered after the client gave up waiting
        proxy.add("drop_request", method="POST", path=PUSH, skip=1)
        proxy.add("lose_response", method="POST", path=PUSH, skip=1)
        proxy.add("duplicate", method="POST", path=PUSH, skip=1)
        proxy.add("error", method="POST", path=PUSH, skip=1, status=503)
        proxy.add("error_after_commit", method="POST", path=PUSH, skip=1)
        proxy.add("delay", method="POST", path=PUSH, skip=1, delay=1.5)
        # pulls: dropped half-way through the answer, lost, sent twice, 502, slow
        proxy.add("truncate_response", method="GET", path=PULL, skip=1)
        proxy.add("lose_response", method="GET", path=PULL, skip=1)
        proxy.add("duplicate", method="GET", path=PULL, skip=1)
        proxy.add("error", method="GET", path=PULL, skip=1, status=502)
        proxy.add("delay", method="GET", path=PULL, skip=1, delay=1.5)
        client_a = a.client(proxy.url, timeout=1.0, retries=3)
        reports = sync_until_done(a, client_a, batch=20, pull_limit=20)
        client_b = b.client(proxy.url, timeout=1.0, retries=3)
        sync_until_done(b, client_b, batch=20, pull_limit=20)
        # and once more each way, with edits, through a second round of faults
        for rid in notes[:10]:
            a.replica.put("test.notes", rid, {"edited": True})
        proxy.add("lose_response", method="POST", path=PUSH)
        proxy.add("truncate_response", method="GET", path=PULL)
        sync_until_done(a, client_a, batch=20, pull_limit=20)
        sync_until_done(b, client_b, batch=20, pull_limit=20)
        sync_until_done(a, client_a, batch=20, pull_limit=20)

    for action in ("drop_request", "lose_response", "duplicate", "error", "error_after_commit", "delay",
                   "truncate_response"):
        assert proxy.fired(action) >= 1, action
    assert sum(r.acknowledged for r in reports) >= 180
    check_exactly_once(live, [a, b], {"test.events": 210, "test.notes": 30})
    assert {a.replica.get("test.events", i)["par"] for i in a_ids} == {"a"}  # type: ignore[index]
    assert b.replica.get("test.notes", notes[0]) == {"edited": True}


def test_every_push_answer_lost_once(pair: tuple[Device, Device], live: LiveHQ) -> None:
    """HQ commits every batch and every first answer is lost: the resent batches are
    replayed (same mutation ids), nothing is applied twice."""
    a, b = pair
    a.replica.put_many("test.events", [(None, {"n": i}) for i in range(100)])
    with FaultProxy.for_live(live) as proxy:
        for _ in range(5):
            proxy.add("lose_response", method="POST", path=PUSH)
            proxy.add("pass", method="POST", path=PUSH)
        client = a.client(proxy.url, retries=2)
        report = a.sync(client, batch=20)
    assert report.ok and report.acknowledged == 100
    assert proxy.fired("lose_response") == 5
    seqs = sorted(r.server_seq for r in a.replica.list("test.events"))
    assert len(set(seqs)) == 100
    assert b.sync().ok
    check_exactly_once(live, [a, b], {"test.events": 100})


def test_hq_down_for_a_whole_sync_then_back(pair: tuple[Device, Device], live: LiveHQ) -> None:
    a, b = pair
    a.replica.put_many("test.notes", [(None, {"n": i}) for i in range(10)])
    with FaultProxy.for_live(live) as proxy:
        proxy.add("error", times=100, status=503)
        client = a.client(proxy.url, retries=1)
        report = a.sync(client)
        assert not report.ok and report.errors[0]["kind"] == "server"
        assert a.replica.pending_count() == 10
        proxy.rules.clear()
        assert a.sync(client).ok
    assert b.sync().ok
    check_exactly_once(live, [a, b], {"test.notes": 10})


def test_two_syncs_of_one_device_at_once(pair: tuple[Device, Device], live: LiveHQ) -> None:
    """The app's periodic sync and ``neo sync`` overlapping (two engines, one database):
    entries may be sent twice (HQ replays them), pages are applied once."""
    import threading

    a, b = pair
    a.replica.put_many("test.events", [(None, {"n": i}) for i in range(400)])
    b.replica.put_many("test.events", [(None, {"n": i, "par": "b"}) for i in range(300)])
    assert b.sync().ok
    reports: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            reports.append(a.engine(batch=30, pull_limit=25).run_once())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors and all(r.ok for r in reports), [r.as_dict() for r in reports]
    assert a.sync().ok and b.sync().ok
    check_exactly_once(live, [a, b], {"test.events": 700})
