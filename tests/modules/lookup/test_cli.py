"""``neo lookup`` as scripts run it: through ``neo.cli.main`` (the core unlocks and hands
over), and as a separate process (the queue is still there after a restart). The device
here has no HQ link: queries wait; the end-to-end test with a real HQ is in
test_end_to_end.py."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from neo import i18n
from neo.cli import main
from neo.modules.lookup import cli as lookup_cli
from neo.modules.lookup.match import plate_key
from tests.modules.lookup.device import STOLEN, FakeRemote, hq_hit, lookup_service, start_host

PIN = "482913"


@pytest.fixture(autouse=True)
def _french() -> Iterator[None]:
    i18n.set_language("fr")
    yield
    i18n.set_language("fr")


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["lookup", "--data-dir", str(data_dir), "--officer", "100001", "--pin-stdin", *argv],
                stdin=io.StringIO(PIN + "\n"))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def device(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    code = main(["officer", "add", "--data-dir", str(data_dir), "--id", "100001", "--name", "Jeanne Martin",
                 "--unit", "BTA Menton", "--pin-stdin"], stdin=io.StringIO(PIN + "\n"))
    capsys.readouterr()
    assert code == 0
    return data_dir


def test_offline_query_is_queued_listed_and_audited(device: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, device, "--reason", "controle_routier", "--json", "ab", "123", "cd")
    assert code == lookup_cli.EXIT_QUEUED, err
    data = json.loads(out)
    assert data["status"] == "queued" and data["entry"] == "ab 123 cd" and data["hits"] == []
    assert "en attente" in data["message"]
    code, out, _ = run(capsys, device, "--pending", "--json")
    assert code == 0 and [o["query_id"] for o in json.loads(out)] == [data["query_id"]]
    code, out, _ = run(capsys, device, "--pending")
    assert "ab 123 cd" in out and "en attente" in out
    code, out, _ = run(capsys, device, "--history", "--search", "AB123")
    assert data["query_id"][:8] in out
    code, out, _ = run(capsys, device, "--drain", "--json")
    assert code == lookup_cli.EXIT_QUEUED and json.loads(out) == {"answered": [], "pending": [data["query_id"]]}
    # the audit trail has the query with its reason
    code = main(["audit", "list", "--data-dir", str(device), "--officer", "100001", "--pin-stdin", "--json"],
                stdin=io.StringIO(PIN + "\n"))
    events = [e for e in json.loads(capsys.readouterr().out) if e["action"] == "lookup.query"]
    assert len(events) == 1 and events[0]["reason"] == "controle_routier"
    assert events[0]["details"]["status"] == "queued" and events[0]["details"]["query_id"] == data["query_id"]


def test_the_queue_survives_a_process_restart(device: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, device, "--reason", "recherche", "--json", "--plate", "AB-123-CD")
    assert code == lookup_cli.EXIT_QUEUED
    query_id = json.loads(out)["query_id"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    proc = subprocess.run([sys.executable, "-m", "neo", "lookup", "--data-dir", str(device), "--officer", "100001",
                           "--pin-stdin", "--pending", "--json"], input=PIN + "\n", capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    pending = json.loads(proc.stdout)
    assert [o["query_id"] for o in pending] == [query_id]
    assert pending[0]["entry"] == {"plate": "AB-123-CD"}


@pytest.mark.parametrize(("argv", "needle"), [
    (["AB-123-CD"], "--reason"),
    (["--reason", "autre", "AB-123-CD"], "Précisez le motif"),
    (["--reason", "enquete"], "Saisissez une recherche"),
    (["--reason", "enquete", "--plate", "AB-123-CD", "AB-123-CD"], "pas les deux"),
    (["--reason", "enquete", "12/03/1985"], "date seule"),
])
def test_bad_input_exits_2_with_a_message(device: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                                          needle: str) -> None:
    code, out, err = run(capsys, device, *argv)
    assert code == lookup_cli.EXIT_BAD_INPUT and needle in err and out == ""


def test_unknown_reason_is_a_usage_error(device: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, device, "--reason", "curiosite", "AB-123-CD")
    assert code == 2 and "curiosite" in err


def test_hits_are_printed_alert_first_and_exit_0(session: Any) -> None:
    """The command's own function on a context whose HQ answers (in memory)."""
    remote = FakeRemote()
    remote.answers[plate_key("AB-123-CD") or ""] = [hq_hit("stolen_vehicles", "S1", STOLEN, severity="alert",
                                                           instruction=STOLEN["instruction"])]
    host = start_host(session, remote)
    try:
        ctx, _ = lookup_service(host)
        out = io.StringIO()
        assert lookup_cli.main(ctx, ["--reason", "controle_routier", "AB123CD"], out=out) == lookup_cli.EXIT_HITS
        text = out.getvalue()
        assert "!! [Alerte] Véhicules volés : AB-123-CD — Renault Clio gris" in text
        assert "Conduite à tenir : Interpeller le conducteur" in text
        out = io.StringIO()
        assert lookup_cli.main(ctx, ["--reason", "controle_routier", "--json", "ZZ-999-ZZ"], out=out) \
            == lookup_cli.EXIT_NO_HIT
        assert json.loads(out.getvalue())["hits"] == []
        out = io.StringIO()
        assert lookup_cli.main(ctx, ["--reason", "controle_routier", "--json", "AB123CD"], out=out) == 0
        hit = json.loads(out.getvalue())["hits"][0]
        assert hit["card"]["title"] == "AB-123-CD" and hit["source"] == "hq" and hit["severity"] == "alert"
    finally:
        host.stop()
