"""``POST /api/v1/m/lookup/search`` over real HTTPS, on SQLite and PostgreSQL: the reason,
who may ask (roster, disabled officers, revoked devices), which files they may search,
answers to resent queries, the query log (``neo-hq lookup log``) and the rate limit."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from neo import protocol
from neo.hq.cli import main
from neo.hq.config import HQConfig, lookup_files_from_env
from neo.hq.errors import AdminError
from neo.hq.lookup.service import RateLimiter, entitled_files
from neo.hq.reference import FILES

from .conftest import PIN, assert_error, counts, new_unit, public_key, random_service_number
from .lookup_data import import_records, plate, record, surname, vin

SEARCH = "/api/v1/m/lookup/search"


def query(officer: str, text: str | None = "AB-123-CD", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"query_id": str(uuid.uuid4()), "officer": officer, "reason": "controle_routier",
                            "asked_at_ms": 1_790_000_000_000}
    if text is not None:
        body["text"] = text
    body.update(extra)
    return body


def post(device: Any, body: Any) -> Any:
    with device.live.client(device.token) as c:
        return c.post(SEARCH, json=body)


@pytest.fixture
def vehicles(live, tmp_path: Path) -> dict[str, dict[str, Any]]:
    """A stolen vehicle and its registration (same plate), and a wanted person."""
    p, v = plate(), vin()
    stolen = record("stolen_vehicles", plate=p, vin=v)
    registration = record("vehicle_registrations", plate=p, vin=v)
    wanted = record("wanted_persons", surname=surname(), usage_name=None, given_names=["Karim"],
                    birth_date="1988-11-23", aliases=[])
    import_records(live, tmp_path, stolen, registration, wanted)
    return {"stolen": stolen, "registration": registration, "wanted": wanted}


# -- the reason -------------------------------------------------------------------------------


def test_the_reason_is_required_with_a_clear_message(device, live) -> None:
    before = counts(live)
    body = query(device.officer)
    del body["reason"]
    err = assert_error(post(device, body), 422, "rejected", "reason_required")
    assert "motif" in err["message"].lower()
    assert err["detail"]["reasons"] == list(protocol.LOOKUP_REASONS)
    assert_error(post(device, query(device.officer, reason="")), 422, "rejected", "reason_required")
    assert_error(post(device, query(device.officer, reason="curiosite")), 422, "rejected", "reason_unknown")
    err = assert_error(post(device, query(device.officer, reason="autre")), 422, "rejected", "reason_text_required")
    assert "autre" in err["message"]
    assert_error(post(device, query(device.officer, reason="autre", reason_text="   ")), 422, "rejected",
                 "reason_text_required")
    assert counts(live) == before
    ok = post(device, query(device.officer, reason="autre", reason_text="Demande du parquet"))
    assert ok.status_code == 200, ok.text


def test_bad_bodies_are_refused_without_writing(device, live) -> None:
    before = counts(live)
    with live.client(device.token) as c:
        assert_error(c.post(SEARCH, content=b"{not json", headers={"content-type": "application/json"}), 400,
                     "rejected", "malformed_json")
        assert_error(c.post(SEARCH, content=b"[1, 2]", headers={"content-type": "application/json"}), 422,
                     "rejected", "invalid")
        assert_error(c.post(SEARCH, content=b"[" * 100_000 + b"]" * 100_000,
                            headers={"content-type": "application/json"}), 400, "rejected")
    both = query(device.officer, fields={"plate": "AB-123-CD"})
    assert_error(post(device, both), 422, "rejected", "invalid")
    assert_error(post(device, query(device.officer, text=None)), 422, "rejected", "invalid")
    assert_error(post(device, query(device.officer, text="AB\x00123")), 422, "rejected", "control_characters")
    assert_error(post(device, query(device.officer, text=None, fields={"mrz": "P<FRA\x07"})), 422, "rejected",
                 "control_characters")
    assert counts(live) == before


# -- who may ask ------------------------------------------------------------------------------


def test_only_officers_of_the_device_unit_who_are_not_disabled(device, live) -> None:
    _other_unit, _id, (stranger,) = new_unit(live)
    disabled = random_service_number()
    live.hq.add_officer(disabled, "Agent Désactivé", device.unit, PIN, disabled=True)
    before = counts(live)
    err = assert_error(post(device, query(random_service_number())), 403, "auth", "officer_unknown")
    assert err["message"] == "Agent inconnu du QG."
    assert_error(post(device, query(stranger)), 403, "auth", "officer_other_unit")
    assert_error(post(device, query(disabled)), 403, "auth", "officer_disabled")
    assert counts(live) == before


def test_a_revoked_device_is_refused(make_device, live) -> None:
    device = make_device()
    assert post(device, query(device.officer)).status_code == 200
    live.hq.revoke_device(device.device_id)
    assert_error(post(device, query(device.officer)), 403, "revoked")


def test_only_the_device_token_may_search(live) -> None:
    unit, _id, (officer,) = new_unit(live)
    with live.client() as c:
        enrolled = c.post("/api/v1/enroll", json={"code": live.enrolment_code(unit), "device_public_key": public_key(),
                                                  "device_name": "Tablette"}).json()
        assert_error(c.post(SEARCH, json=query(officer)), 401, "auth")
    with live.client(enrolled["unlock_token"]) as c:  # the verify-only token of a first unlock
        assert_error(c.post(SEARCH, json=query(officer)), 403, "auth", "token_scope")
        assert_error(c.get("/api/v1/m/lookup/hotlist"), 403, "auth", "token_scope")
    with live.client(enrolled["token"]) as c:
        assert c.post(SEARCH, json=query(officer)).status_code == 200


# -- the search and its log -----------------------------------------------------------------------


def test_a_stolen_plate_is_found_and_the_query_logged(device, live, vehicles, capsys) -> None:
    stolen = vehicles["stolen"]
    typed = stolen["plate"].replace("-", " ").lower()
    body = query(device.officer, typed, position={"lat": 43.7764, "lon": 7.5048, "accuracy": 12.0},
                 reason="recherche")
    r = post(device, body)
    assert r.status_code == 200, r.text
    answer = protocol.LookupResponse.model_validate(r.json())
    assert answer.query_id == body["query_id"] and not answer.replayed
    assert answer.not_entitled == [] and "stolen_vehicles" in answer.searched
    assert "plate" in answer.interpretations
    refs = [(h.file, h.record_id) for h in answer.hits]
    assert ("stolen_vehicles", stolen["id"]) in refs and ("vehicle_registrations", vehicles["registration"]["id"]) in refs
    top = answer.hits[0]
    assert (top.file, top.severity) == ("stolen_vehicles", "alert")
    assert top.instruction == stolen["instruction"] and top.payload["vin"] == stolen["vin"]

    (logged,) = [q for q in live.hq.lookup.log(officer=device.officer) if q["query_id"] == body["query_id"]]
    assert logged["device_id"] == device.device_id and logged["officer"] == device.officer
    assert logged["unit"] == device.unit and logged["reason"] == "recherche" and logged["reason_text"] == ""
    assert logged["query_text"] == typed and logged["query_fields"] is None
    assert logged["position"] == {"lat": 43.7764, "lon": 7.5048, "accuracy": 12.0}
    assert logged["asked_at_ms"] == body["asked_at_ms"]
    assert logged["result_count"] == len(answer.hits)
    assert logged["hits"] == [f"{f}/{rid}" for f, rid in refs]
    assert set(logged["searched"]) == set(answer.searched)

    # the same through neo-hq lookup log
    code = main(["lookup", "log", "--officer", device.officer, "--limit", "5", "--data-dir",
                 str(live.config.data_dir), "--db", live.config.database_url, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)[0]["query_id"] == body["query_id"]
    code = main(["lookup", "log", "--data-dir", str(live.config.data_dir), "--db", live.config.database_url])
    out, err = capsys.readouterr()
    assert code == 0 and typed in out


def test_structured_fields_find_a_wanted_person(device, live, vehicles) -> None:
    wanted = vehicles["wanted"]
    body = query(device.officer, None, fields={"surname": wanted["surname"].upper(), "given_names": "karim",
                                               "birth_date": "23/11/1988"}, reason="controle_identite")
    r = post(device, body)
    assert r.status_code == 200, r.text
    hit = next(h for h in r.json()["hits"] if h["record_id"] == wanted["id"])
    assert hit["file"] == "wanted_persons" and hit["severity"] == "alert"
    (logged,) = [q for q in live.hq.lookup.log(officer=device.officer) if q["query_id"] == body["query_id"]]
    assert logged["query_text"] is None
    assert logged["query_fields"] == {"surname": wanted["surname"].upper(), "given_names": "karim",
                                      "birth_date": "23/11/1988"}


def test_files_are_searched_only_as_entitled(device, live, vehicles, monkeypatch) -> None:
    stolen = vehicles["stolen"]
    monkeypatch.setattr(live.hq.config, "lookup_files", {"officer": ["vehicle_registrations", "persons"],
                                                         "supervisor": ["*"]})
    r = post(device, query(device.officer, stolen["plate"]))
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["searched"] == ["persons", "vehicle_registrations"] and answer["not_entitled"] == []
    assert {h["file"] for h in answer["hits"]} == {"vehicle_registrations"}

    asked = query(device.officer, stolen["plate"], files=["stolen_vehicles", "vehicle_registrations", "no_such_file"])
    answer = post(device, asked).json()
    assert answer["searched"] == ["vehicle_registrations"]
    assert answer["not_entitled"] == ["stolen_vehicles", "no_such_file"]
    assert all(h["file"] == "vehicle_registrations" for h in answer["hits"]) and answer["hits"]
    (logged,) = [q for q in live.hq.lookup.log(officer=device.officer) if q["query_id"] == asked["query_id"]]
    assert logged["searched"] == ["vehicle_registrations"]
    assert not any(ref.startswith("stolen_vehicles/") for ref in logged["hits"])

    nothing = post(device, query(device.officer, stolen["plate"], files=["stolen_vehicles"])).json()
    assert nothing["searched"] == [] and nothing["hits"] == [] and nothing["not_entitled"] == ["stolen_vehicles"]
    assert nothing["problem"]

    # a supervisor of the same unit may search every file
    chief = random_service_number()
    live.hq.add_officer(chief, "Cheffe Test", device.unit, PIN, role="supervisor")
    answer = post(device, query(chief, stolen["plate"], files=["stolen_vehicles"])).json()
    assert answer["searched"] == ["stolen_vehicles"] and answer["hits"][0]["record_id"] == stolen["id"]


def test_by_default_administrators_search_nothing(device, live, vehicles) -> None:
    admin = random_service_number()
    live.hq.add_officer(admin, "Admin Test", device.unit, PIN, role="admin")
    answer = post(device, query(admin, vehicles["stolen"]["plate"])).json()
    assert answer["searched"] == [] and answer["hits"] == [] and answer["problem"]


# -- resent queries ---------------------------------------------------------------------------


def test_a_resent_query_is_answered_from_the_log_once(device, live, make_device, vehicles) -> None:
    body = query(device.officer, vehicles["stolen"]["plate"])
    first = post(device, body)
    assert first.status_code == 200
    logged_before = counts(live)["lookup_queries"]
    again = post(device, body)
    assert again.status_code == 200
    assert again.json() == {**first.json(), "replayed": True}
    assert counts(live)["lookup_queries"] == logged_before
    assert len([q for q in live.hq.lookup.log(officer=device.officer, limit=1000)
                if q["query_id"] == body["query_id"]]) == 1

    # the same query_id from another officer of the unit, or from another device: refused
    colleague = random_service_number()
    live.hq.add_officer(colleague, "Collègue Test", device.unit, PIN)
    assert_error(post(device, {**body, "officer": colleague}), 409, "conflict", "query_id_reused")
    other = make_device(device.unit)
    assert_error(post(other, body), 409, "conflict", "query_id_reused")
    assert counts(live)["lookup_queries"] == logged_before


def test_an_officer_is_rate_limited(device, live, monkeypatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(live.hq.lookup, "rate", RateLimiter(3, clock=lambda: now[0]))
    sent = [query(device.officer) for _ in range(3)]
    for body in sent:
        assert post(device, body).status_code == 200
    before = counts(live)
    r = post(device, query(device.officer))
    err = assert_error(r, 429, "auth", "throttled")
    assert int(r.headers["retry-after"]) == 60 and "consultations" in err["message"]
    assert counts(live) == before
    # a resent query is still answered (from the log), and the window moves on
    assert post(device, sent[0]).json()["replayed"] is True
    now[0] += 61
    assert post(device, query(device.officer)).status_code == 200


# -- configuration ----------------------------------------------------------------------------


def test_entitlements_come_from_the_environment(monkeypatch, tmp_path: Path, capsys) -> None:
    monkeypatch.delenv("NEO_HQ_LOOKUP_FILES", raising=False)
    config = HQConfig(data_dir=tmp_path)
    assert entitled_files(config, "officer") == list(FILES) == entitled_files(config, "supervisor")
    assert entitled_files(config, "admin") == [] and entitled_files(config, "stranger") == []
    monkeypatch.setenv("NEO_HQ_LOOKUP_FILES", '{"officer": ["stolen_vehicles", "unknown"], "admin": ["*"]}')
    config = HQConfig(data_dir=tmp_path)
    assert entitled_files(config, "officer") == ["stolen_vehicles"]
    assert entitled_files(config, "admin") == list(FILES) and entitled_files(config, "supervisor") == []
    for bad in ('["officer"]', '{"officer": "*"}', "{officer: [*]}", '{"officer": [1]}'):
        monkeypatch.setenv("NEO_HQ_LOOKUP_FILES", bad)
        with pytest.raises(AdminError, match="NEO_HQ_LOOKUP_FILES"):
            lookup_files_from_env()
    code = main(["unit", "list", "--data-dir", str(tmp_path / "hq")])
    assert code == 1 and "NEO_HQ_LOOKUP_FILES" in capsys.readouterr().err
