"""Building blocks of the lookup page: labels, the reason picker, result and query rows.

Colours come from the shell's theme through the roles its style sheet already knows
(``banner`` with ``kind`` for red and amber frames, ``card``, ``badge``, ``segment``
chips, ``primary`` buttons, ``error`` and ``countdown`` labels), so the page follows the
day and night themes without a colour of its own. :data:`STYLE` (set on the page) only
sizes and weighs text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QMouseEvent
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

Tr = Callable[..., str]

STYLE = """
QLabel#ResultTitle, QLabel#DetailTitle { font-size: 23px; font-weight: bold; }
QLabel#DetailTitle { font-size: 28px; }
QLabel#ResultSubtitle, QLabel#DetailSubtitle { font-size: 18px; font-weight: normal; }
QLabel#ResultInstruction { font-size: 19px; font-weight: bold; }
QLabel#ResultMeta, QLabel#RowMeta { font-size: 16px; font-weight: normal; }
QLabel#ResultFile { font-size: 16px; font-weight: bold; }
QLabel#RowEntry { font-size: 21px; font-weight: bold; }
QLabel#Preview { font-size: 19px; font-weight: bold; }
QLabel#PreviewHint { font-size: 17px; }
QLabel#LineLabel { font-size: 16px; }
QLabel#LineValue { font-size: 18px; font-weight: bold; }
QLabel#AnswerText { font-size: 19px; }
QLabel#ResultsHeader { font-size: 21px; font-weight: bold; }
QLineEdit#SearchField { min-height: 68px; font-size: 26px; }
QLineEdit[mrz="true"] { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 19px; }
QPushButton#SearchButton { min-width: 220px; min-height: 68px; }
QPushButton[role="segment"][chip="reason"] { min-height: 64px; font-size: 18px; }
QPushButton#ReasonChange { min-width: 150px; }
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
    """A word-wrapped label that asks for the height its text needs at its width (Qt
    does not always carry height-for-width through nested layouts)."""

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


def clear_layout(layout: Any) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None:
            widget.hide()
            widget.deleteLater()
        elif item.layout() is not None:
            clear_layout(item.layout())


def local_time(moment: datetime | None) -> str:
    """``12/03/2026 14:32`` in the tablet's time zone."""
    if moment is None:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%d/%m/%Y %H:%M")


# -- texts shared by the views ------------------------------------------------------------------

def headline(tr: Tr, file: str, severity: str) -> str:
    """The one-line warning at the top of an alert or warning (empty for information)."""
    texts = {
        "wanted_persons": tr("INDIVIDU RECHERCHÉ"),
        "missing_persons": tr("PERSONNE DISPARUE"),
        "stolen_vehicles": tr("VÉHICULE VOLÉ"),
        "stolen_documents": tr("DOCUMENT VOLÉ OU PERDU"),
        "stolen_objects": tr("OBJET VOLÉ"),
    }
    if file in texts:
        return texts[file]
    if severity == "alert":
        return tr("ALERTE")
    if severity == "warning":
        return tr("ATTENTION")
    return ""


def count_text(tr: Tr, n: int) -> str:
    if n == 0:
        return tr("Aucune correspondance")
    if n == 1:
        return tr("1 correspondance")
    return tr("{n} correspondances", n=n)


def status_text(tr: Tr, outcome: Any) -> str:
    if outcome.status == "queued":
        return tr("En attente de réseau")
    if outcome.status == "refused":
        return tr("Refusée")
    return count_text(tr, len(outcome.hits))


def hotlist_text(tr: Tr, kind: str) -> str:
    if kind in ("plate", "vin"):
        return tr("Correspondance probable dans le fichier des véhicules volés — à confirmer en ligne")
    if kind == "document":
        return tr("Correspondance probable dans le fichier des documents volés ou perdus — à confirmer en ligne")
    if kind == "person":
        return tr("Correspondance probable dans le fichier des personnes recherchées — à confirmer en ligne")
    return tr("Correspondance probable dans un fichier de signalements — à confirmer en ligne")


def top_severity(outcome: Any) -> str | None:
    """The highest severity among the outcome's hits (None without hits)."""
    ranks = {"alert": 0, "warning": 1, "info": 2}
    found = sorted((h.severity for h in outcome.hits), key=lambda s: ranks.get(s, 3))
    return found[0] if found else None


def entry_of(outcome: Any) -> str:
    try:
        text = outcome.entry_text
    except Exception:  # an outcome without its one-line form: build it here
        entry = outcome.entry
        text = entry if isinstance(entry, str) else " · ".join(v for v in entry.values() if v)
    return " ".join(str(text).split())


# -- clickable frames ---------------------------------------------------------------------------


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


def _transparent(*widgets: QWidget) -> None:
    for w in widgets:
        w.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)


class ResultRow(TapFrame):
    """One hit in the merged list: red (alert), amber (warning) or a plain card (info),
    with its file, its last update and where it came from; a tap opens the detail."""

    def __init__(self, hit: Any, card: Any, tr: Tr, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hit = hit
        self.card = card
        self.setObjectName("ResultRow")
        severity = card.severity or hit.severity
        self.setProperty("severity", severity)
        if severity == "alert":
            self.setProperty("role", "banner")
            self.setProperty("kind", "error")
        elif severity == "warning":
            self.setProperty("role", "banner")
            self.setProperty("kind", "warn")
        else:
            self.setProperty("role", "card")
        box = QVBoxLayout(self)
        box.setContentsMargins(22, 14, 22, 14)
        box.setSpacing(4)
        top = QHBoxLayout()
        top.setSpacing(12)
        self.badge = label("", "badge", name="ResultBadge")
        self.badge.setProperty("state", "failed" if severity == "alert" else "")
        self.file = label("", "muted", name="ResultFile")
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.file, 1, Qt.AlignmentFlag.AlignVCenter)
        self.title = label("", None, name="ResultTitle", wrap=True)
        self.subtitle = label("", "muted", name="ResultSubtitle", wrap=True)
        self.instruction = label("", None, name="ResultInstruction", wrap=True)
        self.meta = label("", "muted", name="ResultMeta", wrap=True)
        box.addLayout(top)
        box.addWidget(self.title)
        box.addWidget(self.subtitle)
        box.addWidget(self.instruction)
        box.addWidget(self.meta)
        _transparent(self.badge, self.file, self.title, self.subtitle, self.instruction, self.meta)
        self.show_card(card, tr)

    def show_card(self, card: Any, tr: Tr) -> None:
        self.card = card
        head = headline(tr, self.hit.file, card.severity or self.hit.severity)
        self.badge.setText(head)
        self.badge.setVisible(bool(head))
        self.file.setText(card.file_label)
        self.title.setText(card.title)
        self.subtitle.setText(card.subtitle)
        self.subtitle.setVisible(bool(card.subtitle))
        instruction = card.instruction or self.hit.instruction
        if instruction:
            self.instruction.setText(tr("Conduite à tenir : {instruction}", instruction=instruction))
        self.instruction.setVisible(bool(instruction))
        self.meta.setText(" · ".join(p for p in (card.updated_label, card.source_label) if p))
        self.setAccessibleName(" — ".join(p for p in (head, card.title, card.file_label) if p))


class OutcomeRow(TapFrame):
    """One query of the officer (history or waiting list): entry, reason, time, result."""

    def __init__(self, outcome: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outcome = outcome
        self.setObjectName("OutcomeRow")
        top = top_severity(outcome) if outcome.status == "answered" else None
        if top == "alert":
            self.setProperty("role", "banner")
            self.setProperty("kind", "error")
        elif outcome.status == "queued" or top == "warning":
            self.setProperty("role", "banner")
            self.setProperty("kind", "warn")
        else:
            self.setProperty("role", "card")
        row = QHBoxLayout(self)
        row.setContentsMargins(22, 12, 22, 12)
        row.setSpacing(16)
        text = QVBoxLayout()
        text.setSpacing(2)
        self.entry = label("", None, name="RowEntry")
        self.meta = label("", "muted", name="RowMeta", wrap=True)
        text.addWidget(self.entry)
        text.addWidget(self.meta)
        self.status = label("", "badge", name="RowStatus")
        row.addLayout(text, 1)
        row.addWidget(self.status, 0, Qt.AlignmentFlag.AlignVCenter)
        _transparent(self.entry, self.meta, self.status)

    def show_texts(self, tr: Tr, reason_label: str) -> None:
        o = self.outcome
        self.entry.setText(entry_of(o))
        reason = reason_label
        if o.reason_text:
            reason = tr("{reason} : {detail}", reason=reason_label, detail=o.reason_text)
        self.meta.setText(tr("{reason} · demandée le {time}", reason=reason, time=local_time(o.asked_at)))
        self.status.setText(status_text(tr, o))
        top = top_severity(o) if o.status == "answered" else None
        self.status.setProperty("state", "failed" if top == "alert" or o.status == "refused" else "")
        self.setAccessibleName(f"{self.entry.text()} — {self.status.text()}")


# -- the reason ------------------------------------------------------------------------------------


class ReasonPicker(QWidget):
    """The reason of the query, chosen before any search.

    Until a reason is chosen, six large chips; once chosen, one line ("Motif : Contrôle
    routier", "Changer") so it stays for the next queries of the patrol. "Autre" adds a
    required free-text line. ``sig_changed`` on every change.
    """

    sig_changed = Signal()
    OTHER = "autre"

    def __init__(self, tr: Tr, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tr = tr
        self._labels: dict[str, str] = {}
        self._code: str | None = None
        # choosing
        self.choose = QWidget()
        cbox = QVBoxLayout(self.choose)
        cbox.setContentsMargins(0, 0, 0, 0)
        cbox.setSpacing(10)
        self.prompt = label("", "section", name="ReasonPrompt")
        self.grid = QGridLayout()
        self.grid.setSpacing(10)
        cbox.addWidget(self.prompt)
        cbox.addLayout(self.grid)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.chips: dict[str, QPushButton] = {}
        # chosen
        self.chosen = QWidget()
        crow = QHBoxLayout(self.chosen)
        crow.setContentsMargins(0, 0, 0, 0)
        crow.setSpacing(12)
        self.caption = label("", "muted", name="ReasonCaption")
        self.value = label("", "value", name="ReasonValue")
        self.other_text = QLineEdit()
        self.other_text.setObjectName("ReasonText")
        self.other_text.setMaxLength(200)
        self.other_text.textChanged.connect(lambda _t: self.sig_changed.emit())
        self.change_button = button("", None, name="ReasonChange")
        self.change_button.clicked.connect(self.reopen)
        crow.addWidget(self.caption)
        crow.addWidget(self.value)
        crow.addWidget(self.other_text, 1)
        crow.addStretch(0)
        crow.addWidget(self.change_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(self.choose)
        box.addWidget(self.chosen)
        self._sync()

    # -- content ---------------------------------------------------------------------------------
    def set_reasons(self, reasons: list[tuple[str, str]]) -> None:
        """``(code, label)`` in display order; labels are updated in place on re-translation."""
        self._labels = dict(reasons)
        if list(self.chips) != [code for code, _ in reasons]:
            for btn in self.chips.values():
                self.group.removeButton(btn)
                btn.deleteLater()
            self.chips = {}
            for i, (code, text) in enumerate(reasons):
                chip = button(text, "segment", name=f"Reason_{code}")
                chip.setProperty("chip", "reason")
                chip.setCheckable(True)
                chip.clicked.connect(lambda _=False, c=code: self.choose_reason(c))
                self.group.addButton(chip)
                self.grid.addWidget(chip, i // 3, i % 3)
                self.chips[code] = chip
            for c in range(3):
                self.grid.setColumnStretch(c, 1)
        for code, text in reasons:
            self.chips[code].setText(text)
        self._sync()

    def retranslate(self) -> None:
        self.prompt.setText(self.tr("Motif de la consultation (obligatoire)"))
        self.caption.setText(self.tr("Motif :"))
        self.change_button.setText(self.tr("Changer"))
        self.other_text.setPlaceholderText(self.tr("Précisez le motif"))
        self.other_text.setAccessibleName(self.tr("Précision du motif"))
        self._sync()

    # -- state -----------------------------------------------------------------------------------
    def reason(self) -> str | None:
        return self._code

    def reason_text(self) -> str:
        return self.other_text.text().strip() if self._code == self.OTHER else ""

    def is_complete(self) -> bool:
        return self._code is not None and (self._code != self.OTHER or bool(self.reason_text()))

    def choose_reason(self, code: str, text: str = "") -> None:
        if code not in self._labels:
            return
        self._code = code
        if code == self.OTHER:
            if text:
                self.other_text.setText(text)
        else:
            self.other_text.clear()
        self._sync()
        if code == self.OTHER and not self.other_text.text().strip():
            self.other_text.setFocus()
        self.sig_changed.emit()

    def reopen(self) -> None:
        """Back to the chips (the current reason stays checked until another is tapped)."""
        self._show(choosing=True)
        self.sig_changed.emit()

    def choosing(self) -> bool:
        return not self.choose.isHidden()

    def _show(self, *, choosing: bool) -> None:
        # Hidden, not stacked: the line alone must not keep the height of the chips.
        self.choose.setVisible(choosing)
        self.chosen.setVisible(not choosing)

    def _sync(self) -> None:
        for code, chip in self.chips.items():
            chip.setChecked(code == self._code)
        if self._code is None:
            self._show(choosing=True)
            return
        self._show(choosing=False)
        self.value.setText(self._labels.get(self._code, self._code))
        self.other_text.setVisible(self._code == self.OTHER)


class MrzLine(QLineEdit):
    """One line of a machine-readable zone; pasting several lines spreads them over the
    following line fields (``sig_paste_lines``)."""

    sig_paste_lines = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("mrz", "true")
        self.setMaxLength(44)

    def insert_text(self, text: str) -> None:
        lines = [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]
        if len(lines) > 1:
            self.sig_paste_lines.emit(lines)
        elif lines:
            self.insert(lines[0])

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.matches(QKeySequence.StandardKey.Paste):
            self.insert_text(QApplication.clipboard().text())
            return
        super().keyPressEvent(event)
