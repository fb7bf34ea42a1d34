"""The offline patrol map: raster tiles from an MBTiles package, homes, the round, the patrol.

A plain ``QWidget`` that paints everything itself: no web engine, and no QGraphicsView
(the same tiles and 2,000 homes as scene items cost more per frame than this widget's
pre-drawn sprites found through a grid, above all at the 95th percentile: see
``benchmarks/bench_watch_map.py`` and docs/holiday-watch.md). Per frame, in order:

1. tiles of the integer zoom nearest the view's (fractional) zoom, scaled; a tile not
   decoded yet is replaced by the part of a lower-zoom tile already in memory (or the
   four tiles of the next zoom), so zooming never shows holes while tiles load
   off the UI thread (:mod:`.tile_cache`);
2. the round: an image of it drawn at one zoom, moved by pans and scaled by zooms,
   drawn again on a worker when needed (stroking the whole path every frame is too slow);
3. contributed layers (``map.layer``, see :mod:`.layers`) below the homes;
4. the homes: pre-drawn sprites (colour by time since the last visit, ring when due or
   overdue) for the markers a grid index finds in the view, labels when few are shown;
5. the round's numbered stops, the patrol's position (accuracy circle, a beam for the
   heading), layers marked ``above_markers``;
6. the scale bar, the legend, and the attribution "© OpenStreetMap contributors",
   always visible.

Gestures: drag to pan (with inertia after a flick), wheel zoom around the cursor, pinch
(touch events, two fingers: zoom around their middle and pan with them), double-click or
double-tap to zoom in, a tap on a home emits ``markerTapped(id)``. Zoom is fractional
and clamped to the package's zoom levels; the centre stays inside its bounds.

Follow-me: while on, each new position recentres the map; panning by hand leaves it
(``followChanged(False)``), and the "Me suivre" button re-enters it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt, QThreadPool, QTimer, QVariantAnimation, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
    QPolygonF,
    QRadialGradient,
    QResizeEvent,
    QTouchEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from neo.modules.holiday_watch.tiles import DEFAULT_ATTRIBUTION, MBTiles
from neo.modules.holiday_watch.ui.map.markers import (
    STATE_COLOURS,
    Marker,
    MarkerIndex,
    MarkerSprites,
    marker_radius,
)
from neo.modules.holiday_watch.ui.map.projection import (
    TILE_SIZE,
    MapProjection,
    metres_per_pixel,
    to_geo,
    to_world,
    world_px,
)
from neo.modules.holiday_watch.ui.map.tile_cache import MISSING, TileCache, TileKey

log = logging.getLogger(__name__)

Translate = Callable[..., str]
DEFAULT_ZOOM_RANGE = (2, 19)  # without a package
WHEEL_STEP = 0.5  # zoom levels per wheel notch
TAP_RADIUS_PX = 24.0  # a finger is not a mouse pointer
DOUBLE_TAP_PX = 40.0
FLICK_MIN_SPEED = 60.0  # px/s below which a release does not coast
FLICK_MAX_SPEED = 6000.0
FRICTION_TAU_S = 0.32  # the speed falls by e every 0.32 s
FRAME_MS = 16
LABEL_MIN_ZOOM = 17.0
LABEL_MAX_COUNT = 60
REF_ZOOM = 16  # polylines are kept in pixels at this zoom and scaled by the painter
BACKGROUND = QColor("#ece7de")
ROUND_COLOUR = QColor("#1565c0")
ROUND_CHUNK = 24  # points per piece of the round's path
ROUND_MARGIN = 256  # the round's image reaches this far beyond the view, so short pans only move it
ROUND_SETTLE_MS = 150  # after a zoom, the round is drawn again at the new scale once the zoom rests
ROUND_STOP = QColor("#0d47a1")
POSITION_COLOUR = QColor("#1e88e5")
HEADING_BEAM_PX = 46.0
BADGE_R = 10.0  # the round's numbered stops
SCALE_STEPS = (1, 2, 5)
SCALE_MAX_PX = 130


def _identity_tr(text: str, **kwargs: object) -> str:
    return text.format(**kwargs) if kwargs else text


def nice_scale(metres_per_px: float, max_px: float = SCALE_MAX_PX) -> tuple[float, float]:
    """The longest round distance (1, 2 or 5 times a power of ten metres) that fits in
    ``max_px``: (metres, pixels)."""
    if metres_per_px <= 0 or not math.isfinite(metres_per_px):
        return 0.0, 0.0
    limit = metres_per_px * max_px
    power = 10 ** math.floor(math.log10(limit))
    best = power
    for step in SCALE_STEPS:
        if step * power <= limit:
            best = step * power
    return float(best), best / metres_per_px


def scale_label(metres: float) -> str:
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


class _RoundSlot:
    """The hand-over between the map and the worker drawing the round's image (plain
    Python under a lock: the worker never holds a reference to a widget)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy = False
        self._done: tuple[int, tuple[QImage, float, float, float]] | None = None
        self._generation = 0

    def next_generation(self) -> None:
        """The round or the size changed: whatever is being drawn is of no use."""
        with self._lock:
            self._generation += 1
            self._done = None

    def claim(self) -> int | None:
        """Reserve the worker; None if it is busy."""
        with self._lock:
            if self._busy:
                return None
            self._busy = True
            return self._generation

    def finish(self, generation: int, result: tuple[QImage, float, float, float] | None) -> None:
        with self._lock:
            self._busy = False
            if result is not None and generation == self._generation:
                self._done = (generation, result)

    def take(self) -> tuple[QImage, float, float, float] | None:
        with self._lock:
            done, self._done = self._done, None
            if done is None or done[0] != self._generation:
                return None
            return done[1]

    def state(self) -> tuple[bool, bool]:
        """(a result is waiting, the worker is busy)."""
        with self._lock:
            return self._done is not None, self._busy


def render_round(pieces: list[QPolygonF], size: QSize, dpr: float) -> QImage:
    """The round's pieces (already in the image's pixels) stroked into a transparent image
    (safe on any thread: QImage, not QPixmap). Pieces join under round caps, in opaque
    colours, so the seams never show; one long polyline would be stroked as a single
    outline, which costs far more where the path crosses itself."""
    image = QImage(round(size.width() * dpr), round(size.height() * dpr), QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(dpr)
    image.fill(Qt.GlobalColor.transparent)
    if not pieces:
        return image
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    pen = QPen(QColor("#ffffff"), 9.0)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.BevelJoin)  # round joins cost twice as much, unseen at 5 px
    for colour, width in ((QColor("#ffffff"), 9.0), (ROUND_COLOUR, 5.0)):
        pen.setColor(colour)
        pen.setWidthF(width)
        painter.setPen(pen)
        for poly in pieces:
            painter.drawPolyline(poly)
    painter.end()
    return image


class MapWidget(QWidget):
    """The map. ``package`` may be None (homes and round on a plain background)."""

    markerTapped = Signal(str)  # noqa: N815 - Qt signal naming
    viewChanged = Signal(float, float, float)  # noqa: N815 - lat, lon, zoom of the centre
    followChanged = Signal(bool)  # noqa: N815

    def __init__(self, package: MBTiles | None = None, parent: QWidget | None = None, *,
                 tr: Translate | None = None, tile_threads: int = 2) -> None:
        super().__init__(parent)
        self.setObjectName("WatchMap")
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._tr: Translate = tr or _identity_tr
        self.tiles = TileCache(threads=tile_threads)
        self.package: MBTiles | None = None
        self.min_zoom, self.max_zoom = DEFAULT_ZOOM_RANGE
        self._bounds_world: tuple[float, float, float, float] | None = None  # left, top, right, bottom
        self._tile_range: tuple[int, int] = DEFAULT_ZOOM_RANGE
        self.attribution = DEFAULT_ATTRIBUTION
        self._cx, self._cy = to_world(43.74, 7.42)
        self._zoom = 15.0
        self.animation_ms = 220
        self.legend_visible = True
        self.last_paint_ms = 0.0

        self._markers = MarkerIndex([])
        self._marker_keys: list[tuple[str, str]] = []
        self._selected: str | None = None
        self.sprites = MarkerSprites(max(1.0, self.devicePixelRatioF()))
        self._round_path: list[tuple[float, float]] = []  # in pixels at REF_ZOOM
        self._round_chunks: dict[int, list[tuple[QPolygonF, tuple[float, float, float, float]]]] = {}
        # the round drawn once into an image bigger than the view: (image, zoom, world x, world y of its corner)
        self._round_image: tuple[QImage, float, float, float] | None = None
        self._round_redraw = QTimer(self)
        self._round_redraw.setSingleShot(True)
        self._round_redraw.setInterval(ROUND_SETTLE_MS)
        self._round_redraw.timeout.connect(self._round_settled)
        self._round_pool = QThreadPool()
        self._round_pool.setMaxThreadCount(1)
        self._badges: dict[int, QPixmap] = {}
        self._overlays: dict[str, tuple[Any, QPixmap]] = {}  # legend, attribution: drawn once per text
        self._round_slot = _RoundSlot()  # shared with the worker (never the widget itself)
        self._round_stops: list[tuple[float, float]] = []
        self._position: Any = None
        self._follow = False
        self._layers: list[Any] = []
        self._broken_layers: set[int] = set()

        # gestures
        self._press: QPointF | None = None
        self._last: QPointF | None = None
        self._dragging = False
        self._samples: deque[tuple[float, QPointF]] = deque(maxlen=8)
        self._velocity = QPointF()
        self._last_tick = 0.0
        self._pinch: tuple[float, float, float, float] | None = None  # zoom0, dist0, anchor wx, wy
        self._touch_single = False
        self._last_tap: tuple[float, QPointF] | None = None
        self._pending_fit: tuple[float, float, float, float, int] | None = None

        self._inertia = QTimer(self)
        self._inertia.setInterval(FRAME_MS)
        self._inertia.timeout.connect(self._coast)
        self._poll = QTimer(self)
        self._poll.setInterval(FRAME_MS)
        self._poll.timeout.connect(self._collect_tiles)
        self._anim = QVariantAnimation(self)
        self._anim.valueChanged.connect(self._animate_zoom)
        self._anim_anchor = QPointF()

        self._build_buttons()
        self.set_package(package)

    # -- buttons ----------------------------------------------------------------------
    def _build_buttons(self) -> None:
        box = QWidget(self)
        box.setObjectName("WatchMapButtons")
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        style = ("QToolButton { background: rgba(255,255,255,235); color: #1a1a1a; border: 1px solid #9e9e9e;"
                 " border-radius: 8px; font-size: 22px; font-weight: 600; padding: 0 10px; }"
                 " QToolButton:checked { background: #1e88e5; color: white; border-color: #1565c0; }")
        self.zoom_in_button = QToolButton(box)
        self.zoom_in_button.setText("+")
        self.zoom_out_button = QToolButton(box)
        self.zoom_out_button.setText("\u2212")
        self.follow_button = QToolButton(box)
        self.follow_button.setCheckable(True)
        self.follow_button.setObjectName("WatchMapFollow")
        for b in (self.zoom_in_button, self.zoom_out_button, self.follow_button):
            b.setStyleSheet(style)
            b.setMinimumSize(QSize(52, 52))
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            column.addWidget(b)
        self.follow_button.setStyleSheet(style.replace("font-size: 22px", "font-size: 16px"))
        self.zoom_in_button.clicked.connect(lambda: self._zoom_step(1.0))
        self.zoom_out_button.clicked.connect(lambda: self._zoom_step(-1.0))
        self.follow_button.clicked.connect(lambda checked: self.set_follow(bool(checked)))
        self._buttons = box
        self.follow_button.hide()
        self.retranslate()

    def retranslate(self) -> None:
        tr = self._tr
        self.zoom_in_button.setToolTip(tr("Zoom avant"))
        self.zoom_out_button.setToolTip(tr("Zoom arrière"))
        self.follow_button.setText(tr("Me suivre"))
        self.follow_button.setToolTip(tr("Centrer la carte sur la patrouille et la suivre"))
        self._place_buttons()
        self.update()

    def _place_buttons(self) -> None:
        self._buttons.adjustSize()
        size = self._buttons.sizeHint()
        self._buttons.setGeometry(self.width() - size.width() - 12, 12, size.width(), size.height())

    def _zoom_step(self, delta: float) -> None:
        self.animate_zoom_at(QPointF(self.width() / 2, self.height() / 2), round(self._zoom) + delta)

    # -- the package --------------------------------------------------------------------
    def set_package(self, package: MBTiles | None) -> None:
        """Show the tiles of ``package`` (the caller keeps it open while the map lives)."""
        self.package = package
        self.tiles.set_package(package)
        if package is None:
            self.min_zoom, self.max_zoom = DEFAULT_ZOOM_RANGE
            self._bounds_world = None
            self.attribution = DEFAULT_ATTRIBUTION
        else:
            self.min_zoom, self.max_zoom = package.minzoom, package.maxzoom
            self._tile_range = (package.minzoom, package.maxzoom)
            b = package.bounds
            left, top = to_world(b.north, b.west)
            right, bottom = to_world(b.south, b.east)
            self._bounds_world = (left, top, right, bottom)
            self.attribution = package.attribution
            if DEFAULT_ATTRIBUTION not in self.attribution:
                self.attribution = f"{self.attribution} · {DEFAULT_ATTRIBUTION}"
            lat, lon, zoom = package.center
            self.center_on(lat, lon, zoom)
            return
        self._set_view(self._cx, self._cy, self._zoom)

    # -- view -----------------------------------------------------------------------------
    @property
    def zoom(self) -> float:
        return self._zoom

    @property
    def center(self) -> tuple[float, float]:
        """(lat, lon) of the middle of the map."""
        return to_geo(self._cx, self._cy)

    def projection(self) -> MapProjection:
        return MapProjection(self._cx, self._cy, self._zoom, max(1, self.width()), max(1, self.height()))

    def _set_view(self, cx: float, cy: float, zoom: float) -> None:
        zoom = min(max(zoom, float(self.min_zoom)), float(self.max_zoom))
        if self._bounds_world is not None:
            left, top, right, bottom = self._bounds_world
            cx, cy = min(max(cx, left), right), min(max(cy, top), bottom)
        else:
            cx, cy = min(max(cx, 0.0), 1.0), min(max(cy, 0.0), 1.0)
        if (cx, cy, zoom) == (self._cx, self._cy, self._zoom):
            return
        self._cx, self._cy, self._zoom = cx, cy, zoom
        self.update()
        lat, lon = to_geo(cx, cy)
        self.viewChanged.emit(lat, lon, zoom)

    def center_on(self, lat: float, lon: float, zoom: float | None = None) -> None:
        cx, cy = to_world(lat, lon)
        self._set_view(cx, cy, self._zoom if zoom is None else float(zoom))

    def set_zoom(self, zoom: float) -> None:
        self._set_view(self._cx, self._cy, float(zoom))

    def zoom_at(self, pos: QPointF, zoom: float) -> None:
        """Zoom to ``zoom`` keeping the map point under ``pos`` (widget pixels) where it is."""
        proj = self.projection()
        wx, wy = proj.screen_to_world(pos.x(), pos.y())
        zoom = min(max(zoom, float(self.min_zoom)), float(self.max_zoom))
        s = world_px(zoom)
        self._set_view(wx - (pos.x() - proj.width / 2) / s, wy - (pos.y() - proj.height / 2) / s, zoom)

    def animate_zoom_at(self, pos: QPointF, zoom: float) -> None:
        zoom = min(max(zoom, float(self.min_zoom)), float(self.max_zoom))
        if self._follow and self._position is not None:
            pos = self.projection().to_screen(self._position.lat, self._position.lon)
        self._anim.stop()
        if self.animation_ms <= 0:
            self.zoom_at(pos, zoom)
            return
        self._anim_anchor = QPointF(pos)
        self._anim.setDuration(self.animation_ms)
        self._anim.setStartValue(float(self._zoom))
        self._anim.setEndValue(float(zoom))
        self._anim.start()

    def _animate_zoom(self, value: Any) -> None:
        self.zoom_at(self._anim_anchor, float(value))

    @property
    def animating(self) -> bool:
        return self._anim.state() == QVariantAnimation.State.Running or self._inertia.isActive()

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the map content by (dx, dy) pixels (a drag to the right moves it right)."""
        s = world_px(self._zoom)
        self._set_view(self._cx - dx / s, self._cy - dy / s, self._zoom)

    def fit_bounds(self, south: float, west: float, north: float, east: float, *, padding: int = 48) -> None:
        """Show the whole box (degrees), as close as the zoom limits allow."""
        if south > north or west > east:
            raise ValueError("fit_bounds: south <= north and west <= east")
        if self.width() < 2 * padding + 16 or self.height() < 2 * padding + 16:
            self._pending_fit = (south, west, north, east, padding)  # applied at the first real size
        left, top = to_world(north, west)
        right, bottom = to_world(south, east)
        w, h = max(16, self.width() - 2 * padding), max(16, self.height() - 2 * padding)
        dx, dy = max(right - left, 1e-12), max(bottom - top, 1e-12)
        zoom = math.log2(min(w / (dx * TILE_SIZE), h / (dy * TILE_SIZE)))
        self._set_view((left + right) / 2, (top + bottom) / 2, zoom)

    def fit_points(self, points: Iterable[tuple[float, float]], *, padding: int = 48) -> None:
        pts = list(points)
        if not pts:
            return
        lats, lons = [p[0] for p in pts], [p[1] for p in pts]
        self.fit_bounds(min(lats), min(lons), max(lats), max(lons), padding=padding)

    # -- content --------------------------------------------------------------------------
    def set_markers(self, markers: Sequence[Marker]) -> None:
        """Replace the homes. Overdue ones are drawn last (on top), then due ones."""
        rank = {"": 0, "due": 1, "overdue": 2}
        ordered = sorted(markers, key=lambda m: rank[m.due])
        self._markers = MarkerIndex(ordered)
        self._marker_keys = [(m.fill, m.due) for m in ordered]
        if self._selected is not None and self._selected not in self._markers.by_id:
            self._selected = None
        self.update()

    @property
    def markers(self) -> list[Marker]:
        return list(self._markers.markers)

    def set_selected(self, marker_id: str | None) -> None:
        """Highlight one home (the one whose card is open), or none."""
        self._selected = marker_id if marker_id in self._markers.by_id else None
        self.update()

    def set_round(self, points: Sequence[tuple[float, float]],
                  order: Sequence[str | tuple[float, float]] = ()) -> None:
        """The round: ``points`` the driven path as (lat, lon), ``order`` its stops in
        order, each a marker id or a (lat, lon); they are numbered from 1."""
        ref = world_px(REF_ZOOM)
        world = [(x * ref, y * ref) for x, y in (to_world(float(lat), float(lon)) for lat, lon in points)]
        stops: list[tuple[float, float]] = []
        for stop in order:
            if isinstance(stop, str):
                i = self._markers.by_id.get(stop)
                if i is None:
                    raise ValueError(f"set_round: no marker {stop!r}")
                stops.append((self._markers.wx[i], self._markers.wy[i]))
            else:
                stops.append(to_world(float(stop[0]), float(stop[1])))
        self._round_path, self._round_stops = world, stops
        self._round_chunks.clear()
        self._round_image = None
        self._round_slot.next_generation()
        self.update()

    def clear_round(self) -> None:
        self.set_round([], [])

    def set_position(self, position: Any) -> None:
        """The patrol's fix (``neo.api.Position``: lat, lon, accuracy, heading) or None."""
        self._position = position
        self.follow_button.setVisible(position is not None)
        self._place_buttons()
        if position is not None and self._follow:
            self.center_on(position.lat, position.lon)
        self.update()

    @property
    def position(self) -> Any:
        return self._position

    @property
    def following(self) -> bool:
        return self._follow

    def set_follow(self, on: bool) -> None:
        on = bool(on)
        changed = on != self._follow
        self._follow = on
        self.follow_button.setChecked(on)
        if on:
            self._stop_motion()
            if self._position is not None:
                self.center_on(self._position.lat, self._position.lon)
        if changed:
            self.followChanged.emit(on)

    def set_layers(self, layers: Iterable[Any]) -> None:
        """Layers drawn with the map (see :mod:`.layers`)."""
        self._layers = list(layers)
        self._broken_layers.clear()
        self.update()

    def set_legend_visible(self, visible: bool) -> None:
        self.legend_visible = bool(visible)
        self.update()

    # -- hit testing ----------------------------------------------------------------------
    def marker_at(self, x: float, y: float, radius_px: float = TAP_RADIUS_PX) -> str | None:
        """The id of the home under a widget pixel (within a finger's radius), or None."""
        if not len(self._markers):
            return None
        proj = self.projection()
        wx, wy = proj.screen_to_world(x, y)
        i = self._markers.nearest(wx, wy, radius_px / proj.scale, self._zoom)
        return None if i is None else self._markers.markers[i].id

    # -- tiles ----------------------------------------------------------------------------
    def tile_zoom(self) -> int:
        lo, hi = self._tile_range if self.package is not None else DEFAULT_ZOOM_RANGE
        return int(min(max(math.floor(self._zoom + 0.5), lo), hi))

    def visible_tiles(self) -> list[TileKey]:
        """The tiles the current view needs, nearest to the middle first."""
        if self.package is None:
            return []
        tz = self.tile_zoom()
        n = 1 << tz
        left, top, right, bottom = self.projection().world_rect()
        if self._bounds_world is not None:
            bl, bt, br, bb = self._bounds_world
            left, top, right, bottom = max(left, bl), max(top, bt), min(right, br), min(bottom, bb)
        x0, x1 = max(0, int(left * n)), min(n - 1, int(right * n))
        y0, y1 = max(0, int(top * n)), min(n - 1, int(bottom * n))
        cx, cy = self._cx * n, self._cy * n
        keys = [(tz, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
        keys.sort(key=lambda k: (k[1] + 0.5 - cx) ** 2 + (k[2] + 0.5 - cy) ** 2)
        return keys

    def load_visible_tiles(self) -> int:
        """Decode the view's tiles now, on this thread (screenshots, benchmarks)."""
        return self.tiles.load_now(self.visible_tiles())

    def tiles_idle(self) -> bool:
        self.tiles.collect()
        return self.tiles.idle

    def _collect_tiles(self) -> None:
        """Poll (UI thread) for what the workers finished: tiles, and the round's image."""
        arrived = self.tiles.collect()
        round_ready, round_busy = self._round_slot.state()
        if arrived or round_ready:
            self.update()
        if self.tiles.idle and not round_busy and not round_ready:
            self._poll.stop()

    # -- painting -------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        started = time.perf_counter()
        painter = QPainter(self)
        try:
            self.paint(painter)
        finally:
            painter.end()
        self.last_paint_ms = (time.perf_counter() - started) * 1000

    def paint(self, painter: QPainter) -> None:
        """Draw one frame (also used to render offscreen)."""
        dpr = max(1.0, self.devicePixelRatioF())
        if dpr != self.sprites.dpr:  # shown on another screen: sharp sprites, badges and overlays again
            self.sprites = MarkerSprites(dpr)
            self._badges.clear()
            self._overlays.clear()
            self._round_image = None
            self._round_slot.next_generation()
        proj = self.projection()
        painter.fillRect(proj.viewport, BACKGROUND)
        self._paint_tiles(painter, proj)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self._paint_round(painter, proj)
        self._paint_layers(painter, proj, above=False)
        self._paint_markers(painter, proj)
        self._paint_stops(painter, proj)
        self._paint_position(painter, proj)
        self._paint_layers(painter, proj, above=True)
        self._paint_scale_bar(painter, proj)
        if self.legend_visible and len(self._markers):
            self._paint_legend(painter)
        self._paint_attribution(painter)

    def _paint_tiles(self, painter: QPainter, proj: MapProjection) -> None:
        keys = self.visible_tiles()
        if not keys:
            return
        tz = keys[0][0]
        n = 1 << tz
        s = proj.scale
        ox, oy = proj.width / 2 - self._cx * s, proj.height / 2 - self._cy * s
        step = s / n
        smooth = abs(step - TILE_SIZE) > 0.5
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        missing: list[TileKey] = []
        for key in keys:
            _, x, y = key
            x0, y0 = round(ox + x * step), round(oy + y * step)
            target = QRect(x0, y0, round(ox + (x + 1) * step) - x0, round(oy + (y + 1) * step) - y0)
            pix = self.tiles.get(key)
            if pix is None:
                missing.append(key)
                self._paint_fallback(painter, key, target)
            elif pix is not MISSING:
                if smooth:
                    painter.drawPixmap(target, pix)
                else:
                    painter.drawPixmap(x0, y0, pix)
        if missing:
            self.tiles.request(missing)
            if not self._poll.isActive():
                self._poll.start()

    def _paint_fallback(self, painter: QPainter, key: TileKey, target: QRect) -> None:
        """A lower-zoom tile's matching part (or the next zoom's four tiles) while ``key`` loads."""
        z, x, y = key
        lo = self._tile_range[0] if self.package is not None else 0
        for k in range(1, 5):
            if z - k < lo:
                break
            parent = self.tiles.peek((z - k, x >> k, y >> k))
            if parent is not None and parent is not MISSING:
                side = TILE_SIZE / (1 << k)
                sx, sy = (x - ((x >> k) << k)) * side, (y - ((y >> k) << k)) * side
                painter.drawPixmap(QRectF(target), parent, QRectF(sx, sy, side, side))
                return
        hw, hh = target.width() / 2, target.height() / 2
        for dx in (0, 1):
            for dy in (0, 1):
                child = self.tiles.peek((z + 1, 2 * x + dx, 2 * y + dy))
                if child is not None and child is not MISSING:
                    painter.drawPixmap(QRectF(target.x() + dx * hw, target.y() + dy * hh, hw, hh), child,
                                       QRectF(0, 0, TILE_SIZE, TILE_SIZE))

    def _round_pieces(self, level: int) -> list[tuple[QPolygonF, tuple[float, float, float, float]]]:
        """The round's path for a zoom level: points closer than a pixel and a half to the
        last kept one dropped, cut in pieces of :data:`ROUND_CHUNK` points with their boxes."""
        pieces = self._round_chunks.get(level)
        if pieces is None:
            tol2 = (1.5 * world_px(REF_ZOOM) / world_px(level)) ** 2
            path = self._round_path
            kept = path[:1]
            for x, y in path[1:-1]:
                lx, ly = kept[-1]
                if (x - lx) ** 2 + (y - ly) ** 2 >= tol2:
                    kept.append((x, y))
            if len(path) > 1:
                kept.append(path[-1])
            pieces = []
            for start in range(0, max(0, len(kept) - 1), ROUND_CHUNK):
                piece = kept[start:start + ROUND_CHUNK + 1]
                xs, ys = [p[0] for p in piece], [p[1] for p in piece]
                pieces.append((QPolygonF([QPointF(x, y) for x, y in piece]), (min(xs), min(ys), max(xs), max(ys))))
            self._round_chunks[level] = pieces
        return pieces

    def _paint_round(self, painter: QPainter, proj: MapProjection) -> None:
        """The round, from an image of it drawn at one zoom over the view and a margin
        (stroking a long anti-aliased path costs several milliseconds, too much for every
        frame of a gesture): a pan moves the image, a zoom scales it like the tiles. A new
        image is drawn on a worker when the view nears the image's edge and when a zoom
        rests; meanwhile the old one stands in. Only the first image of a round (or after
        a resize) is drawn on the UI thread."""
        if len(self._round_path) < 2:
            return
        self._collect_round()
        s = proj.scale
        left, top = self._cx - proj.width / 2 / s, self._cy - proj.height / 2 / s
        cached = self._round_image
        if cached is None:
            job = self._round_job(proj)
            image = render_round(*job[:3])
            self._round_image = (image, *job[3:])
            painter.drawImage(QPointF(-ROUND_MARGIN, -ROUND_MARGIN), image)
            return
        image, zoom, wx, wy = cached
        k = 2.0 ** (self._zoom - zoom)
        side = image.deviceIndependentSize()
        target = QRectF((wx - left) * s, (wy - top) * s, side.width() * k, side.height() * k)
        if zoom == self._zoom:
            painter.drawImage(target.topLeft(), image)
            inner = proj.viewport.adjusted(-ROUND_MARGIN / 2, -ROUND_MARGIN / 2, ROUND_MARGIN / 2, ROUND_MARGIN / 2)
            if not target.contains(inner):  # the pan nears the edge: draw further on a worker
                self._start_round_job(proj)
        else:
            painter.drawImage(target, image)
            self._round_redraw.start()  # once the zoom rests, at the new scale

    def _round_settled(self) -> None:
        cached = self._round_image
        if cached is not None and cached[1] != self._zoom:
            self._start_round_job(self.projection())

    def _round_job(self, proj: MapProjection) -> tuple[list[QPolygonF], QSize, float, float, float, float]:
        """What a worker needs to draw the round for a view: the visible pieces mapped to
        the image's pixels, its size, its pixel ratio; then the zoom and world corner."""
        s, ref = proj.scale, world_px(REF_ZOOM)
        k = s / ref
        w, h = proj.width + 2 * ROUND_MARGIN, proj.height + 2 * ROUND_MARGIN
        to_image = QTransform(k, 0, 0, k, w / 2 - self._cx * s, h / 2 - self._cy * s)
        left, top, right, bottom = (v * ref for v in proj.world_rect(ROUND_MARGIN + 12))
        mapped = [to_image.map(poly) for poly, (x0, y0, x1, y1) in self._round_pieces(math.floor(self._zoom))
                  if x1 >= left and x0 <= right and y1 >= top and y0 <= bottom]
        dpr = max(1.0, self.devicePixelRatioF())
        corner_x, corner_y = self._cx - w / 2 / s, self._cy - h / 2 / s
        return mapped, QSize(w, h), dpr, self._zoom, corner_x, corner_y

    def _start_round_job(self, proj: MapProjection) -> None:
        slot = self._round_slot
        generation = slot.claim()
        if generation is None:
            return
        mapped, size, dpr, zoom, wx, wy = self._round_job(proj)

        def work() -> None:
            try:
                image = render_round(mapped, size, dpr)
            except Exception:  # never leave the slot busy: the round would stop following
                log.exception("the round could not be drawn")
                image = None
            slot.finish(generation, None if image is None else (image, zoom, wx, wy))

        self._round_pool.start(work)
        if not self._poll.isActive():
            self._poll.start()

    def _collect_round(self) -> bool:
        done = self._round_slot.take()
        if done is None:
            return False
        self._round_image = done
        return True

    def _paint_markers(self, painter: QPainter, proj: MapProjection) -> None:
        index = self._markers
        if not len(index):
            return
        r = marker_radius(self._zoom)
        half = MarkerSprites.extent(r)
        s = proj.scale
        # + 0.5: int() then rounds to the nearest pixel (integer positions blit fastest)
        ox, oy = proj.width / 2 - self._cx * s - half + 0.5, proj.height / 2 - self._cy * s - half + 0.5
        visible = sorted(index.in_rect(*proj.world_rect(half), self._zoom))
        sprites: dict[tuple[str, str], Any] = {}
        keys, wx, wy = self._marker_keys, index.wx, index.wy
        draw = painter.drawPixmap
        for i in visible:
            key = keys[i]
            pix = sprites.get(key)
            if pix is None:
                pix = sprites[key] = self.sprites.sprite(key[0], key[1], r)
            draw(int(ox + wx[i] * s), int(oy + wy[i] * s), pix)
        if self._selected is not None:
            i = index.by_id[self._selected]
            fill, due = keys[i]
            draw(int(ox + wx[i] * s), int(oy + wy[i] * s), self.sprites.sprite(fill, due, r, True))
        if self._zoom >= LABEL_MIN_ZOOM and len(visible) <= LABEL_MAX_COUNT:
            self._paint_labels(painter, [i for i in visible if index.markers[i].label], ox + half - 0.5,
                               oy + half - 0.5, s, r)

    def _paint_labels(self, painter: QPainter, ids: list[int], ox: float, oy: float, s: float, r: float) -> None:
        if not ids:
            return
        font = QFont(painter.font())
        font.setPixelSize(13)
        painter.setFont(font)
        fm = QFontMetrics(font)
        index = self._markers
        painter.setPen(Qt.PenStyle.NoPen)
        for i in ids:
            text = index.markers[i].label
            x, y = ox + index.wx[i] * s, oy + index.wy[i] * s
            w = fm.horizontalAdvance(text) + 10
            box = QRectF(x - w / 2, y + r + 5, w, fm.height() + 4)
            painter.setBrush(QColor(255, 255, 255, 225))
            painter.setPen(QPen(QColor(0, 0, 0, 60), 1))
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(QColor("#1a1a1a"))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_stops(self, painter: QPainter, proj: MapProjection) -> None:
        if not self._round_stops:
            return
        s = proj.scale
        r = marker_radius(self._zoom)
        ox, oy = proj.width / 2 - self._cx * s + r + 4, proj.height / 2 - self._cy * s - r - 4
        w, h = proj.width + 30, proj.height + 30
        draw = painter.drawPixmap
        for n, (wx, wy) in enumerate(self._round_stops, start=1):
            x, y = ox + wx * s, oy + wy * s
            if -30 <= x <= w and -30 <= y <= h:
                badge = self._badge(n)
                draw(int(x - BADGE_R + 0.5), int(y - BADGE_R + 0.5), badge)

    def _badge(self, n: int) -> QPixmap:
        """The numbered badge of the round's n-th stop (drawn once: text is slow to draw)."""
        badge = self._badges.get(n)
        if badge is None:
            dpr = max(1.0, self.devicePixelRatioF())
            width = 2 * BADGE_R + (7 if n >= 10 else 0) + (7 if n >= 100 else 0)
            badge = QPixmap(math.ceil((width + 2) * dpr), math.ceil((2 * BADGE_R + 2) * dpr))
            badge.setDevicePixelRatio(dpr)
            badge.fill(Qt.GlobalColor.transparent)
            p = QPainter(badge)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            font = QFont(self.font())
            font.setPixelSize(12)
            font.setBold(True)
            p.setFont(font)
            rect = QRectF(1, 1, width, 2 * BADGE_R)
            p.setPen(QPen(QColor("#ffffff"), 1.6))
            p.setBrush(ROUND_STOP)
            p.drawRoundedRect(rect, BADGE_R, BADGE_R)
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(n))
            p.end()
            self._badges[n] = badge
        return badge

    def _paint_position(self, painter: QPainter, proj: MapProjection) -> None:
        pos = self._position
        if pos is None:
            return
        c = proj.to_screen(pos.lat, pos.lon)
        if not proj.viewport.adjusted(-2000, -2000, 2000, 2000).contains(c):
            return
        accuracy = getattr(pos, "accuracy", None)
        if accuracy:
            r = accuracy / metres_per_pixel(pos.lat, self._zoom)
            if r > 12:  # wider than the dot
                painter.setPen(QPen(QColor(30, 136, 229, 150), 1.5))
                painter.setBrush(QColor(30, 136, 229, 40))
                painter.drawEllipse(c, r, r)
        heading = getattr(pos, "heading", None)
        if heading is not None:  # a beam towards where the patrol is heading, as navigation apps show it
            beam = QPainterPath(c)
            beam.arcTo(QRectF(c.x() - HEADING_BEAM_PX, c.y() - HEADING_BEAM_PX, 2 * HEADING_BEAM_PX,
                              2 * HEADING_BEAM_PX), 90.0 - float(heading) - 28.0, 56.0)
            beam.closeSubpath()
            glow = QRadialGradient(c, HEADING_BEAM_PX)
            glow.setColorAt(0.0, QColor(21, 101, 192, 235))
            glow.setColorAt(0.65, QColor(30, 136, 229, 140))
            glow.setColorAt(1.0, QColor(30, 136, 229, 0))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(glow)
            painter.drawPath(beam)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 60))  # a soft shadow lifts the dot off the map
        painter.drawEllipse(c + QPointF(0, 1.5), 12.5, 12.5)
        painter.setBrush(QColor("#ffffff"))
        painter.drawEllipse(c, 11.5, 11.5)
        painter.setPen(QPen(POSITION_COLOUR.darker(140), 1.0))
        painter.setBrush(POSITION_COLOUR)
        painter.drawEllipse(c, 8.0, 8.0)

    def _paint_layers(self, painter: QPainter, proj: MapProjection, *, above: bool) -> None:
        for layer in self._layers:
            if id(layer) in self._broken_layers or bool(getattr(layer, "above_markers", False)) != above:
                continue
            painter.save()
            try:
                layer.paint(painter, proj)
            except Exception:
                self._broken_layers.add(id(layer))
                log.exception("map layer %s failed; it is no longer drawn", getattr(layer, "name", type(layer).__name__))
            finally:
                painter.restore()

    def scale_bar(self) -> tuple[float, float]:
        """(metres, pixels) of the scale bar at the middle of the map."""
        lat, _ = self.center
        return nice_scale(metres_per_pixel(lat, self._zoom))

    def _paint_scale_bar(self, painter: QPainter, proj: MapProjection) -> None:
        metres, px = self.scale_bar()
        if px <= 0:
            return
        font = QFont(painter.font())
        font.setPixelSize(13)
        painter.setFont(font)
        fm = QFontMetrics(font)
        text = scale_label(metres)
        x, y = 12.0, proj.height - 14.0
        box = QRectF(x - 6, y - fm.height() - 12, max(px, fm.horizontalAdvance(text)) + 14, fm.height() + 20)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 200))
        painter.drawRoundedRect(box, 4, 4)
        pen = QPen(QColor("#212121"), 2.5)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        painter.setPen(pen)
        painter.drawPolyline(QPolygonF([QPointF(x, y - 6), QPointF(x, y), QPointF(x + px, y), QPointF(x + px, y - 6)]))
        painter.drawText(QPointF(x, y - 9), text)

    def attribution_rect(self) -> QRect:
        """Where the attribution is painted (bottom right, always)."""
        font = self._attribution_font()
        fm = QFontMetrics(font)
        w, h = fm.horizontalAdvance(self.attribution) + 12, fm.height() + 6
        return QRect(self.width() - w, self.height() - h, w, h)

    def _attribution_font(self) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(12)
        return font

    def _paint_attribution(self, painter: QPainter) -> None:
        rect = self.attribution_rect()
        key = (self.attribution, rect.size().toTuple())
        cached = self._overlays.get("attribution")
        if cached is None or cached[0] != key:
            pix = self._overlay_pixmap(rect.width(), rect.height())
            p = QPainter(pix)
            p.fillRect(QRectF(0, 0, rect.width(), rect.height()), QColor(255, 255, 255, 215))
            p.setFont(self._attribution_font())
            p.setPen(QColor("#333333"))
            p.drawText(QRectF(0, 0, rect.width(), rect.height()), Qt.AlignmentFlag.AlignCenter, self.attribution)
            p.end()
            cached = self._overlays["attribution"] = (key, pix)
        painter.drawPixmap(rect.topLeft(), cached[1])

    def _overlay_pixmap(self, width: float, height: float) -> QPixmap:
        dpr = max(1.0, self.devicePixelRatioF())
        pix = QPixmap(math.ceil(width * dpr), math.ceil(height * dpr))
        pix.setDevicePixelRatio(dpr)
        pix.fill(Qt.GlobalColor.transparent)
        return pix

    def legend_entries(self) -> list[tuple[str, str, str]]:
        """(fill colour, ring, text) of each legend line."""
        tr = self._tr
        return [
            (STATE_COLOURS["recent"], "", tr("Passage il y a moins de 24 h")),
            (STATE_COLOURS["days"], "", tr("Passage il y a 1 à 3 jours")),
            (STATE_COLOURS["week"], "", tr("Passage il y a 3 à 7 jours")),
            (STATE_COLOURS["old"], "", tr("Passage il y a plus de 7 jours")),
            (STATE_COLOURS["never"], "", tr("Jamais visité")),
            ("#ffffff", "due", tr("Passage à faire")),
            ("#ffffff", "overdue", tr("Passage en retard")),
        ]

    def _paint_legend(self, painter: QPainter) -> None:
        entries = self.legend_entries()
        cached = self._overlays.get("legend")
        if cached is None or cached[0] != entries:
            font = QFont(self.font())
            font.setPixelSize(13)
            fm = QFontMetrics(font)
            line = max(22, fm.height() + 6)
            width = max(fm.horizontalAdvance(t) for _, _, t in entries) + 48
            pix = self._overlay_pixmap(width + 2, line * len(entries) + 14)
            p = QPainter(pix)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setFont(font)
            box = QRectF(1, 1, width, line * len(entries) + 12)
            p.setPen(QPen(QColor(0, 0, 0, 50), 1))
            p.setBrush(QColor(255, 255, 255, 225))
            p.drawRoundedRect(box, 8, 8)
            half = MarkerSprites.extent(6.0)
            for n, (fill, ring, text) in enumerate(entries):
                cy = box.top() + 6 + line * n + line / 2
                p.drawPixmap(QPointF(box.left() + 20 - half, cy - half), self.sprites.sprite(fill, ring, 6.0))
                p.setPen(QColor("#1a1a1a"))
                p.drawText(QRectF(box.left() + 38, cy - line / 2, width, line),
                           Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
            p.end()
            cached = self._overlays["legend"] = (entries, pix)
        painter.drawPixmap(11, 11, cached[1])

    # -- gestures ----------------------------------------------------------------------
    def _stop_motion(self) -> None:
        self._inertia.stop()
        self._anim.stop()
        self._velocity = QPointF()

    def _leave_follow(self) -> None:
        if self._follow:
            self.set_follow(False)

    def _begin_drag(self, pos: QPointF) -> None:
        self._stop_motion()
        self._press = QPointF(pos)
        self._last = QPointF(pos)
        self._dragging = False
        self._samples.clear()
        self._samples.append((time.monotonic(), QPointF(pos)))

    def _move_drag(self, pos: QPointF) -> None:
        if self._press is None or self._last is None:
            return
        if not self._dragging:
            moved = pos - self._press
            if math.hypot(moved.x(), moved.y()) < QApplication.startDragDistance():
                return
            self._dragging = True
            self._leave_follow()
        delta = pos - self._last
        self._last = QPointF(pos)
        self._samples.append((time.monotonic(), QPointF(pos)))
        self.pan_by(delta.x(), delta.y())

    def _end_drag(self, pos: QPointF, *, touch: bool) -> None:
        if self._press is None:
            return
        if self._dragging:
            self._move_drag(pos)
            self._start_coast()
        else:
            self._tap(pos, touch=touch)
        self._press = self._last = None
        self._dragging = False

    def _tap(self, pos: QPointF, *, touch: bool) -> None:
        now = time.monotonic()
        if touch and self._last_tap is not None:
            then, where = self._last_tap
            if now - then <= QApplication.doubleClickInterval() / 1000 and \
                    math.hypot(pos.x() - where.x(), pos.y() - where.y()) <= DOUBLE_TAP_PX:
                self._last_tap = None
                self.animate_zoom_at(pos, self._zoom + 1)
                return
        self._last_tap = (now, QPointF(pos))
        hit = self.marker_at(pos.x(), pos.y())
        if hit is not None:
            self.markerTapped.emit(hit)

    def _start_coast(self) -> None:
        samples = list(self._samples)
        if len(samples) < 2:
            return
        t_end, p_end = samples[-1]
        recent = [(t, p) for t, p in samples if t_end - t <= 0.1] or samples[-2:]
        t0, p0 = recent[0]
        dt = max(t_end - t0, 1e-3)
        v = (p_end - p0) / dt
        speed = math.hypot(v.x(), v.y())
        if speed < FLICK_MIN_SPEED:
            return
        if speed > FLICK_MAX_SPEED:
            v = v * (FLICK_MAX_SPEED / speed)
        self._velocity = v
        self._last_tick = time.monotonic()
        self._inertia.start()

    def _coast(self) -> None:
        now = time.monotonic()
        dt = min(max(now - self._last_tick, 0.001), 0.1)
        self._last_tick = now
        v = self._velocity
        self.pan_by(v.x() * dt, v.y() * dt)
        self._velocity = v * math.exp(-dt / FRICTION_TAU_S)
        if math.hypot(self._velocity.x(), self._velocity.y()) < FLICK_MIN_SPEED / 3:
            self._inertia.stop()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin_drag(event.position())
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._move_drag(event.position())
            event.accept()
        else:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton:
            self._end_drag(event.position(), touch=False)
            event.accept()
        else:
            super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = None
            self.animate_zoom_at(event.position(), self._zoom + 1)
            event.accept()
        else:
            super().mouseDoubleClickEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt API
        notches = event.angleDelta().y() / 120
        if not notches:
            notches = event.pixelDelta().y() / 60
        if not notches:
            return
        self._stop_motion()
        pos = event.position()
        if self._follow and self._position is not None:  # zoom around the patrol, stay in follow mode
            pos = self.projection().to_screen(self._position.lat, self._position.lon)
        self.zoom_at(pos, self._zoom + notches * WHEEL_STEP)
        event.accept()

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd,
                    QEvent.Type.TouchCancel) and isinstance(event, QTouchEvent):
            self._touch(event)
            event.accept()
            return True
        return super().event(event)

    def _touch(self, event: QTouchEvent) -> None:
        kind = event.type()
        if kind == QEvent.Type.TouchCancel:
            self._pinch, self._press, self._dragging = None, None, False
            return
        down = [p for p in event.points() if p.state() != p.State.Released]
        if len(down) >= 2:
            a, b = down[0].position(), down[1].position()
            mid = (a + b) / 2
            dist = max(1.0, math.hypot(a.x() - b.x(), a.y() - b.y()))
            if self._pinch is None:
                self._stop_motion()
                self._leave_follow()
                wx, wy = self.projection().screen_to_world(mid.x(), mid.y())
                self._pinch = (self._zoom, dist, wx, wy)
                self._press, self._dragging = None, False
            else:
                zoom0, dist0, wx, wy = self._pinch
                zoom = min(max(zoom0 + math.log2(dist / dist0), float(self.min_zoom)), float(self.max_zoom))
                s = world_px(zoom)
                self._set_view(wx - (mid.x() - self.width() / 2) / s, wy - (mid.y() - self.height() / 2) / s, zoom)
            return
        if self._pinch is not None:  # a finger lifted: go on panning with the other, no tap
            self._pinch = None
            if down:
                self._begin_drag(down[0].position())
                self._dragging = True
            return
        if kind == QEvent.Type.TouchBegin and down:
            self._begin_drag(down[0].position())
        elif kind == QEvent.Type.TouchUpdate and down:
            if self._press is None:
                self._begin_drag(down[0].position())
            self._move_drag(down[0].position())
        elif kind == QEvent.Type.TouchEnd:
            points = event.points()
            if points and self._press is not None:
                self._end_drag(points[0].position(), touch=True)

    # -- Qt plumbing ----------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._round_image = None
        self._round_slot.next_generation()
        self._place_buttons()
        if self._pending_fit is not None and self.width() > 2 * self._pending_fit[4] + 16 \
                and self.height() > 2 * self._pending_fit[4] + 16:
            south, west, north, east, padding = self._pending_fit
            self._pending_fit = None
            self.fit_bounds(south, west, north, east, padding=padding)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(800, 600)

    def shutdown(self) -> None:
        """Stop the workers (before closing the package)."""
        self._poll.stop()
        self._round_redraw.stop()
        self._stop_motion()
        self.tiles.close()
        self._round_pool.waitForDone()

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        self.shutdown()
        super().closeEvent(event)


__all__ = ["MapWidget", "nice_scale", "scale_label"]
