"""Web Mercator as the map draws it, and the view a layer paints through.

World coordinates are normalised Web Mercator: ``(mx, my)`` in ``[0, 1]``, x to the
east from longitude -180, y to the SOUTH from latitude +85.05 (the XYZ tile order). At
(fractional) zoom ``z`` the world is ``256 * 2**z`` pixels wide, so a screen point is
``(m - centre) * world_px + viewport_centre``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF

TILE_SIZE = 256
EARTH_CIRCUMFERENCE_M = 40_075_016.686  # WGS84 equator, as Web Mercator uses it
MAX_LAT = 85.05112878


def to_world(lat: float, lon: float) -> tuple[float, float]:
    """WGS84 degrees to normalised Web Mercator (0..1, y to the south)."""
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    s = math.sin(math.radians(lat))
    return (lon + 180.0) / 360.0, 0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)


def to_geo(mx: float, my: float) -> tuple[float, float]:
    """Normalised Web Mercator back to (lat, lon) degrees."""
    lon = mx * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * my))))
    return lat, lon


def world_px(zoom: float) -> float:
    """Width of the whole world in pixels at a (fractional) zoom."""
    return TILE_SIZE * 2.0 ** zoom


def metres_per_pixel(lat: float, zoom: float) -> float:
    """Ground distance covered by one pixel at a latitude (Mercator stretches by 1/cos)."""
    return EARTH_CIRCUMFERENCE_M * math.cos(math.radians(lat)) / world_px(zoom)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class MapProjection:
    """One frame's view: what a layer's ``paint(painter, projection)`` draws through.

    ``center`` is in world coordinates, ``zoom`` fractional, ``width``/``height`` the
    widget's size in pixels.
    """

    center_x: float
    center_y: float
    zoom: float
    width: int
    height: int

    @property
    def scale(self) -> float:
        """Pixels per world unit (the world's width in pixels)."""
        return world_px(self.zoom)

    @property
    def center(self) -> tuple[float, float]:
        """(lat, lon) at the middle of the view."""
        return to_geo(self.center_x, self.center_y)

    def world_to_screen(self, mx: float, my: float) -> QPointF:
        s = self.scale
        return QPointF((mx - self.center_x) * s + self.width / 2, (my - self.center_y) * s + self.height / 2)

    def to_screen(self, lat: float, lon: float) -> QPointF:
        """Where a WGS84 point falls in the widget (pixels, may be outside the view)."""
        return self.world_to_screen(*to_world(lat, lon))

    def screen_to_world(self, x: float, y: float) -> tuple[float, float]:
        s = self.scale
        return self.center_x + (x - self.width / 2) / s, self.center_y + (y - self.height / 2) / s

    def to_geo(self, x: float, y: float) -> tuple[float, float]:
        """(lat, lon) under a widget pixel."""
        return to_geo(*self.screen_to_world(x, y))

    def metres_per_pixel(self, lat: float | None = None) -> float:
        """At ``lat`` (default: the middle of the view)."""
        return metres_per_pixel(self.center[0] if lat is None else lat, self.zoom)

    def world_rect(self, margin_px: float = 0.0) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) of the view in world coordinates, grown by a margin."""
        s = self.scale
        half_w, half_h = (self.width / 2 + margin_px) / s, (self.height / 2 + margin_px) / s
        return self.center_x - half_w, self.center_y - half_h, self.center_x + half_w, self.center_y + half_h

    def visible_bounds(self) -> tuple[float, float, float, float]:
        """(south, west, north, east) in degrees of what the view shows."""
        left, top, right, bottom = self.world_rect()
        north, west = to_geo(left, top)
        south, east = to_geo(right, bottom)
        return south, west, north, east

    @property
    def viewport(self) -> QRectF:
        return QRectF(0, 0, self.width, self.height)


__all__ = [
    "TILE_SIZE",
    "MapProjection",
    "haversine_m",
    "metres_per_pixel",
    "to_geo",
    "to_world",
    "world_px",
]
