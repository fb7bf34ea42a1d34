"""The lookup's offline hot-list over real HTTPS, on SQLite and PostgreSQL: what it holds
(keyed hashes of stolen vehicles' and documents' identifiers and wanted persons' name
variants, nothing of the civil files), that it cannot be read back, the ETag, and key
rotation through ``neo-hq lookup rotate-hotlist-key``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from pathlib import Path
from typing import Any

import pytest

from neo import protocol
from neo.hq.cli import main
from neo.hq.lookup.hotlist import build, identifier_keys
from neo.modules.lookup.match import keys as match_keys

from .conftest import assert_error
from .lookup_data import document_number, import_records, plate, record, surname, vin

HOTLIST = "/api/v1/m/lookup/hotlist"


def entry(secret: bytes, key: str) -> str:
    """The hot-list entry of a key, computed here from the documented rule."""
    return hmac.new(secret, key.encode("ascii"), hashlib.sha256).digest()[:8].hex()


def fetch(device: Any, **headers: str) -> Any:
    with device.live.client(device.token) as c:
        return c.get(HOTLIST, headers=headers)


@pytest.fixture
def hot_records(live, tmp_path: Path) -> dict[str, dict[str, Any]]:
    stolen = record("stolen_vehicles", plate=plate(), vin=vin())
    registered = record("vehicle_registrations", plate=plate(), vin=vin())
    document = record("stolen_documents", number=document_number())
    wanted = record("wanted_persons", surname=f"de {surname()}", usage_name=surname(),
                    given_names=["Jean-Marc", "Paul"], birth_date="1984-03-12", aliases=[f"{surname().upper()} Marco"])
    civil = record("persons", surname=surname(), given_names=["Anne"], birth_date="1990-07-01")
    import_records(live, tmp_path, stolen, registered, document, wanted, civil)
    return {"stolen": stolen, "registered": registered, "document": document, "wanted": wanted, "civil": civil}


def test_the_hotlist_holds_keyed_hashes_of_hot_identifiers_only(device, hot_records) -> None:
    r = fetch(device)
    assert r.status_code == 200, r.text
    body = protocol.HotlistResponse.model_validate(r.json())
    assert body.algorithm == "hmac-sha256-64" and body.key_version == match_keys.KEY_VERSION
    secret = base64.b64decode(body.secret)
    assert len(secret) == 32
    hashes = set(body.hashes)
    assert body.hashes == sorted(hashes)
    stolen, document, wanted = hot_records["stolen"], hot_records["document"], hot_records["wanted"]
    assert entry(secret, match_keys.plate_key(stolen["plate"])) in hashes
    assert entry(secret, match_keys.vin_key(stolen["vin"])) in hashes
    assert entry(secret, match_keys.document_key(document["number"])) in hashes
    given = " ".join(wanted["given_names"])
    variants = match_keys.person_keys(wanted["surname"], given, wanted["birth_date"])
    assert len(variants) >= 4
    assert all(entry(secret, k) in hashes for k in variants)
    # the usage name and the alias are on it too
    assert all(entry(secret, k) in hashes
               for k in match_keys.person_keys(wanted["usage_name"], given, wanted["birth_date"]))
    alias_last = wanted["aliases"][0].split()[0]
    assert all(entry(secret, k) in hashes for k in match_keys.person_keys(alias_last, "Marco", wanted["birth_date"]))
    # what an officer would type finds the wanted person
    typed = match_keys.person_query_keys(f"{wanted['surname'].split()[-1]} jean marc", "12/03/1984")
    assert any(entry(secret, k) in hashes for k in typed)
    # the civil files are not on it
    registered, civil = hot_records["registered"], hot_records["civil"]
    assert entry(secret, match_keys.plate_key(registered["plate"])) not in hashes
    assert entry(secret, match_keys.vin_key(registered["vin"])) not in hashes
    assert not any(entry(secret, k) in hashes
                   for k in match_keys.person_keys(civil["surname"], "Anne", civil["birth_date"]))


def test_the_hotlist_cannot_be_read_back(device, hot_records) -> None:
    r = fetch(device)
    text = r.text
    body = r.json()
    assert set(body) == {"version", "key_version", "secret", "algorithm", "generated_at_ms", "hashes"}
    assert all(re.fullmatch(r"[0-9a-f]{16}", h) for h in body["hashes"])
    stolen, document, wanted = hot_records["stolen"], hot_records["document"], hot_records["wanted"]
    compact_plate = stolen["plate"].replace("-", "")
    for clear in (stolen["plate"], compact_plate, compact_plate.lower(), stolen["vin"], document["number"],
                  wanted["surname"], wanted["surname"].split()[-1].lower(), wanted["usage_name"], "1984-03-12"):
        assert clear not in text, clear
    # the raw keys (unkeyed SHA-256 or the key text) are not there either
    key = match_keys.plate_key(stolen["plate"])
    assert hashlib.sha256(key.encode()).hexdigest()[:16] not in body["hashes"]
    assert key not in text


def test_etag_and_not_modified(device, live, hot_records, tmp_path: Path) -> None:
    first = fetch(device)
    etag = first.headers["etag"]
    assert etag == f'"{first.json()["version"]}"'
    again = fetch(device, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert fetch(device, **{"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert fetch(device, **{"If-None-Match": '"stale"'}).status_code == 200
    # re-importing the same records does not change the version (no needless download)
    import_records(live, tmp_path, hot_records["stolen"])
    assert fetch(device, **{"If-None-Match": etag}).status_code == 304
    # a new stolen vehicle does
    import_records(live, tmp_path, record("stolen_vehicles", plate=plate(), vin=vin()))
    changed = fetch(device, **{"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag and changed.json()["version"] != first.json()["version"]
    assert len(changed.json()["hashes"]) == len(first.json()["hashes"]) + 2


def _cli(capsys: pytest.CaptureFixture[str], live, *argv: str) -> Any:
    code = main([*argv, "--data-dir", str(live.config.data_dir), "--db", live.config.database_url, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_rotation_changes_every_hash_and_the_version(device, live, hot_records,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    before = fetch(device).json()
    stats = _cli(capsys, live, "lookup", "hotlist-stats")
    assert stats["version"] == before["version"] and stats["hashes"] == len(before["hashes"])
    assert stats["sources"]["stolen_vehicles"] >= 1 and stats["sources"]["wanted_persons"] >= 1
    assert before["secret"] not in json.dumps(stats)
    rotated = _cli(capsys, live, "lookup", "rotate-hotlist-key")
    assert rotated["previous_version"] == before["version"] and rotated["version"] != before["version"]
    after = fetch(device, **{"If-None-Match": f'"{before["version"]}"'})
    assert after.status_code == 200
    body = after.json()
    assert body["version"] == rotated["version"] and body["secret"] != before["secret"]
    assert len(body["hashes"]) == len(before["hashes"])
    assert not set(body["hashes"]) & set(before["hashes"])
    secret = base64.b64decode(body["secret"])
    assert entry(secret, match_keys.plate_key(hot_records["stolen"]["plate"])) in body["hashes"]


def test_only_enrolled_devices_get_the_hotlist(live, make_device) -> None:
    with live.client() as c:
        assert_error(c.get(HOTLIST), 401, "auth")
    with live.client("neo_dt_" + "x" * 40) as c:
        assert_error(c.get(HOTLIST), 401, "auth")
    device = make_device()
    assert fetch(device).status_code == 200
    live.hq.revoke_device(device.device_id)
    r = fetch(device)
    assert_error(r, 403, "revoked")


def test_build_is_deterministic_and_testable() -> None:
    secret = bytes(range(32))
    wanted = record("wanted_persons", surname="Le Goff", usage_name=None, given_names=["Anne", "Marie"],
                    birth_date="1970-01-02", aliases=[])
    stolen = record("stolen_vehicles", plate="ab-123-cd", vin="VF1AB000123456789")
    keys = identifier_keys("wanted_persons", wanted)
    assert keys == set(match_keys.person_keys("Le Goff", "Anne Marie", "1970-01-02"))
    assert identifier_keys("vehicle_registrations", stolen) == set()
    one = build(secret, [("wanted_persons", wanted), ("stolen_vehicles", stolen)])
    two = build(secret, [("stolen_vehicles", stolen), ("wanted_persons", wanted)])
    assert one.version == two.version and one.hashes == two.hashes
    assert one.contains("v1:plate:AB123CD") and not one.contains("v1:plate:AB123CE")
    assert build(bytes(32), [("stolen_vehicles", stolen)]).version != build(secret, [("stolen_vehicles", stolen)]).version
    # a record whose birth date is not a full date gives no person keys, and no error
    assert identifier_keys("wanted_persons", {**wanted, "birth_date": "1970"}) == set()
