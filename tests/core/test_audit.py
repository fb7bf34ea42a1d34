"""The audit trail: a hash chain, append-only in the database, sealed while locked."""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neo.audit import GENESIS, AuditEvent, canonical, event_hash, verify_chain
from neo.config import Settings
from neo.models import Officer, Position
from neo.vault import PENDING_AUDIT_FILE, Session, Vault, WrongCredentials

# -- the chain as data ---------------------------------------------------------------------


def make_chain(n: int, seed: int = 0) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        ev: dict[str, Any] = {
            "seq": seq,
            "id": str(uuid.UUID(int=seed * 10_000 + seq)),
            "ts": f"2026-03-01T08:{seq // 60 % 60:02d}:{seq % 60:02d}.000000+00:00",
            "device_id": "tablette-042",
            "officer": "100001" if seq % 2 else "100002",
            "action": ["device.unlock", "lookup.query", "visit.logged"][seq % 3],
            "reason": "Contrôle routier" if seq % 3 == 1 else None,
            "details": {"n": seq, "plate": f"AB-{seq:03d}-CD"},
            "lat": 43.77 if seq % 4 == 0 else None,
            "lon": 7.50 if seq % 4 == 0 else None,
            "accuracy": 8.0 if seq % 4 == 0 else None,
            "prev_hash": prev,
        }
        ev["hash"] = event_hash(ev)
        prev = ev["hash"]
        events.append(ev)
    return events


def test_hash_is_sha256_of_the_canonical_json_without_the_hash() -> None:
    ev = make_chain(1)[0]
    body = {k: v for k, v in ev.items() if k != "hash"}
    expected = hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    assert ev["hash"] == expected
    assert canonical(ev) == canonical({**ev, "hash": "anything"})
    assert ev["prev_hash"] == "0" * 64


def test_an_intact_chain_verifies() -> None:
    chain = make_chain(40)
    verdict = verify_chain(chain)
    assert verdict.ok and verdict.count == 40 and verdict.first_broken_seq is None
    assert verify_chain([]).ok
    # Verification can resume from a known point (what HQ does with each new batch).
    assert verify_chain(chain[10:], start_hash=chain[9]["hash"], start_seq=11).ok
    assert not verify_chain(chain[10:]).ok


EDITABLE = ["seq", "id", "ts", "device_id", "officer", "action", "reason", "details", "lat", "lon",
            "accuracy", "prev_hash", "hash"]


def _changed(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return "x"
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 0.001
    if isinstance(value, dict):
        return {**value, "tampered": True}
    return str(value) + "x"


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(min_value=1, max_value=25))
def test_editing_any_field_of_any_event_is_detected_at_that_event(data: st.DataObject, n: int) -> None:
    chain = make_chain(n)
    i = data.draw(st.integers(0, n - 1), label="event index")
    field = data.draw(st.sampled_from(EDITABLE), label="field")
    chain[i] = {**chain[i], field: _changed(chain[i][field])}
    verdict = verify_chain(chain)
    assert not verdict.ok
    assert verdict.first_broken_seq == i + 1


@settings(max_examples=150)
@given(data=st.data(), n=st.integers(min_value=2, max_value=25))
def test_deleting_an_event_is_detected_at_its_seq(data: st.DataObject, n: int) -> None:
    chain = make_chain(n)
    i = data.draw(st.integers(0, n - 2), label="deleted index (not the last)")
    del chain[i]
    verdict = verify_chain(chain)
    assert not verdict.ok
    assert verdict.first_broken_seq == i + 1


@settings(max_examples=150)
@given(data=st.data(), n=st.integers(min_value=2, max_value=25))
def test_reordering_events_is_detected_at_the_first_moved_event(data: st.DataObject, n: int) -> None:
    chain = make_chain(n)
    order = data.draw(st.permutations(range(n)), label="order")
    if order == list(range(n)):
        assert verify_chain(chain).ok
        return
    first_moved = next(k for k, j in enumerate(order) if j != k)
    verdict = verify_chain([chain[j] for j in order])
    assert not verdict.ok
    assert verdict.first_broken_seq == first_moved + 1


@settings(max_examples=100)
@given(n=st.integers(min_value=1, max_value=20), data=st.data())
def test_a_rewritten_suffix_with_fixed_hashes_is_still_caught_by_the_next_link(data: st.DataObject, n: int) -> None:
    """An attacker who edits an event and recomputes its hash breaks the following link
    (or, for the last event, changes the head hash HQ already holds)."""
    chain = make_chain(n + 1)
    i = data.draw(st.integers(0, n - 1))
    edited = {**chain[i], "details": {"n": -1}}
    edited["hash"] = event_hash(edited)
    chain[i] = edited
    verdict = verify_chain(chain)
    assert not verdict.ok
    assert verdict.first_broken_seq == i + 2


# -- the chain in the device database -------------------------------------------------------


@pytest.fixture
def trail(session: Session) -> Session:
    for k in range(8):
        session.audit.append("lookup.query", officer="100001", reason="Contrôle routier",
                             details={"k": k}, position=Position(lat=43.7, lon=7.5, accuracy=5))
    return session


def test_the_device_chain_verifies(trail: Session) -> None:
    events = trail.audit.events()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    verdict = trail.audit.verify()
    assert verdict.ok and verdict.count == len(events) == trail.audit.count()
    q = trail.audit.events(action="lookup.query")
    assert len(q) == 8 and q[0].lat == 43.7 and q[0].reason == "Contrôle routier"


def test_concurrent_appends_keep_one_chain(session: Session) -> None:
    def worker(w: int) -> None:
        for k in range(25):
            session.audit.append("visit.logged", officer="100001", details={"w": w, "k": k})

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert session.audit.verify().ok
    assert len(session.audit.events(action="visit.logged")) == 100


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_events SET action = 'nothing.happened' WHERE seq = 3",
        "UPDATE audit_events SET details = '{}'",
        "DELETE FROM audit_events WHERE seq = 3",
        "DELETE FROM audit_events",
    ],
)
def test_sql_update_and_delete_are_refused(trail: Session, sql: str) -> None:
    before = trail.audit.events()
    with pytest.raises(sqlcipher3.DatabaseError, match="append-only"):
        trail.store.write(lambda c: c.execute(sql))
    assert trail.audit.events() == before
    assert trail.audit.verify().ok


def _drop_guards(s: Session) -> None:
    """What an attacker holding the key could do: remove the triggers first."""
    def _drop(c: Any) -> None:
        c.execute("DROP TRIGGER audit_events_no_update")
        c.execute("DROP TRIGGER audit_events_no_delete")
    s.store.write(_drop)


@pytest.mark.parametrize(
    ("tamper", "broken_at"),
    [
        (["UPDATE audit_events SET reason = 'Aucune' WHERE seq = 5"], 5),
        (["UPDATE audit_events SET details = '{\"k\": 99}' WHERE seq = 7"], 7),
        (["UPDATE audit_events SET officer = '100002' WHERE seq = 4"], 4),
        (["DELETE FROM audit_events WHERE seq = 6"], 6),
        (["UPDATE audit_events SET seq = -1 WHERE seq = 4",
          "UPDATE audit_events SET seq = 4 WHERE seq = 5",
          "UPDATE audit_events SET seq = 5 WHERE seq = -1"], 4),  # swap 4 and 5
    ],
)
def test_tampering_in_the_database_is_detected_at_the_right_seq(trail: Session, tamper: list[str], broken_at: int) -> None:
    _drop_guards(trail)

    def _do(c: Any) -> None:
        for stmt in tamper:
            c.execute(stmt)

    trail.store.write(_do)
    verdict = trail.audit.verify()
    assert not verdict.ok
    assert verdict.first_broken_seq == broken_at, verdict.problem


# -- events while locked ------------------------------------------------------------------------


def test_failed_unlocks_while_locked_are_sealed_and_join_the_chain(data_dir: Path) -> None:
    vault = Vault(data_dir, Settings.load(data_dir))
    s = vault.initialize(Officer(service_number="100001", name="Jeanne Martin", role="supervisor"), "482913")
    vault.add_officer(s, Officer(service_number="100002", name="Karim Benali"), "739164")
    s.lock()
    here = Position(lat=48.8566, lon=2.3522, accuracy=12)
    for number, pin in (("100002", "111222"), ("100002", "111223"), ("555555", "482913")):
        with pytest.raises(WrongCredentials):
            vault.unlock(number, pin, position=here)

    pending = (data_dir / PENDING_AUDIT_FILE).read_bytes()
    assert len(pending.splitlines()) == 3
    for word in (b"unlock", b"failed", b"100002", b"555555", b"48.85"):
        assert word not in pending, f"{word!r} readable in the sealed events"

    s = vault.unlock("100001", "482913")
    try:
        assert not (data_dir / PENDING_AUDIT_FILE).exists()
        events = s.audit.events()
        actions = [e.action for e in events]
        assert actions[-4:] == ["unlock.failed", "unlock.failed", "unlock.failed", "device.unlock"]
        failed = events[-4:-1]
        assert [e.details.get("target_officer") for e in failed] == ["100002", "100002", None]
        assert [e.details["known_slot"] for e in failed] == [True, True, False]
        assert [e.details["failures"] for e in failed] == [1, 2, 1]
        assert all("slot" not in e.details for e in failed), "slot ids are resolved, not kept"
        assert all(e.lat == 48.8566 and e.lon == 2.3522 for e in failed)
        assert failed[0].ts < failed[1].ts < failed[2].ts < events[-1].ts, "sealed events keep their own time"
        assert events[-1].details["after_failures"] == 0
        assert s.audit.verify().ok
    finally:
        s.lock()

    # Ingested once only.
    s = vault.unlock("100001", "482913")
    try:
        assert [e.action for e in s.audit.events()].count("unlock.failed") == 3
        assert s.audit.verify().ok
    finally:
        s.lock()


def test_an_unreadable_sealed_line_is_recorded_not_dropped(data_dir: Path) -> None:
    vault = Vault(data_dir, Settings.load(data_dir))
    vault.initialize(Officer(service_number="100001", name="Jeanne Martin"), "482913").lock()
    with pytest.raises(WrongCredentials):
        vault.unlock("100001", "000999")
    with open(data_dir / PENDING_AUDIT_FILE, "a", encoding="ascii") as fh:
        fh.write("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n")
    s = vault.unlock("100001", "482913")
    try:
        actions = [e.action for e in s.audit.events()]
        assert actions[-3:] == ["unlock.failed", "audit.pending_unreadable", "device.unlock"]
        assert s.audit.verify().ok
    finally:
        s.lock()


def test_audit_event_model_validates() -> None:
    ev = make_chain(1)[0]
    assert AuditEvent(**ev).hash == ev["hash"]
    with pytest.raises(ValueError):
        AuditEvent(**{**ev, "seq": 0})
    with pytest.raises(ValueError):
        AuditEvent(**{**ev, "action": ""})
