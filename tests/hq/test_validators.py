"""A collection's own check at HQ (``Headquarters.validators``): it runs in the push
transaction before a new write is applied, refuses with its reason code and sentence,
and its index is written with the record or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection

from neo import protocol
from neo.hq.service import Device
from neo.hq.testing import LiveHQ
from neo.hq.validators import RecordValidator, Refusal

from .conftest import DeviceHandle, counts


class Recorder(RecordValidator):
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def check(self, conn: Connection, device: Device, mutation: protocol.Mutation) -> Refusal | None:
        self.calls.append(("check", mutation.record_id))
        if (mutation.payload or {}).get("bad"):
            return Refusal("record_invalid", "Enregistrement refusé par le test.", {"problems": ["bad"]})
        return None

    def refused(self, conn: Connection, device: Device, mutation: protocol.Mutation, refusal: Refusal) -> None:
        self.calls.append(("refused", mutation.record_id))

    def applied(self, conn: Connection, device: Device, mutation: protocol.Mutation, server_seq: int) -> None:
        self.calls.append(("applied", mutation.record_id))
        if (mutation.payload or {}).get("explode"):
            raise RuntimeError("the index write failed")


@pytest.fixture
def recorder(live: LiveHQ) -> Iterator[Recorder]:
    rec = Recorder()
    live.hq.validators["test.documents"] = rec
    yield rec
    del live.hq.validators["test.documents"]


def push(device: DeviceHandle, *mutations: dict[str, Any]) -> Any:
    with device.client() as c:
        return c.post("/api/v1/sync/push", json={"mutations": list(mutations)})


def test_a_validator_refuses_and_accepts(device: DeviceHandle, recorder: Recorder) -> None:
    good = device.mutation("test.documents", {"n": 1})
    bad = device.mutation("test.documents", {"bad": True})
    results = push(device, good, bad).json()["results"]
    assert results[0]["status"] == "applied"
    assert results[1] == {"mutation_id": bad["mutation_id"], "status": "rejected", "reason_code": "record_invalid",
                          "reason": "Enregistrement refusé par le test."}
    assert recorder.calls == [("check", good["record_id"]), ("applied", good["record_id"]),
                              ("check", bad["record_id"]), ("refused", bad["record_id"])]
    # Resent: the stored answers, no second check.
    again = push(device, good, bad).json()["results"]
    assert [r["status"] for r in again] == ["applied", "rejected"] and all(r["replayed"] for r in again)
    assert len(recorder.calls) == 4
    # A duplicate or a refused policy never reaches the validator.
    dup = {**good, "mutation_id": device.mutation()["mutation_id"]}
    assert push(device, dup).json()["results"][0]["status"] == "duplicate"
    assert len(recorder.calls) == 4


def test_a_failing_validator_writes_nothing(live: LiveHQ, device: DeviceHandle, recorder: Recorder) -> None:
    before = counts(live)
    r = push(device, device.mutation("test.documents", {"n": 1}), device.mutation("test.documents", {"explode": 1}))
    assert r.status_code == 500
    assert counts(live) == before


def test_other_collections_are_not_checked(device: DeviceHandle, recorder: Recorder) -> None:
    assert push(device, device.mutation("test.events", {"bad": True})).json()["results"][0]["status"] == "applied"
    assert recorder.calls == []
