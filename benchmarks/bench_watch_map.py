"""Frame time of the holiday-watch map at tablet size, offscreen.

``watch.map_frame`` renders the demo area (the demo basemap package, built once by
``make basemap``; a generated package when it cannot be) at 1280x800 with N homes
(default 2,000, at real addresses of the package) coloured by time since the last visit,
a 50-stop round drawn along the road graph, the patrol's position, the scale bar, the
legend and the attribution, over a scripted camera path: pans across Beausoleil and
Cap-d'Ail and fractional zooms from 14 to 18 and back (the frames a drag and a pinch
produce). Each frame is painted into a QImage with the widget's own ``paint`` (what
``paintEvent`` does); the tiles a frame needs are decoded first and not timed, because
in the app they are decoded off the UI thread while a lower zoom stands in (their decode
time is reported apart).

Reported per variant, median and p95 of the wall time of a frame (and of the UI
thread's CPU time, which other processes on the machine do not inflate):

* ``full``: the map as the app shows it (goal: p95 under 16 ms, one frame at 60 Hz);
* ``tiles_only``: the same frames without homes or round (baseline: the floor);
* ``homes_only``: tiles and homes, no round and no legend (what ``graphics_view`` draws);
* ``naive_markers``: tiles, plus every home drawn as its own anti-aliased QPainterPath
  circle (and rings when due), no culling: the obvious way, as a baseline for the
  sprites and the grid index;
* ``graphics_view``: the same tiles and homes as items of a QGraphicsScene rendered by a
  QGraphicsView (items that ignore the view's scale), which the widget could have been
  built on; compare it with ``homes_only``.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

GOAL_MS = 16.0
DEFAULT_MARKERS = 2000
DEFAULT_REPEATS = 3
ROUND_STOPS = 50
WIDTH, HEIGHT = 1280, 800


def _app() -> Any:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


@contextlib.contextmanager
def _package() -> Iterator[tuple[Path, str]]:
    """The demo basemap (path, "demo") or, when it cannot be built, a generated one."""
    try:
        from neo.hq.watch.demo_osm import ensure_demo_basemap

        yield ensure_demo_basemap(say=lambda text: print(f"benchmarks: {text}", file=sys.stderr)), "demo"
        return
    except Exception as exc:  # no network, no osmium: still measure, and say so
        print(f"benchmarks: watch.map_frame: demo basemap unavailable ({exc!r}); generated tiles", file=sys.stderr)
    from tests.modules.holiday_watch.ui.map_fixtures import make_png_package

    with tempfile.TemporaryDirectory() as tmp:
        yield make_png_package(Path(tmp) / "generated.mbtiles", range(12, 19)), "generated"


def _homes(package: Path, n: int, rnd: random.Random) -> list[Any]:
    from neo.modules.holiday_watch.ui.map import Marker

    conn = sqlite3.connect(f"file:{package}?mode=ro", uri=True)
    try:
        try:
            rows = conn.execute("SELECT id, lat, lon, COALESCE(housenumber, ''), COALESCE(street, '') "
                                "FROM neo_addresses WHERE lat BETWEEN 43.715 AND 43.755 "
                                "AND lon BETWEEN 7.395 AND 7.44").fetchall()
        except sqlite3.Error:
            rows = []
    finally:
        conn.close()
    if len(rows) < n:  # a generated package: homes scattered over the area
        rows += [(f"g{i}", rnd.uniform(43.72, 43.75), rnd.uniform(7.40, 7.44), "", "") for i in range(n - len(rows))]
    chosen = rnd.sample(rows, n)
    states = ["recent", "days", "week", "old", "never"]
    return [Marker(id=str(r[0]), lat=float(r[1]), lon=float(r[2]), state=rnd.choice(states),
                   due=rnd.choices(["", "due", "overdue"], weights=[6, 3, 1])[0], label=f"{r[3]} {r[4]}".strip())
            for r in chosen]


def _round(package: Path, homes: list[Any], rnd: random.Random) -> tuple[list[tuple[float, float]], list[str]]:
    """A round over 50 homes planned on the package's road graph (the module's planner),
    its path along the roads; straight lines between the stops if the graph is missing."""
    stops = rnd.sample(homes, ROUND_STOPS)
    try:
        from neo.modules.holiday_watch.routing import RoadGraph, plan

        graph = RoadGraph.from_package(package)
        snaps = [graph.snap(m.lat, m.lon) for m in stops]
        ids = [m.id for m in stops]
        planned = plan(ids[0], ids[1:], graph.matrix(ids, snaps), time_limit_s=2.0, seed=1, solver="heuristic",
                       effort=100)
        where = dict(zip(ids, snaps, strict=True))
        order = [ids[0], *planned.order]
        path: list[tuple[float, float]] = []
        for a, b in itertools.pairwise(order):
            path += graph.path(where[a], where[b])
        return path, order
    except Exception as exc:  # a generated package has no road graph
        print(f"benchmarks: watch.map_frame: no road graph ({exc!r}); straight round", file=sys.stderr)
        return [(m.lat, m.lon) for m in stops], [m.id for m in stops]


def _camera() -> list[tuple[float, float, float]]:
    """(lat, lon, zoom) of each frame: pans at three zooms, then pinches in and out."""
    frames: list[tuple[float, float, float]] = []
    start, end = (43.7425, 7.4250), (43.7240, 7.4060)  # Beausoleil to Cap-d'Ail
    for zoom in (15.0, 16.3, 17.2):
        for i in range(40):
            f = i / 39
            frames.append((start[0] + (end[0] - start[0]) * f, start[1] + (end[1] - start[1]) * f, zoom))
    for i in range(60):  # 14 -> 18 -> 14 around Beausoleil
        f = i / 59
        frames.append((43.741, 7.423, 14.0 + 4.0 * math.sin(math.pi * f)))
    return frames


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class _NaiveMap:
    """Homes as one QPainterPath each, no culling, no sprites (the baseline)."""

    def __init__(self, widget: Any) -> None:
        self.widget = widget

    def paint(self, painter: Any) -> None:
        from PySide6.QtCore import QPointF
        from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen

        from neo.modules.holiday_watch.ui.map.markers import DUE_RING, OVERDUE_RING, marker_radius

        w = self.widget
        proj = w.projection()
        painter.fillRect(proj.viewport, QColor("#ece7de"))
        w._paint_tiles(painter, proj)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        r = marker_radius(w.zoom)
        white = QPen(QColor("#ffffff"), 1.6)
        for m in w.markers:
            c = proj.to_screen(m.lat, m.lon)
            if m.due:
                ring = QPainterPath()
                ring.addEllipse(QPointF(c), r + 2, r + 2)
                painter.strokePath(ring, QPen(QColor(OVERDUE_RING if m.due == "overdue" else DUE_RING), 2.5))
            dot = QPainterPath()
            dot.addEllipse(QPointF(c), r, r)
            painter.fillPath(dot, QBrush(QColor(m.fill)))
            painter.strokePath(dot, white)


class _SceneMap:
    """The same tiles and homes as QGraphicsScene items, rendered by a QGraphicsView."""

    def __init__(self, widget: Any, homes: list[Any]) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QBrush, QColor, QPainter, QPen
        from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem, QGraphicsScene, QGraphicsView

        from neo.modules.holiday_watch.ui.map.markers import DUE_RING, OVERDUE_RING
        from neo.modules.holiday_watch.ui.map.projection import to_world, world_px

        self.widget = widget
        self.scale_ref = world_px(16)  # scene units: pixels at zoom 16
        self.scene = QGraphicsScene()
        self.scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.view = QGraphicsView(self.scene)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        self.view.resize(WIDTH, HEIGHT)
        self.view.show()  # lays the viewport out at its size (never on screen)
        huge = 1e12
        self.scene.setSceneRect(-huge, -huge, 2 * huge, 2 * huge)  # centerOn never clamps
        self.tile_items: dict[tuple[int, int, int], Any] = {}
        r = 8.0
        for m in homes:
            wx, wy = to_world(m.lat, m.lon)
            item = QGraphicsEllipseItem(-r, -r, 2 * r, 2 * r)
            item.setPos(wx * self.scale_ref, wy * self.scale_ref)
            item.setBrush(QBrush(QColor(m.fill)))
            pen = QPen(QColor(OVERDUE_RING if m.due == "overdue" else DUE_RING if m.due else "#ffffff"),
                       2.5 if m.due else 1.6)
            item.setPen(pen)
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            item.setZValue(1)
            self.scene.addItem(item)

    def sync(self) -> None:
        """Match the widget's view: tiles as pixmap items, the view's transform and centre."""
        from PySide6.QtCore import QPointF, Qt
        from PySide6.QtGui import QTransform
        from PySide6.QtWidgets import QGraphicsPixmapItem

        from neo.modules.holiday_watch.ui.map.projection import world_px

        w = self.widget
        for key in w.visible_tiles():
            if key in self.tile_items:
                continue
            pix = w.tiles.get(key)
            if pix is None or not hasattr(pix, "width"):
                continue
            z, x, y = key
            item = QGraphicsPixmapItem(pix)
            k = self.scale_ref / world_px(z)
            item.setTransform(QTransform.fromScale(k, k))
            item.setPos(x * 256 * k, y * 256 * k)
            item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
            self.scene.addItem(item)
            self.tile_items[key] = item
        for (z, _, _), item in self.tile_items.items():
            item.setVisible(z == w.tile_zoom())
        s = world_px(w.zoom) / self.scale_ref
        self.view.setTransform(QTransform.fromScale(s, s))
        self.view.centerOn(QPointF(w._cx * self.scale_ref, w._cy * self.scale_ref))

    def paint(self, painter: Any) -> None:
        from PySide6.QtCore import QRectF

        self.view.render(painter, QRectF(0, 0, WIDTH, HEIGHT), self.view.viewport().rect())


def _measure(widget: Any, paint: Any, frames: list[tuple[float, float, float]], repeats: int,
             before: Any = None) -> dict[str, float]:
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    image = QImage(WIDTH, HEIGHT, QImage.Format.Format_ARGB32_Premultiplied)
    wall: list[float] = []
    cpu: list[float] = []
    for rep in range(repeats + 1):  # the first pass warms up (sprites, glyphs, scene index)
        for lat, lon, zoom in frames:
            QApplication.processEvents()  # between frames the event loop runs: timers, workers' results
            widget.center_on(lat, lon, zoom)
            widget.load_visible_tiles()
            if before is not None:
                before()
            painter = QPainter(image)
            t0, c0 = time.perf_counter(), time.thread_time()
            paint(painter)
            c1, t1 = time.thread_time(), time.perf_counter()
            painter.end()
            if rep:
                wall.append((t1 - t0) * 1000)
                cpu.append((c1 - c0) * 1000)
    return {"median": statistics.median(wall), "p95": _pct(wall, 95), "cpu_median": statistics.median(cpu),
            "cpu_p95": _pct(cpu, 95), "frames": len(wall)}


def _tile_decode_ms(package: Path) -> float:
    from neo.modules.holiday_watch.tiles import MBTiles
    from neo.modules.holiday_watch.ui.map.tile_cache import decode

    times: list[float] = []
    with MBTiles(package, cache_tiles=0) as pkg:
        conn = sqlite3.connect(f"file:{package}?mode=ro", uri=True)
        keys = conn.execute("SELECT zoom_level, tile_column, tile_row FROM tiles WHERE zoom_level = 16 LIMIT 60").fetchall()
        conn.close()
        for z, x, row in keys:
            t0 = time.perf_counter()
            decode(pkg.tile(z, x, (1 << z) - 1 - row))
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times) if times else float("nan")


def map_frame(options: Any) -> Iterator[dict[str, Any]]:
    _app()
    from neo.models import Position
    from neo.modules.holiday_watch.tiles import MBTiles
    from neo.modules.holiday_watch.ui.map import MapWidget

    n = options.n(DEFAULT_MARKERS)
    repeats = options.r(DEFAULT_REPEATS)
    rnd = random.Random(42)
    with _package() as (path, source):
        package = MBTiles(path)
        widget = MapWidget(package)
        try:
            widget.resize(WIDTH, HEIGHT)
            homes = _homes(path, n, rnd)
            points, order = _round(path, homes, rnd)
            frames = _camera()
            context = {"markers": n, "round_stops": ROUND_STOPS, "round_points": len(points), "size": f"{WIDTH}x{HEIGHT}",
                       "tiles": source, "frames_per_pass": len(frames), "repeats": repeats, "statistic": "median/p95"}

            widget.set_position(Position(lat=43.7405, lon=7.4215, accuracy=8.0, heading=250.0))
            results: dict[str, dict[str, float]] = {}
            results["tiles_only"] = _measure(widget, widget.paint, frames, repeats)
            widget.set_markers(homes)
            widget.set_legend_visible(False)
            results["homes_only"] = _measure(widget, widget.paint, frames, repeats)
            widget.set_legend_visible(True)
            widget.set_round(points, order)
            results["full"] = _measure(widget, widget.paint, frames, repeats)
            results["naive_markers"] = _measure(widget, _NaiveMap(widget).paint, frames, repeats)
            scene = _SceneMap(widget, homes)
            results["graphics_view"] = _measure(widget, scene.paint, frames, repeats, before=scene.sync)
            decode_ms = _tile_decode_ms(path)
        finally:
            widget.shutdown()
            widget.deleteLater()
            package.close()

    full = results["full"]
    for variant, r in results.items():
        record: dict[str, Any] = {"metric": f"{variant}.p95", "value": r["p95"], "unit": "ms", "variant": variant,
                                  "median_ms": r["median"], "cpu_median_ms": r["cpu_median"], "cpu_p95_ms": r["cpu_p95"],
                                  "frames": r["frames"], **context}
        if variant == "full":
            record.update(goal=GOAL_MS, meets_goal=r["p95"] < GOAL_MS, baseline=results["tiles_only"]["p95"],
                          cost_over_tiles_ms=r["median"] - results["tiles_only"]["median"])
        else:
            record.update(ratio_to_full=r["median"] / full["median"] if full["median"] else None)
        yield record
    yield {"metric": "full.median", "value": full["median"], "unit": "ms", "goal": GOAL_MS,
           "meets_goal": full["median"] < GOAL_MS, **context}
    yield {"metric": "tile_decode.median", "value": decode_ms, "unit": "ms",
           "note": "one 256x256 PNG tile read and decoded (off the UI thread in the app)", **context}


BENCHMARKS = {"watch.map_frame": map_frame}
