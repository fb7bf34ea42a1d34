"""Layers other modules draw on the patrol map (the ``map.layer`` extension point).

A layer is any object with a ``paint(painter, projection)`` method, contributed with::

    ctx.register("map.layer", "speed-cameras", MyLayer())

The map calls ``paint`` once per frame, on the UI thread, with a ``QPainter`` on the
widget (saved before and restored after: a layer may change pens, brushes and
transforms freely) and a :class:`~neo.modules.holiday_watch.ui.map.projection.MapProjection`
describing the frame: ``projection.to_screen(lat, lon)`` gives the widget pixel of a
WGS84 point, ``projection.to_geo(x, y)`` the reverse, ``projection.visible_bounds()``
what is on screen (south, west, north, east), ``projection.zoom`` and
``projection.metres_per_pixel()`` the scale. A layer should draw only what is visible
and keep its work small: the whole frame has 16 ms.

Optional attributes: ``above_markers`` (bool, default False: drawn above the tiles and
the round but below the homes; True: above the homes and the patrol's position) and
``name`` (for the log). A layer that raises is logged and skipped for the rest of the
map's life; the map goes on. Call ``MapWidget.update()`` after changing what a layer
shows.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from PySide6.QtGui import QPainter

from neo.modules.holiday_watch.ui.map.projection import MapProjection

EXTENSION_POINT = "map.layer"


@runtime_checkable
class MapLayer(Protocol):
    def paint(self, painter: QPainter, projection: MapProjection) -> None: ...


def contributed_layers(ctx: Any) -> list[Any]:
    """The layers other modules contributed to ``map.layer`` (for ``MapWidget.set_layers``)."""
    return [c.value for c in ctx.contributions(EXTENSION_POINT) if callable(getattr(c.value, "paint", None))]


__all__ = ["EXTENSION_POINT", "MapLayer", "contributed_layers"]
