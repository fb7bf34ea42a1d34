"""The headless CLI, run as scripts run it: through main(argv) with a stdin, and as a process."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from neo.cli import EXIT_LOCKED_OUT, EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_WIPED, main

PIN1, PIN2 = "482913", "739164"


def run(capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    code = main(list(argv), stdin=io.StringIO(stdin))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def device(data_dir: Path, capsys) -> Path:
    code, _, err = run(capsys, "officer", "add", "--data-dir", str(data_dir), "--id", "100001",
                       "--name", "Jeanne Martin", "--unit", "BTA Menton", "--role", "supervisor", "--pin-stdin",
                       stdin=PIN1 + "\n")
    assert code == EXIT_OK, err
    code, _, err = run(capsys, "officer", "add", "--data-dir", str(data_dir), "--id", "100002",
                       "--name", "Karim Benali", "--pin-stdin", "--by", "100001", stdin=f"{PIN2}\n{PIN1}\n")
    assert code == EXIT_OK, err
    return data_dir


def test_officer_list_needs_unlock_and_lists(device, capsys):
    code, out, _ = run(capsys, "officer", "list", "--data-dir", str(device), "--officer", "100002",
                       "--pin-stdin", "--json", stdin=PIN2 + "\n")
    assert code == EXIT_OK
    names = [o["name"] for o in json.loads(out)]
    assert names == ["Jeanne Martin", "Karim Benali"]


def test_second_officer_needs_authorisation(device, capsys):
    code, _, err = run(capsys, "officer", "add", "--data-dir", str(device), "--id", "100003",
                       "--name", "Élise Rousseau", "--pin-stdin", stdin="265830\n")
    assert code == EXIT_USAGE and "--by" in err
    code, _, err = run(capsys, "officer", "add", "--data-dir", str(device), "--id", "100003",
                       "--name", "Élise Rousseau", "--pin-stdin", "--by", "100001", stdin="265830\n000000\n")
    assert code == EXIT_REFUSED and "incorrect" in err


def test_unlock_right_and_wrong(device, capsys):
    assert run(capsys, "unlock", "--data-dir", str(device), "--officer", "100001", "--pin-stdin",
               stdin=PIN1 + "\n")[0] == EXIT_OK
    code, out, err = run(capsys, "unlock", "--data-dir", str(device), "--officer", "100001", "--pin-stdin",
                         stdin="111222\n")
    assert code == EXIT_REFUSED
    assert err.strip() == "Matricule ou code PIN incorrect." and out == ""


def test_bad_input_is_refused_clearly(data_dir, capsys):
    code, _, err = run(capsys, "officer", "add", "--data-dir", str(data_dir), "--id", "x",
                       "--name", "A", "--pin-stdin", stdin=PIN1 + "\n")
    assert code == EXIT_REFUSED and "service_number" in err
    code, _, err = run(capsys, "officer", "add", "--data-dir", str(data_dir), "--id", "100001",
                       "--name", "A B", "--pin-stdin", stdin="1234\n")
    assert code == EXIT_REFUSED and "PIN" in err
    code, _, err = run(capsys, "officer", "add", "--data-dir", str(data_dir), "--id", "100001",
                       "--name", "A B", "--pin-stdin", stdin="")
    assert code == EXIT_USAGE
    assert not (data_dir / "vault.json").exists()
    code, _, err = run(capsys, "unlock", "--data-dir", str(data_dir), "--officer", "100001", "--pin-stdin",
                       stdin=PIN1 + "\n")
    assert code == EXIT_REFUSED and "Enrôlez" in err


def test_lockout_then_wipe_through_cli(device, capsys, monkeypatch):
    monkeypatch.setenv("NEO_UNLOCK__WIPE_AFTER", "4")
    monkeypatch.setenv("NEO_UNLOCK__BASE_DELAY_SECONDS", "0")
    codes = [run(capsys, "unlock", "--data-dir", str(device), "--officer", "100002", "--pin-stdin",
                 stdin="000111\n")[0] for _ in range(4)]
    assert codes == [EXIT_REFUSED] * 3 + [EXIT_WIPED]
    assert not (device / "vault.json").exists() and not (device / "neo.db").exists()
    code, _, err = run(capsys, "unlock", "--data-dir", str(device), "--officer", "100001", "--pin-stdin",
                       stdin=PIN1 + "\n")
    assert code == EXIT_WIPED and "effacées" in err


def test_lockout_delay_reported(device, capsys, monkeypatch):
    monkeypatch.setenv("NEO_UNLOCK__BASE_DELAY_SECONDS", "600")
    for _ in range(3):
        run(capsys, "unlock", "--data-dir", str(device), "--officer", "100002", "--pin-stdin", stdin="000111\n")
    code, _, err = run(capsys, "unlock", "--data-dir", str(device), "--officer", "100002", "--pin-stdin",
                       stdin=PIN2 + "\n")
    assert code == EXIT_LOCKED_OUT and "Réessayez dans" in err
    # the other officer is not locked out
    assert run(capsys, "unlock", "--data-dir", str(device), "--officer", "100001", "--pin-stdin",
               stdin=PIN1 + "\n")[0] == EXIT_OK


def test_audit_verify_and_list(device, capsys):
    run(capsys, "unlock", "--data-dir", str(device), "--officer", "100001", "--pin-stdin", stdin="000111\n")
    code, out, _ = run(capsys, "audit", "verify", "--data-dir", str(device), "--officer", "100001",
                       "--pin-stdin", "--json", stdin=PIN1 + "\n")
    assert code == EXIT_OK and json.loads(out)["ok"] is True
    code, out, _ = run(capsys, "audit", "list", "--data-dir", str(device), "--officer", "100001",
                       "--pin-stdin", "--json", "--action", "unlock.failed", stdin=PIN1 + "\n")
    events = json.loads(out)
    assert len(events) == 1 and events[0]["details"]["target_officer"] == "100001"


def test_rekey_and_remove(device, capsys):
    before = (device / "neo.db").read_bytes()[:4096]
    assert run(capsys, "rekey", "--data-dir", str(device), "--officer", "100001", "--pin-stdin",
               stdin=PIN1 + "\n")[0] == EXIT_OK
    assert (device / "neo.db").read_bytes()[:4096] != before
    assert run(capsys, "unlock", "--data-dir", str(device), "--officer", "100002", "--pin-stdin",
               stdin=PIN2 + "\n")[0] == EXIT_OK
    assert run(capsys, "officer", "remove", "100002", "--data-dir", str(device), "--officer", "100001",
               "--pin-stdin", stdin=PIN1 + "\n")[0] == EXIT_OK
    assert run(capsys, "unlock", "--data-dir", str(device), "--officer", "100002", "--pin-stdin",
               stdin=PIN2 + "\n")[0] == EXIT_REFUSED


def test_locked_device_files_reveal_nothing(device):
    secrets = [b"Jeanne", b"Martin", b"Karim", b"Benali", b"100001", b"100002", b"BTA Menton",
               "Jeanne".encode("utf-16-le"), b"MTAwMDAx"]  # base64 of 100001
    for path in device.rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            for s in secrets:
                assert s not in blob, f"{s!r} readable in {path.name}"


def test_help_lists_subcommands():
    out = subprocess.run([sys.executable, "-m", "neo", "--help"], capture_output=True, text=True,
                         env={**os.environ}, timeout=60).stdout
    for cmd in ("officer", "unlock", "modules", "self-test", "rekey", "audit"):
        assert cmd in out


def test_self_test_headless_core(capsys):
    code, out, _ = run(capsys, "self-test", "--no-gui", "--json")
    result = json.loads(out)
    assert code == EXIT_OK, result
    assert {c["name"] for c in result["checks"]} == {"crypto", "store", "vault", "host"}
