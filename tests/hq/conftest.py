"""Fixtures for the HQ tests: a real HQ on loopback (uvicorn thread, TLS with HQ's own CA,
httpx over real HTTP), once on SQLite and once on PostgreSQL.

The PostgreSQL run creates a fresh database for the session on 127.0.0.1:5432 (trust
auth, user postgres; ``NEO_TEST_PG`` overrides the server URL) and drops it at the end;
its tests are marked ``postgres`` and skipped, with the reason, when the server does not
answer.
"""

from __future__ import annotations

import os

os.environ.setdefault("NEO_HQ_ARGON2_MEMORY_KIB", "256")
os.environ.setdefault("NEO_HQ_ARGON2_TIME_COST", "1")
os.environ.setdefault("NEO_HQ_ARGON2_PARALLELISM", "1")

import base64
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from neo import protocol
from neo.hq.config import CollectionSpec, HQConfig
from neo.hq.storage import admin as admin_sql
from neo.hq.testing import LiveHQ
from tests.pg import fresh_database

PIN = "482913"

TEST_COLLECTIONS = (
    CollectionSpec("test.events", "append_only", "unit"),
    CollectionSpec("test.documents", "immutable", "unit"),
    CollectionSpec("test.notes", "mutable_shared", "unit"),
    CollectionSpec("test.reference", "hq_authoritative", "unit"),
    CollectionSpec("test.private", "append_only", "origin"),
    CollectionSpec("test.hqonly", "append_only", "hq"),
)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this session (dropped afterwards)."""
    yield from fresh_database("neo_hq_test")


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session", params=BACKENDS)
def db_backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """(backend name, SQLAlchemy URL) — every test using it runs on both backends."""
    if request.param == "postgres":
        return "postgres", request.getfixturevalue("pg_database")
    path = tmp_path_factory.mktemp("hq-sqlite") / "hq.db"
    return "sqlite", f"sqlite+pysqlite:///{path}"


def make_config(data_dir: Path, db_url: str | None, **kw: Any) -> HQConfig:
    return HQConfig(data_dir=data_dir, db_url=db_url, collections=TEST_COLLECTIONS, **kw)


@pytest.fixture(scope="session")
def live(db_backend: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHQ]:
    """One HQ server per backend for the session; tests isolate themselves with their own units."""
    name, url = db_backend
    config = make_config(tmp_path_factory.mktemp(f"hq-{name}"), url)
    with LiveHQ(config) as server:
        yield server


@dataclass
class DeviceHandle:
    """An enrolled test device with its officer, its HLC and an HTTP client."""

    live: LiveHQ
    device_id: str
    token: str
    unit: str
    unit_id: int
    officer: str
    clock: protocol.HybridLogicalClock
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, **kw: Any) -> httpx.Client:
        c = self.live.client(self.token, **kw)
        self.clients.append(c)
        return c

    def mutation(self, collection: str = "test.events", payload: dict[str, Any] | None = None, *,
                 record_id: str | None = None, base_version: str | None = None, tombstone: bool = False,
                 officer: str | None = None, **extra: Any) -> dict[str, Any]:
        m: dict[str, Any] = {
            "mutation_id": str(uuid.uuid4()), "collection": collection,
            "record_id": record_id or str(uuid.uuid4()), "version": str(self.clock.now()),
            "base_version": base_version, "tombstone": tombstone,
            "payload": payload if payload is not None or tombstone else {"n": 1},
            "officer": officer or self.officer,
        }
        m.update(extra)
        return m


def random_service_number() -> str:
    return str(secrets.randbelow(90_000_000) + 10_000_000)


def new_unit(live: LiveHQ, *, officers: int = 1) -> tuple[str, int, list[str]]:
    name = f"Unité test {secrets.token_hex(4)}"
    unit_id, _ = live.hq.add_unit(name)
    sns = []
    for i in range(officers):
        sn = random_service_number()
        live.hq.add_officer(sn, f"Agent {i} {name}", name, PIN)
        sns.append(sn)
    return name, unit_id, sns


def public_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def enrol_device(live: LiveHQ, unit: str | None = None) -> DeviceHandle:
    if unit is None:
        unit, unit_id, sns = new_unit(live)
    else:
        unit_id = next(u["id"] for u in live.hq.list_units() if u["name"] == unit)
        sns = [o["service_number"] for o in live.hq.list_officers(unit)]
    code = live.enrolment_code(unit)
    with live.client() as c:
        r = c.post("/api/v1/enroll", json={"code": code, "device_public_key": public_key(), "device_name": "Tablette"})
    assert r.status_code == 200, r.text
    body = r.json()
    return DeviceHandle(live, body["device_id"], body["token"], unit, unit_id, sns[0],
                        protocol.HybridLogicalClock(body["device_id"]))


@pytest.fixture
def device(live: LiveHQ) -> Iterator[DeviceHandle]:
    """A device enrolled in a unit of its own (so its pulls see only its own data)."""
    handle = enrol_device(live)
    yield handle
    for c in handle.clients:
        c.close()


@pytest.fixture
def make_device(live: LiveHQ) -> Iterator[Any]:
    made: list[DeviceHandle] = []

    def make(unit: str | None = None) -> DeviceHandle:
        handle = enrol_device(live, unit)
        made.append(handle)
        return handle

    yield make
    for handle in made:
        for c in handle.clients:
            c.close()


def counts(live: LiveHQ) -> dict[str, int]:
    return live.hq.db.read(admin_sql.table_counts)


def assert_error(response: httpx.Response, status: int, kind: str, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert err["kind"] == kind, err
    assert isinstance(err["message"], str) and err["message"]
    if code is not None:
        assert err["detail"]["code"] == code, err
    return err
