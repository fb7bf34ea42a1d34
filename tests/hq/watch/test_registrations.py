"""Holiday-watch registrations at HQ: validation, import (line numbers, all or nothing),
assignment to the unit of the area, the desk route, sealed access details and their
audited reveal, expiry after the grace period — on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from neo.crypto import DecryptionError
from neo.hq.errors import AdminError, HQError
from neo.hq.storage.schema import metadata, records
from neo.hq.testing import LiveHQ
from neo.hq.watch.registrations import (
    COLLECTION,
    CSV_COLUMNS,
    ImportFailed,
    RegistrationIn,
    normalize_phone,
    open_access,
    seal_access,
)
from tests.hq.conftest import assert_error, new_unit

from .watch_data import ACCESS, postcode, register, registration

# -- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["06 12 34 56 78", "0612345678", "06.12.34.56.78", "+33 6 12 34 56 78",
                                  "+33612345678", "0033 6 12 34 56 78", "04-93-00-00-00"])
def test_french_phone_numbers_are_normalized(text: str) -> None:
    assert normalize_phone(text) in ("06 12 34 56 78", "04 93 00 00 00")


@pytest.mark.parametrize("text", ["12345", "06 12 34 56", "+44 20 7946 0958", "00 12 34 56 78", "06123456789", "abc"])
def test_other_phone_numbers_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        normalize_phone(text)


def _invalid(**changes: Any) -> str:
    with pytest.raises(ValidationError) as err:
        RegistrationIn.model_validate(registration(**changes))
    return str(err.value)


def test_a_good_registration_validates() -> None:
    reg = RegistrationIn.model_validate(registration())
    assert reg.citizen.phone == "06 12 34 56 78"
    assert reg.contact is not None and reg.contact.phone == "04 93 00 00 00"
    assert reg.authorised_people[0].vehicles == ["AB-123-CD"]
    assert reg.visit_policy.as_dict() == {"min_visits_per_week": 3}


def test_registrations_are_checked_field_by_field() -> None:
    today = date.today()
    assert "date de fin" in _invalid(end_date=(today - timedelta(days=1)).isoformat(), start_date=today.isoformat())
    assert "120" in _invalid(days=200)
    assert "code postal" in _invalid(pc="6500")
    assert "code postal" in _invalid(pc="99000")
    assert "position" in _invalid(position={"lat": 51.5, "lon": -0.12})  # London
    assert "position" in _invalid(pc="97400")  # La Réunion's postcode, a position in Menton
    assert "home_type" in _invalid(home_type="chateau")
    assert "citizen.phone" in _invalid(citizen={"name": "X", "phone": "12"})
    assert "citizen.email" in _invalid(citizen={"name": "X", "phone": "0612345678", "email": "pas une adresse"})
    assert "notes" in _invalid(notes="a\x00b")
    assert "extra" in _invalid(extra_field=1).lower()
    assert "visit_policy" in _invalid(visit_policy={"min_visits_per_week": 2, "every_n_days": 3})


def test_access_seal_round_trip_and_is_deterministic() -> None:
    key = bytes(range(32))
    rid = "7d0f6a3e-1b7e-4a57-9d8f-2f6b1d3c4e5a"
    sealed = seal_access(key, rid, ACCESS)
    assert sealed.startswith("v1:") and ACCESS not in sealed
    assert seal_access(key, rid, ACCESS) == sealed
    assert seal_access(key, rid, ACCESS + ".") != sealed
    assert open_access(key, rid, sealed) == ACCESS
    with pytest.raises(DecryptionError):
        open_access(key, "00000000-0000-0000-0000-000000000000", sealed)  # bound to its registration


# -- import ---------------------------------------------------------------------------------------------


def _csv_row(pc: str, **changes: str) -> dict[str, str]:
    today = date.today()
    row = {c: "" for c in CSV_COLUMNS}
    row.update({
        "citizen_name": "Henri Essai (fictif)", "citizen_phone": "0611223344", "address_line": "3 rue Longue",
        "postcode": pc, "city": "Menton", "lat": "43.775", "lon": "7.50", "start_date": today.isoformat(),
        "end_date": (today + timedelta(days=10)).isoformat(), "home_type": "appartement", "alarm": "non",
        "access": "Digicode 1234", "authorised_people": "Léa Essai (fictif) : GH-456-JK, ZZ-999-ZZ | Tom (fictif)",
        "contact_name": "Marc (fictif)", "contact_phone": "0493000000", "every_n_days": "2",
    })
    row.update(changes)
    return row


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return path


def _count(live: LiveHQ) -> int:
    return live.hq.db.read(lambda c: len(c.execute(select(records.c.record_id).where(
        records.c.collection == COLLECTION)).all()))


def test_import_reports_bad_lines_and_writes_nothing(live: LiveHQ, tmp_path: Path) -> None:
    unit, _uid, _ = new_unit(live)
    pc = postcode()
    live.hq.watch.set_area(unit, [pc])
    before = _count(live)
    path = _write_csv(tmp_path / "otv.csv", [
        _csv_row(pc), _csv_row(pc, citizen_phone="12"), _csv_row(pc),
        _csv_row(pc, end_date="2020-01-01", start_date="2020-01-05"), _csv_row("06000" if pc != "06000" else "06001"),
    ])
    with pytest.raises(ImportFailed) as err:
        live.hq.watch.import_file(path)
    lines = [e.line for e in err.value.errors]
    assert lines == [3, 5, 6], str(err.value)
    assert "citizen.phone" in err.value.errors[0].message
    assert "aucune unité" in err.value.errors[2].message
    assert "ligne 3" in str(err.value) and "rien n'a été importé" in str(err.value)
    assert _count(live) == before


def test_import_assigns_units_by_area_and_reimport_changes_nothing(live: LiveHQ, tmp_path: Path) -> None:
    unit_a, id_a, _ = new_unit(live)
    unit_b, id_b, _ = new_unit(live)
    pc_a, pc_b = postcode(), postcode()
    live.hq.watch.set_area(unit_a, [pc_a])
    live.hq.watch.set_area(unit_b, [pc_b])
    ids = [f"0b8e1a9c-0d3e-4c55-8a5e-{n:012d}" for n in range(3)]
    path = tmp_path / "otv.jsonl"
    path.write_text("\n".join(json.dumps(registration(pc, id=rid)) for pc, rid in
                              ((pc_a, ids[0]), (pc_b, ids[1]), (pc_b, ids[2])) if rid) + "\n", encoding="utf-8")
    report = live.hq.watch.import_file(path)
    assert report["units"] == {unit_a: 1, unit_b: 2}
    rows = live.hq.db.read(lambda c: {r.record_id: r for r in c.execute(
        select(records).where(records.c.record_id.in_(ids)))})
    assert rows[ids[0]].audience == f"u:{id_a}" and rows[ids[1]].audience == f"u:{id_b}"
    assert json.loads(rows[ids[0]].payload)["unit"] == unit_a
    again = live.hq.watch.import_file(path)
    assert again["created"] == 0
    rows2 = live.hq.db.read(lambda c: {r.record_id: r.server_seq for r in c.execute(
        select(records).where(records.c.record_id.in_(ids)))})
    assert rows2 == {rid: r.server_seq for rid, r in rows.items()}  # unchanged: no new version
    # A registration keeps its unit: moving it to another unit's postcode is refused.
    path.write_text(json.dumps(registration(pc_b, id=ids[0])) + "\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="changer d'unité"):
        live.hq.watch.import_file(path)


def test_import_refuses_unknown_formats_and_columns(live: LiveHQ, tmp_path: Path) -> None:
    with pytest.raises(AdminError):
        live.hq.watch.import_file(tmp_path / "missing.csv")
    bad = tmp_path / "otv.txt"
    bad.write_text("x", encoding="utf-8")
    with pytest.raises(AdminError, match="Format"):
        live.hq.watch.import_file(bad)
    cols = tmp_path / "cols.csv"
    cols.write_text("citizen_name,shoe_size\nA,42\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="shoe_size"):
        live.hq.watch.import_file(cols)
    js = tmp_path / "bad.jsonl"
    js.write_text('{"citizen": 1}\n[1]\n{nope\n', encoding="utf-8")
    with pytest.raises(ImportFailed) as err:
        live.hq.watch.import_file(js)
    assert [e.line for e in err.value.errors] == [1, 2, 3]


# -- access details -------------------------------------------------------------------------------------


def _all_text(live: LiveHQ) -> str:
    """Every value of every HQ table, as text."""
    def dump(conn: Any) -> str:
        parts = []
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                parts.append(" ".join(str(v) for v in row))
        return "\n".join(parts)

    return live.hq.db.read(dump)


def test_access_details_are_never_stored_or_synced_in_clear(live: LiveHQ, make_device: Any) -> None:
    unit, _uid, sns = new_unit(live)
    secret = f"Code portail {postcode()}#B, clé sous le pot"
    rid = register(live, unit, access=secret)
    assert secret not in _all_text(live)
    device = make_device(unit)
    with device.client() as c:
        body = c.get("/api/v1/sync/pull", params={"since": 0}).text
    assert rid in body and secret not in body
    payload = live.hq.watch.registration(rid)["payload"]
    assert payload["access_sealed"].startswith("v1:")
    # The device gets the key (and the text) on demand, for an officer of the unit, with a reason.
    with device.client() as c:
        r = c.post(f"/api/v1/m/holiday_watch/registrations/{rid}/access",
                   json={"officer": sns[0], "reason": "alarme déclenchée, accès au jardin"})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["access"] == secret
    import base64

    assert open_access(base64.b64decode(answer["key"]), rid, payload["access_sealed"]) == secret
    log = live.hq.watch.access_log(rid)
    assert [(x["officer"], x["device_id"], x["reason"]) for x in log] == [
        (sns[0], device.device_id, "alarme déclenchée, accès au jardin")]
    assert secret not in _all_text(live)


def test_access_reveal_is_refused_without_reason_or_outside_the_unit(live: LiveHQ, make_device: Any) -> None:
    unit, _uid, sns = new_unit(live)
    other, _oid, other_sns = new_unit(live)
    rid = register(live, unit)
    mine, theirs = make_device(unit), make_device(other)
    url = f"/api/v1/m/holiday_watch/registrations/{rid}/access"
    with mine.client() as c:
        assert_error(c.post(url, json={"officer": sns[0], "reason": ""}), 422, "rejected")
        assert_error(c.post(url, json={"officer": other_sns[0], "reason": "contrôle"}), 403, "auth", "officer_refused")
        assert_error(c.post(url.replace(rid, "00000000-0000-4000-8000-000000000000"),
                            json={"officer": sns[0], "reason": "contrôle"}), 404, "not_found")
    with theirs.client() as c:
        assert_error(c.post(url, json={"officer": other_sns[0], "reason": "contrôle"}), 404, "not_found")
    assert live.hq.watch.access_log(rid) == []


# -- the desk route ------------------------------------------------------------------------------------


def test_desk_registration_goes_to_the_unit_of_the_area(live: LiveHQ, make_device: Any) -> None:
    desk, _desk_id, sns = new_unit(live)
    area_unit, area_id, _ = new_unit(live)
    pc = postcode()
    live.hq.watch.set_area(area_unit, [pc])
    device = make_device(desk)
    url = "/api/v1/m/holiday_watch/registrations"
    with device.client() as c:
        r = c.post(url, json={"officer": sns[0], "registration": registration(pc)})
        assert r.status_code == 200, r.text
        assert r.json()["unit"] == area_unit and r.json()["created"] is True
        # No unit covers this postcode: the desk's unit keeps it.
        r2 = c.post(url, json={"officer": sns[0], "registration": registration(postcode())})
        assert r2.status_code == 200 and r2.json()["unit"] == desk
        err = assert_error(c.post(url, json={"officer": sns[0], "registration": registration(pc, home_type="x")}),
                           422, "rejected")
        assert any("home_type" in str(e["loc"]) for e in err["detail"]["errors"])
        past = registration(pc, today=date.today() - timedelta(days=30))
        assert_error(c.post(url, json={"officer": sns[0], "registration": past}), 422, "rejected",
                     "registration_invalid")
        assert_error(c.post(url, json={"officer": "99999999", "registration": registration(pc)}), 403, "auth")
    rec = live.hq.db.read(lambda c: c.execute(select(records.c.audience).where(
        records.c.record_id == r.json()["id"])).scalar_one())
    assert rec == f"u:{area_id}"


# -- expiry ------------------------------------------------------------------------------------------


def test_ended_watches_leave_after_the_grace_period(live: LiveHQ, make_device: Any) -> None:
    unit, _uid, _sns = new_unit(live)
    today = date.today()
    rid = register(live, unit, days=5)
    grace = live.hq.config.watch_grace_days
    end = today + timedelta(days=5)
    assert rid not in live.hq.watch.expire_ended(end + timedelta(days=grace))  # last day of grace: kept
    removed = live.hq.watch.expire_ended(end + timedelta(days=grace + 1))
    assert rid in removed
    row = live.hq.db.read(lambda c: c.execute(select(records).where(records.c.record_id == rid)).one())
    assert row.tombstone and row.payload is None
    info = live.hq.watch.registration(rid)
    assert info["removed_at"] is not None and info["payload"] is None
    with pytest.raises(HQError):
        live.hq.watch.reveal_access(rid, reason="trop tard", actor="hq:test")
    # The key is erased with the record; the citizen's report was kept.
    assert (live.hq.watch.reports_dir / f"{rid}.pdf").is_file()
    assert rid not in live.hq.watch.expire_ended(end + timedelta(days=30))
