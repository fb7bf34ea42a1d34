"""The holiday watch's page (pytest-qt, offscreen) on the real service, a real device
session and replica: the basemap missing then downloaded with its progress, homes as
markers and in the list (both sorts), the card with the access details on demand, the
proximity banner, a round drawn in order, and a visit with an anomaly and a photo."""

from __future__ import annotations

import gc
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, Qt, QThreadPool
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from neo import i18n
from neo.api import Position, StaticPositionSource
from neo.host import ModuleHost
from neo.modules.holiday_watch.service import LOCAL_TZ, VISITS
from neo.modules.holiday_watch.ui.page import Page
from tests.modules.holiday_watch.ui.map_fixtures import make_png_package
from tests.modules.holiday_watch.watch_device import (
    ACCESS,
    Clock,
    FakeWatchRemote,
    grid_package,
    install_basemap,
    offset,
    pull,
    registration,
    start_host,
    watch_service,
)


@pytest.fixture(autouse=True)
def _french_and_collector() -> Iterator[None]:
    """French, and Python's collector off during the test (as in the app: never on a worker)."""
    i18n.set_language("fr")
    was = gc.isenabled()
    gc.disable()
    yield
    QThreadPool.globalInstance().waitForDone(30000)
    i18n.set_language("fr")
    gc.collect()
    if was:
        gc.enable()


def jpeg() -> bytes:
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(QColor("#8d6e63"))
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "JPG")
    return bytes(data.data())


@pytest.fixture
def package(tmp_path: Path) -> Path:
    path = tmp_path / "tiles.mbtiles"
    make_png_package(path, range(14, 17))
    return grid_package(path)


@pytest.fixture
def remote() -> FakeWatchRemote:
    return FakeWatchRemote()


@pytest.fixture
def gps() -> StaticPositionSource:
    return StaticPositionSource(Position(lat=offset(0, 0)[0], lon=offset(0, 0)[1], accuracy=6.0, heading=90.0))


@pytest.fixture
def host(session: Any, remote: FakeWatchRemote, gps: StaticPositionSource) -> Iterator[ModuleHost]:
    h = start_host(session, remote, gps)
    yield h
    h.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def watch(host: ModuleHost, clock: Clock) -> tuple[Any, Any]:
    return watch_service(host, clock)


@pytest.fixture
def homes(watch: tuple[Any, Any], clock: Clock, remote: FakeWatchRemote) -> list[dict[str, Any]]:
    ctx, _service = watch
    d = clock.now.astimezone(LOCAL_TZ).date()
    key = secrets.token_bytes(32)
    made = [registration(*offset(x, y), today=d, number=930 + i, key=key)
            for i, (x, y) in enumerate(((60, 0), (300, 200), (600, 500), (150, 650)))]
    pull(ctx, *made)
    for h in made:
        remote.keys[h["id"]] = (key, ACCESS, (d.replace(day=28)).isoformat())
    return made


def make_page(qtbot: Any, ctx: Any, service: Any, size: tuple[int, int] = (1280, 660)) -> Page:
    """The page in a frame carrying the shell's theme, at the size the shell gives it."""
    from neo.ui import theme as themes

    page = Page(ctx, service=service)
    frame = QWidget()
    frame.setStyleSheet(themes.stylesheet("day"))
    box = QVBoxLayout(frame)
    box.setContentsMargins(0, 0, 0, 0)
    box.addWidget(page)
    qtbot.addWidget(frame)
    page.test_frame = frame
    frame.resize(*size)
    frame.show()
    qtbot.waitExposed(frame)
    return page


def test_missing_basemap_is_said_then_downloaded_with_progress(qtbot: Any, watch: tuple[Any, Any],
                                                               remote: FakeWatchRemote, package: Path) -> None:
    ctx, service = watch
    remote.online = False
    page = make_page(qtbot, ctx, service)
    qtbot.waitUntil(lambda: page.basemap_retry.isVisible())
    assert "QG injoignable" in page.basemap_text.text() and page.map.package is None
    # HQ has no basemap yet
    remote.online = True
    page.basemap_retry.click()
    qtbot.waitUntil(lambda: "pas encore de fond de carte" in page.basemap_text.text())
    # HQ serves one: the progress shows while it comes, then the map has its tiles
    remote.basemap = package.read_bytes()
    remote.gate = threading.Event()
    page.basemap_retry.click()
    qtbot.waitUntil(lambda: page.basemap_progress.isVisible() and page.basemap_progress.value() == 500)
    assert "50 %" in page.basemap_text.text() and page.basemap_banner.isVisible()
    remote.gate.set()
    qtbot.waitUntil(lambda: page.map.package is not None)
    assert not page.basemap_banner.isVisible()
    assert page.map.package.path == service.basemap_path()


def test_homes_on_the_map_the_list_and_the_card(qtbot: Any, watch: tuple[Any, Any], homes: list[dict[str, Any]],
                                               package: Path, session: Any) -> None:
    ctx, service = watch
    install_basemap(ctx, package)
    # one visited an hour ago (recent, not due); the others never (overdue)
    service._clock.advance(hours=-1)
    service.save_visit(service.begin_visit(homes[2]["id"]), checklist=dict.fromkeys(
        ("doors", "windows_shutters", "letterbox", "garden", "vehicles"), "ok"))
    service._clock.advance(hours=1)
    page = make_page(qtbot, ctx, service)
    qtbot.waitUntil(lambda: len(page.map.markers) == 4)
    markers = {m.id: m for m in page.map.markers}
    assert (markers[homes[2]["id"]].state, markers[homes[2]["id"]].due) == ("recent", "")
    assert (markers[homes[0]["id"]].state, markers[homes[0]["id"]].due) == ("never", "overdue")
    assert page.map.package is not None and page.map.position is not None
    # the list: by distance, then by time since the last visit
    assert [r.home_id for r in page.list.rows] == [h["id"] for h in (homes[0], homes[1], homes[3], homes[2])]
    page.list.by_age.click()
    assert page.list.rows[-1].home_id == homes[2]["id"]
    assert "1 h" in page.list.rows[-1].meta.text()
    # the proximity banner: the nearest home is 60 m away, never visited
    assert page.near_banner.isVisible() and "jamais visité" in page.near_text.text()
    assert "930 avenue de Verdun" in page.near_text.text()
    # tap the visited home on the map: its card, with its last visit
    page.map.animation_ms = 0
    target = markers[homes[2]["id"]]
    page.map.center_on(target.lat, target.lon, 16)
    centre = QPointF(page.map.width() / 2, page.map.height() / 2)
    qtbot.mouseClick(page.map, Qt.MouseButton.LeftButton, pos=centre.toPoint())
    qtbot.waitUntil(lambda: page.panel.currentWidget() is page.card and page.card.home is not None)
    assert page.card.home.id == homes[2]["id"]
    qtbot.waitUntil(lambda: len(page.card.visits) == 1)

    def card_text() -> str:
        return " ".join(w.text() for w in page.card.findChildren(type(page.near_text)) if w.isVisible())

    qtbot.waitUntil(lambda: "932 avenue de Verdun" in card_text())
    texts = card_text()
    assert "932 avenue de Verdun" in texts and "RAS" in texts and "Télésurveillance Azur" in texts
    assert "AB-123-CD" in texts and ACCESS not in texts
    # access details on demand, with a reason
    page.card.reason.setText("alarme declenchee")
    page.card.access_button.click()
    qtbot.waitUntil(lambda: page.card.access_text.isVisible())
    assert page.card.access_text.text() == ACCESS
    (event,) = session.audit.events(action="holiday_watch.access.revealed")
    assert event.reason == "alarme declenchee"
    page.card.hide_access.click()
    assert not page.card.access_text.isVisible() and page.card.reason.isVisible()
    page.card.back.click()
    assert page.panel.currentWidget() is page.list and page.map._selected is None


def test_plan_a_round_then_log_a_visit_with_an_anomaly_and_a_photo(qtbot: Any, watch: tuple[Any, Any],
                                                                    homes: list[dict[str, Any]], package: Path,
                                                                    gps: StaticPositionSource) -> None:
    ctx, service = watch
    install_basemap(ctx, package)
    page = make_page(qtbot, ctx, service)
    qtbot.waitUntil(lambda: len(page.list.rows) == 4)
    page.list.plan_button.click()
    qtbot.waitUntil(lambda: page.round is not None, timeout=20_000)
    assert sorted(page.round.stops) == sorted(h["id"] for h in homes)
    assert len(page.map._round_stops) == 4 and len(page.map._round_path) >= 5
    # the list in the round's order, numbered
    assert [r.home_id for r in page.list.rows] == list(page.round.stops)
    assert page.list.leave_round.isVisible() and "4 domiciles" in page.list.round_summary.text()
    # at the first stop: "Passage" from the banner
    first = next(h for h in homes if h["id"] == page.round.stops[0])
    gps.set(Position(lat=first["position"]["lat"], lon=first["position"]["lon"] + 0.0003, accuracy=5.0))
    qtbot.waitUntil(lambda: page.nearby_home is not None and page.nearby_home.id == first["id"])
    page.near_visit.click()
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.form)
    assert "m du domicile" in page.form.meta.text() and not page.form.warning.isVisible()
    assert not page.form.anomaly.isChecked()
    row = next(r for r in page.form.rows if r.key == "windows_shutters")
    row.buttons["anomaly"].click()
    assert page.form.anomaly.isChecked()  # an item found wrong makes the visit an anomaly
    page.form.note.setPlainText("Volet du salon forcé")
    assert page.form.add_photo(jpeg(), "image/jpeg")
    page.form.notice.click()
    page.form.save.click()
    qtbot.waitUntil(lambda: page.stack.currentIndex() == 0)
    assert page.toast.isVisible() and "priorité" in page.toast_text.text()
    (visit,) = [r.payload for r in ctx.sync.collection(VISITS).list()]
    assert visit["outcome"] == "anomaly" and visit["checklist"]["windows_shutters"] == "anomaly"
    assert len(visit["photos"]) == 1 and visit["notice_left"] is True and visit["note"] == "Volet du salon forcé"
    qtbot.waitUntil(lambda: {m.id: m.state for m in page.map.markers}[first["id"]] == "recent")
    # leaving the round
    page.list.leave_round.click()
    assert page.round is None and page.map._round_stops == []


def test_touch_targets_and_english(qtbot: Any, watch: tuple[Any, Any], homes: list[dict[str, Any]],
                                  package: Path) -> None:
    ctx, service = watch
    install_basemap(ctx, package)
    page = make_page(qtbot, ctx, service)
    qtbot.waitUntil(lambda: len(page.list.rows) == 4)
    page.open_home(homes[0]["id"])
    for widget in (page, page.card):
        for b in widget.findChildren(QPushButton):
            if b.isVisible():
                assert b.height() >= 48, (b.objectName(), b.text(), b.height())
    page.start_visit(homes[0]["id"])
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.form)
    for b in page.form.findChildren(QPushButton):
        if b.isVisible() and b.objectName() != "PhotoThumb":
            assert b.height() >= 48, (b.objectName(), b.text(), b.height())
    i18n.set_language("en")
    page.retranslate()
    assert page.form.save.text() == "Save the visit"
    assert page.list.plan_button.text() == "Plan the round"
    assert isinstance(page.form, QWidget)
