"""HQ distributes the basemap package and a tablet fetches it: the routes (metadata, byte
ranges 206/416, If-Range, ETag/304, token), ``ctx.hq.download`` resumed after a cut
through a fault-injecting proxy, a corrupted part detected, and the holiday watch's
basemap store on an enrolled device with a real HQ on loopback."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from neo.api import HqRefused, HqUnavailable, Manifest, ModuleContext, ModuleHq
from neo.api.extensions import ExtensionRegistry
from neo.api.hq import HqReachability
from neo.hq.config import HQConfig
from neo.hq.testing import LiveHQ
from neo.hq.watch import basemap
from neo.modules.holiday_watch import basemap_store
from neo.sync.remote import HqRemote
from tests.sync.conftest import Device, enrol, new_unit
from tests.sync.faultproxy import FaultProxy

from .basemap_clip import clip_package

CONTENT = "/api/v1/m/holiday_watch/basemap/content"
INFO = "/api/v1/m/holiday_watch/basemap"
MANIFEST = Path(basemap_store.__file__).with_name("manifest.toml")


@pytest.fixture(scope="module")
def package() -> Path:
    return clip_package()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, package: Path) -> Iterator[LiveHQ]:
    data_dir = tmp_path_factory.mktemp("hq-basemap")
    served = data_dir / "served.mbtiles"
    served.write_bytes(package.read_bytes())
    with LiveHQ(HQConfig(data_dir=data_dir, basemap_path=served)) as server:
        yield server


@pytest.fixture
def device(live: LiveHQ, tmp_path: Path) -> Iterator[Device]:
    unit, sns = new_unit(live, officers=1)
    dev = enrol(live, tmp_path / "tablet", unit, sns[0])
    yield dev
    dev.close()


def served(live: LiveHQ) -> Path:
    assert live.config.basemap_path is not None
    return live.config.basemap_path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def module_hq(device: Device, url: str | None = None) -> ModuleHq:
    link = device.link if url is None else device.link.model_copy(update={"url": url})
    remote = HqRemote(lambda: link)
    return ModuleHq("holiday_watch", remote, HqReachability(), lambda _fn: None)


def test_metadata_and_ranges(live: LiveHQ, device: Device) -> None:
    path = served(live)
    data = path.read_bytes()
    digest = sha(path)
    with live.client(device.link.token) as client:
        info = client.get(INFO).json()
        assert info["sha256"] == digest and info["size"] == len(data)
        assert info["name"] == "Beausoleil (tests)" and info["minzoom"] == 14 and info["maxzoom"] == 17
        assert info["attribution"] == "© OpenStreetMap contributors" and info["version"].startswith(f"{basemap.RENDERER_VERSION}-")

        full = client.get(CONTENT, headers={"Accept-Encoding": "identity"})
        assert full.status_code == 200 and full.content == data
        assert full.headers["etag"] == f'"{digest}"' and full.headers["accept-ranges"] == "bytes"

        part = client.get(CONTENT, headers={"Range": "bytes=1000-", "If-Range": f'"{digest}"'})
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes 1000-{len(data) - 1}/{len(data)}"
        assert part.content == data[1000:]

        middle = client.get(CONTENT, headers={"Range": "bytes=10-19"})
        assert middle.status_code == 206 and middle.content == data[10:20]

        past = client.get(CONTENT, headers={"Range": f"bytes={len(data)}-"})
        assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{len(data)}"

        changed = client.get(CONTENT, headers={"Range": "bytes=1000-", "If-Range": '"another-version"'})
        assert changed.status_code == 200 and changed.content == data  # the file changed: all of it

        same = client.get(CONTENT, headers={"If-None-Match": f'"{digest}"'})
        assert same.status_code == 304 and not same.content

    with live.client() as anonymous:
        assert anonymous.get(INFO).status_code == 401
        assert anonymous.get(CONTENT).status_code == 401


def test_no_basemap_is_404(tmp_path: Path) -> None:
    with LiveHQ(HQConfig(data_dir=tmp_path / "hq")) as server:
        unit, sns = new_unit(server, officers=1)
        dev = enrol(server, tmp_path / "tablet", unit, sns[0])
        try:
            with server.client(dev.link.token) as client:
                answer = client.get(INFO)
            assert answer.status_code == 404 and answer.json()["error"]["detail"]["code"] == "no_basemap"
            with pytest.raises(HqRefused) as info:
                module_hq(dev).download("basemap/content", tmp_path / "map.mbtiles")
            assert info.value.status == 404
        finally:
            dev.close()


def test_download_resumes_after_a_cut(live: LiveHQ, device: Device, tmp_path: Path) -> None:
    digest = sha(served(live))
    size = served(live).stat().st_size
    dest = tmp_path / "map.mbtiles"
    part = dest.with_name(dest.name + ".part")
    with FaultProxy.for_live(live) as proxy:
        proxy.add("truncate_response", method="GET", path=CONTENT)
        hq = module_hq(device, proxy.url)
        seen: list[tuple[int, int]] = []
        with pytest.raises(HqUnavailable) as info:
            hq.download("basemap/content", dest, sha256=digest, progress=lambda d, t: seen.append((d, t)))
        assert info.value.kind == "network"
        assert not dest.exists()
        kept = part.stat().st_size
        assert 0 < kept < size  # what arrived before the cut is kept
        assert hq.online is False

        assert hq.download("basemap/content", dest, sha256=digest, progress=lambda d, t: seen.append((d, t))) == dest
        assert sha(dest) == digest and not part.exists()
        assert seen[-1] == (size, size)
        first, second = [e for e in proxy.log if e.path == CONTENT]
        assert "range" not in first.request_headers
        assert second.request_headers["range"] == f"bytes={kept}-"
        assert second.request_headers["if-range"] == f'"{digest}"'
        assert second.status == 206
        # already there: nothing is fetched again
        assert hq.download("basemap/content", dest, sha256=digest) == dest
        assert len([e for e in proxy.log if e.path == CONTENT]) == 2


def test_a_corrupted_part_is_detected_and_fetched_again(live: LiveHQ, device: Device, tmp_path: Path) -> None:
    digest = sha(served(live))
    dest = tmp_path / "map.mbtiles"
    part = dest.with_name(dest.name + ".part")
    part.write_bytes(secrets.token_bytes(5000))  # not the start of HQ's file
    hq = module_hq(device)
    with pytest.raises(HqUnavailable) as info:
        hq.download("basemap/content", dest, sha256=digest)
    assert info.value.code == "checksum"
    assert not part.exists() and not dest.exists()
    assert hq.download("basemap/content", dest, sha256=digest) == dest and sha(dest) == digest


def test_a_whole_part_is_checked_without_fetching(live: LiveHQ, device: Device, tmp_path: Path) -> None:
    """A part that already holds the whole file (cut just before the rename): HQ answers 416,
    the part is checked and renamed."""
    dest = tmp_path / "map.mbtiles"
    dest.with_name(dest.name + ".part").write_bytes(served(live).read_bytes())
    assert module_hq(device).download("basemap/content", dest, sha256=sha(served(live))) == dest
    assert sha(dest) == sha(served(live))


def test_bad_arguments(device: Device, tmp_path: Path) -> None:
    hq = module_hq(device)
    with pytest.raises(ValueError):
        hq.download("basemap/content", tmp_path / "x", sha256="ABC")
    with pytest.raises(ValueError):
        hq.download("../lookup/hotlist", tmp_path / "x")


def _context(device: Device) -> ModuleContext:
    manifest = Manifest.from_toml(MANIFEST)
    manifest = manifest.model_copy(update={"permissions": sorted({*manifest.permissions, "hq", "storage"})})
    return ModuleContext(manifest, store=device.session.store, audit=device.session.audit,
                         officer=device.session.officer, registry=ExtensionRegistry(),
                         remote=HqRemote.for_session(device.session), package_dir=MANIFEST.parent)


def test_ensure_basemap_installs_and_updates(live: LiveHQ, device: Device, tmp_path: Path) -> None:
    ctx = _context(device)
    data_dir = ctx.data_dir
    assert data_dir == Path(device.session.store.path).parent / "modules" / "holiday_watch" and data_dir.is_dir()
    assert basemap_store.installed(ctx) is None and basemap_store.basemap_path(ctx) is None

    first = basemap_store.ensure_basemap(ctx)
    assert first is not None and first.sha256 == sha(served(live)) and first.name == "Beausoleil (tests)"
    assert basemap_store.basemap_path(ctx) == first.path and first.path.parent == data_dir
    assert sha(first.path) == first.sha256
    mtime = first.path.stat().st_mtime_ns
    assert basemap_store.ensure_basemap(ctx) == first  # current: nothing fetched
    assert first.path.stat().st_mtime_ns == mtime

    # HQ gets a new package (written beside, renamed over): the tablet follows
    original = served(live).read_bytes()
    try:
        replacement = tmp_path / "new.mbtiles"
        replacement.write_bytes(original + b"\0" * 4096)
        os.replace(replacement, served(live))
        second = basemap_store.ensure_basemap(ctx)
        assert second is not None and second.sha256 != first.sha256 and second.sha256 == sha(served(live))
        assert not first.path.exists()  # the previous file is removed
        assert [p.name for p in data_dir.iterdir() if p.suffix == ".mbtiles"] == [second.path.name]
    finally:
        restore = tmp_path / "restore.mbtiles"
        restore.write_bytes(original)
        os.replace(restore, served(live))
