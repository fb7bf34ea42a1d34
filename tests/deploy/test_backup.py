"""deploy/neo-hq-backup.sh, and a restore as docs/ops.md tells it, on SQLite and on
PostgreSQL: after HQ's database and data directory are lost and restored from the backup,
a tablet enrolled before keeps syncing (same CA, same token) and an officer's first
unlock on it still works (the key file that opens the unlock shares came back too)."""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("NEO_HQ_ARGON2_MEMORY_KIB", "256")
os.environ.setdefault("NEO_HQ_ARGON2_TIME_COST", "1")
os.environ.setdefault("NEO_HQ_ARGON2_PARALLELISM", "1")

import uvicorn

from neo import i18n
from neo.cli import EXIT_OK, main
from neo.hq import tls
from neo.hq.app import create_app
from neo.hq.config import HQConfig
from neo.hq.testing import LiveHQ
from tests.pg import fresh_database

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "neo-hq-backup.sh"
UNIT = "BTA Menton"
OFFICERS = {"100001": "482913", "100002": "739164"}


class SamePortHQ(LiveHQ):
    """A LiveHQ on a given port (the restored HQ answers where the tablet's link points)."""

    def __init__(self, config: HQConfig, port: int = 0) -> None:
        super().__init__(config)
        self.wanted_port = port

    def start(self) -> LiveHQ:
        if not self.wanted_port:
            return super().start()
        files = tls.ensure_server_cert(self.config.tls_dir, tls.default_names(self.host))
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.wanted_port))
        self.port = self.wanted_port
        app = create_app(self.config)
        self.hq = app.state.hq
        self.config.public_url = self.url
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on",
                                               ssl_certfile=str(files.cert_file), ssl_keyfile=str(files.key_file)))
        self._server = server
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the restored HQ did not start")
            time.sleep(0.02)
        return self


@pytest.fixture(autouse=True)
def _french() -> Iterator[None]:
    i18n.set_language("fr")
    yield
    i18n.set_language("fr")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str | None, str | None]]:
    """(HQ's database URL, the URL of an empty database to restore into); None: SQLite in the data dir."""
    if request.param == "sqlite":
        yield None, None
        return
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("pg_dump and pg_restore are not installed")
    first = fresh_database("neo_backup")
    second = fresh_database("neo_restore")
    try:
        yield next(first), next(second)
    finally:
        for gen in (first, second):
            gen.close()


def neo(*argv: str, stdin: str = "") -> int:
    return main(list(argv), stdin=io.StringIO(stdin))


def test_backup_then_restore_after_losing_everything(databases, tmp_path: Path) -> None:
    db_url, restore_url = databases
    data = tmp_path / "var-lib-neo-hq"
    tablet = str(tmp_path / "tablet")
    hq = SamePortHQ(HQConfig(data_dir=data, db_url=db_url)).start()
    try:
        hq.hq.add_unit(UNIT)
        for sn, pin in OFFICERS.items():
            hq.hq.add_officer(sn, f"Agent {sn}", UNIT, pin)
        assert neo("enroll", hq.enrolment_code(UNIT), "--data-dir", tablet, "--name", "Tablette 1") == EXIT_OK
        assert neo("sync", "--data-dir", tablet, "--officer", "100001", "--pin-stdin", "--quiet",
                   stdin=OFFICERS["100001"] + "\n") == EXIT_OK
        (data / "attachments" / "partial").mkdir(parents=True, exist_ok=True)
        (data / "attachments" / "partial" / "half-received").write_bytes(b"x")
        fingerprint, port = hq.hq.tls_fingerprint, hq.port
    finally:
        hq.stop()

    env = {**os.environ, "NEO_HQ_DATA_DIR": str(data), "NEO_HQ_DB": db_url or ""}
    done = subprocess.run(["sh", str(SCRIPT), str(tmp_path / "backups")], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    backup = Path(done.stdout.strip())
    assert backup.parent == tmp_path / "backups" and backup.name.startswith("neo-hq-")
    assert not list((tmp_path / "backups").glob("*.partial"))
    assert oct(backup.stat().st_mode & 0o777) == "0o700"
    with tarfile.open(backup / "data.tar.gz") as tar:
        names = set(tar.getnames())
    for needed in ("./tls/ca.key", "./tls/ca.pem", "./keys/unlock-shares.key"):
        assert needed in names
    assert not [n for n in names if n.startswith(("./hq.db", "./attachments/partial/"))]

    # Everything is lost; restore as docs/ops.md says, into a new database and directory.
    shutil.rmtree(data)
    restored = tmp_path / "restored"
    restored.mkdir()
    with tarfile.open(backup / "data.tar.gz") as tar:
        tar.extractall(restored, filter="data")
    if restore_url is None:
        shutil.copy2(backup / "hq.db", restored / "hq.db")
    else:
        subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--dbname",
                        restore_url.replace("postgresql+psycopg://", "postgresql://"), str(backup / "db.dump")],
                       check=True, capture_output=True, timeout=120)
    hq = SamePortHQ(HQConfig(data_dir=restored, db_url=restore_url), port=port).start()
    try:
        assert hq.hq.tls_fingerprint == fingerprint  # the CA the tablets pin
        # the tablet enrolled before the loss syncs, and another officer's first unlock works
        assert neo("sync", "--data-dir", tablet, "--officer", "100001", "--pin-stdin", "--quiet",
                   stdin=OFFICERS["100001"] + "\n") == EXIT_OK
        assert neo("unlock", "--data-dir", tablet, "--officer", "100002", "--pin-stdin",
                   stdin=OFFICERS["100002"] + "\n") == EXIT_OK
        assert [d["name"] for d in hq.hq.list_devices()] == ["Tablette 1"]
    finally:
        hq.stop()
