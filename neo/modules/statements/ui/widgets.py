"""Building blocks of the statements' screens: labels, buttons, tappable cards, chips.

Colours come from the shell's theme through the roles its style sheet already knows
(``card``, ``banner`` with ``kind``, ``badge`` with ``state``, ``segment`` chips,
``primary`` buttons, ``error`` and ``countdown`` labels, ``hint`` and ``muted`` text), so
the screens follow the day and night themes without a colour of their own. :data:`STYLE`
(set on the page) only sizes and weighs text and sets touch sizes (48 px and more).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QPushButton,
    QScrollArea,
    QScroller,
    QSizePolicy,
    QWidget,
)

Tr = Callable[..., str]

STYLE = """
QLabel#FormTitle, QLabel#HomeTitle, QLabel#ReviewTitle { font-size: 26px; font-weight: bold; }
QLabel#SavedIndicator { font-size: 16px; }
QLabel#CardTitle { font-size: 19px; font-weight: bold; }
QLabel#RowTitle { font-size: 21px; font-weight: bold; }
QLabel#CardText, QLabel#RowMeta { font-size: 16px; }
QLabel#FieldError { font-size: 16px; padding: 6px 12px; }
QLabel#SectionTitle { font-size: 23px; font-weight: bold; }
QLabel#PartyTitle { font-size: 20px; font-weight: bold; }
QLabel#ReviewLabel { font-size: 16px; }
QLabel#ReviewValue { font-size: 18px; font-weight: bold; }
QLabel#SealHash { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 15px; }
QLabel#LegalMention { font-size: 15px; }
QPlainTextEdit#Narrative { font-size: 23px; }
QPushButton[role="segment"][chip="choice"] { min-height: 56px; min-width: 90px; font-size: 18px; }
QPushButton[role="segment"][chip="step"] { min-height: 50px; max-height: 50px; min-width: 100px; font-size: 17px;
                                           padding: 0 14px; text-align: left; }
QPushButton#PickerButton { text-align: left; font-size: 22px; font-weight: normal; min-height: 60px; }
QPushButton#RemoveButton { min-width: 56px; min-height: 56px; padding: 0; font-size: 22px; }
QPushButton#CalendarDay { min-width: 64px; min-height: 56px; padding: 0; font-size: 20px; }
QPushButton#TimeStep { min-width: 72px; min-height: 64px; font-size: 26px; padding: 0; }
QLabel#TimeValue { font-size: 40px; font-weight: bold; min-width: 90px; }
QFrame#OffenceRow, QFrame#TemplateCard, QFrame#DraftRow, QFrame#StatementRow { min-height: 64px; }
QFrame#TemplateCard { min-height: 120px; }
"""

_FRENCH_SPACE = re.compile(r" ([:;?!»])|(«) ")


def french_spacing(text: str) -> str:
    """No line break before « : ; ? ! » or after « (French typography)."""
    return _FRENCH_SPACE.sub(lambda m: f"\u00a0{m.group(1)}" if m.group(1) else f"{m.group(2)}\u00a0", text)


def set_prop(widget: QWidget, name: str, value: object) -> None:
    """Set a property the style sheet selects on, and re-apply the style (children too)."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    for w in [widget, *widget.findChildren(QWidget)]:
        w.style().unpolish(w)
        w.style().polish(w)
    widget.update()


class WrappingLabel(QLabel):
    """A word-wrapped label that asks for the height its text needs at its width."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

    def _fit(self) -> None:
        if self.width() > 0:
            needed = self.heightForWidth(self.width())
            if needed > 0 and needed != self.minimumHeight():
                self.setMinimumHeight(needed)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt API
        super().setText(french_spacing(text))
        self._fit()

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._fit()


def label(text: str = "", role: str | None = None, *, name: str | None = None, wrap: bool = False) -> QLabel:
    lab: QLabel = WrappingLabel(text) if wrap else QLabel(text)
    if role:
        lab.setProperty("role", role)
    if name:
        lab.setObjectName(name)
    lab.setTextFormat(Qt.TextFormat.PlainText)
    return lab


def button(text: str = "", role: str | None = None, *, name: str | None = None) -> QPushButton:
    btn = QPushButton(text)
    if role:
        btn.setProperty("role", role)
    if name:
        btn.setObjectName(name)
    btn.setCursor(Qt.CursorShape.PointingHandCursor)
    return btn


def chip(text: str, kind: str = "choice", *, name: str | None = None, checkable: bool = True) -> QPushButton:
    btn = button(text, "segment", name=name)
    btn.setProperty("chip", kind)
    btn.setCheckable(checkable)
    return btn


def card(name: str | None = None) -> QFrame:
    frame = QFrame()
    frame.setProperty("role", "card")
    if name:
        frame.setObjectName(name)
    return frame


def scroller(body: QWidget, name: str | None = None) -> QScrollArea:
    """A vertical scroll area a finger can drag."""
    body.setObjectName("ScrollBody")
    area = QScrollArea()
    if name:
        area.setObjectName(name)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    QScroller.grabGesture(area.viewport(), QScroller.ScrollerGestureType.TouchGesture)
    area.setWidget(body)
    return area


def clear_layout(layout: Any) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None:
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()
        elif item.layout() is not None:
            clear_layout(item.layout())


def parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def local_time(value: Any, *, seconds: bool = False) -> str:
    """``12/03/2026 14:32`` in the tablet's time zone (ISO text or datetime)."""
    moment = parse_time(value)
    if moment is None:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


def fr_date(value: Any) -> str:
    """``1985-03-12`` -> ``12/03/1985``; anything else as given."""
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        return f"{value[8:10]}/{value[5:7]}/{value[:4]}"
    return "" if value is None else str(value)


def euros(cents: Any) -> str:
    """``123456`` -> ``1 234,56 €`` (French grouping, a non-breaking space before €)."""
    if not isinstance(cents, int) or isinstance(cents, bool):
        return ""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    grouped = f"{whole:,}".replace(",", "\u202f")
    return f"{sign}{grouped},{part:02d}\u00a0€"


def parse_euros(text: str) -> int | None:
    """``"1 234,5"``, ``"1234.50 €"`` -> cents; None when empty; ValueError when unreadable."""
    cleaned = text.replace("€", "").replace("\u202f", "").replace("\u00a0", "").replace(" ", "").strip()
    if not cleaned:
        return None
    cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"\d{1,9}(\.\d{0,2})?", cleaned):
        raise ValueError(text)
    whole, _, part = cleaned.partition(".")
    return int(whole) * 100 + int((part + "00")[:2])


class TapFrame(QFrame):
    """A frame that acts as one big button: a tap (or Enter, Space) emits ``sig_tapped``."""

    sig_tapped = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumHeight(64)
        self._pressed = False

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton:
            self._pressed = True
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        inside = self.rect().contains(event.position().toPoint())
        if self._pressed and event.button() == Qt.MouseButton.LeftButton and inside:
            self._pressed = False
            self.sig_tapped.emit()
            return
        self._pressed = False
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.sig_tapped.emit()
            return
        super().keyPressEvent(event)


def transparent(*widgets: QWidget) -> None:
    for w in widgets:
        w.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)


# The badge's colour role ("discovered" is the theme's neutral badge, also inside cards).
STATE_BADGES: dict[str, str] = {"draft": "discovered", "signed": "discovered", "sent": "discovered",
                                "acknowledged": "active", "rejected": "failed"}


def state_text(tr: Tr, state: str) -> str:
    return {
        "draft": tr("Brouillon"),
        "signed": tr("Signée"),
        "sent": tr("Envoyée"),
        "acknowledged": tr("Reçue par le QG"),
        "rejected": tr("Refusée par le QG"),
    }.get(state, state)


ROLE_TITLES = {
    "declarant": "Déclarant",
    "victim": "Victime",
    "witness": "Témoin",
    "suspect": "Mis en cause",
    "unknown_author": "Auteur inconnu",
}


def role_title(tr: Tr, role: str) -> str:
    return tr(ROLE_TITLES[role]) if role in ROLE_TITLES else role


def person_name(identity: Any) -> str:
    """``DUPONT Jean`` from an identity dict (empty when neither name is known)."""
    if not isinstance(identity, dict):
        return ""
    surname = str(identity.get("surname") or "").strip().upper()
    given = str(identity.get("given_names") or "").strip()
    return f"{surname} {given}".strip()
