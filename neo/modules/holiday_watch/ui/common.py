"""Building blocks of the holiday watch's screens: labels, buttons, work off the UI thread,
and the texts the list, the card and the banner share.

Colours come from the shell's theme through the roles its style sheet knows (``card``,
``banner`` with ``kind``, ``badge``, ``segment``, ``primary``, ``error``, ``hint``), so
the screens follow the day and night themes; :data:`STYLE` only sizes text and targets
(touch targets are at least 48 px).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QWidget

from neo.modules.holiday_watch.service import LOCAL_TZ, Home

log = logging.getLogger(__name__)

Tr = Callable[..., str]

STYLE = """
QLabel#PanelTitle { font-size: 22px; font-weight: bold; }
QLabel#RowTitle { font-size: 18px; font-weight: bold; }
QLabel#RowMeta { font-size: 15px; }
QLabel#RowOrder { font-size: 18px; font-weight: bold; min-width: 34px; }
QLabel#CardTitle { font-size: 24px; font-weight: bold; }
QLabel#CardSubtitle { font-size: 17px; }
QLabel#CardLabel { font-size: 15px; }
QLabel#CardValue { font-size: 17px; font-weight: bold; }
QLabel#CardSection { font-size: 18px; font-weight: bold; }
QLabel#AccessText { font-size: 20px; font-weight: bold; }
QLabel#BannerText { font-size: 18px; }
QLabel#FormTitle { font-size: 26px; font-weight: bold; }
QLabel#FormMeta { font-size: 18px; }
QLabel#CheckLabel { font-size: 20px; font-weight: bold; }
QPushButton[role="segment"][chip="check"] { min-height: 64px; min-width: 150px; font-size: 19px; }
QPushButton[role="segment"][chip="sort"] { min-height: 52px; min-width: 90px; font-size: 16px; padding: 0 10px; }
QPushButton#AnomalySwitch, QPushButton#NoticeSwitch { min-height: 64px; font-size: 19px; }
QPushButton#HomeRow { min-height: 72px; text-align: left; padding: 6px 12px; border-width: 1px; }
QPushButton[role="badge"] { min-height: 48px; }
"""


def set_prop(widget: QWidget, name: str, value: object) -> None:
    """Set a property the style sheet selects on, and re-apply the style (children too)."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    for w in [widget, *widget.findChildren(QWidget)]:
        w.style().unpolish(w)
        w.style().polish(w)
    widget.update()


def label(text: str = "", role: str | None = None, *, name: str | None = None, wrap: bool = False) -> QLabel:
    lab = QLabel(text)
    if role:
        lab.setProperty("role", role)
    if name:
        lab.setObjectName(name)
    lab.setTextFormat(Qt.TextFormat.PlainText)
    if wrap:
        lab.setWordWrap(True)
        lab.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return lab


def button(text: str = "", role: str | None = None, *, name: str | None = None) -> QPushButton:
    btn = QPushButton(text)
    if role:
        btn.setProperty("role", role)
    if name:
        btn.setObjectName(name)
    btn.setCursor(Qt.CursorShape.PointingHandCursor)
    return btn


def clear_layout(layout: Any) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None:
            widget.hide()
            widget.deleteLater()
        elif item.layout() is not None:
            clear_layout(item.layout())


# -- work off the UI thread ------------------------------------------------------------------------


class _Signals(QObject):
    sig_done = Signal(object)
    sig_failed = Signal(object)


class Task(QRunnable):
    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.fn: Callable[[], Any] | None = fn
        self.signals = _Signals()

    def run(self) -> None:
        try:
            assert self.fn is not None
            result = self.fn()
        except Exception as exc:  # shown to the officer, never lost
            log.debug("holiday watch task failed", exc_info=True)
            self.signals.sig_failed.emit(exc)
        else:
            self.signals.sig_done.emit(result)
        finally:
            self.fn = None


def run(fn: Callable[[], Any], on_done: Callable[[Any], None], on_failed: Callable[[Any], None]) -> Task:
    """``fn()`` on the thread pool; ``on_done(result)`` or ``on_failed(exc)`` on the UI
    thread (bound methods of widgets: dropped if the widget is gone, e.g. after a lock)."""
    task = Task(fn)
    task.signals.sig_done.connect(on_done)
    task.signals.sig_failed.connect(on_failed)
    QThreadPool.globalInstance().start(task)
    return task


class Bridge(QObject):
    """Lives on the UI thread; workers and position sources emit through it."""

    sig_value = Signal(object)


# -- shared texts ----------------------------------------------------------------------------------


def local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL_TZ)


def when_text(tr: Tr, moment: datetime | None) -> str:
    """« le 12/07 à 14:32 » (Paris time)."""
    if moment is None:
        return tr("jamais")
    m = local(moment)
    return tr("le {day} à {time}", day=m.strftime("%d/%m"), time=m.strftime("%H:%M"))


def age_text(tr: Tr, hours: float | None) -> str:
    if hours is None:
        return tr("jamais visité")
    if hours < 1:
        return tr("il y a {n} min", n=max(1, round(hours * 60)))
    if hours < 48:
        return tr("il y a {n} h", n=round(hours))
    return tr("il y a {n} j", n=round(hours / 24))


def distance_text(tr: Tr, metres: float | None) -> str:
    if metres is None:
        return ""
    if metres < 1000:
        return tr("{n} m", n=round(metres))
    return tr("{n} km", n=f"{metres / 1000:.1f}".replace(".", ","))


def due_text(tr: Tr, home: Home) -> str:
    if home.ended:
        return tr("Surveillance terminée")
    return {"due": tr("Passage à faire"), "overdue": tr("Passage en retard")}.get(home.due, "")


def last_visit_line(tr: Tr, home: Home) -> str:
    if home.last_visit is None:
        return tr("Jamais visité")
    outcome = tr("anomalie") if home.last_outcome == "anomaly" else tr("RAS")
    return tr("Dernier passage {when} ({age}, {outcome})", when=when_text(tr, home.last_visit),
              age=age_text(tr, home.hours_since), outcome=outcome)


def short_visit_line(tr: Tr, home: Home) -> str:
    """For a row of the list: « Passage il y a 3 h · RAS »."""
    if home.last_visit is None:
        return tr("Jamais visité")
    outcome = tr("anomalie") if home.last_outcome == "anomaly" else tr("RAS")
    return tr("Passage {age} · {outcome}", age=age_text(tr, home.hours_since), outcome=outcome)
