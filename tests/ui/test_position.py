"""The shell's position source: an NMEA log replayed through QtPositioning, the status
bar's GPS indicator, neo.api.PositionSource for the modules, and the demo's log."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from neo.api import Position, PositionSource
from neo.config import Settings
from neo.resources import resource_path
from neo.ui.position import QtPositionSource, create_position_source
from neo.ui.status import StatusModel
from scripts.make_demo_nmea import Fix, write_nmea
from tests.ui.conftest import unlock

pytestmark = pytest.mark.qt

T0 = datetime(2025, 7, 15, 7, 0, 0, tzinfo=UTC)


def short_log(path: Path, n: int = 5, step_s: float = 0.2) -> Path:
    """``n`` fixes ``step_s`` apart heading north-east out of Beausoleil."""
    fixes = [Fix(time=T0 + timedelta(seconds=i * step_s), lat=43.7432 + i * 0.0001, lon=7.4257 + i * 0.0001,
                 speed_ms=8.0, course=(30.0 + 10 * i) % 360, hdop=1.0 + 0.2 * i) for i in range(n)]
    write_nmea(fixes, path)
    return path


def test_replay_delivers_positions_with_heading_and_accuracy(qtbot, tmp_path: Path) -> None:
    status = StatusModel()
    source = QtPositionSource(status, nmea_file=short_log(tmp_path / "drive.nmea"), loop=False)
    assert isinstance(source, PositionSource)
    assert source.mode == "replay"
    seen: list[Position | None] = []
    unsubscribe = source.subscribe(seen.append)
    assert source.current() is None
    assert status.gps_state == "none"
    assert source.start()
    assert status.gps_state in ("searching", "fix")  # the log's first fix may come at once
    qtbot.waitUntil(lambda: len(seen) >= 5, timeout=10000)
    first, last = seen[0], seen[4]
    assert first is not None and last is not None
    assert (first.lat, first.lon) == pytest.approx((43.7432, 7.4257), abs=1e-6)
    assert (last.lat, last.lon) == pytest.approx((43.7436, 7.4261), abs=1e-6)
    assert [p.heading for p in seen[:5]] == pytest.approx([30, 40, 50, 60, 70])
    # accuracy from HDOP: Qt reports 2 x HDOP x UERE (2.5 m)
    assert [p.accuracy for p in seen[:5]] == pytest.approx([5.0, 6.0, 7.0, 8.0, 9.0])
    assert first.timestamp == T0
    assert source.current() == seen[-1]
    assert status.gps_state == "fix"
    assert status.gps_accuracy == pytest.approx(9.0)
    assert status.gps_text() == "GPS : ± 9 m"
    unsubscribe()
    source.stop()
    assert source.current() is None
    assert status.gps_state == "none"
    assert len(seen) == 5  # no more calls after unsubscribing


def test_the_replay_starts_again_at_the_end_of_the_log(qtbot, tmp_path: Path) -> None:
    source = QtPositionSource(None, nmea_file=short_log(tmp_path / "drive.nmea", n=3, step_s=0.1), loop=True)
    got: list[Position | None] = []
    source.subscribe(got.append)
    source.start()
    qtbot.waitUntil(lambda: source.replays >= 2 and len(got) >= 4, timeout=10000)
    assert got[3] is not None and (got[3].lat, got[3].lon) == pytest.approx((43.7432, 7.4257), abs=1e-6)
    source.stop()


def test_an_old_fix_is_dropped(qtbot, tmp_path: Path) -> None:
    status = StatusModel()
    source = QtPositionSource(status, nmea_file=short_log(tmp_path / "drive.nmea", n=2, step_s=0.1), loop=False,
                              stale_ms=300)
    got: list[Position | None] = []
    source.subscribe(got.append)
    source.start()
    qtbot.waitUntil(lambda: len(got) >= 2, timeout=5000)
    qtbot.waitUntil(lambda: source.current() is None, timeout=5000)
    assert got[-1] is None
    assert status.gps_state == "searching"
    source.stop()


def test_a_device_without_positioning_says_so(qtbot) -> None:
    status = StatusModel()
    source = QtPositionSource(status, factory=lambda _parent: None)
    assert source.mode == "device"
    assert not source.start()
    assert status.gps_state == "none"
    assert status.gps_text() == "GPS : aucun signal"
    assert source.current() is None
    source.stop()


def test_a_failing_listener_does_not_stop_the_others(qtbot, tmp_path: Path) -> None:
    source = QtPositionSource(None, nmea_file=short_log(tmp_path / "drive.nmea", n=2, step_s=0.1), loop=False)
    got: list[Any] = []

    def broken(_p: Any) -> None:
        raise RuntimeError("listener bug")

    source.subscribe(broken)
    source.subscribe(got.append)
    source.start()
    qtbot.waitUntil(lambda: len(got) >= 2, timeout=5000)
    source.stop()


def test_the_setting_chooses_the_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qtbot) -> None:
    log = short_log(tmp_path / "drive.nmea")
    monkeypatch.setenv("NEO_GPS_SOURCE", str(log))
    settings = Settings.load(tmp_path)
    assert settings.gps_source == str(log)
    source = create_position_source(StatusModel(), settings)
    assert (source.mode, source.nmea_file) == ("replay", log)
    missing = Settings.load(tmp_path, gps_source=str(tmp_path / "absent.nmea"))
    assert create_position_source(StatusModel(), missing).mode == "device"
    monkeypatch.setenv("NEO_GPS_SOURCE", "off")
    status = StatusModel()
    off = create_position_source(status, Settings.load(tmp_path))
    assert off.mode == "off"
    assert not off.start()
    assert status.gps_state == "none"
    monkeypatch.delenv("NEO_GPS_SOURCE")
    assert create_position_source(StatusModel(), Settings.load(tmp_path)).mode == "device"


def test_the_unlocked_app_replays_the_log_for_modules_and_the_status_bar(make_window, device: Path, qtbot,
                                                                       tmp_path: Path) -> None:
    log = short_log(tmp_path / "drive.nmea", n=50, step_s=0.2)
    settings = Settings.load(device, gps_source=str(log))
    window = make_window(device, settings, host_factory=None, sync_runner=None)
    assert not window.position_source.running  # nothing while locked
    unlock(qtbot, window)
    assert window.host.position_source is window.position_source  # what ctx.position gives modules
    qtbot.waitUntil(lambda: window.status_model.gps_state == "fix", timeout=10000)
    assert window.position_source.current() is not None
    assert any(t.startswith("GPS : ± ") for t in window.status_bar.texts())
    window.lock()
    assert not window.position_source.running
    assert window.position_source.current() is None
    assert window.status_model.gps_state == "none"


# -- the demo's log -----------------------------------------------------------------------------


def _parse(path: Path) -> list[dict[str, Any]]:
    fixes: list[dict[str, Any]] = []
    for line in path.read_text(encoding="ascii").splitlines():
        body, checksum = line[1:].split("*")
        c = 0
        for ch in body:
            c ^= ord(ch)
        assert f"{c:02X}" == checksum, line
        f = body.split(",")
        if f[0] == "GPRMC":
            lat = int(f[3][:2]) + float(f[3][2:]) / 60
            lon = int(f[5][:3]) + float(f[5][3:]) / 60
            when = datetime.strptime(f[9] + f[1], "%d%m%y%H%M%S.%f").replace(tzinfo=UTC)
            fixes.append({"t": when, "lat": lat, "lon": lon, "knots": float(f[7]),
                          "course": float(f[8]) if f[8] else None})
    return fixes


def test_the_demo_log_is_a_drive_in_the_demo_area() -> None:
    path = resource_path("gps", "demo-patrol.nmea")
    assert path.stat().st_size < 300_000
    fixes = _parse(path)
    assert len(fixes) > 300
    steps = {(b["t"] - a["t"]).total_seconds() for a, b in itertools.pairwise(fixes)}
    assert steps == {1.0}  # one fix a second
    for f in fixes:  # Beausoleil, Monaco, Cap-d'Ail
        assert 43.715 < f["lat"] < 43.75 and 7.39 < f["lon"] < 7.44
        assert f["knots"] * 1.852 < 60
        assert f["course"] is None or 0 <= f["course"] < 360
    stopped = [f for f in fixes if f["course"] is None]
    assert len(stopped) >= 30  # the stops at the homes
    # no jumps: a car at 50 km/h moves 14 m a second; noise adds a few metres
    for a, b in itertools.pairwise(fixes):
        d = 6_371_000 * math.hypot(math.radians(b["lat"] - a["lat"]),
                                   math.radians(b["lon"] - a["lon"]) * math.cos(math.radians(a["lat"])))
        assert d < 25
