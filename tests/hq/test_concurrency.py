"""Several devices at once: HQ serializes sequence numbers so a puller never skips a
record, and concurrent edits of one shared record give one winner and kept conflicts."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from neo.hq.testing import LiveHQ

from .conftest import DeviceHandle


def test_concurrent_pushes_and_a_puller_never_skip(make_device: Any, live: LiveHQ) -> None:
    first = make_device()
    pushers = [first] + [make_device(first.unit) for _ in range(2)]
    reader = make_device(first.unit)
    expected: set[str] = set()
    lock = threading.Lock()
    done = threading.Event()

    def push(d: DeviceHandle) -> None:
        c = d.client()
        for _ in range(8):
            batch = [d.mutation("test.events", {"i": i}) for i in range(25)]
            r = c.post("/api/v1/sync/push", json={"mutations": batch})
            assert r.status_code == 200, r.text
            assert all(x["status"] == "applied" for x in r.json()["results"])
            with lock:
                expected.update(m["record_id"] for m in batch)

    seen: set[str] = set()
    seqs: list[int] = []

    def pull() -> None:
        c = reader.client()
        since = 0
        while True:
            stop = done.is_set()
            page = c.get("/api/v1/sync/pull", params={"since": since, "limit": 50}).json()
            seen.update(ch["record_id"] for ch in page["changes"])
            seqs.extend(ch["server_seq"] for ch in page["changes"])
            since = page["next_cursor"]
            if stop and not page["has_more"]:
                return

    with ThreadPoolExecutor(4) as pool:
        puller = pool.submit(pull)
        for f in [pool.submit(push, d) for d in pushers]:
            f.result()
        done.set()
        puller.result()
    assert seen == expected
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))


def test_concurrent_edits_of_one_record(make_device: Any) -> None:
    devices = [make_device()]
    devices += [make_device(devices[0].unit) for _ in range(3)]
    create = devices[0].mutation("test.notes", {"v": 0})
    assert devices[0].client().post("/api/v1/sync/push", json={"mutations": [create]}).json()[
        "results"][0]["status"] == "applied"
    barrier = threading.Barrier(len(devices))

    def edit(d: DeviceHandle) -> str:
        d.clock.observe(create["version"])
        m = d.mutation("test.notes", {"v": d.device_id}, record_id=create["record_id"],
                       base_version=create["version"])
        c = d.client()
        barrier.wait()
        r = c.post("/api/v1/sync/push", json={"mutations": [m]})
        assert r.status_code == 200, r.text
        return r.json()["results"][0]["status"]

    with ThreadPoolExecutor(len(devices)) as pool:
        statuses = sorted(pool.map(edit, devices))
    assert statuses == ["applied"] + ["conflict"] * (len(devices) - 1)
    conflicts = devices[0].client().get("/api/v1/conflicts").json()["conflicts"]
    assert len([c for c in conflicts if c["record_id"] == create["record_id"]]) == len(devices) - 1
