"""Reading an OpenStreetMap extract (``.osm.pbf``) for the holiday watch, with pyosmium.

:func:`read_pbf` makes one pass over the file (node locations kept in memory, areas
assembled from closed ways and multipolygon relations by libosmium) and returns an
:class:`OsmData`: the roads with their tags and node ids, the areas worth drawing
(water, parks and green, forests, buildings, land use), lines (streams, railways,
cliffs), the coastline, the places (towns, villages), the communes (``admin_level=8``
boundaries, with their postcode), and the addresses and buildings the demo seeding uses.

Everything is in WGS84 (lon, lat). Coordinates and lists come in file order (ids
ascending in a sorted extract), so the same file always gives the same result.
Incomplete relations of an extract (a boundary cut by its edge) are skipped.

Used by the basemap renderer (:mod:`neo.hq.watch.basemap`), the road graph
(:mod:`neo.hq.watch.roads`) and the demo registrations (W4: :func:`demo_homes`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import osmium
import osmium.geom
from shapely import wkb
from shapely.geometry import MultiPolygon, Point, Polygon, box
from shapely.strtree import STRtree

BBox = tuple[float, float, float, float]
"""(min lon, min lat, max lon, max lat)."""

ROAD_CLASSES = (
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link",
    "tertiary", "tertiary_link", "unclassified", "residential", "living_street", "service", "road",
    "pedestrian", "track", "footway", "path", "steps", "cycleway", "bridleway",
)
"""``highway=*`` values read as roads (drawn); the road graph keeps the drivable ones."""

DRIVABLE = frozenset({
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link",
    "tertiary", "tertiary_link", "unclassified", "residential", "living_street", "service", "road",
})
"""Roads a patrol car can drive (no footway, steps, path, cycleway, track, pedestrian street)."""

AREA_KINDS: tuple[tuple[str, str, frozenset[str] | None], ...] = (
    # (kind, tag key, values or None for any value); first match wins.
    ("water", "natural", frozenset({"water", "bay"})),
    ("water", "waterway", frozenset({"riverbank", "dock"})),
    ("water", "landuse", frozenset({"reservoir", "basin"})),
    ("pool", "leisure", frozenset({"swimming_pool"})),
    ("pool", "amenity", frozenset({"swimming_pool"})),
    ("building", "building", None),
    ("pitch", "leisure", frozenset({"pitch", "track", "stadium", "sports_centre", "miniature_golf"})),
    ("park", "leisure", frozenset({"park", "garden", "playground", "common", "golf_course", "nature_reserve",
                                   "recreation_ground", "dog_park"})),
    ("forest", "landuse", frozenset({"forest"})),
    ("forest", "natural", frozenset({"wood"})),
    ("green", "landuse", frozenset({"grass", "meadow", "recreation_ground", "village_green", "orchard", "vineyard",
                                    "allotments", "farmland", "greenfield", "plant_nursery"})),
    ("green", "natural", frozenset({"scrub", "grassland", "heath", "shrubbery"})),
    ("cemetery", "landuse", frozenset({"cemetery"})),
    ("cemetery", "amenity", frozenset({"grave_yard"})),
    ("beach", "natural", frozenset({"beach", "sand"})),
    ("rock", "natural", frozenset({"bare_rock", "scree", "rock"})),
    ("parking", "amenity", frozenset({"parking"})),
    ("residential", "landuse", frozenset({"residential"})),
    ("commercial", "landuse", frozenset({"commercial", "retail", "industrial", "railway", "construction",
                                         "brownfield", "military", "port"})),
    ("pedestrian", "highway", frozenset({"pedestrian"})),
    ("marina", "leisure", frozenset({"marina"})),
)

RESIDENTIAL_BUILDINGS = frozenset({"yes", "house", "residential", "apartments", "detached", "semidetached_house",
                                   "terrace", "villa", "bungalow", "farm", "dormitory"})
"""``building=*`` values that may be a home (for the demo registrations)."""


@dataclass(frozen=True, slots=True)
class Road:
    way_id: int
    highway: str
    name: str | None
    ref: str | None
    oneway: int
    """1: one way in the way's direction, -1: against it, 0: both ways."""
    maxspeed: float | None
    access: str | None
    node_ids: tuple[int, ...]
    coords: tuple[tuple[float, float], ...]
    bridge: bool = False
    tunnel: bool = False
    layer: int = 0
    area: bool = False


@dataclass(frozen=True, slots=True)
class Area:
    osm_id: int
    """libosmium's area id: 2 * way id for a closed way, 2 * relation id + 1 for a relation."""
    kind: str
    name: str | None
    geometry: MultiPolygon
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Line:
    way_id: int
    kind: str
    """``stream``, ``river``, ``rail``, ``cliff``."""
    name: str | None
    coords: tuple[tuple[float, float], ...]
    tunnel: bool = False


@dataclass(frozen=True, slots=True)
class Place:
    node_id: int
    kind: str
    name: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class Commune:
    relation_id: int
    name: str
    postcode: str | None
    geometry: MultiPolygon | None
    """None when the extract cuts the boundary (the postcode is still known)."""


@dataclass(frozen=True, slots=True)
class AddressPoint:
    osm_id: str
    """``n<id>`` (a node), ``w<id>`` or ``r<id>`` (a building's way or relation)."""
    lon: float
    lat: float
    housenumber: str | None
    street: str | None
    postcode: str | None
    city: str | None
    building: str | None
    """The ``building=*`` value (None for an address node or entrance)."""


@dataclass
class OsmData:
    bounds: BBox
    """The extract's bounding box (from its header, else from its nodes)."""
    roads: list[Road] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    coastline: list[tuple[tuple[float, float], ...]] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    communes: list[Commune] = field(default_factory=list)
    addresses: list[AddressPoint] = field(default_factory=list)

    def drivable_roads(self) -> list[Road]:
        return [r for r in self.roads if is_drivable(r)]


def is_drivable(road: Road) -> bool:
    """A road a patrol car may take: a drivable class, not an area, not ``access=no``."""
    if road.highway not in DRIVABLE or road.area:
        return False
    return road.access not in ("no",)


def _oneway(tags: osmium.osm.TagList, highway: str) -> int:
    value = tags.get("oneway")
    if value in ("yes", "true", "1"):
        return 1
    if value in ("-1", "reverse"):
        return -1
    if value in ("no", "false", "0"):
        return 0
    if tags.get("junction") in ("roundabout", "circular") or highway in ("motorway", "motorway_link"):
        return 1
    return 0


def _maxspeed(value: str | None) -> float | None:
    if not value:
        return None
    text = value.strip().lower()
    factor = 1.0
    if text.endswith("mph"):
        factor, text = 1.609344, text[:-3].strip()
    try:
        speed = float(text) * factor
    except ValueError:
        return None
    return speed if 0 < speed < 200 else None


def _layer(value: str | None) -> int:
    try:
        return max(-5, min(5, int(value or 0)))
    except ValueError:
        return 0


def _area_kind(tags: osmium.osm.TagList) -> str | None:
    for kind, key, values in AREA_KINDS:
        value = tags.get(key)
        if value is None:
            continue
        if key == "building" and value == "no":
            continue
        if key == "highway" and tags.get("area") != "yes":
            continue
        if values is None or value in values:
            return kind
    return None


def _in(bbox: BBox | None, lon: float, lat: float) -> bool:
    return bbox is None or (bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3])


def _touches(bbox: BBox | None, coords: Iterable[tuple[float, float]]) -> bool:
    if bbox is None:
        return True
    xs, ys = zip(*coords, strict=True)
    return not (max(xs) < bbox[0] or min(xs) > bbox[2] or max(ys) < bbox[1] or min(ys) > bbox[3])


def _header_bounds(path: Path) -> BBox | None:
    reader = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING)
    try:
        box_ = reader.header().box()
    finally:
        reader.close()
    if not box_.valid():
        return None
    return (box_.bottom_left.lon, box_.bottom_left.lat, box_.top_right.lon, box_.top_right.lat)


def read_pbf(path: Path | str, bbox: BBox | None = None) -> OsmData:
    """Read what the holiday watch needs from an OpenStreetMap extract.

    With ``bbox``, features entirely outside it are left out (those crossing it are
    kept whole). Raises ``ValueError`` for a file that is not a readable extract.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no such OpenStreetMap extract: {path}")
    try:
        header = _header_bounds(path)
    except RuntimeError as exc:
        raise ValueError(f"not a readable OpenStreetMap extract: {path} ({exc})") from exc
    factory = osmium.geom.WKBFactory()
    data = OsmData(bounds=header or (180.0, 90.0, -180.0, -90.0))
    commune_tags: dict[int, tuple[str, str | None]] = {}
    commune_geoms: dict[int, MultiPolygon] = {}
    min_lon, min_lat, max_lon, max_lat = 180.0, 90.0, -180.0, -90.0
    building_points: list[AddressPoint] = []
    try:
        processor = osmium.FileProcessor(str(path)).with_locations().with_areas()
        for obj in processor:
            if obj.is_node():
                loc = obj.location
                if not loc.valid():
                    continue
                lon, lat = loc.lon, loc.lat
                if header is None:
                    min_lon, min_lat = min(min_lon, lon), min(min_lat, lat)
                    max_lon, max_lat = max(max_lon, lon), max(max_lat, lat)
                tags = obj.tags
                if not _in(bbox, lon, lat):
                    continue
                place = tags.get("place")
                if place in ("city", "town", "village", "suburb", "hamlet", "neighbourhood") and tags.get("name"):
                    data.places.append(Place(obj.id, place, tags["name"], lon, lat))
                if "addr:housenumber" in tags or tags.get("entrance") in ("main", "yes", "home"):
                    if "addr:housenumber" in tags or "addr:street" in tags:
                        data.addresses.append(AddressPoint(
                            f"n{obj.id}", lon, lat, tags.get("addr:housenumber"), tags.get("addr:street"),
                            tags.get("addr:postcode"), tags.get("addr:city"), None))
            elif obj.is_way():
                tags = obj.tags
                highway = tags.get("highway")
                natural = tags.get("natural")
                waterway = tags.get("waterway")
                railway = tags.get("railway")
                if not (highway or natural == "coastline" or natural == "cliff" or waterway or railway):
                    continue
                try:
                    coords = tuple((n.location.lon, n.location.lat) for n in obj.nodes)
                except osmium.InvalidLocationError:
                    continue
                if len(coords) < 2:
                    continue
                if natural == "coastline":
                    data.coastline.append(coords)
                    continue
                if not _touches(bbox, coords):
                    continue
                if highway in ROAD_CLASSES:
                    data.roads.append(Road(
                        way_id=obj.id, highway=highway, name=tags.get("name"), ref=tags.get("ref"),
                        oneway=_oneway(tags, highway), maxspeed=_maxspeed(tags.get("maxspeed")),
                        access=tags.get("motor_vehicle") or tags.get("motorcar") or tags.get("access"),
                        node_ids=tuple(n.ref for n in obj.nodes), coords=coords,
                        bridge=tags.get("bridge", "no") not in ("no", "false"),
                        tunnel=tags.get("tunnel", "no") not in ("no", "false"),
                        layer=_layer(tags.get("layer")), area=tags.get("area") == "yes"))
                elif waterway in ("stream", "river", "canal", "drain", "ditch"):
                    data.lines.append(Line(obj.id, "river" if waterway in ("river", "canal") else "stream",
                                           tags.get("name"), coords, tags.get("tunnel") in ("yes", "culvert")))
                elif railway in ("rail", "light_rail", "narrow_gauge", "funicular"):
                    data.lines.append(Line(obj.id, "rail", tags.get("name"), coords,
                                           tags.get("tunnel", "no") != "no"))
                elif natural == "cliff":
                    data.lines.append(Line(obj.id, "cliff", tags.get("name"), coords))
            elif obj.is_relation():
                tags = obj.tags
                if tags.get("boundary") == "administrative" and tags.get("admin_level") == "8" and tags.get("name"):
                    postcode = tags.get("addr:postcode") or tags.get("postal_code")
                    commune_tags[obj.id] = (tags["name"], postcode)
            elif obj.is_area():
                tags = obj.tags
                if (tags.get("boundary") == "administrative" and tags.get("admin_level") == "8"
                        and not obj.from_way()):
                    geom = _area_geometry(factory, obj)
                    if geom is not None:
                        commune_geoms[obj.orig_id()] = geom
                    continue
                kind = _area_kind(tags)
                if kind is None:
                    continue
                geom = _area_geometry(factory, obj)
                if geom is None:
                    continue
                b = geom.bounds
                if bbox is not None and (b[2] < bbox[0] or b[0] > bbox[2] or b[3] < bbox[1] or b[1] > bbox[3]):
                    continue
                keep = {k: tags[k] for k in ("building", "addr:housenumber", "addr:street", "addr:postcode",
                                             "addr:city", "name", "building:levels") if k in tags}
                data.areas.append(Area(obj.id, kind, tags.get("name"), geom, keep))
                if kind == "building":
                    c = geom.representative_point()
                    prefix = "w" if obj.from_way() else "r"
                    building_points.append(AddressPoint(
                        f"{prefix}{obj.orig_id()}", round(c.x, 7), round(c.y, 7), tags.get("addr:housenumber"),
                        tags.get("addr:street"), tags.get("addr:postcode"), tags.get("addr:city"),
                        tags.get("building")))
    except RuntimeError as exc:
        raise ValueError(f"not a readable OpenStreetMap extract: {path} ({exc})") from exc
    if header is None and min_lon <= max_lon:
        data.bounds = (min_lon, min_lat, max_lon, max_lat)
    for rel_id in sorted(commune_tags):
        name, postcode = commune_tags[rel_id]
        data.communes.append(Commune(rel_id, name, postcode, commune_geoms.get(rel_id)))
    data.addresses.extend(building_points)
    return data


def _area_geometry(factory: osmium.geom.WKBFactory, area: osmium.osm.Area) -> MultiPolygon | None:
    try:
        geom = wkb.loads(factory.create_multipolygon(area), hex=True)
    except RuntimeError:  # an incomplete or broken ring in the extract
        return None
    if geom.is_empty:
        return None
    if not geom.is_valid:
        geom = geom.buffer(0)
        if geom.is_empty:
            return None
    if isinstance(geom, Polygon):
        geom = MultiPolygon([geom])
    if not isinstance(geom, MultiPolygon):
        return None
    return geom


# -- addresses for the demo ---------------------------------------------------------------------

_EARTH_M_PER_DEG = 111_320.0


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    kx = _EARTH_M_PER_DEG * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot((lon2 - lon1) * kx, (lat2 - lat1) * _EARTH_M_PER_DEG)


class Locator:
    """Which commune and which named street a point is in or near.

    The commune is the ``admin_level=8`` boundary holding the point; where the extract
    cut a boundary, the nearest town or village of that name decides. The street is the
    nearest named drivable road within ``max_street_m``.
    """

    def __init__(self, data: OsmData, *, max_street_m: float = 80.0) -> None:
        self.max_street_m = max_street_m
        self._communes = [c for c in data.communes if c.geometry is not None]
        self._postcodes = {c.name: c.postcode for c in data.communes if c.postcode}
        self._tree = STRtree([c.geometry for c in self._communes]) if self._communes else None
        self._villages = [p for p in data.places if p.kind in ("city", "town", "village")]
        named = [r for r in data.roads if r.name and is_drivable(r)
                 and r.highway not in ("motorway", "motorway_link", "service")]
        self._roads = named
        from shapely.geometry import LineString

        self._road_tree = STRtree([LineString(r.coords) for r in named]) if named else None

    def commune(self, lon: float, lat: float) -> tuple[str | None, str | None]:
        """(name, postcode) of the commune at the point."""
        point = Point(lon, lat)
        if self._tree is not None:
            for i in sorted(int(i) for i in self._tree.query(point, predicate="within")):
                c = self._communes[i]
                return c.name, c.postcode
        if not self._villages:
            return None, None
        nearest = min(self._villages, key=lambda p: (_metres(lon, lat, p.lon, p.lat), p.node_id))
        return nearest.name, self._postcodes.get(nearest.name)

    def street(self, lon: float, lat: float) -> str | None:
        if self._road_tree is None:
            return None
        deg = self.max_street_m / _EARTH_M_PER_DEG / max(0.2, math.cos(math.radians(lat)))
        point = Point(lon, lat)
        best: tuple[float, int, str] | None = None
        for i in self._road_tree.query(box(lon - deg, lat - deg, lon + deg, lat + deg)):
            road = self._roads[int(i)]
            geom = self._road_tree.geometries[int(i)]
            d = geom.distance(point)
            key = (d, road.way_id, road.name or "")
            if best is None or key < best:
                best = key
        if best is None:
            return None
        # distance in degrees → metres (approximate, enough for "near")
        if best[0] * _EARTH_M_PER_DEG * max(0.2, math.cos(math.radians(lat))) > self.max_street_m:
            return None
        return best[2]


def resolved_addresses(data: OsmData, bbox: BBox | None = None) -> list[AddressPoint]:
    """The extract's addresses and buildings with street, commune and postcode filled in
    where the data left them out (nearest named street, commune boundary). House numbers
    stay as mapped (None when the building has none)."""
    locator = Locator(data)
    out: list[AddressPoint] = []
    for a in data.addresses:
        if not _in(bbox, a.lon, a.lat):
            continue
        city, postcode = a.city, a.postcode
        if city is None or postcode is None:
            found_city, found_pc = locator.commune(a.lon, a.lat)
            city = city or found_city
            postcode = postcode or found_pc
        street = a.street or locator.street(a.lon, a.lat)
        out.append(AddressPoint(a.osm_id, a.lon, a.lat, a.housenumber, street, postcode, city, a.building))
    return out
