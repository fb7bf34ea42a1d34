"""Homes on the map: the marker model, its colours, and the grid that finds them fast.

A :class:`Marker` carries a *state*, the time since the last visit in buckets
(:func:`state_for_age`), which gives its fill colour, and a *due* flag
(``""``, ``"due"`` or ``"overdue"``), which gives its outline. The legend shows both.

:class:`MarkerIndex` is a uniform grid in world coordinates, one grid per integer zoom
level (built lazily, cells of :data:`CELL_PX` screen pixels at that zoom): a tap looks
at the 3x3 cells around the finger and a frame at the cells the view covers, never at
every marker.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPixmap

from neo.modules.holiday_watch.ui.map.projection import to_world, world_px

# state -> fill colour (from "just visited" to "long ago"; grey: never visited)
STATE_COLOURS: dict[str, str] = {
    "recent": "#2e7d32",  # < 24 h
    "days": "#9e9d24",  # 1 to 3 days
    "week": "#ef6c00",  # 3 to 7 days
    "old": "#c62828",  # more than 7 days
    "never": "#607d8b",  # no visit yet
}
MARKER_STATES = tuple(STATE_COLOURS)
DUE_STATES = ("", "due", "overdue")
DUE_RING = "#212121"
OVERDUE_RING = "#d50000"
CELL_PX = 64
MAX_LEVEL = 24


def state_for_age(hours: float | None) -> str:
    """The marker state for the time since the last visit (None: never visited)."""
    if hours is None:
        return "never"
    if hours < 24:
        return "recent"
    if hours < 72:
        return "days"
    if hours < 168:
        return "week"
    return "old"


@dataclass(frozen=True, slots=True)
class Marker:
    """A home on the map. ``color`` (``#rrggbb``) overrides the state's colour."""

    id: str
    lat: float
    lon: float
    state: str = "never"
    label: str = ""
    due: str = ""
    color: str | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("a marker needs an id")
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise ValueError(f"marker {self.id!r}: position out of range ({self.lat}, {self.lon})")
        if self.state not in STATE_COLOURS:
            raise ValueError(f"marker {self.id!r}: unknown state {self.state!r} (one of {', '.join(MARKER_STATES)})")
        if self.due not in DUE_STATES:
            raise ValueError(f"marker {self.id!r}: due is '', 'due' or 'overdue', not {self.due!r}")
        if self.color is not None and not QColor.isValidColorName(self.color):
            raise ValueError(f"marker {self.id!r}: not a colour: {self.color!r}")

    @property
    def fill(self) -> str:
        return self.color or STATE_COLOURS[self.state]


def marker_radius(zoom: float) -> float:
    """Screen radius of a home's dot: small when the whole area shows, bigger up close."""
    if zoom >= 16:
        return 8.0
    if zoom >= 14:
        return 6.0
    return 4.5


class MarkerIndex:
    """The markers in world coordinates, with a lazily built grid per zoom level."""

    def __init__(self, markers: Sequence[Marker]) -> None:
        self.markers: list[Marker] = list(markers)
        seen: set[str] = set()
        for m in self.markers:
            if m.id in seen:
                raise ValueError(f"two markers share the id {m.id!r}")
            seen.add(m.id)
        self.by_id: dict[str, int] = {m.id: i for i, m in enumerate(self.markers)}
        pts = [to_world(m.lat, m.lon) for m in self.markers]
        self.wx: list[float] = [p[0] for p in pts]
        self.wy: list[float] = [p[1] for p in pts]
        self._grids: dict[int, dict[tuple[int, int], list[int]]] = {}

    def __len__(self) -> int:
        return len(self.markers)

    @staticmethod
    def level_for(zoom: float) -> int:
        return max(0, min(MAX_LEVEL, math.floor(zoom)))

    @staticmethod
    def cell_size(level: int) -> float:
        """A cell's side in world units at a level."""
        return CELL_PX / world_px(level)

    def grid(self, level: int) -> dict[tuple[int, int], list[int]]:
        grid = self._grids.get(level)
        if grid is None:
            inv = 1.0 / self.cell_size(level)
            grid = {}
            for i, (x, y) in enumerate(zip(self.wx, self.wy, strict=True)):
                grid.setdefault((int(x * inv), int(y * inv)), []).append(i)
            self._grids[level] = grid
        return grid

    def in_rect(self, left: float, top: float, right: float, bottom: float, zoom: float) -> Iterator[int]:
        """Indexes of the markers inside a world rectangle (a cell-level superset is filtered exactly)."""
        level = self.level_for(zoom)
        grid = self.grid(level)
        inv = 1.0 / self.cell_size(level)
        c0, c1 = int(left * inv), int(right * inv)
        r0, r1 = int(top * inv), int(bottom * inv)
        wx, wy = self.wx, self.wy
        if (c1 - c0 + 1) * (r1 - r0 + 1) > 2 * len(grid):  # the view is bigger than the data: walk the data
            cells: Iterable[list[int]] = (
                ids for (cx, cy), ids in grid.items() if c0 <= cx <= c1 and r0 <= cy <= r1)
        else:
            cells = (grid[(cx, cy)] for cx in range(c0, c1 + 1) for cy in range(r0, r1 + 1) if (cx, cy) in grid)
        for ids in cells:
            for i in ids:
                if left <= wx[i] <= right and top <= wy[i] <= bottom:
                    yield i

    def nearest(self, mx: float, my: float, radius: float, zoom: float) -> int | None:
        """The marker closest to a world point within ``radius`` (world units), or None."""
        level = self.level_for(zoom)
        # a level whose cells are at least as big as the radius: 3x3 cells are enough
        while level > 0 and self.cell_size(level) < radius:
            level -= 1
        grid = self.grid(level)
        inv = 1.0 / self.cell_size(level)
        cx, cy = int(mx * inv), int(my * inv)
        best, best_d2 = None, radius * radius
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for i in grid.get((cx + dx, cy + dy), ()):
                    d2 = (self.wx[i] - mx) ** 2 + (self.wy[i] - my) ** 2
                    if d2 <= best_d2:
                        best, best_d2 = i, d2
        return best


class MarkerSprites:
    """Pre-drawn dots (fill, outline, radius) so a frame blits pixmaps instead of
    rasterising thousands of anti-aliased circles."""

    def __init__(self, device_pixel_ratio: float = 1.0) -> None:
        self.dpr = device_pixel_ratio
        self._cache: dict[tuple[str, str, float, bool], QPixmap] = {}

    def sprite(self, fill: str, due: str, radius: float, selected: bool = False) -> QPixmap:
        key = (fill, due, radius, selected)
        pix = self._cache.get(key)
        if pix is None:
            pix = self._draw(fill, due, radius, selected)
            self._cache[key] = pix
        return pix

    @staticmethod
    def extent(radius: float) -> float:
        """Half the side of a sprite: the dot and its widest ring."""
        return radius + 8.0

    def _draw(self, fill: str, due: str, radius: float, selected: bool) -> QPixmap:
        half = self.extent(radius)
        side = math.ceil(2 * half * self.dpr)
        pix = QPixmap(side, side)
        pix.setDevicePixelRatio(self.dpr)
        pix.fill(Qt.GlobalColor.transparent)
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        c = QPointF(half, half)
        if selected:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(33, 150, 243, 110))
            p.drawEllipse(c, radius + 7.5, radius + 7.5)
        if due == "overdue":
            p.setPen(QPen(QColor(OVERDUE_RING), 3.0))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawEllipse(c, radius + 4.5, radius + 4.5)
        if due in ("due", "overdue"):
            p.setPen(QPen(QColor(DUE_RING), 2.5))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawEllipse(c, radius + 1.8, radius + 1.8)
        p.setPen(QPen(QColor("#ffffff"), 1.6))
        p.setBrush(QBrush(QColor(fill)))
        p.drawEllipse(c, radius, radius)
        p.end()
        return pix


def sprite_rect(x: float, y: float, radius: float) -> QRectF:
    half = MarkerSprites.extent(radius)
    return QRectF(x - half, y - half, 2 * half, 2 * half)


__all__ = [
    "CELL_PX",
    "DUE_STATES",
    "MARKER_STATES",
    "STATE_COLOURS",
    "Marker",
    "MarkerIndex",
    "MarkerSprites",
    "marker_radius",
    "state_for_age",
]
