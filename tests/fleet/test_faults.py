"""The fleet fault run in short (the full one is ``make faults``): a few simulated tablets
sync through the fault-injecting proxy while one of HQ's two workers is killed, another
stopped, HQ restarted and its PostgreSQL (a private cluster, so nothing else on the
machine is disturbed) restarted;
afterwards ``neo-hq check-fleet`` finds every device's data at HQ exactly once and every
device converged. And the checker is not blind: journals and HQ data altered afterwards
are reported, each with its kind.

Also here: a request whose body is cut on the way (the proxy's ``truncate_request``) is
never handled by HQ as if it were whole.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from benchmarks.fleet_faultproxy import FaultRates, FleetFaultProxy
from benchmarks.fleet_faults import FaultRun, run
from benchmarks.fleet_pg import PostgresUnavailable, pg_bin
from neo.hq.check import check_fleet, load_journals
from neo.hq.cli import main as hq_main
from neo.hq.config import HQConfig
from neo.hq.testing import LiveHQ


def _enrol(live: LiveHQ) -> str:
    live.hq.add_unit("Unité coupure")
    with live.client() as client:
        r = client.post("/api/v1/enroll", json={
            "code": live.enrolment_code("Unité coupure"), "device_name": "Tablette",
            "device_public_key": base64.b64encode(secrets.token_bytes(32)).decode()})
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def test_a_chunk_cut_on_the_way_is_not_stored(tmp_path: Path) -> None:
    """HQ gets the head of a chunk upload and half its body, then the connection closes:
    nothing is stored, so the device's next status shows the chunk missing and it resends
    it (a short chunk kept as received would make the file fail its size forever)."""
    with LiveHQ(HQConfig(data_dir=tmp_path / "hq")) as live:
        token = _enrol(live)
        tls = live.config.tls_dir
        assert live.ca_file is not None
        data = secrets.token_bytes(200_000)
        sha = hashlib.sha256(data).hexdigest()
        with FleetFaultProxy(live.url, live.ca_file, tls / "server.pem", tls / "server.key",
                             FaultRates(truncate_request=1.0)) as proxy, \
                httpx.Client(base_url=proxy.url, verify=live.ssl_context(), timeout=10,
                             headers={"Authorization": f"Bearer {token}"}) as cut:
            with pytest.raises(httpx.TransportError):
                cut.put(f"/api/v1/attachments/{sha}/chunks/0", content=data)
            assert proxy.stats()["by_action"] == {"truncate_request": 1}
        with live.client(token) as client:
            status = client.get(f"/api/v1/attachments/{sha}").json()
            assert status["received"] == [] and status["received_bytes"] == 0
            assert client.put(f"/api/v1/attachments/{sha}/chunks/0", content=data).status_code == 200
            done = client.post(f"/api/v1/attachments/{sha}/complete", json={"size": len(data), "chunk_count": 1})
            assert done.status_code == 200 and done.json()["complete"] is True


# -- the short fault run ------------------------------------------------------------------------------


def _tamper(hq: Any, journal_path: Path, tmp: Path) -> dict[str, set[str]]:
    """Alter copies of the journal, and HQ's own data, one way at a time; the kinds the
    checker reports for each."""
    lines = [json.loads(line) for line in journal_path.read_text().splitlines()]
    dev = next(d for d in lines if d["mutations"] and d["attachments"] and d["lookups"] and d["held"])
    found: dict[str, set[str]] = {}

    def check(name: str, change: Any) -> None:
        copy = json.loads(json.dumps(lines))
        change(next(d for d in copy if d["device_id"] == dev["device_id"]))
        path = tmp / f"{name}.jsonl"
        path.write_text("".join(json.dumps(d) + "\n" for d in copy))
        found[name] = set(check_fleet(hq, load_journals(path)).by_kind())

    coll = next(iter(dev["held"]))
    rid = next(iter(dev["held"][coll]))
    check("held_missing", lambda d: d["held"][coll].pop(rid))
    check("held_version", lambda d: d["held"][coll].__setitem__(rid, "1700000000000:00000:" + d["device_id"]))
    check("held_extra", lambda d: d["held"][coll].__setitem__(str(uuid.uuid4()), "1700000000000:00000:hq"))
    first = dev["mutations"][0]
    check("lost_write", lambda d: d["mutations"].append(
        {**first, "mutation_id": str(uuid.uuid4()), "record_id": str(uuid.uuid4())}))
    check("unknown_write", lambda d: d["mutations"].pop(0))
    check("payload", lambda d: d["mutations"][0].__setitem__("payload_sha256", "0" * 64))
    check("attachment_size", lambda d: d["attachments"][0].__setitem__("size", d["attachments"][0]["size"] + 1))
    check("lookup_lost", lambda d: d["lookups"].append(str(uuid.uuid4())))
    check("lookup_unknown", lambda d: d["lookups"].pop(0))
    check("audit_count", lambda d: d["audit"].__setitem__("count", d["audit"]["count"] + 1))
    # HQ's side: a file altered on HQ's disk
    sha = dev["attachments"][0]["sha256"]
    path = hq.blobs.object_path(sha)
    original = path.read_bytes()
    path.write_bytes(b"x" + original[1:])
    try:
        found["file_altered"] = set(check_fleet(hq, load_journals(journal_path)).by_kind())
    finally:
        path.write_bytes(original)
    return found


@pytest.mark.slow
def test_short_fault_run_ends_with_no_difference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        pg_bin()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    tampered: dict[str, set[str]] = {}
    kept: dict[str, Any] = {}

    def inspect(hq: Any, journal_path: Path) -> None:
        tampered.update(_tamper(hq, journal_path, tmp_path))
        kept["journal"] = journal_path
        # the operator's command on the same journal and database
        code = hq_main(["check-fleet", "--journal", str(journal_path), "--data-dir", str(hq.config.data_dir),
                        "--db", hq.config.database_url, "--json"])
        kept["cli"] = (code, json.loads(capsys.readouterr().out))

    opts = FaultRun(devices=4, devices_per_unit=2, duration_s=14, workers=2, fault_rate=0.2, delay_max_s=3.0,
                    timeout_s=2.0, disruptions=4, persons=300, seed=3, work_dir=tmp_path / "run",
                    mix={"visits": 2, "statements": 0.5, "anomaly_share": 0.3, "lookups": 1})
    out = asyncio.run(run(opts, progress=lambda _text: None, inspect=inspect))

    assert out["check"]["differences"] == [] and out["ok"], json.dumps(out["check"], indent=1)[:3000]
    assert out["delivered"] and out["undelivered"] == {}
    checked = out["check"]["checked"]
    for what in ("mutations", "records", "attachments", "audit_events", "lookups", "statements", "held_records"):
        assert checked.get(what, 0) > 0, (what, checked)
    assert checked["converged_devices"] == 4
    # faults really fired, requests and answers alike, and the disruptions happened
    assert out["faults_total"] >= 5, out["faults_injected"]
    assert sum(out["faults_injected"].get(a, 0) for a in ("drop_request", "reset_request", "truncate_request")) > 0
    assert sum(out["faults_injected"].get(a, 0) for a in ("drop_response", "reset_response", "truncate_response")) > 0
    assert [d["kind"] for d in out["disruptions"]] == ["worker_kill", "pg_restart_fast", "worker_term",
                                                        "hq_restart_term"]
    assert all(d["error"] is None for d in out["disruptions"]), out["disruptions"]
    assert all("replaced by" in d["detail"] for d in out["disruptions"] if d["kind"].startswith("worker"))
    assert out["pg_restarts"] == 1
    # the same verdict from the command line
    code, cli = kept["cli"]
    assert code == 0 and cli["ok"] and cli["differences_total"] == 0

    assert tampered == {
        "held_missing": {"held_missing"},
        "held_version": {"held_version"},
        "held_extra": {"held_extra"},
        "lost_write": {"mutation_unanswered", "record_missing"},
        "unknown_write": {"mutation_extra", "record_extra"},
        "payload": {"record_payload"},
        "attachment_size": {"attachment_size", "attachment_file"},
        "lookup_lost": {"lookup_missing"},
        "lookup_unknown": {"lookup_extra"},
        "audit_count": {"audit_count"},
        "file_altered": {"attachment_file"},
    }
