"""Fixtures for the device-side sync tests: a real HQ on loopback (uvicorn thread, TLS
with HQ's own CA), once on SQLite and once on PostgreSQL, and real devices (SQLCipher
vaults) enrolled through :class:`neo.sync.transport.HqClient` with codes made by HQ.

The PostgreSQL run creates a fresh database on 127.0.0.1:5432 (trust auth, user
postgres; ``NEO_TEST_PG`` overrides the server URL) and drops it at the end; its tests
are marked ``postgres`` and skipped, with the reason, when the server does not answer.
"""

from __future__ import annotations

import os

os.environ.setdefault("NEO_HQ_ARGON2_MEMORY_KIB", "256")
os.environ.setdefault("NEO_HQ_ARGON2_TIME_COST", "1")
os.environ.setdefault("NEO_HQ_ARGON2_PARALLELISM", "1")

import base64
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from neo import i18n
from neo.config import Settings
from neo.hq.config import CollectionSpec, HQConfig
from neo.hq.storage.schema import records as hq_records
from neo.hq.testing import LiveHQ
from neo.models import Officer
from neo.replica import Replica
from neo.sync.engine import SyncEngine, SyncReport
from neo.sync.link import HqLink, save_link
from neo.sync.transport import HqClient
from neo.vault import Session, Vault
from tests.pg import fresh_database

PIN = "482913"

TEST_COLLECTIONS = (
    CollectionSpec("test.events", "append_only", "unit"),
    CollectionSpec("test.documents", "immutable", "unit"),
    CollectionSpec("test.notes", "mutable_shared", "unit"),
    CollectionSpec("test.reference", "hq_authoritative", "unit"),
)
POLICIES = {spec.name: spec.policy for spec in TEST_COLLECTIONS}


@pytest.fixture(autouse=True)
def _french() -> Iterator[None]:
    i18n.set_language("fr")
    yield
    i18n.set_language("fr")


# -- HQ ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this session (dropped afterwards)."""
    yield from fresh_database("neo_sync_test")


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session", params=BACKENDS)
def hq_backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """(backend name, SQLAlchemy URL): every test using ``live`` runs on both backends."""
    if request.param == "postgres":
        return "postgres", request.getfixturevalue("pg_database")
    path = tmp_path_factory.mktemp("hq-sqlite") / "hq.db"
    return "sqlite", f"sqlite+pysqlite:///{path}"


def hq_config(data_dir: Path, db_url: str | None) -> HQConfig:
    return HQConfig(data_dir=data_dir, db_url=db_url, collections=TEST_COLLECTIONS, read_manifests=False)


@pytest.fixture(scope="session")
def live(hq_backend: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHQ]:
    """One HQ per backend for the session; each test works in units of its own."""
    name, url = hq_backend
    with LiveHQ(hq_config(tmp_path_factory.mktemp(f"hq-{name}"), url)) as server:
        yield server


@pytest.fixture
def sqlite_live(tmp_path: Path) -> Iterator[LiveHQ]:
    """An HQ of this test's own (SQLite): for tests that revoke devices or look at HQ's totals."""
    with LiveHQ(hq_config(tmp_path / "hq-own", None)) as server:
        yield server


def random_service_number() -> str:
    return str(secrets.randbelow(90_000_000) + 10_000_000)


def new_unit(live: LiveHQ, officers: int = 2) -> tuple[str, list[str]]:
    name = f"Unité sync {secrets.token_hex(4)}"
    live.hq.add_unit(name)
    sns = []
    for i in range(officers):
        sn = random_service_number()
        live.hq.add_officer(sn, f"Agent {i} {name}", name, PIN)
        sns.append(sn)
    return name, sns


def hq_rows(live: LiveHQ, **where: Any) -> list[dict[str, Any]]:
    """HQ's records (as HQ stores them) matching column = value filters."""
    q = select(hq_records)
    for col, value in where.items():
        q = q.where(getattr(hq_records.c, col) == value)
    return live.hq.db.read(lambda c: [dict(r._mapping) for r in c.execute(q)])


# -- devices ---------------------------------------------------------------------------------------


@dataclass
class Device:
    """An enrolled device: its vault, open session, replica and HQ link."""

    name: str
    live: LiveHQ
    vault: Vault
    session: Session
    replica: Replica
    link: HqLink
    officer: str
    clients: list[HqClient] = field(default_factory=list)

    @property
    def device_id(self) -> str:
        return self.session.device_id

    def client(self, url: str | None = None, **kw: Any) -> HqClient:
        kw.setdefault("timeout", 15.0)
        kw.setdefault("backoff", 0.01)
        kw.setdefault("max_backoff", 0.05)
        client = HqClient(url or self.link.url, ca_pem=self.link.ca_pem, token=self.link.token, **kw)
        self.clients.append(client)
        return client

    def engine(self, client: HqClient | None = None, **kw: Any) -> SyncEngine:
        return SyncEngine(self.session, client or self.client(), self.replica, **kw)

    def sync(self, client: HqClient | None = None, **kw: Any) -> SyncReport:
        return self.engine(client, **kw).run_once()

    def close(self) -> None:
        for c in self.clients:
            c.close()
        if not self.session.locked:
            self.session.lock()


def public_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def enrol(live: LiveHQ, data_dir: Path, unit: str, officer: str, *, name: str = "Tablette") -> Device:
    """A blank device with ``officer`` on it, enrolled in ``unit`` with a fresh HQ code."""
    vault = Vault(data_dir, Settings.load(data_dir))
    session = vault.initialize(Officer(service_number=officer, name=f"Agent {officer}", unit=unit), PIN)
    code = live.enrolment_code(unit)
    assert live.ca_file is not None
    ca_pem = live.ca_file.read_text()
    with HqClient(live.url, ca_pem=ca_pem) as client:
        answer = client.enroll({"code": code, "device_public_key": public_key(), "device_name": name,
                                "device_id": session.device_id})
    assert answer.device_id == session.device_id
    link = save_link(session.store, {"url": live.url, "ca_pem": ca_pem, "token": answer.token,
                                     "device_id": answer.device_id, "unit": answer.unit, "epoch": answer.epoch})
    replica = Replica.for_session(session, POLICIES)
    return Device(name, live, vault, session, replica, link, officer)


@pytest.fixture
def make_device(tmp_path: Path) -> Iterator[Any]:
    made: list[Device] = []

    def make(live: LiveHQ, unit: str, officer: str, name: str | None = None) -> Device:
        label = name or f"device{len(made) + 1}"
        device = enrol(live, tmp_path / label, unit, officer, name=label)
        made.append(device)
        return device

    yield make
    for device in made:
        device.close()


@pytest.fixture
def pair(live: LiveHQ, make_device: Any) -> tuple[Device, Device]:
    """Two devices of one (new) unit, each with its own officer."""
    unit, sns = new_unit(live, officers=2)
    return make_device(live, unit, sns[0], "alpha"), make_device(live, unit, sns[1], "bravo")
