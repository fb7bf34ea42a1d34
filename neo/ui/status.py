"""What the officer should always see when unlocked: who is signed in, network, sync, GPS.

:class:`StatusModel` is the feed: the sync engine and the GPS source call its setters
(from any thread: the signals reach the widgets on the UI thread) and the
:class:`StatusBar` shows it. It starts with honest defaults: offline, never synced,
nothing pending, no GPS signal.
"""

from __future__ import annotations

import threading
from datetime import datetime

from neo.i18n import tr
from neo.ui.qt import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QObject,
    QProgressBar,
    QResizeEvent,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from neo.ui.widgets import icon_label, set_icon, set_prop

SYNC_STATES = ("never", "idle", "syncing", "error")
GPS_STATES = ("none", "searching", "fix")


class StatusModel(QObject):
    """Shell-wide status, fed by the sync engine and the position source."""

    sig_officer_changed = Signal()
    sig_online_changed = Signal(bool)
    sig_sync_changed = Signal()
    sig_pending_changed = Signal(int)
    sig_gps_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._officer: tuple[str, str] | None = None
        self._online = False
        self._sync_state = "never"
        self._last_sync: datetime | None = None
        self._pending = 0
        self._gps_state = "none"
        self._gps_accuracy: float | None = None
        self._phase = ""
        self._progress: tuple[int, int] | None = None

    # -- setters (thread-safe) ---------------------------------------------------------
    def set_officer(self, name: str, service_number: str) -> None:
        with self._lock:
            self._officer = (name, service_number)
        self.sig_officer_changed.emit()

    def clear_officer(self) -> None:
        with self._lock:
            self._officer = None
        self.sig_officer_changed.emit()

    def set_online(self, online: bool) -> None:
        with self._lock:
            changed = self._online != bool(online)
            self._online = bool(online)
        if changed:
            self.sig_online_changed.emit(bool(online))

    def set_sync_state(self, state: str, last_sync: datetime | None = None) -> None:
        """``state`` is one of ``never``, ``idle`` (synced at ``last_sync``), ``syncing``, ``error``."""
        if state not in SYNC_STATES:
            raise ValueError(f"unknown sync state {state!r}")
        with self._lock:
            self._sync_state = state
            if last_sync is not None:
                self._last_sync = last_sync
            if state != "syncing":
                self._phase, self._progress = "", None
        self.sig_sync_changed.emit()

    def set_sync_progress(self, phase: str, done: int | None = None, total: int | None = None) -> None:
        """While syncing: what is happening (``phase``, for the officer) and, when known,
        how far (``done`` of ``total``); without a total the bar just shows activity."""
        with self._lock:
            self._phase = phase
            self._progress = (max(0, int(done or 0)), int(total)) if total else None
        self.sig_sync_changed.emit()

    def set_pending(self, count: int) -> None:
        with self._lock:
            self._pending = max(0, int(count))
        self.sig_pending_changed.emit(self._pending)

    def set_gps(self, state: str, accuracy: float | None = None) -> None:
        """``state`` is ``none`` (no signal), ``searching`` or ``fix`` (with ``accuracy`` in metres)."""
        if state not in GPS_STATES:
            raise ValueError(f"unknown GPS state {state!r}")
        with self._lock:
            self._gps_state = state
            self._gps_accuracy = accuracy
        self.sig_gps_changed.emit()

    # -- getters ----------------------------------------------------------------------------
    @property
    def officer(self) -> tuple[str, str] | None:
        return self._officer

    @property
    def online(self) -> bool:
        return self._online

    @property
    def sync_state(self) -> str:
        return self._sync_state

    @property
    def last_sync(self) -> datetime | None:
        return self._last_sync

    @property
    def sync_phase(self) -> str:
        return self._phase

    @property
    def sync_progress(self) -> tuple[int, int] | None:
        """``(done, total)`` of the current sync step, or None when not measurable."""
        return self._progress

    @property
    def pending(self) -> int:
        return self._pending

    @property
    def gps_state(self) -> str:
        return self._gps_state

    @property
    def gps_accuracy(self) -> float | None:
        return self._gps_accuracy

    # -- texts --------------------------------------------------------------------------------
    def officer_text(self) -> str:
        if self._officer is None:
            return ""
        name, number = self._officer
        return tr("{name} · matricule {sn}", name=name, sn=number)

    def online_text(self) -> str:
        return tr("En ligne") if self._online else tr("Hors ligne")

    def sync_text(self) -> str:
        state, last = self._sync_state, self._last_sync
        if state == "syncing":
            phase, progress = self._phase, self._progress
            if not phase:
                return tr("Synchronisation…")
            if progress is not None:
                return tr("{phase} {done}/{total}", phase=phase, done=min(progress[0], progress[1]),
                          total=progress[1])
            return phase
        if state == "error":
            return tr("Échec de la synchronisation")
        if last is None:
            return tr("Jamais synchronisé")
        return tr("Dernière synchro : {t}", t=self.last_sync_text())

    def last_sync_text(self) -> str:
        """``HH:MM`` today, ``dd/mm HH:MM`` another day, "" if never synced."""
        last = self._last_sync
        if last is None:
            return ""
        if last.date() == datetime.now(last.tzinfo).date():
            return last.strftime("%H:%M")
        return last.strftime("%d/%m %H:%M")

    def pending_text(self) -> str:
        if self._pending == 0:
            return tr("Rien en attente")
        if self._pending == 1:
            return tr("1 envoi en attente")
        return tr("{n} envois en attente", n=self._pending)

    def gps_text(self) -> str:
        if self._gps_state == "fix":
            if self._gps_accuracy is not None:
                return tr("GPS : ± {m} m", m=round(self._gps_accuracy))
            return tr("GPS : position connue")
        if self._gps_state == "searching":
            return tr("GPS : recherche…")
        return tr("GPS : aucun signal")


class _Item(QWidget):
    def __init__(self, icon_name: str, parent: QWidget | None = None, *, with_bar: bool = False) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        self.icon = icon_label(icon_name, "icon_muted", 22)
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        row.addWidget(self.icon)
        self.bar: QProgressBar | None = None
        if with_bar:  # the text, with a thin progress bar under it while there is progress to show
            column = QVBoxLayout()
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(3)
            column.addWidget(self.text)
            self.bar = QProgressBar()
            self.bar.setObjectName("SyncProgress")
            self.bar.setTextVisible(False)
            self.bar.setMinimumWidth(150)
            self.bar.hide()
            column.addWidget(self.bar)
            row.addLayout(column)
        else:
            row.addWidget(self.text)

    def set(self, text: str, state: str = "", icon_name: str | None = None, colour_key: str = "icon_muted") -> None:
        self.text.setText(text)
        set_prop(self.text, "state", state)
        if icon_name:
            set_icon(self.icon, icon_name, colour_key, 22)


class StatusBar(QFrame):
    """The strip at the bottom of every unlocked screen."""

    def __init__(self, model: StatusModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StatusBar")
        self.model = model
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(20, 6, 20, 6)
        self.grid.setHorizontalSpacing(28)
        self.grid.setVerticalSpacing(4)
        self.officer = _Item("officer")
        self.officer.setObjectName("StatusOfficer")
        self.officer.text.setProperty("role", "officer")
        self.online = _Item("offline")
        self.online.setObjectName("StatusOnline")
        self.sync = _Item("sync", with_bar=True)
        self.sync.setObjectName("StatusSync")
        self.pending = _Item("pending")
        self.pending.setObjectName("StatusPending")
        self.gps = _Item("gps-off")
        self.gps.setObjectName("StatusGps")
        self.indicators = (self.online, self.sync, self.pending, self.gps)
        self._two_rows: bool | None = None
        self._arrange(False)
        self.setMinimumHeight(48)
        for sig in (model.sig_officer_changed, model.sig_online_changed, model.sig_sync_changed,
                    model.sig_pending_changed, model.sig_gps_changed):
            sig.connect(self.refresh)
        self.refresh()

    def refresh(self, *_: object) -> None:
        m = self.model
        self.officer.set(m.officer_text())
        self.online.set(m.online_text(), "good" if m.online else "warn",
                        "online" if m.online else "offline", "ok" if m.online else "warn")
        sync_state = {"error": "bad", "syncing": "", "idle": "", "never": "warn"}[m.sync_state]
        syncing = m.sync_state == "syncing"
        self.sync.set(m.sync_text(), sync_state, "sync",
                      "accent_fg" if syncing else {"bad": "danger_text", "warn": "warn"}.get(sync_state, "icon_muted"))
        bar = self.sync.bar
        if bar is not None:
            progress = m.sync_progress
            if progress is None:
                bar.setRange(0, 0)  # busy: no measure of how far
            else:
                bar.setRange(0, max(1, progress[1]))
                bar.setValue(min(progress[0], progress[1]))
            bar.setVisible(syncing)
        self.pending.set(m.pending_text(), "warn" if m.pending else "", "pending", "warn" if m.pending else "icon_muted")
        gps_ok = m.gps_state == "fix"
        self.gps.set(m.gps_text(), "good" if gps_ok else "warn", "gps" if gps_ok else "gps-off",
                     "ok" if gps_ok else "warn")

    # -- one row when it fits, else the officer above the indicators (portrait) ----------
    def _needed_width(self) -> int:
        items = (self.officer, *self.indicators)
        margins = self.grid.contentsMargins()
        return (sum(i.sizeHint().width() for i in items) + self.grid.horizontalSpacing() * len(self.indicators)
                + margins.left() + margins.right())

    def _arrange(self, two_rows: bool) -> None:
        if two_rows == self._two_rows:
            return
        self._two_rows = two_rows
        for item in (self.officer, *self.indicators):
            self.grid.removeWidget(item)
        for c in range(6):
            self.grid.setColumnStretch(c, 0)
        if two_rows:
            self.grid.addWidget(self.officer, 0, 0, 1, 4)
            for i, item in enumerate(self.indicators):
                self.grid.addWidget(item, 1, i)
            self.grid.setColumnStretch(3, 1)
        else:
            self.grid.addWidget(self.officer, 0, 0)
            self.grid.setColumnStretch(0, 1)
            for i, item in enumerate(self.indicators, start=1):
                self.grid.addWidget(item, 0, i)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        self._arrange(self.width() < self._needed_width())
        super().resizeEvent(event)

    def retranslate(self) -> None:
        self.refresh()
        self._arrange(self.width() < self._needed_width())

    def texts(self) -> list[str]:
        return [i.text.text() for i in (self.officer, self.online, self.sync, self.pending, self.gps)]
