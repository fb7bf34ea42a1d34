"""Helpers for the holiday watch on a real device session: registrations as HQ sends them
(pulled into the real replica), a small road-graph package installed as the basemap,
HQ's access route in memory (:class:`FakeWatchRemote`), and a settable clock."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import secrets
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from neo import protocol
from neo.api import HqRefused, HqResponse, HqUnavailable, ModuleContext, RemoteTransport
from neo.host import ModuleHost
from neo.modules.holiday_watch.module import service_for
from neo.modules.holiday_watch.service import WatchService

WATCH = "neo.modules.holiday_watch"
REGISTRATIONS = "holiday_watch.registrations"
HQ_NODE = "hq"
LAT0, LON0 = 43.7400, 7.4200
STEP_M = 100.0
GRID = 8
ACCESS = "Portail : code 4521B, clé chez la voisine du 2e"


def offset(dx_m: float, dy_m: float, lat0: float = LAT0, lon0: float = LON0) -> tuple[float, float]:
    """The point ``dx_m`` east and ``dy_m`` north of (lat0, lon0)."""
    return lat0 + dy_m / 111_195.0, lon0 + dx_m / (111_195.0 * math.cos(math.radians(lat0)))


def grid_package(path: Path, n: int = GRID, step_m: float = STEP_M) -> Path:
    """A basemap package holding a road grid (``n`` x ``n`` two-way streets, ``step_m``
    apart, south-west corner at LAT0, LON0); added to the tiles of ``path`` if it holds
    some, else a package without tiles."""
    conn = sqlite3.connect(path)
    has_tiles = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'tiles'").fetchone()[0]
    conn.executescript(
        "CREATE TABLE IF NOT EXISTS metadata (name TEXT, value TEXT);"
        "CREATE TABLE IF NOT EXISTS tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,"
        " tile_data BLOB);"
        "CREATE TABLE neo_road_nodes (id INTEGER PRIMARY KEY, lat REAL, lon REAL);"
        "CREATE TABLE neo_road_edges (src INTEGER, dst INTEGER, length_m REAL, speed_kmh REAL, highway TEXT,"
        " name TEXT);"
        "CREATE INDEX neo_road_edges_src ON neo_road_edges (src);")
    north, east = offset((n - 1) * step_m, (n - 1) * step_m)
    meta = {"name": "grid", "format": "png", "minzoom": "13", "maxzoom": "17",
            "bounds": f"{LON0},{LAT0},{east},{north}", "attribution": "© OpenStreetMap contributors"}
    if not has_tiles:
        conn.executemany("INSERT INTO metadata VALUES (?, ?)", list(meta.items()))
    nodes = [(i * n + j, *offset(j * step_m, i * step_m)) for i in range(n) for j in range(n)]
    conn.executemany("INSERT INTO neo_road_nodes VALUES (?, ?, ?)", nodes)
    edges = []
    for i in range(n):
        for j in range(n):
            a = i * n + j
            for b in ([a + 1] if j + 1 < n else []) + ([a + n] if i + 1 < n else []):
                edges += [(a, b, step_m, 30.0, "residential", None), (b, a, step_m, 30.0, "residential", None)]
    conn.executemany("INSERT INTO neo_road_edges VALUES (?, ?, ?, ?, ?, ?)", edges)
    conn.commit()
    conn.close()
    return path


def install_basemap(ctx: ModuleContext, source: Path) -> Path:
    """Put ``source`` in the module's data directory as the installed basemap (as
    ``basemap_store.ensure_basemap`` leaves it)."""
    data = source.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    name = f"basemap-{sha[:16]}.mbtiles"
    shutil.copyfile(source, ctx.data_dir / name)
    (ctx.data_dir / "basemap.json").write_text(json.dumps(
        {"file": name, "name": "test", "size": len(data), "sha256": sha, "version": "1"}), encoding="utf-8")
    return ctx.data_dir / name


def seal(key: bytes, registration_id: str, text: str) -> str:
    nonce = secrets.token_bytes(12)
    blob = nonce + AESGCM(key).encrypt(nonce, text.encode(), b"neo.holiday_watch.access:" + registration_id.encode())
    return "v1:" + base64.b64encode(blob).decode()


def registration(lat: float, lon: float, *, rid: str | None = None, today: date, start: int = -3, days: int = 14,
                 number: int = 901, street: str = "avenue de Verdun", key: bytes | None = None,
                 policy: dict[str, int] | None = None, **extra: Any) -> dict[str, Any]:
    """A ``holiday_watch.registrations`` payload as HQ sends it (docs/holiday-watch.md)."""
    rid = rid or str(uuid.uuid4())
    payload: dict[str, Any] = {
        "id": rid,
        "citizen": {"name": "Jeanne Essai (fictif)", "phone": "06 39 98 00 01", "email": None},
        "address": {"line": f"{number} {street}", "postcode": "06240", "city": "Beausoleil"},
        "position": {"lat": lat, "lon": lon},
        "start_date": (today + timedelta(days=start)).isoformat(),
        "end_date": (today + timedelta(days=start + days)).isoformat(),
        "home_type": "maison",
        "alarm": {"present": True, "monitored_by": "Télésurveillance Azur"},
        "access_sealed": seal(key, rid, ACCESS) if key is not None else None,
        "authorised_people": [{"name": "Paul Voisin (fictif)", "vehicles": ["AB-123-CD"]}],
        "contact": {"name": "Marc Essai (fictif)", "phone": "04 65 71 00 02"},
        "notes": "Chien chez la voisine.",
        "unit": "BTA Menton",
        "visit_policy": policy or {"min_visits_per_week": 3},
    }
    payload.update(extra)
    return payload


def pull(ctx: ModuleContext, *payloads: dict[str, Any], collection: str = REGISTRATIONS,
         tombstones: tuple[str, ...] = ()) -> None:
    """Apply records as if pulled from HQ (one page)."""
    replica = ctx.sync.collection(collection)._replica
    cursor, epoch = replica.cursor()
    wall = int(datetime.now(UTC).timestamp() * 1000)
    changes = []
    for i, p in enumerate(payloads):
        changes.append(protocol.Change(server_seq=cursor + i + 1, collection=collection, record_id=p["id"],
                                       version=str(protocol.Version(wall, i, HQ_NODE)), origin_device=HQ_NODE,
                                       payload=p))
    for j, rid in enumerate(tombstones, start=len(changes)):
        changes.append(protocol.Change(server_seq=cursor + j + 1, collection=collection, record_id=rid,
                                       version=str(protocol.Version(wall, j, HQ_NODE)), origin_device=HQ_NODE,
                                       tombstone=True))
    assert replica.apply_pull(cursor, changes, cursor + len(changes), epoch or "e") is not None


class Clock:
    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 7, 14, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


_ACCESS_PATH = re.compile(r"^/api/v1/m/holiday_watch/registrations/([0-9a-f-]{36})/access$")


@dataclass
class FakeWatchRemote(RemoteTransport):
    """HQ's access route in memory: ``keys`` maps a registration to its key and access text."""

    online: bool = True
    keys: dict[str, tuple[bytes, str | None, str]] = field(default_factory=dict)  # id -> key, access, valid_until
    basemap: bytes | None = None  # the package HQ serves (None: HQ has none)
    gate: threading.Event | None = None  # set: a download waits on it half-way
    calls: list[tuple[str, str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def request(self, method: str, path: str, *, body: Mapping[str, Any] | None = None,
                params: Mapping[str, Any] | None = None, etag: str | None = None) -> HqResponse:
        with self.lock:
            self.calls.append((method, path, body))
        if not self.online:
            raise HqUnavailable("network", "HQ unreachable", {"code": "connect"})
        m = _ACCESS_PATH.match(path)
        if m and method == "POST":
            assert body is not None and set(body) == {"officer", "reason"}
            found = self.keys.get(m.group(1))
            if found is None:
                raise HqRefused("not_found", "Domicile inconnu de l'unité.", {"code": "not_found"}, status=404)
            key, access, valid_until = found
            return HqResponse(200, {"registration_id": m.group(1), "access": access,
                                    "key": base64.b64encode(key).decode(), "valid_until": valid_until})
        if path == "/api/v1/m/holiday_watch/basemap" and method == "GET":
            if self.basemap is None:
                raise HqRefused("not_found", "Pas de fond de carte.", {"code": "no_basemap"}, status=404)
            return HqResponse(200, {"sha256": hashlib.sha256(self.basemap).hexdigest(), "name": "test",
                                    "size": len(self.basemap), "version": "1"})
        raise HqRefused("not_found", "no such route", {"code": "not_found"}, status=404)

    def download(self, path: str, part: Path, *, if_range: str | None = None,
                 progress: Any = None) -> str | None:
        with self.lock:
            self.calls.append(("DOWNLOAD", path, None))
        if not self.online or self.basemap is None:
            raise HqUnavailable("network", "HQ unreachable", {"code": "connect"})
        data, half = self.basemap, len(self.basemap) // 2
        part.write_bytes(data[:half])
        if progress is not None:
            progress(half, len(data))
        if self.gate is not None:
            self.gate.wait(30)
        with part.open("ab") as fh:
            fh.write(data[half:])
        if progress is not None:
            progress(len(data), len(data))
        return None


def start_host(session: Any, remote: RemoteTransport | None, position: Any = None) -> ModuleHost:
    host = ModuleHost(session, position, builtins=(WATCH,), entry_points=False, remote=remote)
    host.discover()
    host.start()
    return host


def watch_service(host: ModuleHost, clock: Clock | None = None) -> tuple[ModuleContext, WatchService]:
    ctx = host.activate("holiday_watch")
    service = service_for(ctx)
    if clock is not None:
        service._clock = clock
    return ctx, service
