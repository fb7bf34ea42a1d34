"""HQ hands the basemap package to the unit's tablets (``/api/v1/m/holiday_watch/basemap``).

* ``GET .../basemap``: what the package is (``name``, ``size``, ``sha256``, ``version``,
  zoom levels, bounds, attribution), so a tablet knows whether the one it holds is
  current; 404 (``no_basemap``) when HQ has none.
* ``GET .../basemap/content``: the file itself. ``ETag`` is the file's SHA-256 in
  quotes; ``Range: bytes=N-`` answers 206 with ``Content-Range`` (a tablet resumes a
  download cut by the network), a range past the end 416, ``If-Range`` with another
  tag the whole file (200), ``If-None-Match`` with the current tag 304.

HQ serves one package for every unit: ``HQConfig.basemap_path`` (``NEO_HQ_BASEMAP``),
else ``basemap.mbtiles`` in HQ's data directory. The map is public data (OpenStreetMap):
it goes to any enrolled device, in clear. Replacing the file (write elsewhere, then
rename over it) changes its SHA-256, and tablets fetch the new one.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Header
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from neo import protocol
from neo.hq.app import ERRORS, CurrentDevice, _json, etag_matches
from neo.hq.config import HQConfig
from neo.hq.errors import NotFound
from neo.i18n import tr

PREFIX = f"{protocol.API_PREFIX}/m/holiday_watch"
BASEMAP_FILE = "basemap.mbtiles"
"""The package's name in HQ's data directory when ``basemap_path`` is not set."""
MEDIA_TYPE = "application/x-sqlite3"


class BasemapInfo(BaseModel):
    name: str
    size: int = Field(description="bytes")
    sha256: str
    version: str = Field(description="the renderer's version and the extract's SHA-256 prefix")
    minzoom: int | None = None
    maxzoom: int | None = None
    bounds: str | None = None
    attribution: str | None = None


class _Digests:
    """SHA-256 and metadata of the package, computed once per file version (size, mtime)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, int, int], dict[str, Any]] = {}

    def info(self, path: Path) -> dict[str, Any]:
        st = path.stat()
        key = (str(path), st.st_size, st.st_mtime_ns)
        with self._lock:
            found = self._cache.get(key)
        if found is not None:
            return found
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        meta: dict[str, str] = {}
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
            try:
                meta = {str(k): str(v) for k, v in conn.execute("SELECT name, value FROM metadata")}
            finally:
                conn.close()
        except sqlite3.Error:
            meta = {}
        info = {
            "name": meta.get("name") or path.stem, "size": st.st_size, "sha256": digest.hexdigest(),
            "version": f"{meta.get('neo_version', '?')}-{meta.get('neo_source_sha256', '')[:12]}",
            "minzoom": _int(meta.get("minzoom")), "maxzoom": _int(meta.get("maxzoom")),
            "bounds": meta.get("bounds"), "attribution": meta.get("attribution"),
        }
        with self._lock:
            self._cache = {key: info}
        return info


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def basemap_file(config: HQConfig) -> Path | None:
    """The package HQ serves, or None."""
    path = Path(config.basemap_path or config.data_dir / BASEMAP_FILE)
    return path if path.is_file() else None


def add_basemap_routes(app: FastAPI, config: HQConfig) -> None:
    digests = _Digests()

    def current() -> tuple[Path, dict[str, Any]]:
        path = basemap_file(config)
        if path is None:
            raise NotFound(tr("Le QG n'a pas de fond de carte à distribuer."), code="no_basemap")
        return path, digests.info(path)

    @app.get(f"{PREFIX}/basemap", response_model=BasemapInfo, tags=["holiday_watch"],
             responses={**ERRORS, 404: {"model": protocol.ErrorResponse, "description": "no basemap at HQ"}})
    def basemap_info(device: CurrentDevice) -> Any:
        """The basemap package HQ distributes: name, size, SHA-256, version."""
        _path, info = current()
        return _json(info)

    @app.get(f"{PREFIX}/basemap/content", tags=["holiday_watch"], response_class=FileResponse,
             responses={**ERRORS, 200: {"description": "the package (MBTiles)",
                                        "content": {MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}},
                        206: {"description": "the requested byte range",
                              "content": {MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}},
                        304: {"description": "unchanged: If-None-Match names the current package"},
                        404: {"model": protocol.ErrorResponse, "description": "no basemap at HQ"},
                        416: {"description": "the range starts past the end of the file"}})
    def basemap_content(
        device: CurrentDevice,
        if_none_match: Annotated[str | None, Header(max_length=1000)] = None,
    ) -> Any:
        """The package (MBTiles). Resumable: ``Range: bytes=N-`` (with ``If-Range`` set to
        the ETag) returns the rest of the file with 206. ``ETag`` is the SHA-256."""
        path, info = current()
        etag = f'"{info["sha256"]}"'
        if if_none_match and etag_matches(if_none_match, etag):
            return Response(status_code=304, headers={"ETag": etag})
        return FileResponse(path, media_type=MEDIA_TYPE, headers={
            "ETag": etag, "Cache-Control": "private, no-transform",
            "Content-Disposition": f'attachment; filename="{path.name}"'})
