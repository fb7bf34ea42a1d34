"""The patrol map widget (pytest-qt, offscreen), on a small generated tile package."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from neo.api import Position
from neo.modules.holiday_watch.tiles import MBTiles
from neo.modules.holiday_watch.ui.map import MapWidget, Marker, haversine_m, state_for_age
from neo.modules.holiday_watch.ui.map.markers import MarkerIndex
from neo.modules.holiday_watch.ui.map.projection import metres_per_pixel, to_world, world_px
from neo.modules.holiday_watch.ui.map.widget import BACKGROUND, nice_scale, scale_label

from .map_fixtures import EAST, MAXZOOM, MINZOOM, NORTH, SOUTH, WEST, make_png_package

pytestmark = pytest.mark.qt

MIDDLE = (43.735, 7.42)


@pytest.fixture(scope="module")
def package_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_png_package(tmp_path_factory.mktemp("tiles") / "test.mbtiles")


@pytest.fixture
def package(package_path: Path) -> MBTiles:
    pkg = MBTiles(package_path)
    yield pkg
    pkg.close()


@pytest.fixture
def map_widget(qtbot, package: MBTiles) -> MapWidget:
    w = MapWidget(package)
    w.animation_ms = 0
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    w.center_on(*MIDDLE, 15.0)
    yield w
    w.shutdown()


def send_mouse(w: MapWidget, kind: QEvent.Type, pos: QPointF, buttons: Qt.MouseButton = Qt.MouseButton.LeftButton) -> None:
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    held = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else buttons
    event = QMouseEvent(kind, pos, w.mapToGlobal(pos), button, held, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(w, event)


def drag(w: MapWidget, start: QPointF, end: QPointF, steps: int = 8, qtbot=None, pause_ms: int = 0) -> None:
    send_mouse(w, QEvent.Type.MouseButtonPress, start)
    for i in range(1, steps + 1):
        if qtbot is not None and pause_ms:
            qtbot.wait(pause_ms)
        send_mouse(w, QEvent.Type.MouseMove, start + (end - start) * (i / steps))
    send_mouse(w, QEvent.Type.MouseButtonRelease, end)


def wheel(w: MapWidget, pos: QPointF, notches: float) -> None:
    event = QWheelEvent(pos, w.mapToGlobal(pos), QPoint(), QPoint(0, int(120 * notches)), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(w, event)


def render(w: MapWidget) -> QImage:
    image = QImage(w.size(), QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    w.paint(painter)
    painter.end()
    return image


def homes(n: int, seed: int = 7) -> list[Marker]:
    rnd = random.Random(seed)
    return [Marker(id=f"h{i}", lat=rnd.uniform(SOUTH + 0.002, NORTH - 0.002), lon=rnd.uniform(WEST + 0.002, EAST - 0.002),
                   state=rnd.choice(["recent", "days", "week", "old", "never"]), due=rnd.choice(["", "due", "overdue"]),
                   label=f"{i} rue du Test") for i in range(n)]


# -- view ----------------------------------------------------------------------------------


def test_opens_at_the_package_centre_within_its_zoom_levels(qtbot, package: MBTiles) -> None:
    w = MapWidget(package)
    qtbot.addWidget(w)
    assert (w.min_zoom, w.max_zoom) == (MINZOOM, MAXZOOM)
    lat, lon = w.center
    assert lat == pytest.approx(43.735, abs=1e-9)
    assert lon == pytest.approx(7.42, abs=1e-9)
    assert w.zoom == MINZOOM + 1
    w.shutdown()


def test_dragging_moves_the_centre_by_the_drag_distance(map_widget: MapWidget) -> None:
    w = map_widget
    before = to_world(*w.center)
    drag(w, QPointF(600, 400), QPointF(450, 330))  # the map follows the finger: 150 px left, 70 px up
    after = to_world(*w.center)
    scale = world_px(w.zoom)
    assert (after[0] - before[0]) * scale == pytest.approx(150, abs=0.01)
    assert (after[1] - before[1]) * scale == pytest.approx(70, abs=0.01)
    # in metres, at this latitude
    moved = haversine_m(*w.center, *MIDDLE)
    assert moved == pytest.approx(math.hypot(150, 70) * metres_per_pixel(MIDDLE[0], w.zoom), rel=0.01)


def test_wheel_zoom_keeps_the_point_under_the_cursor(map_widget: MapWidget) -> None:
    w = map_widget
    cursor = QPointF(300, 250)
    under = w.projection().to_geo(cursor.x(), cursor.y())
    wheel(w, cursor, 1)
    assert w.zoom == pytest.approx(15.5)
    wheel(w, cursor, 2)
    assert w.zoom == pytest.approx(16.0)  # clamped at the package's deepest zoom
    after = w.projection().to_screen(*under)
    assert after.x() == pytest.approx(cursor.x(), abs=1e-6)
    assert after.y() == pytest.approx(cursor.y(), abs=1e-6)
    wheel(w, cursor, -3)
    assert w.zoom == pytest.approx(14.5)
    after = w.projection().to_screen(*under)
    assert (after.x(), after.y()) == pytest.approx((cursor.x(), cursor.y()), abs=1e-6)


def test_zoom_is_clamped_to_the_package_levels(map_widget: MapWidget) -> None:
    w = map_widget
    w.set_zoom(30)
    assert w.zoom == MAXZOOM
    w.set_zoom(1)
    assert w.zoom == MINZOOM
    for _ in range(20):
        wheel(w, QPointF(640, 400), -1)
    assert w.zoom == MINZOOM
    w.zoom_in_button.click()
    assert w.zoom == MINZOOM + 1
    w.zoom_out_button.click()
    w.zoom_out_button.click()
    assert w.zoom == MINZOOM


def test_the_centre_stays_inside_the_package(map_widget: MapWidget) -> None:
    w = map_widget
    for _ in range(6):
        drag(w, QPointF(100, 100), QPointF(1200, 700))
    lat, lon = w.center
    assert lat == pytest.approx(NORTH, abs=1e-6)
    assert lon == pytest.approx(WEST, abs=1e-6)


def test_double_click_zooms_in_around_the_point(map_widget: MapWidget, qtbot) -> None:
    w = map_widget
    w.animation_ms = 120
    point = QPointF(900, 300)
    under = w.projection().to_geo(point.x(), point.y())
    QTest.mouseDClick(w, Qt.MouseButton.LeftButton, pos=point.toPoint())
    qtbot.waitUntil(lambda: not w.animating)
    assert w.zoom == pytest.approx(16.0)
    after = w.projection().to_screen(*under)
    assert (after.x(), after.y()) == pytest.approx((900, 300), abs=1e-6)


def test_pinch_zooms_around_the_fingers(map_widget: MapWidget, qtbot) -> None:
    w = map_widget
    w.set_zoom(14)
    device = QTest.createTouchDevice()
    a, b = QPoint(500, 400), QPoint(700, 400)
    under = w.projection().to_geo(600, 400)
    QTest.touchEvent(w, device).press(0, a, w).press(1, b, w).commit()
    QTest.touchEvent(w, device).move(0, QPoint(400, 400), w).move(1, QPoint(800, 400), w).commit()
    # fingers twice as far apart: one zoom level more, the middle point stays put
    assert w.zoom == pytest.approx(15.0, abs=1e-6)
    after = w.projection().to_screen(*under)
    assert (after.x(), after.y()) == pytest.approx((600, 400), abs=1e-3)
    QTest.touchEvent(w, device).release(0, QPoint(400, 400), w).release(1, QPoint(800, 400), w).commit()
    assert not w.animating


def test_one_finger_pans_and_a_double_tap_zooms_in(map_widget: MapWidget, qtbot) -> None:
    w = map_widget
    device = QTest.createTouchDevice()
    before = to_world(*w.center)
    QTest.touchEvent(w, device).press(0, QPoint(600, 400), w).commit()
    for x in (580, 540, 500):
        QTest.touchEvent(w, device).move(0, QPoint(x, 400), w).commit()
    qtbot.wait(150)  # the finger rests before lifting: no coasting
    QTest.touchEvent(w, device).release(0, QPoint(500, 400), w).commit()
    after = to_world(*w.center)
    assert (after[0] - before[0]) * world_px(w.zoom) == pytest.approx(100, abs=0.01)
    assert not w.animating
    under = w.projection().to_geo(300, 300)
    for _ in range(2):
        QTest.touchEvent(w, device).press(0, QPoint(300, 300), w).commit()
        QTest.touchEvent(w, device).release(0, QPoint(300, 300), w).commit()
    assert w.zoom == pytest.approx(16.0)
    p = w.projection().to_screen(*under)
    assert (p.x(), p.y()) == pytest.approx((300, 300), abs=1e-6)


def test_a_flick_coasts_then_stops(map_widget: MapWidget, qtbot) -> None:
    w = map_widget
    w.set_zoom(16)
    drag(w, QPointF(800, 400), QPointF(600, 400), steps=6, qtbot=qtbot, pause_ms=10)
    released_at = to_world(*w.center)[0]
    assert w.animating  # coasting
    qtbot.waitUntil(lambda: not w.animating, timeout=5000)
    assert to_world(*w.center)[0] > released_at  # it went on in the flick's direction
    # a drag that stops before the finger lifts does not coast
    send_mouse(w, QEvent.Type.MouseButtonPress, QPointF(800, 400))
    send_mouse(w, QEvent.Type.MouseMove, QPointF(700, 400))
    qtbot.wait(150)
    send_mouse(w, QEvent.Type.MouseButtonRelease, QPointF(700, 400))
    assert not w.animating


def test_fit_bounds_shows_the_whole_box(map_widget: MapWidget) -> None:
    w = map_widget
    w.fit_bounds(43.725, 7.405, 43.745, 7.435)
    assert w.zoom < MAXZOOM
    proj = w.projection()
    for lat, lon in [(43.725, 7.405), (43.745, 7.435)]:
        p = proj.to_screen(lat, lon)
        assert 0 <= p.x() <= w.width() and 0 <= p.y() <= w.height()
    nw, se = proj.to_screen(43.745, 7.405), proj.to_screen(43.725, 7.435)
    assert (se.x() - nw.x() >= w.width() - 2 * 48 - 1) or (se.y() - nw.y() >= w.height() - 2 * 48 - 1)


def test_view_changes_are_signalled(map_widget: MapWidget, qtbot) -> None:
    w = map_widget
    with qtbot.waitSignal(w.viewChanged) as blocker:
        w.center_on(43.73, 7.415, 15.5)
    lat, lon, zoom = blocker.args
    assert (lat, lon, zoom) == pytest.approx((43.73, 7.415, 15.5))


# -- homes ---------------------------------------------------------------------------------


def test_a_tap_on_a_home_emits_its_id(map_widget: MapWidget, qtbot) -> None:
    w = map_widget
    w.set_markers(homes(500))
    target = w.markers[123]
    p = w.projection().to_screen(target.lat, target.lon)
    assert w.marker_at(p.x(), p.y()) == target.id
    with qtbot.waitSignal(w.markerTapped) as blocker:
        QTest.mouseClick(w, Qt.MouseButton.LeftButton, pos=(p + QPointF(3, -2)).toPoint())
    assert blocker.args == [target.id]


def test_a_tap_on_empty_map_or_a_drag_emits_nothing(map_widget: MapWidget, qtbot) -> None:
    w = map_widget
    w.set_markers([Marker(id="only", lat=MIDDLE[0], lon=MIDDLE[1])])
    p = w.projection().to_screen(*MIDDLE)
    with qtbot.assertNotEmitted(w.markerTapped):
        QTest.mouseClick(w, Qt.MouseButton.LeftButton, pos=(p + QPointF(60, 0)).toPoint())
        drag(w, p, p + QPointF(80, 0))


def test_hit_testing_agrees_with_a_linear_scan() -> None:
    markers = homes(2000, seed=3)
    index = MarkerIndex(markers)
    rnd = random.Random(5)
    for zoom in (13.0, 14.6, 16.0, 18.2):
        radius = 24 / world_px(zoom)
        for _ in range(200):
            mx, my = to_world(rnd.uniform(SOUTH, NORTH), rnd.uniform(WEST, EAST))
            found = index.nearest(mx, my, radius, zoom)
            dists = [((index.wx[i] - mx) ** 2 + (index.wy[i] - my) ** 2, i) for i in range(len(markers))]
            best_d2 = min(dists)[0]
            if best_d2 <= radius * radius:
                assert found is not None
                assert (index.wx[found] - mx) ** 2 + (index.wy[found] - my) ** 2 == pytest.approx(best_d2)
            else:
                assert found is None
        left, top = to_world(43.74, 7.41)
        right, bottom = to_world(43.73, 7.43)
        inside = sorted(index.in_rect(left, top, right, bottom, zoom))
        assert inside == [i for i in range(len(markers))
                          if left <= index.wx[i] <= right and top <= index.wy[i] <= bottom]


def test_markers_are_validated() -> None:
    with pytest.raises(ValueError, match="state"):
        Marker(id="a", lat=43.7, lon=7.4, state="blue")
    with pytest.raises(ValueError, match="due"):
        Marker(id="a", lat=43.7, lon=7.4, due="late")
    with pytest.raises(ValueError, match="range"):
        Marker(id="a", lat=143.7, lon=7.4)
    with pytest.raises(ValueError, match="colour"):
        Marker(id="a", lat=43.7, lon=7.4, color="not-a-colour")
    with pytest.raises(ValueError, match="share"):
        MarkerIndex([Marker(id="a", lat=43.7, lon=7.4), Marker(id="a", lat=43.71, lon=7.4)])


def test_state_for_age_buckets() -> None:
    assert [state_for_age(h) for h in (None, 0, 23.9, 24, 71, 72, 167, 168, 1000)] == [
        "never", "recent", "recent", "days", "days", "week", "week", "old", "old"]


def test_homes_are_drawn_in_their_state_colour(map_widget: MapWidget) -> None:
    w = map_widget
    w.set_legend_visible(False)
    w.set_markers([Marker(id="a", lat=MIDDLE[0], lon=MIDDLE[1], state="old"),
                   Marker(id="b", lat=43.737, lon=7.425, state="recent", color="#ff00ff")])
    image = render(w)
    for marker, colour in ((w.markers[0], QColor("#c62828")), (w.markers[1], QColor("#ff00ff"))):
        p = w.projection().to_screen(marker.lat, marker.lon)
        assert image.pixelColor(p.toPoint()).name() == colour.name()


def test_round_numbers_its_stops(map_widget: MapWidget) -> None:
    w = map_widget
    w.set_markers(homes(5))
    ids = [m.id for m in w.markers]
    w.set_round([(m.lat, m.lon) for m in w.markers], ids)
    assert len(w._round_stops) == 5
    image = render(w)
    a, b = w.markers[0], w.markers[1]
    mid = w.projection().to_screen((a.lat + b.lat) / 2, (a.lon + b.lon) / 2)
    assert image.pixelColor(mid.toPoint()).name() == "#1565c0"  # on the path
    with pytest.raises(ValueError, match="no marker"):
        w.set_round([], ["nobody"])


# -- the patrol --------------------------------------------------------------------------


def test_follow_me_recentres_and_a_drag_leaves_it(map_widget: MapWidget, qtbot) -> None:
    w = map_widget
    assert not w.follow_button.isVisible()
    w.set_position(Position(lat=43.731, lon=7.418, accuracy=12, heading=90))
    assert w.follow_button.isVisible()
    with qtbot.waitSignal(w.followChanged) as blocker:
        w.follow_button.click()
    assert blocker.args == [True]
    assert w.center == pytest.approx((43.731, 7.418))
    w.set_position(Position(lat=43.733, lon=7.421, accuracy=10, heading=45))
    assert w.center == pytest.approx((43.733, 7.421))
    wheel(w, QPointF(100, 100), 1)  # zooming keeps following: around the patrol, not the cursor
    assert w.following
    assert w.center == pytest.approx((43.733, 7.421))
    with qtbot.waitSignal(w.followChanged) as blocker:
        drag(w, QPointF(600, 400), QPointF(500, 400))
    assert blocker.args == [False]
    assert not w.follow_button.isChecked()
    w.set_position(Position(lat=43.734, lon=7.422, accuracy=10))
    assert w.center != pytest.approx((43.734, 7.422))
    w.follow_button.click()  # back in follow mode
    assert w.following
    assert w.center == pytest.approx((43.734, 7.422))


def test_position_is_drawn_with_its_accuracy_circle(map_widget: MapWidget) -> None:
    w = map_widget
    w.set_legend_visible(False)
    w.set_zoom(16)
    w.set_position(Position(lat=MIDDLE[0], lon=MIDDLE[1], accuracy=50, heading=0))
    image = render(w)
    c = w.projection().to_screen(*MIDDLE)
    assert image.pixelColor(c.toPoint()).name() == "#1e88e5"
    r = 50 / metres_per_pixel(MIDDLE[0], 16)
    inside = image.pixelColor(QPoint(round(c.x() + r * 0.7), round(c.y())))
    outside = image.pixelColor(QPoint(round(c.x() + r * 1.3), round(c.y())))
    assert inside.blue() > inside.red()  # tinted blue by the circle
    assert inside != outside
    # heading north: a blue beam above the dot, none below it
    ahead = image.pixelColor(QPoint(round(c.x()), round(c.y() - 20)))
    behind = image.pixelColor(QPoint(round(c.x()), round(c.y() + 20)))
    assert ahead.blue() - ahead.red() > behind.blue() - behind.red() + 30


# -- scale bar, attribution, tiles, layers -----------------------------------------------------


@pytest.mark.parametrize("lat", [0.0, 43.735, 60.0])
def test_scale_bar_is_right_at_the_latitude(qtbot, lat: float) -> None:
    w = MapWidget(None)
    qtbot.addWidget(w)
    w.resize(800, 600)
    w.center_on(lat, 7.42, 15)
    metres, px = w.scale_bar()
    assert str(int(metres))[0] in "125" and set(str(int(metres))[1:]) <= {"0"}
    assert px <= 130
    # measure the bar on the ground: the two ends' geographic distance
    proj = w.projection()
    a = proj.to_geo(400 - px / 2, 300)
    b = proj.to_geo(400 + px / 2, 300)
    assert haversine_m(*a, *b) == pytest.approx(metres, rel=0.002)
    w.shutdown()


def test_scale_labels() -> None:
    assert nice_scale(1.0) == (100.0, 100.0)
    assert nice_scale(10.0)[0] == 1000.0
    assert nice_scale(0.5) == (50.0, 100.0)
    assert scale_label(200) == "200 m"
    assert scale_label(2000) == "2 km"


def test_attribution_is_always_painted(map_widget: MapWidget, qtbot) -> None:
    w = map_widget
    assert w.attribution == "© OpenStreetMap contributors"
    for size in ((1280, 800), (480, 640)):
        w.resize(*size)
        rect = w.attribution_rect()
        assert w.rect().contains(rect)
        assert rect.bottom() == w.height() - 1 and rect.right() == w.width() - 1
        image = render(w)
        dark = sum(1 for x in range(rect.left(), rect.right()) for y in range(rect.top(), rect.bottom())
                   if image.pixelColor(x, y).lightness() < 110)
        assert dark > 40  # text was drawn in the box
        grab = w.grab().toImage()  # and nothing draws over it, the buttons included
        assert grab.pixelColor(rect.left() + 2, rect.top() + 2).lightness() > 200


def test_tiles_load_off_the_ui_thread_and_lower_zoom_stands_in(package: MBTiles, qtbot) -> None:
    w = MapWidget(package)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.center_on(*MIDDLE, 14)
    assert not w.visible_tiles() or all(w.tiles.get(k) is None for k in w.visible_tiles())
    render(w)  # asks for the tiles; the workers decode them
    qtbot.waitUntil(w.tiles_idle, timeout=10000)
    assert all(w.tiles.get(k) is not None for k in w.visible_tiles())
    # zoom in: before the level-15 tiles arrive, the level-14 ones are drawn scaled
    w.set_zoom(15)
    needed = w.visible_tiles()
    assert all(w.tiles.get(k) is None for k in needed)
    image = render(w)
    c = image.pixelColor(640, 400)
    assert c != BACKGROUND
    qtbot.waitUntil(w.tiles_idle, timeout=10000)
    assert all(w.tiles.get(k) is not None for k in needed)
    w.shutdown()


def test_missing_tiles_leave_the_background(qtbot, tmp_path: Path) -> None:
    path = make_png_package(tmp_path / "one.mbtiles", zooms=range(14, 15))
    with MBTiles(path) as pkg:
        w = MapWidget(pkg)
        qtbot.addWidget(w)
        w.resize(400, 300)
        w.center_on(NORTH, WEST, 14)  # the package's corner: half the view has no tiles
        assert w.load_visible_tiles() > 0
        image = render(w)
        assert image.pixelColor(5, 5) == BACKGROUND
        w.shutdown()


def test_contributed_layers_are_drawn_and_a_failing_one_is_skipped(map_widget: MapWidget) -> None:
    w = map_widget
    seen = []

    class Dot:
        def paint(self, painter: QPainter, projection) -> None:
            seen.append(projection.zoom)
            p = projection.to_screen(*MIDDLE)
            painter.fillRect(int(p.x()) - 5, int(p.y()) - 5, 10, 10, QColor("#00ff00"))

    class Broken:
        above_markers = True

        def paint(self, painter: QPainter, projection) -> None:
            raise RuntimeError("boom")

    w.set_layers([Broken(), Dot()])
    image = render(w)
    p = w.projection().to_screen(*MIDDLE)
    assert image.pixelColor(p.toPoint()).name() == "#00ff00"
    render(w)
    assert seen == [15.0, 15.0]
    assert len(w._broken_layers) == 1


def test_contributed_layers_from_the_extension_point() -> None:
    from neo.modules.holiday_watch.ui.map import contributed_layers

    class Layer:
        def paint(self, painter, projection) -> None:
            pass

    class Contribution:
        def __init__(self, value) -> None:
            self.value = value

    class Ctx:
        def contributions(self, point: str):
            assert point == "map.layer"
            return [Contribution(Layer()), Contribution("not a layer")]

    layers = contributed_layers(Ctx())
    assert len(layers) == 1 and isinstance(layers[0], Layer)
