"""A tablet as a new user sets it up by hand, against a real HQ over TLS on loopback:
`neo enroll`, first unlock checked by HQ, `neo sync`; then HQ disables an officer and
revokes the tablet."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("NEO_HQ_ARGON2_MEMORY_KIB", "256")
os.environ.setdefault("NEO_HQ_ARGON2_TIME_COST", "1")
os.environ.setdefault("NEO_HQ_ARGON2_PARALLELISM", "1")

from neo.cli import EXIT_OK, EXIT_REFUSED, EXIT_WIPED, main
from neo.hq.config import HQConfig
from neo.hq.testing import LiveHQ

UNIT = "BTA Menton"
OFFICERS = {"100001": ("Jeanne Martin", "482913", "supervisor"), "100002": ("Karim Benali", "739164", "officer")}


@pytest.fixture
def hq(tmp_path: Path):
    with LiveHQ(HQConfig(data_dir=tmp_path / "hq")) as live:
        live.hq.add_unit(UNIT)
        for sn, (name, pin, role) in OFFICERS.items():
            live.hq.add_officer(sn, name, UNIT, pin, role=role)
        yield live


def neo(capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    code = main(list(argv), stdin=io.StringIO(stdin))
    out, err = capsys.readouterr()
    return code, out, err


def test_enrol_unlock_sync_disable_revoke(hq, tmp_path: Path, capsys):
    device = str(tmp_path / "tablet")
    code, out, err = neo(capsys, "enroll", hq.enrolment_code(UNIT), "--data-dir", device, "--name", "Tablette 3",
                         "--json")
    assert code == EXIT_OK, err
    assert json.loads(out)["unit"] == UNIT and json.loads(out)["roster"] == 2
    # a wrong PIN at first unlock: refused by HQ, nothing opened
    code, _, err = neo(capsys, "unlock", "--data-dir", device, "--officer", "100002", "--pin-stdin",
                       stdin="000111\n")
    assert code == EXIT_REFUSED and "incorrect" in err
    for sn, (_name, pin, _role) in OFFICERS.items():
        code, _, err = neo(capsys, "unlock", "--data-dir", device, "--officer", sn, "--pin-stdin", stdin=pin + "\n")
        assert code == EXIT_OK, err
    code, out, err = neo(capsys, "sync", "--data-dir", device, "--officer", "100001", "--pin-stdin", "--json",
                         "--quiet", stdin="482913\n")
    assert code == EXIT_OK, err
    assert json.loads(out)["roster"] == 2
    hq_devices = hq.hq.list_devices()
    assert len(hq_devices) == 1

    # HQ disables Karim: at the next sync the tablet removes his key slot
    hq.hq.set_officer_disabled("100002", True)
    assert neo(capsys, "sync", "--data-dir", device, "--officer", "100001", "--pin-stdin", "--quiet",
               stdin="482913\n")[0] == EXIT_OK
    code, _, err = neo(capsys, "unlock", "--data-dir", device, "--officer", "100002", "--pin-stdin",
                       stdin="739164\n")
    assert code != EXIT_OK and "désactivé" in err

    # HQ revokes the tablet: at its next contact it audits and wipes itself
    device_id = hq_devices[0]["device_id"]
    assert hq.hq.revoke_device(device_id)
    code, _, err = neo(capsys, "sync", "--data-dir", device, "--officer", "100001", "--pin-stdin", "--quiet",
                       stdin="482913\n")
    assert code == EXIT_WIPED, err
    assert not (Path(device) / "vault.json").exists() and not (Path(device) / "neo.db").exists()
    code, _, err = neo(capsys, "unlock", "--data-dir", device, "--officer", "100001", "--pin-stdin",
                       stdin="482913\n")
    assert code == EXIT_WIPED


def test_revoked_before_any_unlock_wipes_at_first_unlock(hq, tmp_path: Path, capsys):
    device = tmp_path / "tablet"
    assert neo(capsys, "enroll", hq.enrolment_code(UNIT), "--data-dir", str(device))[0] == EXIT_OK
    assert hq.hq.revoke_device(hq.hq.list_devices()[0]["device_id"])
    code, _, err = neo(capsys, "unlock", "--data-dir", str(device), "--officer", "100001", "--pin-stdin",
                       stdin="482913\n")
    assert code == EXIT_WIPED and "révoqué" in err
    assert not (device / "vault.json").exists() and not (device / "neo.db").exists()
    assert (device / "audit-pending.jsonl").exists()  # the revocation was audited before the wipe
