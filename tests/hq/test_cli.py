"""``neo-hq`` through ``main(argv)``, and ``neo-hq serve`` as a real process."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from neo import protocol
from neo.audit import event_hash
from neo.hq.cli import main
from neo.hq.config import HQConfig
from neo.hq.service import Headquarters

from .conftest import public_key


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def data_dir(tmp_path: Path) -> str:
    return str(tmp_path / "hq")


def test_seed_demo_is_idempotent(capsys: pytest.CaptureFixture[str], data_dir: str) -> None:
    first = run_json(capsys, "seed-demo", "--data-dir", data_dir)
    assert first["units_created"] == ["BTA Menton", "BTA Beausoleil"]
    assert {"100001", "100002"} <= set(first["officers_added"])
    # The holiday watch homes (the lookup has its own tables), when the OpenStreetMap extract is on disk.
    assert first["records_written"] == first["holiday_watch"].get("homes", 0)
    second = run_json(capsys, "seed-demo", "--data-dir", data_dir)
    assert second["units_created"] == [] and second["officers_added"] == [] and second["records_written"] == 0
    officers = {o["service_number"]: o for o in run_json(capsys, "officer", "list", "--data-dir", data_dir)}
    assert officers["100001"]["name"] == "Jeanne Martin" and officers["100001"]["unit"] == "BTA Menton"
    assert officers["100002"]["name"] == "Karim Benali" and officers["100002"]["unit"] == "BTA Menton"
    units = {u["name"] for u in run_json(capsys, "unit", "list", "--data-dir", data_dir)}
    assert units == {"BTA Menton", "BTA Beausoleil"}
    # The demo PINs are the documented ones.
    hq = Headquarters(HQConfig(data_dir=Path(data_dir)))
    try:
        code = hq.create_enrolment_code(unit="BTA Menton", ttl_seconds=600, url="https://127.0.0.1:8443",
                                        fingerprint=None)[1]
        enrolled = hq.enroll(protocol.EnrollRequest(code=code, device_public_key=public_key(), device_name="T"))
        device = hq.authenticate(enrolled["token"])
        assert hq.verify_officer(device, "100001", "482913")["ok"]
        assert hq.verify_officer(device, "100002", "739164")["ok"]
    finally:
        hq.close()


def test_seed_demo_shows_progress(capsys: pytest.CaptureFixture[str], data_dir: str) -> None:
    code, out, err = run(capsys, "seed-demo", "--data-dir", data_dir)
    assert code == 0 and "enregistrement(s) écrit(s)" in out
    assert "agents: 6/6" in err  # stderr is not a terminal here: one line per step


def test_enroll_code(capsys: pytest.CaptureFixture[str], data_dir: str) -> None:
    run(capsys, "seed-demo", "--data-dir", data_dir)
    info = run_json(capsys, "enroll-code", "--data-dir", data_dir, "--unit", "BTA Menton", "--ttl", "2h")
    code = protocol.EnrolmentCode.decode(info["code"])
    assert code.url == "https://127.0.0.1:8443" and info["unit"] == "BTA Menton"
    assert code.ca_fingerprint == info["ca_fingerprint"] and len(code.ca_fingerprint) == 64
    assert 7100 < code.expires_at - time.time() <= 7200
    ca = (Path(data_dir) / "tls" / "ca.pem").read_bytes()
    from neo.hq.tls import fingerprint_of_pem

    assert fingerprint_of_pem(ca) == code.ca_fingerprint
    rc, out, err = run(capsys, "enroll-code", "--data-dir", data_dir, "--unit", "BTA Beausoleil", "--qr",
                       "--url", "https://hq.example:9443")
    assert rc == 0 and ("█" in out or "▀" in out)
    assert protocol.EnrolmentCode.decode(out.strip().splitlines()[-1]).url == "https://hq.example:9443"
    assert "BTA Beausoleil" in err
    # Two units and none chosen; an unknown unit; a bad TTL: clear errors, non-zero exit.
    for argv in (["--unit", "Nulle part"], [], ["--unit", "BTA Menton", "--ttl", "99y"]):
        rc, out, err = run(capsys, "enroll-code", "--data-dir", data_dir, *argv)
        assert rc == 1 and out == "" and err.startswith("neo-hq : ")


def test_officer_admin(capsys: pytest.CaptureFixture[str], data_dir: str) -> None:
    rc, out, _ = run(capsys, "officer", "add", "200001", "--name", "Élise Roche", "--unit", "PSIG Sospel",
                     "--pin", "582947", "--data-dir", data_dir)
    assert rc == 0 and "200001" in out
    rc, _, err = run(capsys, "officer", "add", "200001", "--name", "X", "--unit", "PSIG Sospel", "--pin", "582947",
                     "--data-dir", data_dir)
    assert rc == 1 and "200001" in err
    for pin in ("123456", "111111", "12"):
        rc, _, err = run(capsys, "officer", "add", "200002", "--name", "Y", "--unit", "U", "--pin", pin,
                         "--data-dir", data_dir)
        assert rc == 1 and err
    assert run(capsys, "officer", "disable", "200001", "--data-dir", data_dir)[0] == 0
    (row,) = run_json(capsys, "officer", "list", "--unit", "PSIG Sospel", "--data-dir", data_dir)
    assert row["disabled"] is True and row["name"] == "Élise Roche"
    assert run(capsys, "officer", "enable", "200001", "--data-dir", data_dir)[0] == 0
    assert run_json(capsys, "officer", "list", "--data-dir", data_dir)[0]["disabled"] is False
    assert run(capsys, "officer", "disable", "999999", "--data-dir", data_dir)[0] == 1
    rc, out, _ = run(capsys, "officer", "list", "--data-dir", data_dir)
    assert "Élise Roche" in out and "PSIG Sospel" in out


def test_officer_pin_from_stdin(capsys: pytest.CaptureFixture[str], data_dir: str,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("582947\n"))
    assert run(capsys, "officer", "add", "200003", "--name", "Z", "--unit", "U", "--pin-stdin",
               "--data-dir", data_dir)[0] == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    rc, _, err = run(capsys, "officer", "add", "200004", "--name", "Z", "--unit", "U", "--data-dir", data_dir)
    assert rc == 1 and "--pin" in err


def test_device_list_revoke_and_audit_verify(capsys: pytest.CaptureFixture[str], data_dir: str) -> None:
    run(capsys, "seed-demo", "--data-dir", data_dir)
    hq = Headquarters(HQConfig(data_dir=Path(data_dir)))
    try:
        code = hq.create_enrolment_code(unit="BTA Menton", ttl_seconds=600, url="https://127.0.0.1:8443",
                                        fingerprint=None)[1]
        enrolled = hq.enroll(protocol.EnrollRequest(code=code, device_public_key=public_key(), device_name="T1"))
        device = hq.authenticate(enrolled["token"])
        prev, events = "0" * 64, []
        for seq in range(1, 6):
            ev = {"seq": seq, "id": f"e{seq}", "ts": "2026-11-28T10:00:00+00:00", "device_id": device.id,
                  "officer": "100001", "action": "device.unlock", "reason": None, "details": {}, "lat": None,
                  "lon": None, "accuracy": None, "prev_hash": prev}
            ev["hash"] = prev = event_hash(ev)
            events.append(ev)
        events[3]["action"] = "device.wipe"  # altered after hashing
        hq.audit_push(device, [protocol.AuditEventIn.model_validate(e) for e in events])
    finally:
        hq.close()
    (row,) = run_json(capsys, "device", "list", "--data-dir", data_dir)
    assert row["device_id"] == device.id and row["name"] == "T1" and row["revoked"] is False
    assert row["audit_ok"] is False and row["audit_events"] == 5
    rc, out, _ = run(capsys, "audit", "verify", "--data-dir", data_dir)
    assert rc == 2 and "4" in out and device.id in out
    rc, out, _ = run(capsys, "audit", "verify", "--device", device.id, "--data-dir", data_dir, "--json")
    report = json.loads(out)
    assert rc == 2 and report["ok"] is False and report["devices"][0]["first_broken_seq"] == 4
    assert run(capsys, "audit", "verify", "--device", "nope", "--data-dir", data_dir)[0] == 1
    rc, out, _ = run(capsys, "device", "revoke", device.id, "--data-dir", data_dir)
    assert rc == 0 and device.id in out
    assert run_json(capsys, "device", "list", "--data-dir", data_dir)[0]["revoked"] is True
    assert run(capsys, "device", "revoke", "unknown-id", "--data-dir", data_dir)[0] == 1


def test_misc_commands(capsys: pytest.CaptureFixture[str], data_dir: str) -> None:
    assert run_json(capsys, "migrate", "--data-dir", data_dir) == {"revision": "0007"}
    assert run(capsys, "unit", "add", "BTA Sospel", "--data-dir", data_dir)[0] == 0
    assert "existe" in run(capsys, "unit", "add", "BTA Sospel", "--data-dir", data_dir)[1]
    assert run_json(capsys, "conflict", "list", "--data-dir", data_dir) == []
    assert run(capsys, "conflict", "resolve", "7", "--keep", "hq", "--data-dir", data_dir)[0] == 1
    with pytest.raises(SystemExit) as exc:
        main(["officer"])
    assert exc.value.code == 2
    rc, _, err = run(capsys, "officer", "list", "--data-dir", data_dir, "--db", "mysql://x@y/z")
    assert rc == 1 and "mysql" in err


def test_environment_selects_the_data_dir(capsys: pytest.CaptureFixture[str], data_dir: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO_HQ_DATA_DIR", data_dir)
    assert run(capsys, "unit", "add", "BTA Env")[0] == 0
    assert (Path(data_dir) / "hq.db").is_file()


@pytest.mark.postgres
def test_cli_on_postgres(capsys: pytest.CaptureFixture[str], data_dir: str, pg_database: str) -> None:
    run_json(capsys, "seed-demo", "--data-dir", data_dir, "--db", pg_database)
    assert run_json(capsys, "seed-demo", "--data-dir", data_dir, "--db", pg_database)["records_written"] == 0
    names = {o["name"] for o in run_json(capsys, "officer", "list", "--data-dir", data_dir, "--db", pg_database)}
    assert {"Jeanne Martin", "Karim Benali"} <= names
    assert not (Path(data_dir) / "hq.db").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_runs_tls_with_its_own_ca(tmp_path: Path) -> None:
    data_dir = tmp_path / "hq"
    port = _free_port()
    env = {**os.environ, "NEO_LANGUAGE": "en"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "neo.hq.cli", "serve", "--data-dir", str(data_dir), "--port", str(port),
         "--log-level", "warning"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
    )
    try:
        ca = data_dir / "tls" / "ca.pem"
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            if ca.is_file():
                try:
                    with httpx.Client(verify=ssl.create_default_context(cafile=str(ca)), timeout=2) as c:
                        health = c.get(f"https://127.0.0.1:{port}/api/v1/health")
                        if health.status_code == 200:
                            break
                except httpx.TransportError:
                    pass
            assert time.monotonic() < deadline, "neo-hq serve did not answer"
            time.sleep(0.2)
        assert health.json()["protocol"] == protocol.PROTOCOL_VERSION
        info = json.loads((data_dir / "server.json").read_text())
        assert info["url"] == f"https://127.0.0.1:{port}" and info["pid"] == proc.pid
        with httpx.Client(verify=ssl.create_default_context(cafile=str(ca)), timeout=5) as c:
            r = c.get(f"https://localhost:{port}/api/v1/roster")
        assert r.status_code == 401 and r.json()["error"]["kind"] == "auth"
    finally:
        proc.terminate()
        try:
            _out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            _out, err = proc.communicate()
    assert f"https://127.0.0.1:{port}" in err and info["ca_fingerprint"] in err
