"""Outbox priority: an entry written with ``priority=True`` reaches HQ before every file and
every other entry written earlier; the others still go, in order, in the same run."""

from __future__ import annotations

import random
from typing import Any

from neo import protocol
from neo.hq.testing import LiveHQ
from neo.hq.validators import RecordValidator, Refusal

from .conftest import Device, hq_rows


def test_a_priority_write_goes_first(pair: tuple[Device, Device], live: LiveHQ) -> None:
    a, b = pair
    photo = random.Random(11).randbytes(1_500_000)
    sha = a.replica.attach(photo, "image/jpeg")
    before = a.replica.put_many("test.events", [(None, {"n": i, "photo": sha}) for i in range(4)])
    urgent = a.replica.put("test.events", None, {"alarm": True}, priority=True)
    after = a.replica.put("test.events", None, {"n": 99})
    note = a.replica.put("test.notes", None, {"text": "v1"})
    a.replica.put("test.notes", note, {"text": "v2"}, priority=True)  # a later version of a record, urgent
    assert a.replica.state("test.events", urgent) == "pending"

    client = a.client()
    client.trace = []
    report = a.sync(client)
    assert report.ok, report.errors
    calls = [(method, path) for method, path, _sent, _received in client.trace]
    first_push = calls.index(("POST", "/api/v1/sync/push"))
    first_chunk = next(i for i, (m, p) in enumerate(calls) if m == "PUT" and "/chunks/" in p)
    assert first_push < first_chunk  # before the files

    # every write arrived, the urgent ones first at HQ
    ids = [*before, urgent, after]
    for rid in ids:
        assert a.replica.state("test.events", rid) == "acknowledged"
    assert a.replica.state("test.notes", note) == "acknowledged"
    assert a.replica.pending_count() == 0
    seqs = {r["record_id"]: r["server_seq"] for r in hq_rows(live, collection="test.events")}
    assert seqs[urgent] < min(seqs[r] for r in [*before, after])
    notes = hq_rows(live, collection="test.notes", record_id=note)
    assert len(notes) == 1 and '"v2"' in notes[0]["payload"]
    assert b.sync().ok
    assert b.replica.get("test.events", urgent) == {"alarm": True}
    assert b.replica.get("test.notes", note) == {"text": "v2"}


class _RefuseFlagged(RecordValidator):
    def check(self, conn: Any, device: Any, mutation: protocol.Mutation) -> Refusal | None:
        if mutation.payload and mutation.payload.get("refuse"):
            return Refusal("record_invalid", "refusé pour le test")
        return None


def test_a_refused_priority_write_stays_refused_and_the_rest_goes(pair: tuple[Device, Device],
                                                                  live: LiveHQ) -> None:
    a, _b = pair
    live.hq.validators["test.events"] = _RefuseFlagged()
    try:
        first = a.replica.put("test.events", None, {"n": 1})
        refused = a.replica.put("test.events", None, {"refuse": True}, priority=True)
        middle = a.replica.put("test.events", None, {"n": 2})
        urgent = a.replica.put("test.events", None, {"alarm": 1}, priority=True)
        last = a.replica.put("test.events", None, {"n": 3})
        report = a.sync()
    finally:
        live.hq.validators.pop("test.events", None)
    assert report.ok and report.rejected == 1
    assert [a.replica.state("test.events", r) for r in (first, middle, urgent, last)] == ["acknowledged"] * 4
    assert a.replica.state("test.events", refused) == "rejected"
    (rejection,) = a.replica.rejected("test.events")
    assert rejection.record_id == refused and rejection.reason == "refusé pour le test"
    # only the refusal stays in the outbox, and a second run sends nothing
    assert a.replica.pending_count() == 0
    assert a.sync().pushed == 0
