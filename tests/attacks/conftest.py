"""Fixtures of the hostile-input suite: a real HQ on loopback (TLS, uvicorn thread) on
SQLite and on PostgreSQL, the same ``live`` fixture as tests/hq, and a *world* on it:
two units with their devices, officers of every kind, and data of every sort (synced
records, a sealed statement with its files, a holiday-watch home with sealed access
details, reference records, an audit trail) for the attacks to aim at.

``NEO_ATTACKS`` sets how hard the suite pushes: ``short`` (the default, what
``make test`` and ``.ci/run`` run) or ``full`` (``make attacks``: many more fuzzing
examples and random cases).

After every test, :func:`no_crash` checks HQ logged no unexpected error (an exception
that became a 500, or one uvicorn caught), and tests take a :class:`Snapshot` before an
attack and check after it that nothing was written (table counts and the attachment
store's files) and that every device's audit chain at HQ still verifies.
"""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from neo.hq.testing import LiveHQ
from tests.hq.conftest import (
    BACKENDS,
    PIN,
    DeviceHandle,
    assert_error,
    counts,
    enrol_device,
    make_config,
    new_unit,
    public_key,
    random_service_number,
)
from tests.pg import fresh_database

__all__ = ["assert_error"]

from tests.hq.lookup_data import import_records, plate, record, surname, vin
from tests.hq.statements.conftest import Signer, enrol_signer, signature_files, statement
from tests.hq.watch.watch_data import register

MODE = os.environ.get("NEO_ATTACKS", "short").strip().lower() or "short"
if MODE not in ("short", "full"):
    raise RuntimeError(f"NEO_ATTACKS must be 'short' or 'full', not {MODE!r}")
FULL = MODE == "full"


def examples(short: int, full: int) -> int:
    """Hypothesis examples for the current setting."""
    return full if FULL else short


# -- HQ on both backends ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    yield from fresh_database("neo_attacks")


@pytest.fixture(scope="session", params=BACKENDS)
def db_backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    if request.param == "postgres":
        return "postgres", request.getfixturevalue("pg_database")
    return "sqlite", f"sqlite+pysqlite:///{tmp_path_factory.mktemp('attacks-sqlite') / 'hq.db'}"


@pytest.fixture(scope="session")
def live(db_backend: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHQ]:
    """One HQ per backend for the suite, served over TLS on loopback."""
    name, url = db_backend
    with LiveHQ(make_config(tmp_path_factory.mktemp(f"attacks-{name}"), url)) as server:
        yield server


# -- "none causes a 500" -------------------------------------------------------------------------


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("neo", "uvicorn")):
            self.records.append(record)


@pytest.fixture(autouse=True)
def no_crash() -> Iterator[_Errors]:
    """Fails the test if HQ (or uvicorn under it) logged an error while it ran: every
    unexpected exception becomes a 500 *and* such a log line, so this catches a 500 even
    where a test did not look at the status."""
    handler = _Errors()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
    crashes = [f"{r.name}: {r.getMessage()} {r.exc_info[1]!r}" if r.exc_info else f"{r.name}: {r.getMessage()}"
               for r in handler.records]
    assert not crashes, crashes


# -- "nothing written, chains still valid" ----------------------------------------------------


def _files(root: Path) -> set[str]:
    if not root.exists():
        return set()
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.parent.name != "tmp"}


@dataclass
class Snapshot:
    """What HQ holds at one moment: rows per table and the attachment store's files."""

    live: LiveHQ
    tables: dict[str, int] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)

    @classmethod
    def take(cls, live: LiveHQ) -> Snapshot:
        return cls(live, counts(live), _files(live.config.attachments_dir))

    def unchanged(self, *, allow: tuple[str, ...] = ()) -> None:
        """Nothing was written since (``allow``: tables the attack may legitimately grow,
        e.g. ``lookup_queries`` for a query that was answered)."""
        now = Snapshot.take(self.live)
        changed = {t: (self.tables.get(t), n) for t, n in now.tables.items()
                   if self.tables.get(t) != n and t not in allow}
        assert not changed, f"rows written: {changed}"
        assert now.files == self.files, f"files written: {sorted(now.files ^ self.files)}"
        chains_valid(self.live)


def chains_valid(live: LiveHQ) -> None:
    """Every device's audit chain at HQ re-verifies from its first event."""
    broken = [c for c in live.hq.verify_audit() if not c["ok"]]
    assert not broken, broken


def raw_http(live: LiveHQ, head: bytes, body: bytes = b"", *, timeout: float = 15) -> tuple[int, bytes]:
    """Send bytes as they are (what no well-behaved client would send) over TLS; returns
    the status (0 when the server closed without answering) and the raw answer."""
    import socket
    import ssl

    context = live.ssl_context()
    assert isinstance(context, ssl.SSLContext)
    with socket.create_connection((live.host, live.port), timeout=timeout) as sock, \
            context.wrap_socket(sock, server_hostname=live.host) as tls:
        tls.sendall(head + body)
        answer = b""
        try:
            while chunk := tls.recv(65536):
                answer += chunk
        except (ConnectionError, TimeoutError, ssl.SSLError):
            pass
    if not answer.startswith(b"HTTP/1.1 "):
        return 0, answer
    return int(answer[9:12]), answer


SHA_ZERO = "0" * 64


def authed_routes(world: World) -> list[tuple[str, str, dict[str, Any]]]:
    """Every route behind the device token, with a body good enough to reach it
    (method, path, httpx keyword arguments); a test checks the list against the OpenAPI."""
    from tests.hq.watch.watch_data import postcode, registration

    a = world.a.handle
    files = f"/api/v1/attachments/{world.photo_sha}"
    return [
        ("GET", "/api/v1/device", {}),
        ("GET", "/api/v1/roster", {}),
        ("POST", "/api/v1/officers/verify", {"json": {"service_number": a.officer, "pin": "000000"}}),
        ("POST", "/api/v1/sync/push", {"json": {"mutations": [world.a2.mutation()]}}),
        ("GET", "/api/v1/sync/pull", {}),
        ("GET", "/api/v1/conflicts", {}),
        ("PUT", f"/api/v1/attachments/{SHA_ZERO}/chunks/0", {"content": b"data"}),
        ("GET", files, {}),
        ("POST", f"{files}/complete", {"json": {"size": len(world.photo), "chunk_count": 1}}),
        ("GET", f"{files}/content", {}),
        ("POST", "/api/v1/audit/push", {"json": {"events": audit_events(world.a.device_id, 1)}}),
        ("GET", "/api/v1/audit/chain", {}),
        ("POST", "/api/v1/m/lookup/search", {"json": {
            "query_id": str(uuid.uuid4()), "officer": a.officer, "reason": "recherche",
            "text": world.stolen["plate"], "asked_at_ms": 1_790_000_000_000}}),
        ("GET", "/api/v1/m/lookup/hotlist", {}),
        ("POST", "/api/v1/m/holiday_watch/registrations", {"json": {
            "officer": a.officer, "registration": registration(postcode())}}),
        ("POST", f"/api/v1/m/holiday_watch/registrations/{world.registration_id}/access", {"json": {
            "officer": a.officer, "reason": "contrôle"}}),
        ("GET", "/api/v1/m/holiday_watch/basemap", {}),
        ("GET", "/api/v1/m/holiday_watch/basemap/content", {}),
    ]


# -- the world under attack ----------------------------------------------------------------------


@dataclass
class World:
    """Two units on one HQ. Unit A holds the data; unit B is the neighbour trying to read it."""

    live: LiveHQ
    a: Signer
    """A tablet of unit A with its Ed25519 identity key (it sealed the statement)."""
    a2: DeviceHandle
    """Another tablet of unit A."""
    b: Signer
    """A tablet of unit B."""
    unlock_token: str
    """The verify-only token of a tablet of unit A."""
    officer_b: str
    supervisor_a: str
    disabled_a: str
    event_id: str
    """A ``test.events`` record of unit A."""
    private_id: str
    """A ``test.private`` record of tablet a (visible to it alone)."""
    statement_id: str
    photo: bytes
    """A photo of the statement, uploaded and complete at HQ (unit A's file)."""
    registration_id: str
    """A holiday-watch home of unit A, with sealed access details."""
    access: str
    stolen: dict[str, Any]
    wanted: dict[str, Any]
    secret_words: tuple[str, ...]
    """Strings of unit A's data that must never reach unit B."""

    @property
    def photo_sha(self) -> str:
        return hashlib.sha256(self.photo).hexdigest()

    def client(self, token: str | None, **kw: Any) -> httpx.Client:
        return self.live.client(token, **kw)


def audit_events(device_id: str, n: int, *, start: int = 1, prev: str = "0" * 64) -> list[dict[str, Any]]:
    """``n`` chained audit events of a device, as its trail stores them."""
    from neo.audit import event_hash

    out = []
    for seq in range(start, start + n):
        ev: dict[str, Any] = {"seq": seq, "id": f"ev-{seq}", "ts": f"2026-11-27T10:{seq % 60:02d}:00.000000+00:00",
                              "device_id": device_id, "officer": None, "action": "test.attack", "reason": None,
                              "details": {"n": seq}, "lat": None, "lon": None, "accuracy": None, "prev_hash": prev}
        ev["hash"] = event_hash(ev)
        prev = ev["hash"]
        out.append(ev)
    return out


def _basemap(path: Path) -> None:
    """A small MBTiles package for HQ to serve (the routes then answer 200 and 206)."""
    import sqlite3

    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        conn.executemany("INSERT INTO metadata VALUES (?, ?)", [
            ("name", "attaque"), ("format", "png"), ("minzoom", "12"), ("maxzoom", "13"),
            ("bounds", "7.4,43.7,7.6,43.8"), ("attribution", "© OpenStreetMap contributors")])
        conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
        conn.execute("INSERT INTO tiles VALUES (12, 1, 1, ?)", (bytes(range(256)) * 64,))
    conn.close()


@pytest.fixture(scope="session")
def world(live: LiveHQ, tmp_path_factory: pytest.TempPathFactory) -> World:
    hq = live.hq
    unit_a, _ida, (officer_a,) = new_unit(live)
    unit_b, _idb, (officer_b,) = new_unit(live)
    supervisor, disabled = random_service_number(), random_service_number()
    hq.add_officer(supervisor, "Cheffe Attaque", unit_a, PIN, role="supervisor")
    hq.add_officer(disabled, "Agent Parti", unit_a, PIN, disabled=True)

    a = enrol_signer(live, unit_a)
    a.handle.officer = officer_a
    a2 = enrol_device(live, unit_a)
    a2.officer = officer_a
    b = enrol_signer(live, unit_b)
    with live.client() as c:
        r = c.post("/api/v1/enroll", json={"code": live.enrolment_code(unit_a), "device_public_key": public_key(),
                                           "device_name": "Tablette verrouillée",
                                           "unlock_share": public_key()})
        assert r.status_code == 200, r.text
        unlock_token = r.json()["unlock_token"]

    secret_note = f"note-secrete-{uuid.uuid4().hex[:10]}"
    private_note = f"note-privee-{uuid.uuid4().hex[:10]}"
    event = a.handle.mutation("test.events", {"note": secret_note})
    private = a.handle.mutation("test.private", {"note": private_note})
    with a.handle.client() as c:
        r = c.post("/api/v1/sync/push", json={"mutations": [event, private]})
        assert [x["status"] for x in r.json()["results"]] == ["applied", "applied"], r.text
        r = c.post("/api/v1/audit/push", json={"events": audit_events(a.device_id, 5)})
        assert r.status_code == 200 and r.json()["chain"]["ok"], r.text

    photo = b"\xff\xd8\xff\xe0 photo " + uuid.uuid4().bytes
    narrative = f"Récit confidentiel {uuid.uuid4().hex[:10]}"
    payload = a.seal(statement(a, photos=[photo], narrative=narrative))
    assert a.push(payload)["status"] == "applied"
    for data in (photo, *signature_files(a)):
        a.upload(data)

    _basemap(live.config.basemap_path or live.config.data_dir / "basemap.mbtiles")

    access = f"Code portail {uuid.uuid4().hex[:6]}, clé chez la voisine"
    registration_id = register(live, unit_a, access=access)

    p = plate()
    stolen = record("stolen_vehicles", plate=p, vin=vin())
    wanted = record("wanted_persons", surname=surname(), usage_name=None, given_names=["Karim"],
                    birth_date="1988-11-23", aliases=[])
    import_records(live, tmp_path_factory.mktemp("attack-ref"), stolen, wanted)
    chains_valid(live)
    return World(live, a, a2, b, unlock_token, officer_b, supervisor, disabled, event["record_id"],
                 private["record_id"], payload["id"], photo, registration_id, access, stolen, wanted,
                 (secret_note, private_note, narrative, access, payload["id"]))
