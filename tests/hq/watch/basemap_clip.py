"""The demo extract and small basemap packages built from it, cached for the tests.

The extract comes from PyPI once (``neo.hq.watch.demo_osm``, hash-checked) into
``.cache/osm``; packages are built into ``.cache/neo/test-*.mbtiles``, named by what
they were built from (the extract, the box, the zooms and the renderer's source), so a
change to the renderer builds them again and otherwise the tests reuse them.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from neo.hq.errors import AdminError
from neo.hq.watch import basemap, demo_osm, osm, roads

BEAUSOLEIL = (7.4175, 43.7410, 7.4290, 43.7520)
"""A clip of Beausoleil (and the edge of Monte-Carlo) with Boulevard de la République."""
CLIP_ZOOMS = (14, 17)


def demo_pbf() -> Path:
    try:
        return demo_osm.ensure_demo_pbf()
    except AdminError as exc:  # no network and no cache: say so rather than fail obscurely
        pytest.skip(f"the demo OpenStreetMap extract is not available: {exc}")


def _source_key(*parts: object) -> str:
    digest = hashlib.sha256()
    for module in (basemap, osm, roads):
        digest.update(Path(module.__file__).read_bytes())
    for part in parts:
        digest.update(repr(part).encode())
    return digest.hexdigest()[:16]


def clip_package(bbox: tuple[float, float, float, float] = BEAUSOLEIL,
                 zooms: tuple[int, int] = CLIP_ZOOMS) -> Path:
    pbf = demo_pbf()
    key = _source_key(demo_osm.PBF_SHA256, bbox, zooms)
    out = demo_osm.default_basemap_dir() / f"test-{key}.mbtiles"
    if not out.is_file():
        out.parent.mkdir(parents=True, exist_ok=True)
        for stale in out.parent.glob("test-*.mbtiles"):
            if os.path.getmtime(stale) < os.path.getmtime(basemap.__file__):
                stale.unlink(missing_ok=True)
        basemap.build(pbf, out, bbox=bbox, zooms=zooms, workers=2, name="Beausoleil (tests)")
    return out
