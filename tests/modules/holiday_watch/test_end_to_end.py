"""The holiday watch's whole path, as the issue's "Done when" says it, with real parts: HQ
on loopback (TLS, SQLite) serving a basemap package built from the real OpenStreetMap
extract (a clip of Beausoleil: tiles and road graph) and homes registered at real
buildings of it; an enrolled tablet (SQLCipher vault, replica, sync engine, the real
module host and ``ctx.hq`` over the pinned link).

Online, the tablet pulls the homes and downloads the map; then HQ goes away. Offline,
at the first position of the demo's replayed GPS log, the page (pytest-qt, offscreen)
shows the map with its tiles and the homes around, plans a round on the roads, and logs
a visit with an anomaly and a photo through the form. HQ comes back: one sync sends the
anomaly first, the photo follows, and HQ holds the visit, the photo and the alert —
``neo-hq watch visits ID`` and ``neo-hq watch alerts`` show them."""

from __future__ import annotations

import gc
import json
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QThreadPool
from PySide6.QtGui import QColor, QImage

from neo import i18n
from neo.api import Position, StaticPositionSource
from neo.hq.cli import main as hq_main
from neo.hq.config import HQConfig
from neo.hq.watch.registrations import RegistrationIn
from neo.modules.holiday_watch.module import service_for
from neo.modules.holiday_watch.service import VISITS, haversine_m
from neo.modules.holiday_watch.ui.page import Page
from neo.resources import resource_path
from neo.sync.remote import HqRemote
from tests.hq.watch.basemap_clip import clip_package
from tests.hq.watch.watch_data import registration
from tests.modules.holiday_watch.watch_device import start_host
from tests.modules.lookup.test_end_to_end import RestartableHQ
from tests.sync.conftest import enrol, new_unit

POSTCODE = "06240"


@pytest.fixture(autouse=True)
def _french_and_collector() -> Iterator[None]:
    i18n.set_language("fr")
    was = gc.isenabled()
    gc.disable()
    yield
    QThreadPool.globalInstance().waitForDone(30000)
    i18n.set_language("fr")
    gc.collect()
    if was:
        gc.enable()


def first_fix() -> Position:
    """The first fix of the demo's GPS log (what the replay gives first)."""
    for line in resource_path("gps", "demo-patrol.nmea").read_text(encoding="ascii").splitlines():
        if line.startswith("$GPGGA"):
            f = line.split(",")
            lat = int(f[2][:2]) + float(f[2][2:]) / 60
            lon = int(f[4][:3]) + float(f[4][3:]) / 60
            return Position(lat=lat, lon=lon, accuracy=5.0)
    raise AssertionError("no GGA sentence in the demo log")


def buildings_near(package: Path, fix: Position, count: int) -> list[tuple[float, float, str]]:
    """Addressed buildings of the package, the nearest to ``fix`` first."""
    conn = sqlite3.connect(f"file:{package}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT lat, lon, street FROM neo_addresses WHERE street IS NOT NULL AND street <> ''"
                            ).fetchall()
    finally:
        conn.close()
    rows.sort(key=lambda r: haversine_m(fix.lat, fix.lon, r[0], r[1]))
    out, seen = [], set()
    for lat, lon, street in rows:
        key = (round(lat, 4), round(lon, 4))
        if key not in seen and haversine_m(fix.lat, fix.lon, lat, lon) > 40:
            seen.add(key)
            out.append((lat, lon, street))
        if len(out) == count:
            break
    return out


def jpeg() -> bytes:
    image = QImage(320, 240, QImage.Format.Format_RGB32)
    image.fill(QColor("#6d4c41"))
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "JPG")
    return bytes(data.data())


@pytest.fixture(scope="module")
def package() -> Path:
    return clip_package()


@pytest.fixture
def hq(tmp_path: Path, package: Path) -> Iterator[RestartableHQ]:
    served = tmp_path / "hq" / "served.mbtiles"
    served.parent.mkdir()
    served.write_bytes(package.read_bytes())
    server = RestartableHQ(HQConfig(data_dir=tmp_path / "hq", basemap_path=served))
    server.start()
    yield server
    server.stop()


def test_done_when(qtbot: Any, hq: RestartableHQ, package: Path, tmp_path: Path,
                   capsys: pytest.CaptureFixture[str]) -> None:
    fix = first_fix()
    unit, sns = new_unit(hq, officers=1)
    hq.hq.watch.set_area(unit, [POSTCODE])
    homes = []
    for n, (lat, lon, street) in enumerate(buildings_near(package, fix, 6)):
        data = registration(POSTCODE, today=date.today(), days=10, position={"lat": lat, "lon": lon},
                            address={"line": f"{901 + n} {street}", "postcode": POSTCODE, "city": "Beausoleil"})
        homes.append(str(hq.hq.watch.register(RegistrationIn.model_validate(data), source="api")["id"]))
    device = enrol(hq, tmp_path / "tablet", unit, sns[0])
    gps = StaticPositionSource()
    host = start_host(device.session, HqRemote.for_session(device.session, timeout=10.0), gps)
    page: Page | None = None
    try:
        ctx = host.activate("holiday_watch")
        service = service_for(ctx)
        # online: the homes come with the sync, the map when HQ is reached
        assert device.sync().ok
        assert host.notify_reachable().result(timeout=120) >= 1
        assert service.basemap_path() is not None
        assert sorted(h.id for h in service.homes()) == sorted(homes)

        # offline from here on
        hq.stop()
        gps.set(fix)
        page = Page(ctx)
        page.resize(1280, 660)
        page.show()
        qtbot.waitExposed(page)
        qtbot.waitUntil(lambda: len(page.map.markers) == len(homes) and page.map.package is not None)
        assert page.map.position == fix and not page.basemap_banner.isVisible()
        page.map.load_visible_tiles()
        assert page.map.tiles_idle() and len(page.map.tiles) > 0  # real tiles of the package
        nearest = page.list.rows[0].home_id
        assert min(h.distance_m for h in page.homes) < 1500
        assert page.home(nearest).distance_m == min(h.distance_m for h in page.homes)
        # the round, on the roads, from the patrol's position
        page.list.plan_button.click()
        qtbot.waitUntil(lambda: page.round is not None, timeout=30_000)
        planned = page.round
        assert sorted(planned.stops) == sorted(homes)  # none visited yet: all overdue
        assert planned.length_m > haversine_m(fix.lat, fix.lon, *service.home(planned.stops[0]).payload[
            "position"].values())
        assert [r.home_id for r in page.list.rows] == list(planned.stops)
        # at the first stop: a visit with an anomaly and a photo, through the form
        first = service.home(planned.stops[0])
        gps.set(Position(lat=first.lat, lon=first.lon + 0.0001, accuracy=6.0))
        qtbot.waitUntil(lambda: page.nearby_home is not None)
        stop = page.nearby_home  # the home the patrol stands at (buildings are close in Beausoleil)
        assert haversine_m(first.lat, first.lon, stop.lat, stop.lon) < 30
        page.near_visit.click()
        qtbot.waitUntil(lambda: page.stack.currentWidget() is page.form)
        next(r for r in page.form.rows if r.key == "doors").buttons["anomaly"].click()
        page.form.note.setPlainText("Porte d'entrée forcée, serrure arrachée")
        page.form.add_photo(jpeg(), "image/jpeg")
        page.form.save.click()
        qtbot.waitUntil(lambda: page.stack.currentIndex() == 0)
        (record,) = ctx.sync.collection(VISITS).list()
        visit = record.payload
        assert record.state == "pending" and visit["outcome"] == "anomaly" and len(visit["photos"]) == 1
        assert visit["distance_m"] < 50 and visit["distance_warning"] is False

        # HQ back: the sync sends the anomaly first, then the photo
        hq.start()
        client = device.client()
        client.trace = []
        report = device.sync(client)
        assert report.ok, report.errors
        calls = [(m, p) for m, p, _s, _r in client.trace]
        assert calls.index(("POST", "/api/v1/sync/push")) < next(
            i for i, (m, p) in enumerate(calls) if "/attachments/" in p)
        assert ctx.sync.collection(VISITS).state(visit["id"]) == "acknowledged"
        assert client.download_attachment(visit["photos"][0]) == ctx.sync.collection(VISITS).attachment(
            visit["photos"][0])
        # ...and HQ shows the visit and the alert
        args = ["--data-dir", str(hq.config.data_dir), "--db", hq.config.database_url]
        capsys.readouterr()
        assert hq_main(["watch", "visits", stop.id, "--json", *args]) == 0
        (shown,) = json.loads(capsys.readouterr().out)
        assert shown["outcome"] == "anomaly" and shown["officer"] == sns[0]
        assert hq_main(["watch", "alerts", "--unit", unit, "--json", *args]) == 0
        (alert,) = json.loads(capsys.readouterr().out)
        assert alert["visit_id"] == visit["id"]
        assert hq_main(["watch", "visits", stop.id, *args]) == 0
        assert "Porte d'entrée forcée" in capsys.readouterr().out
    finally:
        if page is not None:  # no refresh may land after the device locks
            page.deleteLater()
            qtbot.wait(20)
        QThreadPool.globalInstance().waitForDone(30000)
        qtbot.wait(20)
        host.stop()
        device.close()
