"""The demo's OpenStreetMap extract, fetched from PyPI and checked.

The demo area (Beausoleil, Cap-d'Ail, La Turbie, Èze, Roquebrune-Cap-Martin and
Monaco, Alpes-Maritimes) ships as ``test/data/monaco.osm.pbf`` inside the source
distribution of the PyPI package ``osrm-bindings`` 26.10.0 (OpenStreetMap data, ODbL,
© OpenStreetMap contributors). :func:`ensure_demo_pbf` downloads that sdist once with
``pip download`` (pip's own index settings and proxy apply), checks its SHA-256 and the
extract's, and keeps both in a cache directory (default ``<repo>/.cache/osm/``,
gitignored): nothing large is committed. :func:`ensure_demo_basemap` builds the demo
basemap package from it once (``.cache/neo/demo-basemap.mbtiles``).

Progress goes to stderr; a hash that does not match is an error (the file is removed,
never used).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from neo.hq.errors import AdminError
from neo.i18n import tr

SDIST_NAME = "osrm-bindings"
SDIST_VERSION = "26.10.0"
SDIST_FILE = "osrm_bindings-26.10.0.tar.gz"
SDIST_SHA256 = "2ca271af60e0628394f070e9a0f371bf18ff6c6e23769acc620d4aa7c07ed32c"
PBF_MEMBER = "osrm_bindings-26.10.0/test/data/monaco.osm.pbf"
PBF_FILE = "monaco.osm.pbf"
PBF_SHA256 = "36c0f0029ed838897322382611b67e8e5e7bcb07d5b17a25f3574dec54f1c23c"
BASEMAP_FILE = "demo-basemap.mbtiles"
DEMO_ZOOM = (12, 18)

REPO_ROOT = Path(__file__).resolve().parents[3]

Progress = Callable[[str], None]


def default_cache_dir() -> Path:
    """``$NEO_OSM_CACHE`` or ``<repo>/.cache/osm``."""
    env = os.environ.get("NEO_OSM_CACHE")
    return Path(env).expanduser() if env else REPO_ROOT / ".cache" / "osm"


def default_basemap_dir() -> Path:
    """``$NEO_BASEMAP_CACHE`` or ``<repo>/.cache/neo`` (where the demo basemap is built)."""
    env = os.environ.get("NEO_BASEMAP_CACHE")
    return Path(env).expanduser() if env else REPO_ROOT / ".cache" / "neo"


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download_sdist(dest_dir: Path, say: Progress) -> Path:
    dest_dir.mkdir(parents=True, exist_ok=True)
    say(tr("Téléchargement de {pkg} {ver} depuis PyPI (extrait OpenStreetMap de la démo)…",
           pkg=SDIST_NAME, ver=SDIST_VERSION))
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", SDIST_NAME,
           f"{SDIST_NAME}=={SDIST_VERSION}", "-d", str(dest_dir), "--disable-pip-version-check", "--quiet"]
    try:
        subprocess.run(cmd, check=True, stdout=sys.stderr, stderr=sys.stderr, timeout=900)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        raise AdminError(tr("Téléchargement de {pkg} impossible ({err}).", pkg=SDIST_NAME, err=exc)) from exc
    path = dest_dir / SDIST_FILE
    if not path.is_file():
        raise AdminError(tr("pip n'a pas fourni {file}.", file=SDIST_FILE))
    return path


def ensure_demo_pbf(cache_dir: Path | None = None, *, say: Progress = _say) -> Path:
    """The demo extract ``monaco.osm.pbf`` in ``cache_dir``, fetched and checked if needed.

    A cached extract is used only if its SHA-256 is the pinned one; otherwise the sdist
    (cached too, checked against its own pin) is downloaded and the extract taken out
    of it. Raises :class:`~neo.hq.errors.AdminError` on a download or hash failure.
    """
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    pbf = cache / PBF_FILE
    if pbf.is_file() and sha256_file(pbf) == PBF_SHA256:
        return pbf
    sdist_dir = cache / "sdist"
    sdist = sdist_dir / SDIST_FILE
    if not (sdist.is_file() and sha256_file(sdist) == SDIST_SHA256):
        sdist.unlink(missing_ok=True)
        sdist = _download_sdist(sdist_dir, say)
        actual = sha256_file(sdist)
        if actual != SDIST_SHA256:
            sdist.unlink(missing_ok=True)
            raise AdminError(tr("Empreinte SHA-256 inattendue pour {file} : {actual} (attendue {expected}).",
                                file=SDIST_FILE, actual=actual, expected=SDIST_SHA256))
    say(tr("Extraction de {file}…", file=PBF_FILE))
    cache.mkdir(parents=True, exist_ok=True)
    with tarfile.open(sdist, "r:gz") as tar:
        try:
            member = tar.getmember(PBF_MEMBER)
        except KeyError:
            raise AdminError(tr("{file} ne contient pas {member}.", file=SDIST_FILE, member=PBF_MEMBER)) from None
        source = tar.extractfile(member)
        if source is None:
            raise AdminError(tr("{file} ne contient pas {member}.", file=SDIST_FILE, member=PBF_MEMBER))
        fd, tmp_name = tempfile.mkstemp(prefix=".monaco-", suffix=".part", dir=cache)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, source:
                for block in iter(lambda: source.read(1 << 20), b""):
                    out.write(block)
            actual = sha256_file(tmp)
            if actual != PBF_SHA256:
                raise AdminError(tr("Empreinte SHA-256 inattendue pour {file} : {actual} (attendue {expected}).",
                                    file=PBF_FILE, actual=actual, expected=PBF_SHA256))
            os.replace(tmp, pbf)
        finally:
            tmp.unlink(missing_ok=True)
    return pbf


def ensure_demo_basemap(cache_dir: Path | None = None, *, out_dir: Path | None = None, workers: int | None = None,
                        say: Progress = _say, progress: Callable[[str, int, int], None] | None = None) -> Path:
    """The demo basemap package (``demo-basemap.mbtiles``), built once from the demo extract.

    ``cache_dir`` holds the extract (see :func:`ensure_demo_pbf`); the package goes to
    ``out_dir`` (default :func:`default_basemap_dir`). A package already there is reused
    when it was built from the same extract by the same renderer version.
    """
    from neo.hq.watch import basemap

    pbf = ensure_demo_pbf(cache_dir, say=say)
    target_dir = Path(out_dir) if out_dir is not None else default_basemap_dir()
    target = target_dir / BASEMAP_FILE
    if target.is_file() and basemap.package_is_current(target, PBF_SHA256):
        return target
    target_dir.mkdir(parents=True, exist_ok=True)
    say(tr("Construction du fond de carte de la démo (zooms {zmin} à {zmax})…", zmin=DEMO_ZOOM[0], zmax=DEMO_ZOOM[1]))
    basemap.build(pbf, target, bbox=None, zooms=DEMO_ZOOM, workers=workers, progress=progress,
                  name=tr("Démo : Beausoleil, Cap-d'Ail, La Turbie, Èze, Roquebrune-Cap-Martin"))
    return target
