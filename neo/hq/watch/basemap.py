"""Basemap packages: raster tiles rendered from an OpenStreetMap extract, in one MBTiles file.

``neo-hq basemap build --pbf FILE --bbox ... --zoom 12-18 --out FILE.mbtiles`` calls
:func:`build`. The package is one SQLite file (MBTiles 1.3):

* ``metadata``: name, format (png), bounds, center, minzoom, maxzoom, attribution
  ("© OpenStreetMap contributors"), type, version, plus ``neo_version`` (the renderer's
  version) and ``neo_source_sha256`` (the extract's SHA-256);
* tiles of 256 px, TMS rows (``tile_row = 2^z - 1 - y``), every tile of the bounding box
  at every zoom. Identical images are stored once: ``map`` (zoom, column, row, tile_id)
  points into ``images`` (tile_id = SHA-256 of the PNG, tile_data), and ``tiles`` is the
  standard view joining them, so a reader simply selects from ``tiles``. Sea and empty
  land tiles cost one row each: no tile of the box is missing, a reader never has to
  draw a background of its own;
* the road graph (:mod:`neo.hq.watch.roads`) and ``neo_addresses`` (buildings and
  address points with street, commune and postcode, for the demo registrations).

Rendering uses Pillow only (no Qt at HQ): each tile is drawn at twice its size and
reduced (anti-aliasing), in draw order land, land use, green, sea and water, buildings,
roads (casings, then fills by class, bridges above), then names. Street names are placed
once per zoom for the whole map (straight stretches of a street long enough for the
name, no two labels overlapping, the same name not repeated too close), so a name that
crosses a tile edge is drawn in both tiles and matches. Tiles are rendered by worker
processes; the package is written in tile order, so the same extract and options give
the same file, byte for byte. It is written to a temporary file beside ``FILE`` and
renamed when complete.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from shapely import polygonize
from shapely.geometry import LineString, MultiLineString, Polygon, box
from shapely.ops import linemerge, unary_union
from shapely.strtree import STRtree

from neo.hq.watch import roads as road_graph
from neo.hq.watch.osm import BBox, OsmData, read_pbf, resolved_addresses
from neo.i18n import tr

RENDERER_VERSION = "2"
ATTRIBUTION = "© OpenStreetMap contributors"
TILE = 256
SS = 2
"""Supersampling: tiles are drawn at SS times their size, then reduced."""
REF_ZOOM = 18
MAX_ZOOM = 19
Progress = Callable[[str, int, int], None]

# -- style -------------------------------------------------------------------------------------

LAND = (242, 239, 233)
WATER = (170, 211, 223)
AREA_STYLE: dict[str, tuple[tuple[int, int, int], tuple[int, int, int] | None, int]] = {
    # kind: (fill, outline, min zoom)
    "residential": ((234, 230, 224), None, 12),
    "commercial": ((242, 226, 226), None, 12),
    "cemetery": ((200, 217, 196), None, 12),
    "rock": ((226, 222, 214), None, 12),
    "forest": ((173, 209, 158), None, 12),
    "green": ((205, 235, 176), None, 12),
    "park": ((200, 250, 204), None, 12),
    "pitch": ((170, 224, 203), (136, 196, 173), 14),
    "beach": ((255, 241, 186), None, 12),
    "parking": ((238, 238, 238), (210, 210, 210), 15),
    "pedestrian": ((221, 221, 232), (190, 190, 205), 14),
    "marina": ((181, 219, 230), None, 13),
    "water": (WATER, None, 12),
    "pool": (WATER, (120, 170, 190), 16),
    "building": ((217, 208, 201), (190, 177, 167), 14),
}
AREA_ORDER = ["residential", "commercial", "cemetery", "rock", "beach", "forest", "green", "park", "pitch",
              "parking", "pedestrian", "marina", "water", "pool", "building"]

ROAD_STYLE: dict[str, tuple[tuple[int, int, int], tuple[int, int, int], float, int, int]] = {
    # highway: (fill, casing, width at z16 in px, min zoom, rank: higher is drawn above)
    "motorway": ((232, 146, 162), (198, 80, 110), 10.0, 12, 9),
    "trunk": ((249, 178, 156), (200, 120, 100), 10.0, 12, 8),
    "primary": ((252, 214, 164), (190, 150, 90), 10.0, 12, 7),
    "secondary": ((247, 250, 191), (160, 163, 106), 9.0, 12, 6),
    "tertiary": ((255, 255, 255), (170, 170, 160), 8.5, 12, 5),
    "unclassified": ((255, 255, 255), (187, 187, 180), 7.0, 13, 4),
    "residential": ((255, 255, 255), (187, 187, 180), 7.0, 13, 4),
    "road": ((255, 255, 255), (187, 187, 180), 6.0, 13, 4),
    "living_street": ((237, 237, 237), (187, 187, 180), 6.0, 14, 3),
    "service": ((255, 255, 255), (190, 190, 185), 4.0, 14, 2),
    "pedestrian": ((221, 221, 232), (170, 170, 190), 4.5, 15, 1),
    "track": ((196, 168, 120), (196, 168, 120), 1.8, 15, 0),
    "footway": ((240, 128, 114), (255, 255, 255), 1.4, 15, 0),
    "path": ((240, 128, 114), (255, 255, 255), 1.2, 15, 0),
    "cycleway": ((80, 80, 240), (255, 255, 255), 1.2, 15, 0),
    "bridleway": ((100, 160, 100), (255, 255, 255), 1.2, 16, 0),
    "steps": ((240, 128, 114), (255, 255, 255), 2.2, 15, 0),
}
LINK_OF = {"motorway_link": "motorway", "trunk_link": "trunk", "primary_link": "primary",
           "secondary_link": "secondary", "tertiary_link": "tertiary"}
LINE_STYLE: dict[str, tuple[tuple[int, int, int], float, int]] = {
    # kind: (colour, width at z16, min zoom)
    "river": (WATER, 5.0, 12),
    "stream": (WATER, 2.0, 14),
    "rail": ((140, 140, 140), 2.0, 13),
    "cliff": ((168, 150, 140), 1.4, 15),
}
LABEL_INK = (40, 40, 40)
LABEL_HALO = (255, 255, 255)
PLACE_INK = (60, 50, 70)

_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF")


@lru_cache(maxsize=64)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (condensed; bold for places) when installed, else Pillow's own font."""
    name = "DejaVuSansCondensed-Bold.ttf" if bold else "DejaVuSansCondensed.ttf"
    for directory in _FONT_DIRS:
        path = Path(directory) / name
        if path.is_file():
            return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)
    return ImageFont.load_default(size=size)


def road_width(highway: str, zoom: int) -> float:
    """Width of a road's fill in px at ``zoom`` (grows with the zoom; 0: not drawn)."""
    base = LINK_OF.get(highway, highway)
    style = ROAD_STYLE.get(base)
    if style is None or zoom < style[3]:
        return 0.0
    growth = 0.45 if style[4] == 0 else 0.75  # paths and steps widen slower than streets
    width = style[2] * (2.0 ** ((zoom - 16) * growth))
    if highway in LINK_OF:
        width *= 0.7
    return max(width, 0.7)


def _casing(highway: str, zoom: int, width: float) -> float:
    base = LINK_OF.get(highway, highway)
    if base in ("footway", "path", "cycleway", "bridleway", "steps", "track"):
        return width + 1.6 if zoom >= 16 else 0.0
    if zoom <= 13 and base not in ("motorway", "trunk", "primary", "secondary"):
        return 0.0
    return width + (1.0 if zoom <= 14 else 1.4 if zoom <= 16 else 2.0)


# -- projection ----------------------------------------------------------------------------------


def lonlat_to_world(lon: Any, lat: Any, zoom: int = REF_ZOOM) -> tuple[Any, Any]:
    """Web Mercator pixel coordinates at ``zoom`` (numpy arrays or floats)."""
    size = TILE * (2 ** zoom)
    lat = np.clip(lat, -85.05112878, 85.05112878)
    x = (np.asarray(lon) + 180.0) / 360.0 * size
    y = (1.0 - np.arcsinh(np.tan(np.radians(lat))) / math.pi) / 2.0 * size
    return x, y


def tile_range(bbox: BBox, zoom: int) -> tuple[int, int, int, int]:
    """(x min, y min, x max, y max) of the tiles covering ``bbox`` at ``zoom`` (XYZ rows)."""
    x0, y1 = lonlat_to_world(bbox[0], bbox[1], zoom)
    x1, y0 = lonlat_to_world(bbox[2], bbox[3], zoom)
    n = 2 ** zoom - 1
    return (max(0, int(x0 // TILE)), max(0, int(y0 // TILE)), min(n, int(x1 // TILE)), min(n, int(y1 // TILE)))


def _tile_lonlat(zoom: int, x: float, y: float) -> tuple[float, float]:
    """(lon, lat) of the north-west corner of tile (x, y) (fractions allowed)."""
    n = 2.0 ** zoom
    lon = x / n * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    return lon, lat


def tiles_for(bbox: BBox, zooms: Sequence[int]) -> list[tuple[int, int, int]]:
    out = []
    for z in zooms:
        tx0, ty0, tx1, ty1 = tile_range(bbox, z)
        out.extend((z, x, y) for x in range(tx0, tx1 + 1) for y in range(ty0, ty1 + 1))
    return out


# -- the scene (everything to draw, projected once) ---------------------------------------------


@dataclass(slots=True)
class Feature:
    layer: str
    """``area``, ``line``, ``road``."""
    kind: str
    minzoom: int
    rings: list[list[np.ndarray]] = field(default_factory=list)
    """area: polygons, each a list of rings (exterior first) as (n, 2) arrays at REF_ZOOM."""
    coords: np.ndarray | None = None
    """line and road: (n, 2) array at REF_ZOOM."""
    rank: int = 0
    bridge: bool = False
    tunnel: bool = False


@dataclass(slots=True)
class Label:
    text: str
    x: float
    y: float
    """Centre, in pixels at the label's zoom."""
    angle: float
    """Degrees, counter-clockwise on screen."""
    size: int
    bold: bool
    ink: tuple[int, int, int]
    half_diag: float


@dataclass
class Scene:
    features: list[Feature]
    tree: STRtree
    labels: dict[int, list[Label]]
    label_index: dict[tuple[int, int, int], list[int]]
    sea: list[list[np.ndarray]]


def _project(coords: Sequence[tuple[float, float]] | np.ndarray) -> np.ndarray:
    arr = np.asarray(coords, dtype=np.float64)
    x, y = lonlat_to_world(arr[:, 0], arr[:, 1])
    return np.column_stack([x, y])


def _polygon_rings(poly: Polygon) -> list[np.ndarray]:
    return [_project(np.asarray(poly.exterior.coords)), *(_project(np.asarray(r.coords)) for r in poly.interiors)]


def sea_polygons(coastline: Sequence[Sequence[tuple[float, float]]], region: BBox,
                 frame_box: BBox | None = None) -> list[Polygon]:
    """The sea inside ``frame_box`` (default ``region``, the extract's bounds): the frame
    cut along the coastline, each piece kept when it lies on the water side (OSM
    coastlines have the land on their left). Open ends of the coastline (where the
    extract cut it) are carried straight out past the nearest edge of ``region``."""
    if not coastline:
        return []
    outer = frame_box or region
    outer = (min(outer[0], region[0]) - 1e-3, min(outer[1], region[1]) - 1e-3,
             max(outer[2], region[2]) + 1e-3, max(outer[3], region[3]) + 1e-3)
    frame = box(*outer)
    merged = linemerge(MultiLineString([LineString(c) for c in coastline if len(c) >= 2]))
    # An extract cuts the coastline a little inside its box: carry each open end out to
    # the nearest edge of the region, so the coastline splits the region in two.
    extended = []
    for line in getattr(merged, "geoms", [merged]):
        coords = list(line.coords)
        if not line.is_ring:
            coords = [_to_edge(coords[0], region, outer), *coords, _to_edge(coords[-1], region, outer)]
        extended.append(LineString(coords))
    clipped = MultiLineString(extended).intersection(frame)
    pieces = polygonize([unary_union([clipped, frame.exterior])])
    segments = []
    for c in coastline:
        a = np.asarray(c, dtype=np.float64)
        segments.append(np.column_stack([a[:-1], a[1:]]))
    seg = np.vstack(segments)  # x1, y1, x2, y2
    sea: list[Polygon] = []
    for piece in getattr(pieces, "geoms", [pieces]):
        if piece.is_empty or piece.area <= 0:
            continue
        p = piece.representative_point()
        px, py = p.x, p.y
        dx, dy = seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1]
        length2 = np.maximum(dx * dx + dy * dy, 1e-18)
        t = np.clip(((px - seg[:, 0]) * dx + (py - seg[:, 1]) * dy) / length2, 0.0, 1.0)
        cx, cy = seg[:, 0] + t * dx, seg[:, 1] + t * dy
        d2 = (px - cx) ** 2 + (py - cy) ** 2
        i = int(np.argmin(d2))
        cross = dx[i] * (py - seg[i, 1]) - dy[i] * (px - seg[i, 0])
        if cross < 0:  # right of the coastline: water
            sea.append(piece)
    return sea


def _to_edge(point: tuple[float, float], region: BBox, outer: BBox) -> tuple[float, float]:
    """``point`` moved straight out, across the nearest edge of ``region``, to just beyond ``outer``."""
    x, y = point[0], point[1]
    eps = 1e-6
    gaps = [(x - region[0], (outer[0] - eps, y)), (region[2] - x, (outer[2] + eps, y)),
            (y - region[1], (x, outer[1] - eps)), (region[3] - y, (x, outer[3] + eps))]
    return min(gaps, key=lambda g: g[0])[1]


def _way_labels_text(name: str) -> str:
    return name.strip()


def build_scene(data: OsmData, render_bbox: BBox, zooms: Sequence[int]) -> Scene:
    """Project everything once and place the labels of every zoom."""
    features: list[Feature] = []
    boxes = []

    def add(feature: Feature, bounds: tuple[float, float, float, float]) -> None:
        features.append(feature)
        boxes.append(box(*bounds))

    order = {kind: i for i, kind in enumerate(AREA_ORDER)}
    areas = sorted((a for a in data.areas if a.kind in AREA_STYLE), key=lambda a: (order[a.kind], a.osm_id))
    for area in areas:
        rings = [_polygon_rings(p) for p in area.geometry.geoms]
        allpts = np.vstack([r[0] for r in rings])
        add(Feature("area", area.kind, AREA_STYLE[area.kind][2], rings=rings),
            (allpts[:, 0].min(), allpts[:, 1].min(), allpts[:, 0].max(), allpts[:, 1].max()))
    for line in sorted(data.lines, key=lambda l_: l_.way_id):
        if line.tunnel or line.kind not in LINE_STYLE:
            continue
        coords = _project(line.coords)
        add(Feature("line", line.kind, LINE_STYLE[line.kind][2], coords=coords),
            (coords[:, 0].min(), coords[:, 1].min(), coords[:, 0].max(), coords[:, 1].max()))
    for road in sorted(data.roads, key=lambda r: r.way_id):
        base = LINK_OF.get(road.highway, road.highway)
        style = ROAD_STYLE.get(base)
        if style is None or road.area:
            continue
        coords = _project(road.coords)
        add(Feature("road", road.highway, style[3], coords=coords, rank=style[4] * 10 + road.layer
                    + (50 if road.bridge else 0), bridge=road.bridge, tunnel=road.tunnel),
            (coords[:, 0].min(), coords[:, 1].min(), coords[:, 0].max(), coords[:, 1].max()))
    tx0, ty0, tx1, ty1 = tile_range(render_bbox, min(zooms))
    frame = (*_tile_lonlat(min(zooms), tx0, ty1 + 1), *_tile_lonlat(min(zooms), tx1 + 1, ty0))
    sea = [_polygon_rings(p) for p in sea_polygons(data.coastline, data.bounds, frame)]
    labels = place_labels(data, zooms)
    index: dict[tuple[int, int, int], list[int]] = {}
    for z, items in labels.items():
        for i, label in enumerate(items):
            r = label.half_diag
            for tx in range(int((label.x - r) // TILE), int((label.x + r) // TILE) + 1):
                for ty in range(int((label.y - r) // TILE), int((label.y + r) // TILE) + 1):
                    index.setdefault((z, tx, ty), []).append(i)
    return Scene(features, STRtree(boxes), labels, index, sea)


# -- labels ----------------------------------------------------------------------------------------

LABEL_ROADS = {"motorway": 12, "trunk": 13, "primary": 14, "secondary": 14, "tertiary": 15, "unclassified": 16,
               "residential": 16, "road": 16, "living_street": 16, "pedestrian": 16, "service": 18}
PLACE_ZOOMS = {"city": (12, 15), "town": (12, 15), "village": (12, 16), "suburb": (14, 16), "hamlet": (15, 17),
               "neighbourhood": (16, 17)}


def _text_size(text: str, size: int, bold: bool) -> tuple[float, float]:
    left, top, right, bottom = font(size * SS, bold).getbbox(text)
    return (right - left) / SS, (bottom - top) / SS


def _rect(cx: float, cy: float, w: float, h: float, angle: float) -> Polygon:
    a = math.radians(angle)
    ca, sa = math.cos(a), math.sin(a)
    pts = []
    for dx, dy in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)):
        pts.append((cx + dx * ca + dy * sa, cy - dx * sa + dy * ca))
    return Polygon(pts)


class _Collisions:
    def __init__(self, cell: float = 128.0) -> None:
        self.cell = cell
        self.grid: dict[tuple[int, int], list[Polygon]] = {}

    def _cells(self, poly: Polygon) -> Iterator[tuple[int, int]]:
        x0, y0, x1, y1 = poly.bounds
        for cx in range(int(x0 // self.cell), int(x1 // self.cell) + 1):
            for cy in range(int(y0 // self.cell), int(y1 // self.cell) + 1):
                yield cx, cy

    def free(self, poly: Polygon) -> bool:
        return not any(other.intersects(poly) for c in self._cells(poly) for other in self.grid.get(c, ()))

    def add(self, poly: Polygon) -> None:
        for c in self._cells(poly):
            self.grid.setdefault(c, []).append(poly)


def _straight_runs(pts: np.ndarray, max_turn: float = 22.0) -> list[tuple[int, int]]:
    """Index ranges [i, j] of the polyline that stay within ``max_turn`` degrees of their
    first segment's direction."""
    runs = []
    n = len(pts)
    i = 0
    while i < n - 1:
        d0 = pts[i + 1] - pts[i]
        a0 = math.atan2(d0[1], d0[0])
        j = i + 1
        while j < n - 1:
            d = pts[j + 1] - pts[j]
            if not d.any():
                j += 1
                continue
            diff = abs((math.atan2(d[1], d[0]) - a0 + math.pi) % (2 * math.pi) - math.pi)
            if math.degrees(diff) > max_turn:
                break
            j += 1
        runs.append((i, j))
        i = j
    return runs


def place_labels(data: OsmData, zooms: Sequence[int]) -> dict[int, list[Label]]:
    """Labels of each zoom, placed for the whole map (greedy: places first, then streets
    by importance and length; a label that would overlap another is dropped)."""
    out: dict[int, list[Label]] = {}
    named = [r for r in data.roads if r.name and LINK_OF.get(r.highway, r.highway) in LABEL_ROADS and not r.tunnel]
    rank = {k: ROAD_STYLE[k][4] for k in ROAD_STYLE}
    named.sort(key=lambda r: (-rank.get(LINK_OF.get(r.highway, r.highway), 0), -len(r.coords), r.way_id))
    projected = {r.way_id: _project(r.coords) for r in named}
    for z in zooms:
        scale = 2.0 ** (z - REF_ZOOM)
        labels: list[Label] = []
        taken = _Collisions()
        for place in sorted(data.places, key=lambda p: (["city", "town", "village", "suburb", "hamlet",
                                                         "neighbourhood"].index(p.kind), p.node_id)):
            zr = PLACE_ZOOMS.get(place.kind)
            if zr is None or not (zr[0] <= z <= zr[1]):
                continue
            size = {"city": 16, "town": 15, "village": 14}.get(place.kind, 12) + (1 if z >= 15 else 0)
            x, y = lonlat_to_world(place.lon, place.lat, z)
            w, h = _text_size(place.name, size, True)
            rect = _rect(float(x), float(y), w + 8, h + 6, 0.0)
            if taken.free(rect):
                taken.add(rect)
                labels.append(Label(place.name, float(x), float(y), 0.0, size, True, PLACE_INK,
                                    math.hypot(w, h) / 2 + 6))
        last_by_name: dict[str, list[tuple[float, float]]] = {}
        for road in named:
            base = LINK_OF.get(road.highway, road.highway)
            if z < LABEL_ROADS[base] or road.name is None:
                continue
            text = _way_labels_text(road.name)
            size = 11 if z <= 16 else 12 if z == 17 else 13
            if base in ("motorway", "trunk", "primary", "secondary") and z >= 16:
                size += 1
            w, h = _text_size(text, size, False)
            need = w + 14
            pts = projected[road.way_id] * scale
            spacing = max(260.0, need * 3)
            for i, j in _straight_runs(pts):
                seg = pts[i:j + 1]
                lengths = np.hypot(*(seg[1:] - seg[:-1]).T)
                total = float(lengths.sum())
                if total < need:
                    continue
                count = max(1, int(total // spacing))
                for k in range(count):
                    at = total * (k + 0.5) / count
                    cum = np.concatenate([[0.0], np.cumsum(lengths)])
                    s = int(np.searchsorted(cum, at, side="right") - 1)
                    s = min(max(s, 0), len(lengths) - 1)
                    t = (at - cum[s]) / lengths[s] if lengths[s] else 0.0
                    cx, cy = seg[s] + (seg[s + 1] - seg[s]) * t
                    chord = seg[-1] - seg[0]
                    angle = -math.degrees(math.atan2(chord[1], chord[0]))
                    if angle > 90:
                        angle -= 180
                    elif angle <= -90:
                        angle += 180
                    near = last_by_name.get(text, [])
                    if any(math.hypot(cx - px, cy - py) < spacing for px, py in near):
                        continue
                    rect = _rect(float(cx), float(cy), w + 6, h + 4, angle)
                    if not taken.free(rect):
                        continue
                    taken.add(rect)
                    last_by_name.setdefault(text, []).append((float(cx), float(cy)))
                    labels.append(Label(text, float(cx), float(cy), angle, size, False, LABEL_INK,
                                        math.hypot(w, h) / 2 + 4))
        out[z] = labels
    return out


# -- rendering a tile ------------------------------------------------------------------------------

_SCENE: Scene | None = None


def _set_scene(scene: Scene) -> None:
    global _SCENE
    _SCENE = scene


def _pts(arr: np.ndarray, f: float, ox: float, oy: float) -> list[tuple[float, float]]:
    xy = arr * f
    xy[:, 0] -= ox
    xy[:, 1] -= oy
    return [tuple(p) for p in xy.tolist()]


def _fill_polygon(img: Image.Image, draw: ImageDraw.ImageDraw, rings: list[np.ndarray], f: float, ox: float,
                  oy: float, fill: tuple[int, int, int], outline: tuple[int, int, int] | None) -> None:
    ext = _pts(rings[0], f, ox, oy)
    if len(ext) < 3:
        return
    if len(rings) == 1:
        draw.polygon(ext, fill=fill, outline=outline, width=1 if outline else 0)
        return
    mask = Image.new("L", img.size, 0)
    mdraw = ImageDraw.Draw(mask)
    mdraw.polygon(ext, fill=255)
    for ring in rings[1:]:
        hole = _pts(ring, f, ox, oy)
        if len(hole) >= 3:
            mdraw.polygon(hole, fill=0)
    img.paste(fill, (0, 0), mask)
    if outline:
        for ring in rings:
            draw.line(_pts(ring, f, ox, oy), fill=outline, width=1)


def _line(draw: ImageDraw.ImageDraw, pts: list[tuple[float, float]], colour: tuple[int, int, int], width: float,
          caps: bool = True) -> None:
    w = max(1, round(width))
    draw.line(pts, fill=colour, width=w, joint="curve")
    if caps and w >= 3:
        r = w / 2 - 0.5
        for x, y in (pts[0], pts[-1]):
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)


@lru_cache(maxsize=512)
def _label_image(text: str, size: int, bold: bool, ink: tuple[int, int, int], angle: float) -> Image.Image:
    fnt = font(size * SS, bold)
    halo = max(2, round(size * SS / 6))
    left, top, right, bottom = fnt.getbbox(text, stroke_width=halo)
    img = Image.new("RGBA", (right - left + 2, bottom - top + 2), (*LABEL_HALO, 0))
    ImageDraw.Draw(img).text((1 - left, 1 - top), text, font=fnt, fill=(*ink, 255), stroke_width=halo,
                             stroke_fill=(*LABEL_HALO, 235))
    if angle:
        img = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    return img


def render_tile(z: int, x: int, y: int, scene: Scene | None = None) -> bytes:
    """The PNG of tile (z, x, y) (XYZ scheme: y counts from the north)."""
    scene = scene or _SCENE
    assert scene is not None, "no scene: call build_scene first"
    size = TILE * SS
    img = Image.new("RGB", (size, size), LAND)
    draw = ImageDraw.Draw(img)
    f = (2.0 ** (z - REF_ZOOM)) * SS
    ox, oy = x * size, y * size
    # query in REF_ZOOM pixels, with a margin for wide roads and outlines
    k = 2.0 ** (REF_ZOOM - z)
    margin = 24 * k
    x0, y0 = x * TILE * k - margin, y * TILE * k - margin
    x1, y1 = (x + 1) * TILE * k + margin, (y + 1) * TILE * k + margin
    hits = sorted(int(i) for i in scene.tree.query(box(x0, y0, x1, y1)))
    roads: list[Feature] = []
    frame = box(x0, y0, x1, y1)
    sea_drawn = False
    for i in hits:
        feat = scene.features[i]
        if z < feat.minzoom:
            continue
        if feat.layer == "area":
            if not sea_drawn and AREA_ORDER.index(feat.kind) >= AREA_ORDER.index("water"):
                _draw_sea(img, draw, scene, frame, f, ox, oy)
                sea_drawn = True
            fill, outline, _ = AREA_STYLE[feat.kind]
            if outline is not None and z < 16:
                outline = None if feat.kind != "building" else outline
            for rings in feat.rings:
                _fill_polygon(img, draw, rings, f, ox, oy, fill, outline)
        elif feat.layer == "line":
            if not sea_drawn:
                _draw_sea(img, draw, scene, frame, f, ox, oy)
                sea_drawn = True
            colour, width, _ = LINE_STYLE[feat.kind]
            assert feat.coords is not None
            _line(draw, _pts(feat.coords, f, ox, oy), colour, width * (2.0 ** ((z - 16) * 0.6)) * SS)
        else:
            roads.append(feat)
    if not sea_drawn:
        _draw_sea(img, draw, scene, frame, f, ox, oy)
    _draw_roads(draw, roads, z, f, ox, oy)
    for li in scene.label_index.get((z, x, y), ()):
        label = scene.labels[z][li]
        limg = _label_image(label.text, label.size, label.bold, label.ink, round(label.angle, 1))
        px = round(label.x * SS - ox - limg.width / 2)
        py = round(label.y * SS - oy - limg.height / 2)
        img.paste(limg, (px, py), limg)
    out = img.resize((TILE, TILE), Image.Resampling.LANCZOS)
    buf = BytesIO()
    out.save(buf, format="PNG", optimize=False, compress_level=6)
    return buf.getvalue()


def _draw_sea(img: Image.Image, draw: ImageDraw.ImageDraw, scene: Scene, frame: Polygon, f: float, ox: float,
              oy: float) -> None:
    for rings in scene.sea:
        ext = rings[0]
        if (ext[:, 0].max() < frame.bounds[0] or ext[:, 0].min() > frame.bounds[2]
                or ext[:, 1].max() < frame.bounds[1] or ext[:, 1].min() > frame.bounds[3]):
            continue
        poly = Polygon(ext, rings[1:]).intersection(frame)
        if poly.is_empty:
            continue
        for part in getattr(poly, "geoms", [poly]):
            if isinstance(part, Polygon) and not part.is_empty:
                _fill_polygon(img, draw, [np.asarray(part.exterior.coords), *(np.asarray(r.coords)
                                                                                for r in part.interiors)],
                              f, ox, oy, WATER, None)


def _draw_roads(draw: ImageDraw.ImageDraw, roads: list[Feature], z: int, f: float, ox: float, oy: float) -> None:
    items = []
    for feat in roads:
        width = road_width(feat.kind, z)
        if width <= 0:
            continue
        assert feat.coords is not None
        items.append((feat, _pts(feat.coords, f, ox, oy), width))
    # tunnels first and faint, then by rank: every casing of a level, then its fills
    items.sort(key=lambda t: (not t[0].tunnel, t[0].rank))
    levels: dict[tuple[bool, bool], list[Any]] = {}
    for item in items:
        levels.setdefault((not item[0].tunnel, item[0].bridge), []).append(item)
    for key in sorted(levels):
        group = levels[key]
        for feat, pts, width in group:
            casing = _casing(feat.kind, z, width)
            if casing > 0:
                style = ROAD_STYLE[LINK_OF.get(feat.kind, feat.kind)]
                colour = (150, 150, 150) if feat.bridge and z >= 15 else style[1]
                if feat.tunnel:
                    colour = tuple(min(255, c + 40) for c in colour)
                _line(draw, pts, colour, casing * SS)
        for feat, pts, width in group:
            style = ROAD_STYLE[LINK_OF.get(feat.kind, feat.kind)]
            colour = style[0]
            if feat.tunnel:
                colour = tuple(round(c * 0.5 + 245 * 0.5) for c in colour)
            _line(draw, pts, colour, width * SS)


# -- the package -----------------------------------------------------------------------------------

MBTILES_SCHEMA = """
CREATE TABLE metadata (name TEXT NOT NULL, value TEXT);
CREATE UNIQUE INDEX metadata_name ON metadata (name);
CREATE TABLE images (tile_id TEXT NOT NULL, tile_data BLOB NOT NULL);
CREATE UNIQUE INDEX images_id ON images (tile_id);
CREATE TABLE map (zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL, tile_row INTEGER NOT NULL,
                  tile_id TEXT NOT NULL);
CREATE UNIQUE INDEX map_index ON map (zoom_level, tile_column, tile_row);
CREATE VIEW tiles AS SELECT map.zoom_level AS zoom_level, map.tile_column AS tile_column,
    map.tile_row AS tile_row, images.tile_data AS tile_data FROM map JOIN images ON images.tile_id = map.tile_id;
CREATE TABLE neo_addresses (id TEXT PRIMARY KEY, lat REAL NOT NULL, lon REAL NOT NULL, housenumber TEXT,
                            street TEXT, city TEXT, postcode TEXT, building INTEGER NOT NULL);
"""


@dataclass
class BuildReport:
    path: Path
    tiles: int
    unique_images: int
    seconds: float
    nodes: int
    edges: int
    addresses: int
    bounds: BBox
    zooms: tuple[int, int]


def _render_chunk(tile: tuple[int, int, int]) -> tuple[tuple[int, int, int], bytes]:
    return tile, render_tile(*tile)


def _pool(workers: int, scene: Scene) -> Any:
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods:
        _set_scene(scene)
        return multiprocessing.get_context("fork").Pool(workers)
    return multiprocessing.get_context("spawn").Pool(workers, initializer=_set_scene, initargs=(scene,))


def parse_bbox(text: str) -> BBox:
    """``minlon,minlat,maxlon,maxlat`` -> a checked :data:`BBox` (``ValueError`` otherwise)."""
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) != 4:
        raise ValueError(f"a bounding box is minlon,minlat,maxlon,maxlat: {text!r}")
    try:
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
    except ValueError:
        raise ValueError(f"a bounding box is four numbers: {text!r}") from None
    if not (-180 <= min_lon < max_lon <= 180 and -85 <= min_lat < max_lat <= 85):
        raise ValueError(f"not a bounding box (min < max, lon in [-180, 180], lat in [-85, 85]): {text!r}")
    return (min_lon, min_lat, max_lon, max_lat)


def parse_zooms(text: str) -> tuple[int, int]:
    """``12-18`` or ``16`` -> (min, max) within 0..19 (``ValueError`` otherwise)."""
    parts = str(text).split("-")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        raise ValueError(f"zoom levels are N or MIN-MAX: {text!r}") from None
    if len(values) == 1:
        values = values * 2
    if len(values) != 2 or not (0 <= values[0] <= values[1] <= MAX_ZOOM):
        raise ValueError(f"zoom levels are MIN-MAX within 0-{MAX_ZOOM}: {text!r}")
    return values[0], values[1]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build(pbf: Path | str, out: Path | str, *, bbox: BBox | None = None, zooms: tuple[int, int] = (12, 18),
          workers: int | None = None, progress: Progress | None = None, name: str | None = None) -> BuildReport:
    """Render the tiles of ``bbox`` (default: the extract's bounds) at zooms
    ``zooms[0]..zooms[1]`` and write the package to ``out`` (atomically)."""
    started = time.monotonic()
    pbf, out = Path(pbf), Path(out)
    zmin, zmax = zooms
    if not (0 <= zmin <= zmax <= MAX_ZOOM):
        raise ValueError(f"zoom levels must be within 0-{MAX_ZOOM}: {zooms}")
    step = progress or (lambda _label, _done, _total: None)
    step(tr("Lecture de l'extrait"), 0, 1)
    source_sha = _sha256(pbf)
    margin = 0.01
    read_box = None if bbox is None else (bbox[0] - margin, bbox[1] - margin, bbox[2] + margin, bbox[3] + margin)
    data = read_pbf(pbf, read_box)
    render_box = bbox or data.bounds
    step(tr("Lecture de l'extrait"), 1, 1)
    zoom_list = list(range(zmin, zmax + 1))
    scene = build_scene(data, render_box, zoom_list)
    tiles = tiles_for(render_box, zoom_list)
    graph = road_graph.build_graph(data, render_box)
    addresses = resolved_addresses(data, render_box)

    out.parent.mkdir(parents=True, exist_ok=True)
    fd, part_name = tempfile.mkstemp(prefix=f".{out.name}-", suffix=".part", dir=out.parent)
    os.close(fd)
    part = Path(part_name)
    conn = sqlite3.connect(part)
    unique = 0
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.executescript(MBTILES_SCHEMA)
        center_lon, center_lat = (render_box[0] + render_box[2]) / 2, (render_box[1] + render_box[3]) / 2
        meta = {
            "name": name or out.stem, "format": "png", "type": "baselayer", "version": RENDERER_VERSION,
            "description": "OpenStreetMap basemap and road graph for NEO's holiday watch",
            "bounds": ",".join(f"{v:.6f}" for v in render_box),
            "center": f"{center_lon:.6f},{center_lat:.6f},{min(max(zmin, 15), zmax)}",
            "minzoom": str(zmin), "maxzoom": str(zmax), "attribution": ATTRIBUTION, "scheme": "tms",
            "neo_version": RENDERER_VERSION, "neo_source_sha256": source_sha, "neo_tile_size": str(TILE),
        }
        conn.executemany("INSERT INTO metadata (name, value) VALUES (?, ?)", sorted(meta.items()))
        road_graph.write_graph(conn, graph)
        conn.executemany(
            "INSERT INTO neo_addresses (id, lat, lon, housenumber, street, city, postcode, building) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(a.osm_id, a.lat, a.lon, a.housenumber, a.street, a.city, a.postcode, 1 if a.building else 0)
             for a in addresses])
        seen: set[str] = set()
        total = len(tiles)
        label = tr("Rendu des tuiles")
        n = max(1, min(workers or os.cpu_count() or 1, 16))
        results: Iterator[tuple[tuple[int, int, int], bytes]]
        pool = None
        if n > 1 and total > 32:
            pool = _pool(n, scene)
            results = pool.imap(_render_chunk, tiles, chunksize=8)
        else:
            _set_scene(scene)
            results = (_render_chunk(t) for t in tiles)
        try:
            for done, ((z, x, y), png) in enumerate(results, start=1):
                tile_id = hashlib.sha256(png).hexdigest()
                if tile_id not in seen:
                    seen.add(tile_id)
                    conn.execute("INSERT INTO images (tile_id, tile_data) VALUES (?, ?)", (tile_id, png))
                conn.execute("INSERT INTO map (zoom_level, tile_column, tile_row, tile_id) VALUES (?, ?, ?, ?)",
                             (z, x, (1 << z) - 1 - y, tile_id))
                step(label, done, total)
        finally:
            if pool is not None:
                pool.close()
                pool.join()
        unique = len(seen)
        conn.commit()
    except BaseException:
        conn.close()
        part.unlink(missing_ok=True)
        raise
    conn.close()
    os.chmod(part, 0o644)  # public data; mkstemp made it private
    os.replace(part, out)
    return BuildReport(out, len(tiles), unique, time.monotonic() - started, len(graph.nodes), len(graph.edges),
                       len(addresses), render_box, (zmin, zmax))


def read_metadata(path: Path | str) -> dict[str, str]:
    conn = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    try:
        return {str(k): str(v) for k, v in conn.execute("SELECT name, value FROM metadata")}
    finally:
        conn.close()


def package_is_current(path: Path | str, source_sha256: str) -> bool:
    """Whether the package at ``path`` was built from that extract by this renderer."""
    try:
        meta = read_metadata(path)
    except sqlite3.Error:
        return False
    return meta.get("neo_source_sha256") == source_sha256 and meta.get("neo_version") == RENDERER_VERSION
