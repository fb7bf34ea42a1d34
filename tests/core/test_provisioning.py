"""The fleet's provisioning file (neo.provisioning): what it accepts, how it says what is
wrong, and the codes it refuses. Enrolment with it against a real HQ is in
tests/cli/test_provisioning.py; the frozen app uses it in tests/bundle."""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path

import pytest

from neo import i18n
from neo.protocol import EnrolmentCode
from neo.provisioning import ENV_VAR, Provisioning, ProvisioningError, load_provisioning, provisioning_path

FINGERPRINT = "ab" * 32
URL = "https://hq.bta-menton.example:8443"


@pytest.fixture(autouse=True)
def _french():
    i18n.set_language("fr")
    yield
    i18n.set_language("fr")


def code(url: str = URL, fingerprint: str | None = FINGERPRINT) -> EnrolmentCode:
    return EnrolmentCode(url=url, ca_fingerprint=fingerprint, secret=secrets.token_urlsafe(18), expires_at=2**31)


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "device.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_no_file_means_no_provisioning(tmp_path: Path) -> None:
    assert load_provisioning(tmp_path / "absent.json") is None


def test_the_path_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "fleet.json"))
    assert provisioning_path() == tmp_path / "fleet.json"
    monkeypatch.delenv(ENV_VAR)
    assert provisioning_path().name == "device.json"


def test_a_valid_file_is_read_and_normalised(tmp_path: Path) -> None:
    printed = ":".join(FINGERPRINT[i:i + 2] for i in range(0, 64, 2)).upper()  # as openssl prints it
    enrolment = code(URL)
    path = write(tmp_path, {"version": 1, "hq_url": URL.upper().replace("HTTPS", "https") + "/",
                            "ca_fingerprint": printed, "enrolment_code": " " + enrolment.encode() + "\n",
                            "device_name": "Tablette BTA Menton 3"})
    provisioned = load_provisioning(path)
    assert provisioned is not None
    assert provisioned.hq_url == URL and provisioned.ca_fingerprint == FINGERPRINT
    assert provisioned.enrolment_code == enrolment.encode() and provisioned.device_name == "Tablette BTA Menton 3"
    provisioned.check_code(enrolment)  # its own code is accepted


@pytest.mark.parametrize(("data", "needles"), [
    ("{not json", ["JSON invalide"]),
    ([1, 2], ["invalide"]),
    ({"hq_url": URL}, ["ca_fingerprint", "pin HQ's CA"]),
    ({"hq_url": "http://10.0.0.1:8000", "ca_fingerprint": FINGERPRINT}, ["plain-HTTP"]),
    ({"hq_url": URL, "ca_fingerprint": "abcd"}, ["ca_fingerprint", "64 hexadecimal"]),
    ({"hq_url": URL, "ca_fingerprint": FINGERPRINT, "hq": "typo"}, ["hq", "Extra inputs"]),
    ({"hq_url": "hq.example", "ca_fingerprint": FINGERPRINT}, ["hq_url"]),
    ({"hq_url": URL, "ca_fingerprint": FINGERPRINT, "enrolment_code": "NEO1-garbage"}, ["enrolment_code"]),
    ({"hq_url": URL, "ca_fingerprint": FINGERPRINT, "version": 2}, ["version"]),
])
def test_a_bad_file_is_an_error_naming_the_file_and_the_problem(tmp_path: Path, data: object,
                                                                 needles: list[str]) -> None:
    path = write(tmp_path, data)
    with pytest.raises(ProvisioningError) as err:
        load_provisioning(path)
    assert str(path) in err.value.message
    for needle in needles:
        assert needle in err.value.message


def test_a_file_whose_own_code_names_another_hq_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, {"hq_url": URL, "ca_fingerprint": FINGERPRINT,
                            "enrolment_code": code("https://other.example:8443").encode()})
    with pytest.raises(ProvisioningError) as err:
        load_provisioning(path)
    assert "https://other.example:8443" in err.value.message and "Value error" not in err.value.message


def test_codes_for_another_hq_or_another_ca_are_refused() -> None:
    provisioned = Provisioning(hq_url=URL, ca_fingerprint=FINGERPRINT)
    provisioned.check_code(code(URL.replace("hq.bta", "HQ.bta")))  # host names are case-insensitive
    with pytest.raises(ProvisioningError, match=re.escape("réservée au QG https://hq.bta-menton.example:8443")):
        provisioned.check_code(code("https://evil.example:8443"))
    with pytest.raises(ProvisioningError, match="certificat"):
        provisioned.check_code(code(URL, "cd" * 32))
    with pytest.raises(ProvisioningError, match="certificat"):
        provisioned.check_code(code(URL, None))
    i18n.set_language("en")
    with pytest.raises(ProvisioningError, match="reserved it for the HQ"):
        provisioned.check_code(code("https://evil.example:8443"))


def test_a_plain_http_hq_is_provisioned_without_a_fingerprint() -> None:
    provisioned = Provisioning(hq_url="http://127.0.0.1:8000")
    provisioned.check_code(code("http://127.0.0.1:8000", None))
