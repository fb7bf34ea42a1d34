"""``neo sync`` (the command, run in-process through its own parser) and ``ctx.sync``
(the module API)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from neo import api
from neo.hq.testing import LiveHQ
from neo.replica import PolicyViolation, Replica
from neo.sync.cli import TextProgress, add_parser, main
from neo.sync.engine import SyncEngine

from .conftest import PIN, Device, new_unit


def run_cli(device: Device, *extra: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    device.close()  # the command unlocks the device itself
    code = main(["sync", "--data-dir", str(device.vault.data_dir), "--officer", device.officer, "--pin-stdin",
                 *extra], stdin=io.StringIO(PIN + "\n"))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def device(live: LiveHQ, make_device: Any) -> Device:
    unit, sns = new_unit(live)
    return make_device(live, unit, sns[0])


def test_neo_sync_json(device: Device, capsys: pytest.CaptureFixture[str]) -> None:
    device.replica.put_many("test.events", [(None, {"n": i}) for i in range(3)])
    code, out, err = run_cli(device, "--json", capsys=capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["ok"] and report["acknowledged"] == 3 and report["pending"] == 0 and report["roster"] == 2
    assert "Envoi" in err and "Réception" in err  # progress on stderr, plain text


def test_neo_sync_human_and_failures(device: Device, capsys: pytest.CaptureFixture[str], live: LiveHQ) -> None:
    code, out, _err = run_cli(device, "--quiet", capsys=capsys)
    assert code == 0 and out.startswith("Synchronisation terminée")
    # a device without an HQ link
    from neo.sync.link import clear_link

    session = device.vault.unlock(device.officer, PIN)
    clear_link(session.store)
    session.lock()
    code, _out, err = run_cli(device, capsys=capsys)
    assert code == 1 and "enrôlé" in err
    code, _out, _err = run_cli(device, "--batch", "0", capsys=capsys)
    assert code == 2


def test_neo_sync_on_a_revoked_device_wipes_it(device: Device, live: LiveHQ,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    live.hq.revoke_device(device.device_id)
    code, out, err = run_cli(device, "--json", capsys=capsys)
    assert code == 4
    assert json.loads(out) == {"ok": False, "revoked": True, "wiped": True, "message": json.loads(out)["message"]}
    assert "révoqué" in err
    assert not device.vault.exists() and device.vault.was_wiped()["reason"] == "revoked"  # type: ignore[index]


def test_progress_text() -> None:
    stream = io.StringIO()
    bar = TextProgress(stream, interval=0)
    bar("push", 0, 10)
    bar("push", 5, 10)
    bar("pull", 40, None)
    bar.finish()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("Envoi") and "[" + "." * 30 + "] 0/10" in lines[0]
    assert "#" * 15 in lines[1] and lines[2].startswith("Réception") and lines[2].endswith("40")


def test_parser_registers_sync() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sync", "--officer", "100001", "--pin-stdin", "--json"])
    assert args.func.__name__ == "cmd_sync" and args.batch == 1000


# -- ctx.sync -----------------------------------------------------------------------------------


def _manifest(**kw: Any) -> api.Manifest:
    data: dict[str, Any] = {
        "id": "bikes", "name": {"fr": "Vélos"}, "version": "1.0", "api": ">=1.1,<2",
        "permissions": ["sync"],
        "collections": [{"name": "test.notes", "policy": "mutable_shared"},
                        {"name": "test.reference", "policy": "hq_authoritative"}],
    }
    data.update(kw)
    return api.Manifest.model_validate(data)


def _context(device: Device, manifest: api.Manifest, replica: Replica | None) -> api.ModuleContext:
    from neo.api.extensions import ExtensionRegistry

    return api.ModuleContext(manifest, store=device.session.store, audit=device.session.audit,
                             officer=device.session.officer, registry=ExtensionRegistry(), replica=replica)


def test_ctx_sync(device: Device, live: LiveHQ, tmp_path: Path) -> None:
    assert api.VERSION >= (1, 1) and _manifest().supports_api(api.VERSION)  # ctx.sync came with 1.1
    replica = Replica.for_session(device.session)  # the host's: no policies until modules declare them
    ctx = _context(device, _manifest(), replica)
    assert ctx.sync.collections() == ["test.notes", "test.reference"]
    notes = ctx.sync.collection("test.notes")
    rid = notes.put(None, {"velo": "VTT rouge"})
    assert notes.get(rid) == {"velo": "VTT rouge"} and notes.state(rid) == "pending"
    assert notes.record(rid).officer == device.officer  # type: ignore[union-attr]
    assert [r.record_id for r in notes.list()] == [rid]
    with pytest.raises(PolicyViolation):
        ctx.sync.collection("test.reference").put(None, {"x": 1})
    with pytest.raises(api.ModulePermissionError):
        ctx.sync.collection("test.events")  # not declared by this module
    sha = notes.attach(b"%PDF-1.7 ...", "application/pdf")
    assert notes.attachment(sha) == b"%PDF-1.7 ..."
    assert ctx.sync.pending_count() == 1
    assert SyncEngine(device.session, device.client(), replica).run_once().ok
    assert notes.state(rid) == "acknowledged" and notes.conflicts() == [] and notes.rejected() == []
    notes.delete(rid)
    assert notes.get(rid) is None and notes.list() == []


def test_ctx_sync_needs_the_permission_and_a_replica(device: Device) -> None:
    no_perm = _context(device, _manifest(permissions=[]), Replica.for_session(device.session))
    with pytest.raises(api.ModulePermissionError):
        no_perm.sync  # noqa: B018
    no_replica = _context(device, _manifest(), None)
    with pytest.raises(RuntimeError):
        no_replica.sync  # noqa: B018


def test_the_replica_and_the_module_api_do_no_http_and_no_qt() -> None:
    import subprocess
    import sys

    code = ("import sys, neo.replica, neo.api, neo.store.sync_sql; "
            "bad = [m for m in ('httpx', 'PySide6', 'fastapi', 'sqlalchemy') if m in sys.modules]; "
            "sys.exit(1 if bad else 0)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
