"""The basemap package on the tablet: which one is installed, and fetching HQ's.

HQ distributes one MBTiles package (tiles, road graph, addresses; see
docs/holiday-watch.md) at ``/api/v1/m/holiday_watch/basemap``. The tablet keeps it in
the module's data directory (``ctx.data_dir``, inside the device's data directory):
``basemap-<sha256 prefix>.mbtiles`` plus ``basemap.json`` saying which file is current
(name, size, SHA-256, version). The map is public OpenStreetMap data, so the file is
**not encrypted** (nothing about people is in it); the registrations and visits stay in
the encrypted database.

:func:`ensure_basemap` (called when HQ is reachable, on a worker thread) asks HQ what
its package is and downloads it when the tablet does not hold it yet: resumed after a
cut (``.part``), checked against its SHA-256, then made current in one step (the state
file is replaced atomically). A map widget holding the previous file open keeps reading
it; older files are removed once they are no longer current (a removal that fails, e.g.
on Windows while the file is open, is retried next time).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from neo.api import HqRefused, ModuleContext

STATE_FILE = "basemap.json"
ROUTE = "basemap"
CONTENT_ROUTE = "basemap/content"
_SHA = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class InstalledBasemap:
    path: Path
    name: str
    size: int
    sha256: str
    version: str


def _dir(ctx: ModuleContext) -> Path:
    return ctx.data_dir


def installed(ctx: ModuleContext) -> InstalledBasemap | None:
    """The package the tablet holds (None: none yet, or its file is gone)."""
    directory = _dir(ctx)
    try:
        state = json.loads((directory / STATE_FILE).read_text(encoding="utf-8"))
        path = directory / str(state["file"])
        if path.parent != directory or not path.is_file():
            return None
        return InstalledBasemap(path, str(state.get("name") or ""), int(state["size"]), str(state["sha256"]),
                                str(state.get("version") or ""))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def basemap_path(ctx: ModuleContext) -> Path | None:
    """The MBTiles file to open, or None when no basemap is installed."""
    current = installed(ctx)
    return current.path if current else None


def _write_state(directory: Path, data: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".basemap-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, directory / STATE_FILE)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _remove_stale(directory: Path, keep: str) -> None:
    for old in directory.glob("basemap-*.mbtiles"):
        if old.name != keep:
            try:
                old.unlink()
            except OSError:
                pass  # open elsewhere (Windows): next time


def ensure_basemap(ctx: ModuleContext, progress: Callable[[int, int], None] | None = None) -> InstalledBasemap | None:
    """Make sure the tablet holds HQ's current basemap; returns what is installed.

    Needs the ``hq`` and ``storage`` permissions. Raises ``HqUnavailable`` when HQ cannot
    be reached or the transfer broke (what arrived is kept and resumed next time);
    returns the installed package (maybe None) when HQ has no basemap to give.
    ``progress(done, total)`` follows the download, in bytes.
    """
    current = installed(ctx)
    try:
        info = ctx.hq.get_json(ROUTE)
    except HqRefused as exc:
        if exc.code == "no_basemap":
            return current
        raise
    sha256 = str(info.get("sha256", ""))
    if not _SHA.match(sha256):
        raise ValueError(f"HQ sent no valid SHA-256 for its basemap: {sha256!r}")
    if current is not None and current.sha256 == sha256:
        return current
    directory = _dir(ctx)
    name = f"basemap-{sha256[:16]}.mbtiles"
    dest = ctx.hq.download(CONTENT_ROUTE, directory / name, sha256=sha256, progress=progress)
    new = InstalledBasemap(dest, str(info.get("name") or ""), dest.stat().st_size, sha256,
                           str(info.get("version") or ""))
    state = {k: v for k, v in asdict(new).items() if k != "path"}
    state["file"] = name
    _write_state(directory, state)
    for part in directory.glob("basemap-*.mbtiles.part"):
        if part.name != name + ".part":
            part.unlink(missing_ok=True)
    _remove_stale(directory, name)
    ctx.log.info("basemap %s installed (%d bytes)", sha256[:12], new.size)
    return new
