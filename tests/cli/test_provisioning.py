"""Enrolment on a managed tablet: the provisioning file pushed by the fleet's
device-management tool names HQ and pins its CA (neo.provisioning), against a real HQ
over TLS on loopback."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("NEO_HQ_ARGON2_MEMORY_KIB", "256")
os.environ.setdefault("NEO_HQ_ARGON2_TIME_COST", "1")
os.environ.setdefault("NEO_HQ_ARGON2_PARALLELISM", "1")

from neo import i18n
from neo.cli import EXIT_OK, EXIT_REFUSED, main
from neo.hq.config import HQConfig
from neo.hq.testing import LiveHQ
from neo.provisioning import ENV_VAR

UNIT = "BTA Menton"
SN, PIN = "100001", "482913"


@pytest.fixture(autouse=True)
def _french():
    i18n.set_language("fr")
    yield
    i18n.set_language("fr")


@pytest.fixture(scope="module")
def hq(tmp_path_factory: pytest.TempPathFactory):
    with LiveHQ(HQConfig(data_dir=tmp_path_factory.mktemp("hq"))) as live:
        live.hq.add_unit(UNIT)
        live.hq.add_officer(SN, "Jeanne Martin", UNIT, PIN)
        yield live


@pytest.fixture
def provision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Write the provisioning file and point NEO_PROVISIONING at it."""
    path = tmp_path / "etc" / "device.json"
    path.parent.mkdir()
    monkeypatch.setenv(ENV_VAR, str(path))

    def write(**fields: object) -> Path:
        path.write_text(json.dumps(fields), encoding="utf-8")
        return path

    return write


def neo(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), stdin=io.StringIO(""))
    out, err = capsys.readouterr()
    return code, out, err


def devices_named(hq: LiveHQ, name: str) -> list[dict]:
    return [d for d in hq.hq.list_devices() if d["name"] == name]


def test_the_file_gives_the_code_and_the_name(hq, provision, tmp_path: Path, capsys) -> None:
    provision(hq_url=hq.url, ca_fingerprint=hq.hq.tls_fingerprint, enrolment_code=hq.enrolment_code(UNIT),
              device_name="Tablette BTA Menton 7")
    code, out, err = neo(capsys, "enroll", "--data-dir", str(tmp_path / "tablet"), "--json")
    assert code == EXIT_OK, err
    assert json.loads(out)["unit"] == UNIT and json.loads(out)["hq"] == hq.url
    assert len(devices_named(hq, "Tablette BTA Menton 7")) == 1
    # and the tablet works: HQ checks the first unlock
    code = main(["unlock", "--data-dir", str(tmp_path / "tablet"), "--officer", SN, "--pin-stdin"],
                stdin=io.StringIO(PIN + "\n"))
    assert code == EXIT_OK, capsys.readouterr().err


def test_a_code_typed_by_hand_must_match_the_pin(hq, provision, tmp_path: Path, capsys) -> None:
    provision(hq_url=hq.url, ca_fingerprint=hq.hq.tls_fingerprint)
    code, _, err = neo(capsys, "enroll", hq.enrolment_code(UNIT), "--data-dir", str(tmp_path / "a"),
                       "--name", "Tablette A")
    assert code == EXIT_OK, err
    assert len(devices_named(hq, "Tablette A")) == 1


@pytest.mark.parametrize("what", ["another CA", "another HQ"])
def test_a_code_for_another_hq_or_ca_is_refused_before_anything_is_sent(hq, provision, tmp_path: Path, capsys,
                                                                         what: str) -> None:
    if what == "another CA":
        provision(hq_url=hq.url, ca_fingerprint="0f" * 32)
        needle = "ne correspond pas à celui fixé par l'administrateur"
    else:
        provision(hq_url="https://hq.bta-menton.example:8443", ca_fingerprint=hq.hq.tls_fingerprint)
        needle = "réservée au QG https://hq.bta-menton.example:8443"
    enrolment_code = hq.enrolment_code(UNIT)
    device = tmp_path / "b"
    code, out, err = neo(capsys, "enroll", enrolment_code, "--data-dir", str(device), "--name", f"Refusée {what}")
    assert code == EXIT_REFUSED and needle in err and out == ""
    assert not (device / "vault.json").exists() and not (device / "neo.db").exists()
    assert devices_named(hq, f"Refusée {what}") == []
    # nothing reached HQ: the same one-time code still enrols a tablet that is not managed
    os.environ.pop(ENV_VAR)
    code, _, err = neo(capsys, "enroll", enrolment_code, "--data-dir", str(device), "--name", f"Libre {what}")
    assert code == EXIT_OK, err


def test_a_broken_file_stops_enrolment_with_its_path(hq, provision, tmp_path: Path, capsys) -> None:
    path = provision(hq_url=hq.url)  # https without the CA's fingerprint
    code, _, err = neo(capsys, "enroll", hq.enrolment_code(UNIT), "--data-dir", str(tmp_path / "c"))
    assert code == EXIT_REFUSED and str(path) in err and "ca_fingerprint" in err
    assert not (tmp_path / "c" / "vault.json").exists()


def test_without_a_code_anywhere_the_command_says_what_to_give(provision, tmp_path: Path, capsys) -> None:
    code, _, err = neo(capsys, "enroll", "--data-dir", str(tmp_path / "d"))  # no file written: not managed
    assert code == EXIT_REFUSED and "Indiquez le code d'enrôlement" in err
