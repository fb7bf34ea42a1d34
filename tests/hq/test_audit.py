"""Device audit trails at HQ: appended, checked link by link, a break flagged not accepted."""

from __future__ import annotations

from typing import Any

import pytest

from neo.audit import GENESIS, event_hash
from neo.hq.testing import LiveHQ
from neo.vault import Session

from .conftest import DeviceHandle, assert_error, counts, new_unit, public_key


def make_chain(device_id: str, n: int, start_seq: int = 1, prev: str = GENESIS) -> list[dict[str, Any]]:
    events = []
    for seq in range(start_seq, start_seq + n):
        ev: dict[str, Any] = {
            "seq": seq, "id": f"ev-{seq}", "ts": f"2026-11-28T10:{seq % 60:02d}:00.000000+00:00",
            "device_id": device_id, "officer": "100001", "action": "lookup.query",
            "reason": "contrôle routier", "details": {"query": "AB-123-CD", "hits": seq % 3},
            "lat": 43.7764, "lon": 7.5048, "accuracy": 12, "prev_hash": prev,
        }
        ev["hash"] = event_hash(ev)
        prev = ev["hash"]
        events.append(ev)
    return events


def test_a_sound_chain_is_accepted_across_pushes(device: DeviceHandle, live: LiveHQ) -> None:
    c = device.client()
    chain = make_chain(device.device_id, 10)
    r = c.post("/api/v1/audit/push", json={"events": chain[:6]})
    assert r.status_code == 200, r.text
    assert r.json() == {"accepted": 6, "duplicates": 0,
                        "chain": {"ok": True, "last_seq": 6, "first_broken_seq": None, "problem": None}}
    # Overlapping resend: the known events are duplicates, the new ones are appended.
    r = c.post("/api/v1/audit/push", json={"events": chain[4:]})
    assert r.json()["accepted"] == 4 and r.json()["duplicates"] == 2 and r.json()["chain"]["ok"]
    assert c.get("/api/v1/audit/chain").json()["last_seq"] == 10
    (verdict,) = live.hq.verify_audit(device.device_id)
    assert verdict["ok"] and verdict["events"] == 10


@pytest.mark.parametrize("tamper, broken_at", [
    ("edit", 4),        # an event's content changed after it was hashed
    ("drop", 5),        # an event removed: the next one no longer follows
    ("relink", 7),      # an event re-hashed but its successor still points at the original
])
def test_a_tampered_chain_is_flagged_at_the_right_seq(device: DeviceHandle, live: LiveHQ, tamper: str,
                                                       broken_at: int) -> None:
    chain = make_chain(device.device_id, 10)
    if tamper == "edit":
        chain[3]["details"] = {"query": "XX-999-XX", "hits": 0}
    elif tamper == "drop":
        del chain[4]
    elif tamper == "relink":
        chain[5]["reason"] = "autre motif"
        chain[5]["hash"] = event_hash(chain[5])
    r = device.client().post("/api/v1/audit/push", json={"events": chain})
    assert r.status_code == 200, r.text
    status = r.json()["chain"]
    assert status["ok"] is False and status["first_broken_seq"] == broken_at and status["problem"]
    # The events are kept as evidence, and the verdict stays.
    (verdict,) = live.hq.verify_audit(device.device_id)
    assert verdict["ok"] is False and verdict["first_broken_seq"] == broken_at
    later = make_chain(device.device_id, 2, start_seq=11, prev=chain[-1]["hash"])
    assert device.client().post("/api/v1/audit/push", json={"events": later}).json()["chain"]["ok"] is False


def test_rewriting_history_already_received_is_flagged(device: DeviceHandle, live: LiveHQ) -> None:
    c = device.client()
    chain = make_chain(device.device_id, 5)
    assert c.post("/api/v1/audit/push", json={"events": chain}).json()["chain"]["ok"]
    forged = make_chain(device.device_id, 5)
    forged[2]["action"] = "device.unlock"
    forged[2]["hash"] = event_hash(forged[2])
    status = c.post("/api/v1/audit/push", json={"events": forged[2:3]}).json()["chain"]
    assert status == {"ok": False, "last_seq": 5, "first_broken_seq": 3,
                      "problem": "event 3 differs from the copy HQ received before"}


def test_events_of_another_device_or_malformed_are_refused(make_device, live: LiveHQ) -> None:
    a, b = make_device(), make_device()
    before = counts(live)
    r = a.client().post("/api/v1/audit/push", json={"events": make_chain(b.device_id, 2)})
    assert_error(r, 422, "rejected", "device_mismatch")
    bad = make_chain(a.device_id, 1)
    bad[0]["hash"] = "zz"
    assert_error(a.client().post("/api/v1/audit/push", json={"events": bad}), 422, "rejected", "invalid")
    assert_error(a.client().post("/api/v1/audit/push", json={"events": []}), 422, "rejected", "invalid")
    assert counts(live) == before


def test_hq_detects_tampering_in_its_own_copy(device: DeviceHandle, live: LiveHQ) -> None:
    """`audit verify` re-checks stored chains from the first event (a DB edited behind HQ's back)."""
    from sqlalchemy import update

    from neo.hq.storage.schema import audit_events

    chain = make_chain(device.device_id, 4)
    device.client().post("/api/v1/audit/push", json={"events": chain})
    edited = dict(chain[1], reason="modifié")
    import json

    live.hq.db.write(lambda c: c.execute(update(audit_events).where(
        audit_events.c.device_id == device.device_id, audit_events.c.seq == 2).values(
        body=json.dumps(edited, sort_keys=True))))
    (verdict,) = live.hq.verify_audit(device.device_id)
    assert verdict["ok"] is False and verdict["first_broken_seq"] == 2


def test_a_real_device_trail_round_trips(session: Session, live: LiveHQ) -> None:
    """Events made by the device's own AuditLog (neo.audit) are accepted as they are."""
    session.audit.append("lookup.query", officer="100001", reason="contrôle routier",
                         details={"query": "AB-123-CD", "hits": 1, "score": 0.75})
    unit, _, _ = new_unit(live)
    with live.client() as c:
        r = c.post("/api/v1/enroll", json={"code": live.enrolment_code(unit), "device_public_key": public_key(),
                                           "device_name": "Tablette", "device_id": session.device_id})
    assert r.status_code == 200, r.text
    events = [e.model_dump() for e in session.audit.events()]
    assert len(events) >= 3
    with live.client(r.json()["token"]) as c:
        body = c.post("/api/v1/audit/push", json={"events": events}).json()
    assert body["chain"] == {"ok": True, "last_seq": len(events), "first_broken_seq": None, "problem": None}
    (verdict,) = live.hq.verify_audit(session.device_id)
    assert verdict["ok"] and verdict["events"] == len(events)
