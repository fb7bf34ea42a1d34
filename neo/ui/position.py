"""The shell's position source: QtPositioning behind ``neo.api.PositionSource``.

Two ways to get fixes:

* **replay** (the demo and the tests): ``QNmeaPositionInfoSource`` in simulation mode
  reads an NMEA log (GGA and RMC sentences) at the pace of its timestamps, as a GPS
  receiver would deliver them; at the end of the log it starts again (``loop``). The
  log is named by the ``gps_source`` setting (``NEO_GPS_SOURCE``); the demo replays
  ``resources/gps/demo-patrol.nmea``, a drive through Beausoleil and Cap-d'Ail made by
  ``scripts/make_demo_nmea.py``.
* **device** (a tablet): ``QGeoPositionInfoSource.createDefaultSource`` (the platform's
  GNSS), the default. Without one, the source says so ("no signal") and the app goes
  on. ``gps_source = "off"`` uses none (the test suite: never the machine's own).

Each fix becomes a ``neo.models.Position`` (accuracy from the receiver, or from the
NMEA HDOP times a user equivalent range error; heading from the course over ground), is
what :meth:`QtPositionSource.current` returns (from any thread), is handed to the
subscribers (on the UI thread) and feeds the status bar's GPS indicator. A fix older
than ``stale_ms`` is dropped: ``current()`` says None and the indicator says
"searching", because an old position shown as current is worse than none.

The source runs only while a session is open (MainWindow starts it at unlock and stops
it at lock); positions are never stored by the shell.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from neo.api.position import PositionListener
from neo.models import Position
from neo.ui.qt import (
    QFile,
    QGeoPositionInfo,
    QGeoPositionInfoSource,
    QIODevice,
    QNmeaPositionInfoSource,
    QObject,
    QTimer,
    Signal,
)

log = logging.getLogger(__name__)

DEFAULT_UERE_M = 2.5  # metres of error per unit of HDOP (Qt doubles it: a 95 % radius)
STALE_MS = 10_000
UPDATE_INTERVAL_MS = 1000
_Attr = QGeoPositionInfo.Attribute


def position_from_info(info: QGeoPositionInfo) -> Position | None:
    """A ``Position`` from a Qt fix, or None when the fix has no valid coordinate."""
    coord = info.coordinate()
    if not info.isValid() or not coord.isValid():
        return None
    accuracy = info.attribute(_Attr.HorizontalAccuracy) if info.hasAttribute(_Attr.HorizontalAccuracy) else None
    heading = info.attribute(_Attr.Direction) if info.hasAttribute(_Attr.Direction) else None
    ms = info.timestamp().toMSecsSinceEpoch() if info.timestamp().isValid() else None
    try:
        return Position(
            lat=coord.latitude(),
            lon=coord.longitude(),
            accuracy=accuracy if accuracy is not None and accuracy == accuracy and accuracy >= 0 else None,
            heading=(heading % 360.0) if heading is not None and heading == heading else None,
            timestamp=datetime.fromtimestamp(ms / 1000, UTC) if ms is not None else None,
        )
    except ValueError:  # out-of-range values from a confused receiver: not a fix
        log.warning("position source: fix out of range ignored (%s, %s)", coord.latitude(), coord.longitude())
        return None


class QtPositionSource(QObject):
    """``neo.api.PositionSource`` on QtPositioning (see the module's docstring).

    ``status`` is the shell's ``StatusModel`` (or anything with ``set_gps(state,
    accuracy)``); ``nmea_file`` selects replay; ``factory`` builds the device source
    (tests pass a fake; default ``QGeoPositionInfoSource.createDefaultSource``).
    """

    sig_position = Signal(object)  # Position | None, on the UI thread

    def __init__(self, status: Any = None, *, nmea_file: str | Path | None = None, loop: bool = True,
                 uere_m: float = DEFAULT_UERE_M, stale_ms: int = STALE_MS,
                 interval_ms: int = UPDATE_INTERVAL_MS,
                 factory: Callable[[QObject], QGeoPositionInfoSource | None] | None = None,
                 enabled: bool = True, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.status = status
        self.enabled = enabled
        self.nmea_file = Path(nmea_file) if nmea_file else None
        self.loop = loop
        self.uere_m = uere_m
        self.interval_ms = interval_ms
        self._factory = factory or QGeoPositionInfoSource.createDefaultSource
        self._lock = threading.Lock()
        self._position: Position | None = None
        self._listeners: list[PositionListener] = []
        self._source: QGeoPositionInfoSource | None = None
        self._file: QFile | None = None
        self._running = False
        self.replays = 0  # how many times the log was started (replay mode)
        self._stale = QTimer(self)
        self._stale.setSingleShot(True)
        self._stale.setInterval(stale_ms)
        self._stale.timeout.connect(self._went_stale)
        self._watch = QTimer(self)  # replay: start the log again once it is used up
        self._watch.setInterval(max(250, interval_ms))
        self._watch.timeout.connect(self._check_end)

    @property
    def mode(self) -> str:
        """``replay`` (an NMEA log), ``device`` (the platform's receiver) or ``off``."""
        if not self.enabled:
            return "off"
        return "replay" if self.nmea_file is not None else "device"

    @property
    def running(self) -> bool:
        return self._running

    # -- neo.api.PositionSource --------------------------------------------------------
    def current(self) -> Position | None:
        with self._lock:
            return self._position

    def subscribe(self, listener: PositionListener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    # -- life -----------------------------------------------------------------------------
    def start(self) -> bool:
        """Start delivering fixes; False (and "no signal") when there is no source."""
        if self._running:
            return True
        source = self._open()
        if source is None:
            self._set_status("none")
            return False
        self._source = source
        self._running = True
        self._set_status("searching")
        source.positionUpdated.connect(self._updated)
        source.errorOccurred.connect(self._error)
        source.startUpdates()
        if self.mode == "replay":
            self._watch.start()
        return True

    def stop(self) -> None:
        """Stop, forget the last fix (the next session starts from "searching")."""
        self._running = False
        self._watch.stop()
        self._stale.stop()
        self._close_source()
        self._publish(None)
        self._set_status("none")

    def _open(self) -> QGeoPositionInfoSource | None:
        if not self.enabled:
            return None
        if self.nmea_file is None:
            try:
                source = self._factory(self)
            except Exception:
                log.exception("position source: the platform's source could not be created")
                return None
            if source is None:
                log.info("position source: this device has no positioning source")
                return None
            source.setUpdateInterval(self.interval_ms)
            return source
        file = QFile(str(self.nmea_file))
        if not file.open(QIODevice.OpenModeFlag.ReadOnly):
            log.error("position source: cannot read the NMEA log %s", self.nmea_file)
            return None
        source = QNmeaPositionInfoSource(QNmeaPositionInfoSource.UpdateMode.SimulationMode, self)
        source.setUserEquivalentRangeError(self.uere_m)
        source.setDevice(file)
        self._file = file
        self.replays += 1
        return source

    def _close_source(self) -> None:
        source, file = self._source, self._file
        self._source = self._file = None
        if source is not None:
            source.stopUpdates()
            source.positionUpdated.disconnect(self._updated)
            source.errorOccurred.disconnect(self._error)
            source.deleteLater()
        if file is not None:
            file.close()

    def _check_end(self) -> None:
        """Replay: once the log is read to its end, start it again (the demo never runs dry)."""
        if not self._running or self._file is None or not self._file.atEnd():
            return
        if not self.loop:
            self._watch.stop()
            return
        self._close_source()
        source = self._open()
        if source is None:
            self._running = False
            self._set_status("none")
            return
        self._source = source
        source.positionUpdated.connect(self._updated)
        source.errorOccurred.connect(self._error)
        source.startUpdates()

    # -- fixes ----------------------------------------------------------------------------
    def _updated(self, info: QGeoPositionInfo) -> None:
        if not self._running:
            return
        position = position_from_info(info)
        if position is None:
            return
        self._stale.start()
        self._set_status("fix", position.accuracy)
        self._publish(position)

    def _went_stale(self) -> None:
        if self._running:
            self._set_status("searching")
            self._publish(None)

    def _error(self, error: QGeoPositionInfoSource.Error) -> None:
        log.warning("position source error: %s", error)
        if error == QGeoPositionInfoSource.Error.AccessError:
            self._set_status("none")
        elif self._running and self.current() is None:
            self._set_status("searching")

    def _publish(self, position: Position | None) -> None:
        with self._lock:
            if position is None and self._position is None:
                return
            self._position = position
            listeners = list(self._listeners)
        self.sig_position.emit(position)
        for listener in listeners:
            try:
                listener(position)
            except Exception:
                log.exception("a position listener failed")

    def _set_status(self, state: str, accuracy: float | None = None) -> None:
        if self.status is not None:
            self.status.set_gps(state, accuracy)


def create_position_source(status: Any, settings: Any, parent: QObject | None = None) -> QtPositionSource:
    """The source the app uses, from the ``gps_source`` setting (``NEO_GPS_SOURCE``):
    empty for the device's receiver, ``off`` for none, else the path of an NMEA log to
    replay (an unreadable path is logged and falls back to the receiver)."""
    choice = str(getattr(settings, "gps_source", "") or "").strip()
    if choice.lower() == "off":
        return QtPositionSource(status, enabled=False, parent=parent)
    if choice and not Path(choice).is_file():
        log.error("position source: the NMEA log %s does not exist; using the device's receiver", choice)
        choice = ""
    return QtPositionSource(status, nmea_file=choice or None, parent=parent)


__all__ = ["QtPositionSource", "create_position_source", "position_from_info"]
