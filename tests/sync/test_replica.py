"""The replica without HQ: local writes and their outbox, policies, the clock, and how
HQ's answers and pulled pages change each record's state."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from neo import protocol
from neo.replica import (
    InvalidRecord,
    PolicyViolation,
    RecordInConflict,
    RecordNotFound,
    Replica,
    ReplicaError,
    ResolutionBusy,
    UnknownCollection,
    encode_payload,
    policies_from_manifests,
)
from neo.store import sync_sql
from neo.vault import Session

from .conftest import POLICIES

OTHER = "0f0e0d0c-0b0a-4909-8807-060504030201"


@pytest.fixture
def replica(session: Session) -> Replica:
    return Replica.for_session(session, POLICIES)


def outbox(replica: Replica) -> list[dict[str, Any]]:
    return replica.store.read(lambda c: sync_sql.outbox_in_states(c, ["pending", "rejected"]))


def mutations(batch: Any) -> list[dict[str, Any]]:
    return json.loads(batch.body)["mutations"]


def answer(batch: Any, *statuses: str, **extra: Any) -> list[protocol.MutationResult]:
    out = []
    for i, (mid, status) in enumerate(zip(batch.mutation_ids, statuses, strict=True)):
        fields: dict[str, Any] = {"mutation_id": mid, "status": status}
        if status in ("applied", "duplicate"):
            fields["server_seq"] = extra.get("seq", 100) + i
        if status == "rejected":
            fields.update(reason_code="officer_disabled", reason="Agent désactivé.")
        if status == "conflict":
            fields.update(conflict_id=extra.get("conflict_id", 7), current_version=extra.get("current"),
                          reason="Conflit.")
        out.append(protocol.MutationResult(**fields))
    return out


def change(record_id: str, version: str, seq: int, payload: dict[str, Any] | None, *,
           collection: str = "test.notes", tombstone: bool = False) -> protocol.Change:
    return protocol.Change(server_seq=seq, collection=collection, record_id=record_id, version=version,
                           origin_device=OTHER, officer="200002", tombstone=tombstone, payload=payload)


def other_version(wall: int = 1_900_000_000_000, counter: int = 0) -> str:
    return str(protocol.Version(wall, counter, OTHER))


# -- local writes -------------------------------------------------------------------------------


def test_a_write_and_its_outbox_entry_go_together(replica: Replica) -> None:
    rid = replica.put("test.notes", None, {"texte": "portail ouvert"})
    assert replica.get("test.notes", rid) == {"texte": "portail ouvert"}
    rec = replica.record("test.notes", rid)
    assert rec is not None and rec.state == "pending" and rec.origin_device == replica.device_id
    assert rec.officer == "100001" and protocol.Version.parse(rec.version).node == replica.device_id
    (entry,) = outbox(replica)
    assert (entry["record_id"], entry["version"], entry["base_version"]) == (rid, rec.version, None)
    assert replica.pending_count() == 1


def test_a_failing_batch_writes_nothing(replica: Replica) -> None:
    first = replica.put("test.events", None, {"n": 1})
    with pytest.raises(PolicyViolation):
        replica.put_many("test.events", [(None, {"n": 2}), (first, {"n": 3})])
    assert len(replica.list("test.events")) == 1 and len(outbox(replica)) == 1
    with pytest.raises(InvalidRecord):
        replica.put_many("test.notes", [(None, {"ok": 1}), (None, {"bad": math.nan})])
    assert replica.list("test.notes") == []


def test_edits_before_a_sync_chain_their_base_versions(replica: Replica) -> None:
    rid = replica.put("test.notes", None, {"v": 1})
    replica.put("test.notes", rid, {"v": 2})
    replica.delete("test.notes", rid)
    entries = outbox(replica)
    assert [e["base_version"] for e in entries] == [None, entries[0]["version"], entries[1]["version"]]
    assert replica.get("test.notes", rid) is None
    assert replica.record("test.notes", rid).deleted  # type: ignore[union-attr]
    assert replica.list("test.notes") == [] and len(replica.list("test.notes", include_deleted=True)) == 1
    with pytest.raises(RecordNotFound):
        replica.delete("test.notes", rid)
    # the same record twice in one batch
    two = replica.put_many("test.notes", [(OTHER, {"a": 1}), (OTHER, {"a": 2})])
    assert two == [OTHER, OTHER] and replica.get("test.notes", OTHER) == {"a": 2}


def test_policies(replica: Replica) -> None:
    with pytest.raises(UnknownCollection):
        replica.put("nobody.declared", None, {})
    with pytest.raises(PolicyViolation) as err:
        replica.put("test.reference", None, {"x": 1})
    assert err.value.code == "hq_authoritative" and "QG" in err.value.message
    for coll in ("test.events", "test.documents"):
        rid = replica.put(coll, None, {"x": 1})
        with pytest.raises(PolicyViolation):
            replica.put(coll, rid, {"x": 2})
        with pytest.raises(PolicyViolation):
            replica.delete(coll, rid)
    assert replica.put("test.events", OTHER, {"x": 1}) == OTHER  # a given new id is a creation
    with pytest.raises(ValueError):
        replica.declare("test.events", "mutable_shared")


def test_payloads_are_checked_as_hq_would(replica: Replica) -> None:
    for bad in ([1, 2], {"x": math.inf}, {"x": "\ud800"}, {"x": object()}, {"s": "x" * (protocol.MAX_PAYLOAD_BYTES + 1)}):
        with pytest.raises(InvalidRecord):
            encode_payload(bad)
    deep: dict[str, Any] = {}
    cur = deep
    for _ in range(protocol.MAX_PAYLOAD_DEPTH):
        cur["d"] = {}
        cur = cur["d"]
    with pytest.raises(InvalidRecord):
        encode_payload(deep)
    assert encode_payload({"texte": "[[[{{{ pas une imbrication", "é": 1}) == '{"texte":"[[[{{{ pas une imbrication","é":1}'
    with pytest.raises(InvalidRecord):
        replica.put("test.notes", "NOT-A-UUID", {})


def test_policies_from_manifests() -> None:
    class M:
        def __init__(self, *decls: tuple[str, str]) -> None:
            from neo.api import CollectionDecl

            self.collections = [CollectionDecl(name=n, policy=p) for n, p in decls]  # type: ignore[arg-type]

    found = policies_from_manifests([M(("a.x", "append_only")), M(("b.y", "immutable"), ("a.x", "mutable_shared"))])
    assert found == {"b.y": "immutable"}


def test_versions_never_go_backwards_across_restarts(session: Session) -> None:
    now = [2_000_000_000.0]
    first = Replica(session.store, session.device_id, "100001", POLICIES, wall_clock=lambda: now[0])
    rid = first.put("test.notes", None, {"v": 1})
    v1 = first.record("test.notes", rid).version  # type: ignore[union-attr]
    now[0] -= 3600  # the device's clock jumps back an hour; the app restarts
    again = Replica(session.store, session.device_id, "100001", POLICIES, wall_clock=lambda: now[0])
    again.put("test.notes", rid, {"v": 2})
    v2 = again.record("test.notes", rid).version  # type: ignore[union-attr]
    assert v2 > v1
    # versions seen from HQ move the clock too
    seen = str(protocol.Version(int(now[0] * 1000) + 10 * 3_600_000, 5, OTHER))
    assert again.apply_pull(0, [change("aaaaaaaa-0000-4000-8000-000000000001", seen, 1, {"x": 1})], 1, "e")
    third = Replica(session.store, session.device_id, "100001", POLICIES, wall_clock=lambda: now[0])
    third.put("test.notes", None, {"v": 3})
    assert max(r.version for r in third.list("test.notes")) > seen


# -- push answers ---------------------------------------------------------------------------------


def test_applied_and_duplicate_acknowledge(replica: Replica) -> None:
    a = replica.put("test.notes", None, {"v": 1})
    b = replica.put("test.events", None, {"v": 1})
    batch = replica.claim(0, 10)
    assert batch is not None and len(batch) == 2
    assert replica.state("test.notes", a) == "sent"
    sent = mutations(batch)
    assert sent[0]["record_id"] == a and sent[0]["officer"] == "100001" and sent[0]["resolves"] == []
    protocol.PushRequest.model_validate({"mutations": sent})  # exactly what HQ accepts
    tally = replica.apply_results(batch, answer(batch, "applied", "duplicate", seq=40))
    assert (tally.acknowledged, tally.rejected, tally.conflicts) == (2, 0, 0)
    assert replica.state("test.notes", a) == replica.state("test.events", b) == "acknowledged"
    assert replica.record("test.notes", a).server_seq == 40  # type: ignore[union-attr]
    assert outbox(replica) == [] and replica.pending_count() == 0
    assert replica.claim(0, 10) is None


def test_answers_for_a_batch_must_match_it(replica: Replica) -> None:
    replica.put("test.notes", None, {"v": 1})
    batch = replica.claim(0, 10)
    assert batch is not None
    wrong = [protocol.MutationResult(mutation_id=OTHER, status="applied", server_seq=1)]
    with pytest.raises(ValueError):
        replica.apply_results(batch, wrong)
    assert replica.pending_count() == 1


def test_rejected_writes_stay_visible_with_hqs_reason(replica: Replica) -> None:
    rid = replica.put("test.notes", None, {"v": 1})
    batch = replica.claim(0, 10)
    assert batch is not None
    replica.apply_results(batch, answer(batch, "rejected"))
    rec = replica.record("test.notes", rid)
    assert rec is not None and rec.state == "rejected" and rec.reason == "Agent désactivé."
    assert rec.reason_code == "officer_disabled"
    (rej,) = replica.rejected()
    assert (rej.record_id, rej.payload, rej.reason_code) == (rid, {"v": 1}, "officer_disabled")
    assert replica.pending_count() == 0 and replica.claim(0, 10) is None
    # an edit of a refused record starts again from what HQ holds (nothing)
    replica.put("test.notes", rid, {"v": 2})
    (entry,) = [e for e in outbox(replica) if e["state"] == "pending"]
    assert entry["base_version"] is None
    assert replica.dismiss_rejection(rej.seq) and replica.rejected() == []


def test_conflicts_are_kept_with_both_sides(replica: Replica) -> None:
    rid = replica.put("test.notes", None, {"v": 1})
    batch = replica.claim(0, 10)
    assert batch is not None
    replica.apply_results(batch, answer(batch, "applied", seq=10))
    base = replica.record("test.notes", rid).version  # type: ignore[union-attr]
    replica.put("test.notes", rid, {"v": "mine"})
    hq_version = other_version()
    batch = replica.claim(0, 10)
    assert batch is not None and mutations(batch)[0]["base_version"] == base
    tally = replica.apply_results(batch, answer(batch, "conflict", conflict_id=12, current=hq_version))
    assert tally.conflicts == 1
    assert replica.state("test.notes", rid) == "conflict" and replica.pending_count() == 0
    with pytest.raises(RecordInConflict):
        replica.put("test.notes", rid, {"v": "again"})
    (conflict,) = replica.conflicts()
    assert conflict.conflict_ids == (12,) and conflict.local.payload == {"v": "mine"}
    assert conflict.hq.version == hq_version and conflict.hq.payload is None  # HQ's side comes with the pull
    with pytest.raises(ResolutionBusy):
        replica.accept_hq("test.notes", rid)
    tally = replica.apply_pull(0, [change(rid, hq_version, 11, {"v": "theirs"})], 11, "e")
    assert tally is not None and tally.kept_local == 1
    (conflict,) = replica.conflicts()
    assert conflict.hq.payload == {"v": "theirs"} and replica.get("test.notes", rid) == {"v": "mine"}

    version = replica.resolve("test.notes", rid, {"v": "merged"})
    assert version > hq_version and replica.state("test.notes", rid) == "pending"
    batch = replica.claim(0, 10)
    assert batch is not None
    (m,) = mutations(batch)
    assert (m["base_version"], m["resolves"], m["payload"]) == (hq_version, [12], {"v": "merged"})
    replica.apply_results(batch, answer(batch, "applied", seq=12))
    assert replica.state("test.notes", rid) == "acknowledged" and replica.conflicts() == []


def test_a_pull_never_overwrites_pending_edits(replica: Replica) -> None:
    rid = replica.put("test.notes", None, {"v": 1})
    batch = replica.claim(0, 10)
    assert batch is not None
    replica.apply_results(batch, answer(batch, "applied", seq=5))
    replica.put("test.notes", rid, {"v": "offline edit"})
    theirs = other_version()
    tally = replica.apply_pull(0, [change(rid, theirs, 9, {"v": "hq edit"})], 9, "e")
    assert tally is not None and tally.conflicts == 1
    assert replica.get("test.notes", rid) == {"v": "offline edit"}
    (conflict,) = replica.conflicts()
    assert conflict.conflict_ids == () and conflict.hq.payload == {"v": "hq edit"}
    assert replica.pending_count() == 1  # the edit still goes to HQ (which will report the conflict)
    # resolving before it was sent drops the superseded edit
    replica.accept_hq("test.notes", rid)
    entries = outbox(replica)
    assert len(entries) == 1 and entries[0]["base_version"] == theirs
    assert json.loads(entries[0]["payload"]) == {"v": "hq edit"}


def test_a_lost_answer_then_a_newer_hq_version(replica: Replica) -> None:
    """Our edit reached HQ (its answer was lost), another device edited on top of it, we
    pulled that before resending: once HQ confirms ours came first, take HQ's."""
    rid = replica.put("test.notes", None, {"v": 1})
    batch = replica.claim(0, 10)
    assert batch is not None
    assert replica.apply_pull(0, [change(rid, other_version(), 30, {"v": "on top"})], 30, "e") is not None
    assert replica.state("test.notes", rid) == "conflict"
    replica.apply_results(batch, answer(batch, "applied", seq=20))
    assert replica.state("test.notes", rid) == "acknowledged"
    assert replica.get("test.notes", rid) == {"v": "on top"} and replica.conflicts() == []


def test_resolution_waits_for_writes_in_flight(replica: Replica) -> None:
    rid = replica.put("test.notes", None, {"v": 1})
    replica.claim(0, 10)  # sent, no answer yet
    replica.apply_pull(0, [change(rid, other_version(), 3, {"v": "x"})], 3, "e")
    with pytest.raises(ResolutionBusy):
        replica.resolve("test.notes", rid, {"v": "y"})
    with pytest.raises(ReplicaError):
        replica.resolve("test.notes", OTHER, {"v": "y"})


# -- pull ------------------------------------------------------------------------------------------


def test_a_page_and_its_cursor_are_applied_once(replica: Replica) -> None:
    rid = "aaaaaaaa-0000-4000-8000-000000000001"
    page = [change(rid, other_version(counter=1), 1, {"v": 1}), change(OTHER, other_version(counter=2), 2, None,
                                                                       tombstone=True)]
    tally = replica.apply_pull(0, page, 5, "epoch-1")
    assert tally is not None and (tally.received, tally.applied) == (2, 2)
    assert replica.cursor() == (5, "epoch-1")
    assert replica.apply_pull(0, page, 5, "epoch-1") is None  # the same page again: refused
    assert replica.get("test.notes", rid) == {"v": 1} and replica.get("test.notes", OTHER) is None
    rec = replica.record("test.notes", rid)
    assert rec is not None and rec.state == "acknowledged" and rec.origin_device == OTHER and rec.server_seq == 1
    # a newer version replaces it; the same version again changes nothing
    tally = replica.apply_pull(5, [change(rid, other_version(counter=3), 6, {"v": 2})], 6, "epoch-1")
    assert tally is not None and tally.applied == 1 and replica.get("test.notes", rid) == {"v": 2}
    tally = replica.apply_pull(6, [change(rid, other_version(counter=3), 6, {"v": 2})], 6, "epoch-1")
    assert tally is not None and tally.applied == 0
    replica.reset_cursor("epoch-2")
    assert replica.cursor() == (0, "epoch-2")


def test_own_writes_coming_back_change_nothing(replica: Replica) -> None:
    rid = replica.put("test.notes", None, {"v": 1})
    rec = replica.record("test.notes", rid)
    assert rec is not None
    back = protocol.Change(server_seq=3, collection="test.notes", record_id=rid, version=rec.version,
                           origin_device=replica.device_id, officer="100001", payload={"v": 1})
    tally = replica.apply_pull(0, [back], 3, "e")  # before the answer arrived
    assert tally is not None and tally.conflicts == 0 and replica.state("test.notes", rid) == "pending"
    batch = replica.claim(0, 10)
    assert batch is not None
    replica.apply_results(batch, answer(batch, "duplicate", seq=3))
    assert replica.state("test.notes", rid) == "acknowledged"
    tally = replica.apply_pull(3, [back], 3, "e")
    assert tally is not None and tally.applied == 0


def test_hq_wins_over_a_rejected_write(replica: Replica) -> None:
    rid = replica.put("test.notes", None, {"v": "refused"})
    batch = replica.claim(0, 10)
    assert batch is not None
    replica.apply_results(batch, answer(batch, "rejected"))
    replica.apply_pull(0, [change(rid, other_version(), 4, {"v": "hq"})], 4, "e")
    assert replica.get("test.notes", rid) == {"v": "hq"} and replica.state("test.notes", rid) == "acknowledged"
    assert len(replica.rejected()) == 1  # the refused write is still there to see


def test_hq_settled_conflicts_are_closed(replica: Replica) -> None:
    rid = replica.put("test.notes", None, {"v": 1})
    batch = replica.claim(0, 10)
    assert batch is not None
    replica.apply_results(batch, answer(batch, "conflict", conflict_id=3, current=other_version()))
    assert replica.reconcile_conflicts([{"conflict_id": 3, "current": {"version": other_version(),
                                                                        "payload": {"v": "hq"}}}]) == 0
    assert replica.conflicts()[0].hq.payload == {"v": "hq"}
    assert replica.reconcile_conflicts([]) == 1  # resolved at HQ: take HQ's version
    assert replica.get("test.notes", rid) == {"v": "hq"} and replica.state("test.notes", rid) == "acknowledged"


def test_claims_stop_at_the_body_limit(replica: Replica) -> None:
    replica.put_many("test.events", [(None, {"s": "x" * 1000}) for _ in range(50)])
    batch = replica.claim(0, 1000, max_bytes=10_000)
    assert batch is not None and 5 <= len(batch) < 10 and len(batch.body) <= 10_000
    first, second = batch.split()
    assert first.seqs + second.seqs == batch.seqs
    assert [m["mutation_id"] for m in mutations(first) + mutations(second)] == batch.mutation_ids
    replica.unclaim(batch)
    assert all(r.state == "pending" for r in replica.list("test.events"))


def test_attachments(replica: Replica) -> None:
    data = bytes(range(256)) * 10_000  # 2.5 MB: three chunks
    sha = replica.attach(data, "image/jpeg")
    assert replica.attach(data, "image/jpeg") == sha
    info = replica.attachment_info(sha)
    assert info is not None and info["chunk_count"] == 3 and info["state"] == "pending"
    assert replica.attachment(sha) == data
    with pytest.raises(InvalidRecord):
        replica.attach(b"")
    with pytest.raises(InvalidRecord):
        replica.attach(b"x", "not a type")


def test_status(replica: Replica) -> None:
    replica.put_many("test.events", [(None, {"n": i}) for i in range(3)])
    replica.claim(0, 2)
    status = replica.status()
    assert (status.pending, status.sent, status.rejected, status.conflicts) == (1, 2, 0, 0)
    assert status.counts == {"test.events": 3} and status.last_sync_ms is None
