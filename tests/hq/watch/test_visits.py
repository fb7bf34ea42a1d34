"""Visits at HQ: checked on push, indexed, an anomaly raises an alert and the citizen's
notifications per the unit's policy; ``neo-hq watch visits``; and the whole round with a
real device (SQLCipher vault, replica, sync engine) — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from neo.hq.cli import main as hq_main
from neo.hq.testing import LiveHQ
from neo.replica import Replica
from tests.hq.conftest import DeviceHandle, new_unit

from .watch_data import ACCESS, postcode, register, visit

VISITS = "holiday_watch.visits"


def push(device: DeviceHandle, *payloads: dict[str, Any]) -> list[dict[str, Any]]:
    mutations = [device.mutation(VISITS, p, record_id=p.get("id") or "00000000-0000-4000-8000-000000000000")
                 for p in payloads]
    with device.client() as c:
        r = c.post("/api/v1/sync/push", json={"mutations": mutations})
    assert r.status_code == 200, r.text
    return list(r.json()["results"])


def test_bad_visits_are_refused_with_a_reason(live: LiveHQ, make_device: Any) -> None:
    unit, _uid, _ = new_unit(live)
    other, _oid, _ = new_unit(live)
    mine, theirs = register(live, unit), register(live, other)
    device = make_device(unit)
    officer = device.officer
    bad_check = visit(mine, officer)
    bad_check["checklist"]["doors"] = "cassée"
    inconsistent = visit(mine, officer, anomalies=("doors",))  # outcome all_clear with an anomaly
    results = push(device,
                   bad_check,
                   inconsistent,
                   visit(theirs, officer),                       # another unit's home
                   visit("0b8e1a9c-0d3e-4c55-8a5e-00000000abcd", officer),  # no such home
                   visit(mine, "12345678"),                      # not the officer who sends it
                   {k: v for k, v in visit(mine, officer).items() if k != "checklist"},
                   visit(mine, officer, photos=1) | {"photos": ["not-a-hash"]})
    assert [r["status"] for r in results] == ["rejected"] * 7
    assert {r["reason_code"] for r in results} == {"record_invalid"}
    assert all(r["reason"].startswith("Passage refusé par le QG") for r in results)
    assert live.hq.watch.visits(mine) == [] and live.hq.watch.visits(theirs) == []


def test_an_anomaly_raises_an_alert_and_notifications(live: LiveHQ, make_device: Any) -> None:
    unit, _uid, _ = new_unit(live)
    rid = register(live, unit)
    device = make_device(unit)
    at = datetime(2026, 7, 14, 20, 30, tzinfo=UTC)
    ok = visit(rid, device.officer, at=at)
    bad = visit(rid, device.officer, outcome="anomaly", anomalies=("doors", "windows_shutters"), at=at + timedelta(
        hours=26), note="Porte-fenêtre forcée côté jardin", photos=2)
    results = push(device, ok, bad)
    assert [r["status"] for r in results] == ["applied", "applied"]
    # The same visit written again is refused (append-only): nothing is raised twice.
    assert [r.get("reason_code") for r in push(device, bad)] == ["already_exists"]
    alerts = live.hq.watch.alerts(unit=unit)
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert["visit_id"] == bad["id"] and alert["registration_id"] == rid and alert["officer"] == device.officer
    assert "portes" in alert["summary"] and "fenêtres et volets" in alert["summary"]
    assert "Porte-fenêtre forcée" in alert["summary"]
    notes = live.hq.watch.notifications(unit=unit)
    assert [(n["channel"], n["recipient"], n["status"]) for n in notes] == [("sms", "06 12 34 56 78", "to_send")]
    assert "16/07/2026 à 00:30" in notes[0]["message"]  # Paris time of the visit
    assert ACCESS not in notes[0]["message"]
    # Acknowledged, the alert leaves the open list; sent, the notification changes state.
    assert live.hq.watch.acknowledge(alert["id"], "Cne Roux") is True
    assert live.hq.watch.acknowledge(alert["id"], "Cne Roux") is False
    assert live.hq.watch.alerts(unit=unit) == []
    assert live.hq.watch.alerts(unit=unit, open_only=False)[0]["acknowledged_by"] == "Cne Roux"
    assert live.hq.watch.mark_sent(notes[0]["id"]) is True
    assert live.hq.watch.notifications(unit=unit, status="to_send") == []
    # Both visits are listed, oldest first.
    listed = live.hq.watch.visits(rid)
    assert [(v["visit_id"], v["outcome"]) for v in listed] == [(ok["id"], "all_clear"), (bad["id"], "anomaly")]
    assert listed[1]["payload"]["note"] == "Porte-fenêtre forcée côté jardin"


@pytest.mark.parametrize(("policy", "phone", "email", "expected"), [
    ("none", "06 12 34 56 78", "a@example.org", []),
    ("sms,email", "06 12 34 56 78", "a@example.org", [("email", "a@example.org"), ("sms", "06 12 34 56 78")]),
    ("email", "06 12 34 56 78", None, []),
    ("sms", "04 93 12 34 56", None, [("phone", "04 93 12 34 56")]),  # a landline: the unit calls
])
def test_notifications_follow_the_unit_policy(live: LiveHQ, make_device: Any, policy: str, phone: str,
                                              email: str | None, expected: list[tuple[str, str]]) -> None:
    unit, _uid, _ = new_unit(live)
    live.hq.watch.set_policy(unit, policy.split(","))
    rid = register(live, unit, citizen={"name": "Résident (fictif)", "phone": phone, "email": email})
    device = make_device(unit)
    assert push(device, visit(rid, device.officer, outcome="anomaly", anomalies=("letterbox",)))[0]["status"] == \
        "applied"
    assert len(live.hq.watch.alerts(unit=unit)) == 1
    got = sorted((n["channel"], n["recipient"]) for n in live.hq.watch.notifications(unit=unit))
    assert got == expected


def test_watch_visits_command(live: LiveHQ, make_device: Any, capsys: pytest.CaptureFixture[str]) -> None:
    unit, _uid, _ = new_unit(live)
    rid = register(live, unit)
    device = make_device(unit)
    push(device, visit(rid, device.officer, note="RAS, volets fermés"),
         visit(rid, device.officer, outcome="anomaly", anomalies=("garden",), photos=3))
    args = ["--data-dir", str(live.config.data_dir), "--db", live.config.database_url]
    capsys.readouterr()
    assert hq_main(["watch", "visits", rid, "--json", *args]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["outcome"] for r in sorted(rows, key=lambda r: r["outcome"])] == ["all_clear", "anomaly"]
    assert hq_main(["watch", "visits", rid, *args]) == 0
    out = capsys.readouterr().out
    assert "RAS, volets fermés" in out and "garden" in out and device.officer in out
    assert hq_main(["watch", "alerts", "--unit", unit, "--json", *args]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1
    assert hq_main(["watch", "visits", "0b8e1a9c-0d3e-4c55-8a5e-0000000000ff", *args]) == 1


# -- a real device ------------------------------------------------------------------------------------


def test_round_trip_with_a_real_device(live: LiveHQ, tmp_path: Path) -> None:
    """HQ registers a home; a real device pulls it (access sealed), logs an anomaly visit and
    pushes it; HQ raises the alert; after the end date and grace, the home leaves the tablet."""
    from tests.sync.conftest import enrol

    unit, _uid, sns = new_unit(live)
    pc = postcode()
    rid = register(live, unit, pc=pc, days=3)
    device = enrol(live, tmp_path / "tablet", unit, sns[0])
    try:
        replica = Replica.for_session(device.session, {"holiday_watch.registrations": "hq_authoritative",
                                                       VISITS: "append_only"})
        device.sync()
        home = replica.get("holiday_watch.registrations", rid)
        assert home is not None and home["address"]["postcode"] == pc
        assert home["access_sealed"].startswith("v1:") and ACCESS not in json.dumps(home, ensure_ascii=False)
        payload = visit(rid, sns[0], outcome="anomaly", anomalies=("doors",), note="Serrure forcée")
        replica.put(VISITS, payload["id"], payload)
        device.sync()
        assert replica.state(VISITS, payload["id"]) == "acknowledged"
        alerts = live.hq.watch.alerts(unit=unit)
        assert [a["visit_id"] for a in alerts] == [payload["id"]]
        end = date.fromisoformat(home["end_date"])
        assert rid in live.hq.watch.expire_ended(end + timedelta(days=live.hq.config.watch_grace_days + 1))
        device.sync()
        assert replica.get("holiday_watch.registrations", rid) is None
    finally:
        device.close()
