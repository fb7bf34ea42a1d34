"""The lookup from an enrolled device to a real HQ (uvicorn on loopback, TLS with HQ's CA,
SQLite), through the real ``ctx.hq`` (``neo.sync.remote.HqRemote``): a stolen vehicle's
plate typed as an officer types it comes back as an alert first; with HQ stopped the
query waits (and the hot-list, fetched earlier, flags it); HQ started again, the queued
query is answered through on_reachable, the device's audit has both events, and HQ's log
has the query once. ``neo lookup`` does the same headless."""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from neo import i18n
from neo.audit import verify_chain
from neo.cli import main as neo_main
from neo.hq import tls
from neo.hq.app import create_app
from neo.hq.testing import LiveHQ
from neo.sync.remote import HqRemote
from tests.hq.lookup_data import import_records, plate, record, vin
from tests.modules.lookup.device import lookup_service, start_host
from tests.sync.conftest import PIN, enrol, hq_config, new_unit


class RestartableHQ(LiveHQ):
    """A LiveHQ that comes back on the same port after :meth:`stop` (so the device's link
    still points at it), on the same data directory and database."""

    def start(self) -> LiveHQ:
        if not self.port:
            return super().start()
        self.config.insecure = not self.use_tls
        files = tls.ensure_server_cert(self.config.tls_dir, tls.default_names(self.host))
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        app = create_app(self.config)
        self.hq = app.state.hq
        server = uvicorn.Server(uvicorn.Config(app, log_level=self.log_level, lifespan="on",
                                               ssl_certfile=str(files.cert_file), ssl_keyfile=str(files.key_file)))
        self._server = server
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="live-hq", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the HQ server did not start again")
            time.sleep(0.02)
        return self


@pytest.fixture(autouse=True)
def _french() -> Iterator[None]:
    i18n.set_language("fr")
    yield
    i18n.set_language("fr")


@pytest.fixture
def hq(tmp_path: Path) -> Iterator[RestartableHQ]:
    server = RestartableHQ(hq_config(tmp_path / "hq", None))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def seeded(hq: RestartableHQ, tmp_path: Path) -> dict[str, dict[str, Any]]:
    p, v = plate(), vin()
    stolen = record("stolen_vehicles", plate=p, vin=v)
    registration = record("vehicle_registrations", plate=p, vin=v)
    import_records(hq, tmp_path, stolen, registration)
    return {"stolen": stolen, "registration": registration}


@pytest.fixture
def device(hq: RestartableHQ, tmp_path: Path) -> Iterator[Any]:
    unit, sns = new_unit(hq, officers=1)
    dev = enrol(hq, tmp_path / "tablet", unit, sns[0])
    yield dev
    dev.close()


def hq_log(hq: LiveHQ, officer: str) -> list[dict[str, Any]]:
    return hq.hq.lookup.log(officer=officer, limit=100)


def test_online_offline_and_back(hq: RestartableHQ, seeded: dict[str, dict[str, Any]], device: Any) -> None:
    stolen = seeded["stolen"]
    typed = stolen["plate"].replace("-", " ").lower()
    remote = HqRemote.for_session(device.session, timeout=5.0)
    host = start_host(device.session, remote)
    try:
        _, service = lookup_service(host)
        # online: the stolen vehicle first, in red with its instruction, then the registration
        out = service.search(text=typed, reason="controle_routier")
        assert out.status == "answered", out.message
        assert [(h.file, h.severity, h.source) for h in out.hits[:2]] == [
            ("stolen_vehicles", "alert", "hq"), ("vehicle_registrations", "info", "hq")]
        assert out.hits[0].record_id == stolen["id"] and out.hits[0].instruction == stolen["instruction"]
        assert service.card(out.hits[0]).title == stolen["plate"]
        # the hot-list comes from HQ (the stolen plate is on it)
        assert service.refresh_hotlist(force=True) is True
        version, count, _ = service.hotlist_status()
        assert version and count >= 2
        assert service.refresh_hotlist(force=True) is False  # same ETag: 304

        # HQ stops: the query waits, flagged by the hot-list
        hq.stop()
        waiting = service.search(text=stolen["plate"], reason="recherche")
        assert waiting.status == "queued" and waiting.hotlist == ["plate"]
        assert [o.query_id for o in service.pending()] == [waiting.query_id]
        heard: list[Any] = []
        service.subscribe(heard.append)

        # HQ is back: the host hears it (as after a sync) and the query is answered
        hq.start()
        assert host.notify_reachable().result(timeout=60) >= 1
        assert [o.query_id for o in heard] == [waiting.query_id]
        answered = heard[0]
        assert answered.status == "answered" and answered.hits[0].file == "stolen_vehicles"
        assert service.pending() == []
        # once more (a second notification): nothing is sent again
        host.notify_reachable().result(timeout=60)
        assert len(heard) == 1
    finally:
        host.stop()

    # the device's audit: each query, and the answer linking the queued one
    audit = device.session.audit
    queries = audit.events(action="lookup.query")
    assert [(e.details["query_id"], e.details["status"]) for e in queries] == [
        (out.query_id, "answered"), (waiting.query_id, "queued")]
    answers = audit.events(action="lookup.answer")
    assert [(e.details["query_id"], e.details["status"]) for e in answers] == [(waiting.query_id, "answered")]
    assert answers[0].details["result_count"] >= 1
    assert all(e.officer == device.officer for e in [*queries, *answers])
    assert verify_chain([e.model_dump() for e in audit.events()]).ok
    # HQ's log: each query once, the queued one with the time the officer asked
    rows = hq_log(hq, device.officer)
    assert sorted(q["query_id"] for q in rows) == sorted([out.query_id, waiting.query_id])
    logged = {q["query_id"]: q for q in rows}
    assert logged[waiting.query_id]["reason"] == "recherche"


def test_neo_lookup_headless(hq: RestartableHQ, seeded: dict[str, dict[str, Any]], device: Any,
                             capsys: pytest.CaptureFixture[str]) -> None:
    stolen = seeded["stolen"]
    data_dir = str(device.vault.data_dir)
    device.close()  # the command unlocks the device itself

    def run(*argv: str) -> tuple[int, str, str]:
        code = neo_main(["lookup", "--data-dir", data_dir, "--officer", device.officer, "--pin-stdin", *argv],
                        stdin=io.StringIO(PIN + "\n"))
        out, err = capsys.readouterr()
        return code, out, err

    code, out, err = run("--reason", "controle_routier", "--json", stolen["plate"].lower().replace("-", ""))
    assert code == 0, err
    answer = json.loads(out)
    assert answer["status"] == "answered"
    assert (answer["hits"][0]["file"], answer["hits"][0]["severity"]) == ("stolen_vehicles", "alert")
    assert answer["hits"][0]["card"]["title"] == stolen["plate"]
    code, out, _ = run("--reason", "controle_routier", "ZZ", "999", "ZZ")
    assert code == 1 and "Aucune correspondance" in out
    hq.stop()
    code, out, _ = run("--reason", "recherche", "--json", "--vin", stolen["vin"])
    assert code == 3 and json.loads(out)["status"] == "queued"
    code, out, _ = run("--drain")
    assert code == 3 and "1 en attente" in out
    hq.start()
    code, out, _ = run("--drain", "--json")
    assert code == 0
    drained = json.loads(out)
    assert drained["pending"] == [] and drained["answered"][0]["hits"][0]["file"] == "stolen_vehicles"
    assert len(hq_log(hq, device.officer)) == 3
