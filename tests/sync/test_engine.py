"""The sync engine against a live HQ (TLS, SQLite and PostgreSQL): devices and HQ
converge, conflicts are kept and shown, files, audit trail, roster, revocation."""

from __future__ import annotations

import random
from typing import Any

import pytest

from neo import protocol
from neo.hq.testing import LiveHQ
from neo.sync.engine import SyncEngine
from neo.sync.errors import DeviceRevoked

from .conftest import Device, hq_rows, new_unit


def snapshot(device: Device, collection: str) -> dict[str, tuple[str, Any, bool]]:
    return {r.record_id: (r.version, r.payload, r.deleted)
            for r in device.replica.list(collection, include_deleted=True)}


def hq_snapshot(live: LiveHQ, collection: str, ids: set[str]) -> dict[str, tuple[str, Any, bool]]:
    import json

    out = {}
    for row in hq_rows(live, collection=collection):
        if row["record_id"] in ids:
            payload = json.loads(row["payload"]) if row["payload"] is not None else None
            out[row["record_id"]] = (row["version"], payload, bool(row["tombstone"]))
    return out


def test_two_devices_and_hq_converge_after_offline_edits(pair: tuple[Device, Device], live: LiveHQ) -> None:
    a, b = pair
    # both devices work offline
    a_events = a.replica.put_many("test.events", [(None, {"visite": i, "par": "a"}) for i in range(30)])
    b_events = b.replica.put_many("test.events", [(None, {"visite": i, "par": "b"}) for i in range(20)])
    a_note = a.replica.put("test.notes", None, {"titre": "ronde de nuit", "v": 1})
    b_note = b.replica.put("test.notes", None, {"titre": "point fixe", "v": 1})
    gone = a.replica.put("test.notes", None, {"titre": "à supprimer"})
    doc = b.replica.put("test.documents", None, {"pv": "signé", "pages": 3})
    assert a.sync().ok and b.sync().ok and a.sync().ok
    # more offline work on both sides, on each other's records
    a.replica.put("test.notes", b_note, {"titre": "point fixe", "v": 2, "par": "a"})
    b.replica.put("test.notes", a_note, {"titre": "ronde de nuit", "v": 2, "par": "b"})
    a.replica.delete("test.notes", gone)
    b.replica.put("test.events", None, {"visite": 99})
    for _ in range(2):
        for device in (a, b):
            report = device.sync()
            assert report.ok, report.errors

    for coll in ("test.events", "test.notes", "test.documents"):
        sa, sb = snapshot(a, coll), snapshot(b, coll)
        assert sa == sb, coll
        assert hq_snapshot(live, coll, set(sa)) == sa
    assert len(snapshot(a, "test.events")) == 51
    assert {a.replica.get("test.events", r)["par"] for r in a_events + b_events} == {"a", "b"}  # type: ignore[index]
    assert b.replica.get("test.notes", a_note) == {"titre": "ronde de nuit", "v": 2, "par": "b"}
    assert a.replica.get("test.notes", gone) is None and b.replica.get("test.notes", gone) is None
    assert a.replica.get("test.documents", doc) == {"pv": "signé", "pages": 3}
    for device in (a, b):
        status = device.replica.status()
        assert (status.pending, status.sent, status.conflicts, status.rejected) == (0, 0, 0, 0)
        assert all(r.state == "acknowledged" for c in ("test.events", "test.notes")
                   for r in device.replica.list(c, include_deleted=True))


def test_a_true_conflict_is_kept_and_shown_then_resolved(pair: tuple[Device, Device], live: LiveHQ) -> None:
    a, b = pair
    rid = a.replica.put("test.notes", None, {"adresse": "3 rue des Lilas", "consigne": "passer le soir"})
    assert a.sync().ok and b.sync().ok
    base = a.replica.record("test.notes", rid).version  # type: ignore[union-attr]
    # both edit from the same base, offline
    a.replica.put("test.notes", rid, {"adresse": "3 rue des Lilas", "consigne": "passer le matin"})
    b.replica.put("test.notes", rid, {"adresse": "3 rue des Lilas", "consigne": "chien dans le jardin"})
    assert a.sync().ok
    report = b.sync()
    assert report.ok and report.conflicts == 1

    # visible on the device, both sides kept
    assert b.replica.state("test.notes", rid) == "conflict"
    (conflict,) = b.replica.conflicts("test.notes")
    assert conflict.local.payload == {"adresse": "3 rue des Lilas", "consigne": "chien dans le jardin"}
    assert conflict.hq.payload == {"adresse": "3 rue des Lilas", "consigne": "passer le matin"}
    assert conflict.hq.version == a.replica.record("test.notes", rid).version  # type: ignore[union-attr]
    assert len(conflict.conflict_ids) == 1
    # visible at HQ, to the admin and to every device of the unit
    (at_hq,) = [c for c in live.hq.list_conflicts() if c["record_id"] == rid]
    assert at_hq["incoming"]["payload"]["consigne"] == "chien dans le jardin" and at_hq["base_version"] == base
    assert at_hq["current"]["payload"]["consigne"] == "passer le matin"
    assert [c["conflict_id"] for c in a.client().conflicts()] == list(conflict.conflict_ids)
    # a second sync changes nothing: the conflict stays until a person resolves it
    assert b.sync().ok and b.replica.state("test.notes", rid) == "conflict"

    merged = {"adresse": "3 rue des Lilas", "consigne": "passer le matin ; chien dans le jardin"}
    b.replica.resolve("test.notes", rid, merged)
    assert b.sync().ok and b.replica.state("test.notes", rid) == "acknowledged"
    assert not [c for c in live.hq.list_conflicts() if c["record_id"] == rid]
    assert a.sync().ok and a.replica.get("test.notes", rid) == merged
    assert hq_snapshot(live, "test.notes", {rid})[rid][1] == merged


def test_a_conflict_settled_at_hq_closes_on_the_device(pair: tuple[Device, Device], live: LiveHQ) -> None:
    a, b = pair
    rid = a.replica.put("test.notes", None, {"v": 0})
    assert a.sync().ok and b.sync().ok
    a.replica.put("test.notes", rid, {"v": "a"})
    b.replica.put("test.notes", rid, {"v": "b"})
    assert a.sync().ok and b.sync().ok
    (conflict,) = b.replica.conflicts()
    live.hq.resolve_conflict(conflict.conflict_ids[0], "hq")  # the console keeps HQ's version
    assert b.sync().ok
    assert b.replica.conflicts() == [] and b.replica.get("test.notes", rid) == {"v": "a"}


def test_hq_refusals_are_kept_with_the_reason(pair: tuple[Device, Device], live: LiveHQ) -> None:
    a, _b = pair
    # the device believes it may write HQ's reference collection: HQ refuses, the record says why
    a.replica._policies["test.reference"] = "mutable_shared"
    rid = a.replica.put("test.reference", None, {"plaque": "AB-123-CD"})
    ok = a.replica.put("test.events", None, {"n": 1})
    report = a.sync()
    assert report.ok and report.rejected == 1 and report.acknowledged == 1
    rec = a.replica.record("test.reference", rid)
    assert rec is not None and rec.state == "rejected" and rec.reason_code == "hq_authoritative" and rec.reason
    (rejection,) = a.replica.rejected()
    assert rejection.record_id == rid and rejection.payload == {"plaque": "AB-123-CD"}
    assert a.replica.state("test.events", ok) == "acknowledged"
    assert a.sync().rejected == 0  # never sent again


def test_a_malformed_mutation_is_isolated(pair: tuple[Device, Device], live: LiveHQ) -> None:
    a, _b = pair
    ids = a.replica.put_many("test.events", [(None, {"n": i}) for i in range(9)])
    # damage one entry the way a bug would: HQ refuses the whole batch as invalid (422)
    a.replica.store.write(lambda c: c.execute(
        "UPDATE sync_outbox SET version = 'garbage' WHERE record_id = ?", (ids[4],)))
    report = a.sync(batch=9)
    assert report.ok and report.acknowledged == 8 and report.rejected == 1
    assert a.replica.state("test.events", ids[4]) == "rejected"
    assert {a.replica.state("test.events", i) for i in ids if i != ids[4]} == {"acknowledged"}
    (rejection,) = a.replica.rejected()
    assert rejection.reason_code == "invalid" and rejection.reason
    assert {r["record_id"] for r in hq_rows(live, origin_device=a.device_id)} == set(ids) - {ids[4]}


def test_attachments_are_uploaded_and_resumed(pair: tuple[Device, Device], live: LiveHQ) -> None:
    a, b = pair
    photo = random.Random(5).randbytes(2_500_000)
    sha = a.replica.attach(photo, "image/jpeg")
    rid = a.replica.put("test.events", None, {"photo": sha})
    # an earlier, interrupted upload left chunk 0 at HQ
    a.client().put_chunk(sha, 0, photo[:1024 * 1024])
    client = a.client()
    report = a.sync(client)
    assert report.ok and report.attachments == 1
    assert a.replica.attachment_info(sha)["state"] == "complete"  # type: ignore[index]
    status = client.attachment_status(sha)
    assert status.complete and status.size == len(photo)
    assert b.sync().ok
    sha_b = b.replica.get("test.events", rid)["photo"]  # type: ignore[index]
    assert b.client().download_attachment(sha_b) == photo
    assert a.sync().attachments == 0


def test_attachment_resume_sends_only_missing_chunks(pair: tuple[Device, Device], live: LiveHQ) -> None:
    a, _b = pair
    photo = random.Random(6).randbytes(3 * 1024 * 1024 + 10)
    sha = a.replica.attach(photo, "application/pdf")
    a.client().put_chunk(sha, 1, photo[1024 * 1024:2 * 1024 * 1024])
    client = a.client()
    client.trace = []
    assert a.sync(client).attachments == 1
    chunk_puts = sorted(path for method, path, _s, _r in client.trace if method == "PUT")
    assert chunk_puts == [f"/api/v1/attachments/{sha}/chunks/{i}" for i in (0, 2, 3)]


def test_the_audit_trail_reaches_hq_once(pair: tuple[Device, Device], live: LiveHQ) -> None:
    a, _b = pair
    a.session.audit.append("test.consultation", officer=a.officer, reason="contrôle routier")
    first = a.sync()
    assert first.ok and first.audit_events == len(a.session.audit.events())
    chain = a.client().audit_chain()
    assert chain.ok and chain.last_seq == a.session.audit.events()[-1].seq
    second = a.sync()
    assert second.audit_events == len(a.session.audit.events()) - chain.last_seq  # only what is new
    assert [e.action for e in a.session.audit.events()].count("sync.run") == 2
    (verdict,) = [v for v in live.hq.verify_audit(a.device_id)]
    assert verdict["ok"], verdict


def test_roster_and_progress(pair: tuple[Device, Device], live: LiveHQ) -> None:
    a, b = pair
    live.hq.set_officer_disabled(b.officer, True)
    seen: list[list[protocol.RosterEntry]] = []
    phases: list[tuple[str, int, int | None]] = []
    a.replica.put_many("test.events", [(None, {"n": i}) for i in range(25)])
    # exclude_own off: the device's own 25 records come back, in pages of 10.
    engine = SyncEngine(a.session, a.client(), a.replica, batch=10, pull_limit=10, on_roster=seen.append,
                        progress=lambda *p: phases.append(p), exclude_own=False)
    report = engine.run_once()
    assert report.ok and report.roster == 2
    (roster,) = seen
    assert {o.service_number: o.disabled for o in roster} == {a.officer: False, b.officer: True}
    assert ("push", 0, 25) in phases and ("push", 25, 25) in phases
    assert [p for p in phases if p[0] == "pull"][-1][1] >= 25
    order = [p[0] for p in phases]
    assert order.index("push") < order.index("pull") < order.index("audit") < order.index("roster")


def test_a_revoked_device_learns_it(make_device: Any, live: LiveHQ) -> None:
    unit, sns = new_unit(live)
    device = make_device(live, unit, sns[0])
    device.replica.put("test.events", None, {"n": 1})
    live.hq.revoke_device(device.device_id)
    with pytest.raises(DeviceRevoked) as err:
        device.sync()
    assert err.value.kind == "revoked"
    assert device.replica.pending_count() == 1  # nothing was pretended sent


def test_a_new_hq_epoch_restarts_the_pull(pair: tuple[Device, Device], live: LiveHQ) -> None:
    a, b = pair
    a.replica.put_many("test.events", [(None, {"n": i}) for i in range(5)])
    assert a.sync().ok and b.sync().ok
    b.replica.set_meta({"epoch": "an-hq-that-was-replaced"})
    report = b.sync()
    assert report.ok and report.epoch_changed and report.pulled >= 5 and report.applied == 0
    assert b.replica.cursor()[1] == live.hq.epoch


def test_a_device_does_not_pull_back_its_own_writes(pair: tuple[Device, Device], live: LiveHQ) -> None:
    a, b = pair
    assert a.sync().ok and b.sync().ok
    b.replica.put_many("test.events", [(None, {"par": "b", "n": i}) for i in range(3)])
    assert b.sync().ok
    note = a.replica.put("test.notes", None, {"titre": "ronde", "v": 1})
    a.replica.put_many("test.events", [(None, {"par": "a", "n": i}) for i in range(5)])
    report = a.sync()
    assert report.ok and report.acknowledged == 6
    assert report.pulled == 3 and report.applied == 3  # b's records, not its own
    assert a.replica.cursor()[0] == live.hq.stats()["server_seq"]  # moved past its own
    assert b.sync().pulled == 6
    # A record another device rewrote comes back, with that device's version.
    b.replica.put("test.notes", note, {"titre": "ronde", "v": 2})
    assert b.sync().ok
    report = a.sync()
    assert report.ok and report.pulled == 1 and a.replica.get("test.notes", note) == {"titre": "ronde", "v": 2}
    for coll in ("test.events", "test.notes"):
        assert snapshot(a, coll) == snapshot(b, coll)
    # Without the option, a device's own writes come back (and change nothing).
    a.replica.reset_cursor(a.replica.cursor()[1] or "")
    report = a.sync(exclude_own=False)
    assert report.ok and report.pulled == 9 and report.applied == 0


def test_after_an_epoch_change_a_device_pulls_its_own_writes_too(pair: tuple[Device, Device], live: LiveHQ) -> None:
    a, _b = pair
    a.replica.put_many("test.events", [(None, {"n": i}) for i in range(5)])
    assert a.sync().ok
    a.replica.set_meta({"epoch": "an-hq-that-was-replaced"})
    report = a.sync()
    assert report.ok and report.epoch_changed and report.pulled == 5 and report.applied == 0


def test_network_down_keeps_everything(make_device: Any, live: LiveHQ) -> None:
    unit, sns = new_unit(live)
    device = make_device(live, unit, sns[0])
    ids = device.replica.put_many("test.events", [(None, {"n": i}) for i in range(3)])
    from neo.sync.transport import HqClient

    dead = HqClient("https://127.0.0.1:9", ca_pem=device.link.ca_pem, token=device.link.token, retries=1,
                    sleep=lambda _s: None, timeout=2)
    report = device.sync(dead)
    assert not report.ok and report.errors[0]["kind"] == "network" and report.errors[0]["phase"] == "push"
    assert {device.replica.state("test.events", i) for i in ids} == {"pending"}
    assert "sync.failed" in [e.action for e in device.session.audit.events()]
    assert device.sync().ok
    assert {device.replica.state("test.events", i) for i in ids} == {"acknowledged"}


def test_a_failed_run_keeps_the_last_successful_sync_time(make_device: Any, live: LiveHQ) -> None:
    unit, sns = new_unit(live)
    device = make_device(live, unit, sns[0])
    assert device.sync().ok
    first = device.replica.status()
    assert first.last_sync_ok is True and first.last_success_ms == first.last_sync_ms
    from neo.sync.transport import HqClient

    dead = HqClient("https://127.0.0.1:9", ca_pem=device.link.ca_pem, token=device.link.token, retries=0,
                    sleep=lambda _s: None, timeout=2)
    assert not device.sync(dead).ok
    after = device.replica.status()
    assert after.last_sync_ok is False
    assert after.last_success_ms == first.last_success_ms
