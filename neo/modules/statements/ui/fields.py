"""Field editors rendered from a template's field types, for touch.

Every editor shows its caption (``*`` when required), an optional help line and, under
it, the validation message the service gives for it (French, next to the field). A change
emits ``sig_changed(path, value)`` with the value as it is stored in the draft's content
(see ``neo.modules.statements.service``): text, ``YYYY-MM-DD`` dates, ISO 8601 moments
with their offset, ``{"from", "to"}`` for ``facts.when``, ``{"address", "position"}`` for
``facts.where``, offences ``[{"natinf", "label"}]``, items
``[{"description", "value_cents", "serial"}]``, money in integer cents, booleans,
identities as dicts. ``set_value`` never emits.

Validation issues carry content paths (``facts.items.1.description``); the form gives
each editor the issues under its path and the editor puts each message next to the
member it names (or under itself).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from neo.modules.statements.ui import tasks
from neo.modules.statements.ui.pickers import DateTimeDialog
from neo.modules.statements.ui.widgets import (
    TapFrame,
    Tr,
    button,
    chip,
    clear_layout,
    euros,
    label,
    parse_euros,
    parse_time,
    transparent,
)

Issues = list[tuple[str, str]]  # (path relative to the editor: "" for itself, "1.description"...), message


def caption_text(text: str, required: bool) -> str:
    return f"{text} *" if required else text


class FieldEditor(QWidget):
    """Caption, body (the subclass's), help, error. ``path`` is the content path."""

    sig_changed = Signal(str, object)

    def __init__(self, path: str, caption: str, tr: Tr, *, required: bool = False, help_text: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"Field:{path}")
        self.path = path
        self.tr = tr
        self.required = required
        self.loading = False
        self.caption = label(caption_text(caption, required), "field", name="FieldCaption", wrap=True)
        self.caption_plain = caption
        self.body = QVBoxLayout()
        self.body.setSpacing(8)
        self.help = label(help_text, "hint", name="FieldHelp", wrap=True)
        self.help.setVisible(bool(help_text))
        self.error = label("", "error", name="FieldError", wrap=True)
        self.error.hide()
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(6)
        box.addWidget(self.caption)
        box.addLayout(self.body)
        box.addWidget(self.help)
        box.addWidget(self.error)

    # -- value -----------------------------------------------------------------------------
    def set_value(self, value: Any) -> None:
        self.loading = True
        try:
            self._load(value)
        finally:
            self.loading = False

    def _load(self, value: Any) -> None:
        raise NotImplementedError

    def value(self) -> Any:
        raise NotImplementedError

    def emit(self) -> None:
        if not self.loading:
            self.sig_changed.emit(self.path, self.value())

    # -- messages --------------------------------------------------------------------------
    def show_issues(self, issues: Issues) -> None:
        """Put each message next to what it is about; the rest under the field."""
        mine = [m for p, m in issues if not p or not self._show_member(p, m)]
        self.show_error("\n".join(dict.fromkeys(mine)))

    def _show_member(self, member: str, message: str) -> bool:
        return False

    def clear_members(self) -> None:
        pass

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))
        if not message:
            self.clear_members()

    def has_error(self) -> bool:
        return not self.error.isHidden()

    def focus(self) -> None:
        self.setFocus()


class LineField(FieldEditor):
    def __init__(self, path: str, caption: str, tr: Tr, *, max_length: int | None = None, placeholder: str = "",
                 **kw: Any) -> None:
        super().__init__(path, caption, tr, **kw)
        self.edit = QLineEdit()
        self.edit.setObjectName("LineInput")
        self.edit.setMaxLength(max_length or 300)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setAccessibleName(caption)
        self.edit.textChanged.connect(lambda _t: self.emit())
        self.body.addWidget(self.edit)

    def _load(self, value: Any) -> None:
        self.edit.setText("" if value is None else str(value))

    def value(self) -> Any:
        return self.edit.text()

    def focus(self) -> None:
        self.edit.setFocus()


class TextAreaField(FieldEditor):
    """A large, comfortable editor (the narrative): big type, a visible length counter."""

    def __init__(self, path: str, caption: str, tr: Tr, *, max_length: int | None = None, height: int = 220,
                 **kw: Any) -> None:
        super().__init__(path, caption, tr, **kw)
        self.max_length = max_length
        self.edit = QPlainTextEdit()
        self.edit.setObjectName("Narrative" if path == "narrative" else "TextArea")
        self.edit.setMinimumHeight(height)
        self.edit.setTabChangesFocus(True)
        self.edit.setAccessibleName(caption)
        self.edit.textChanged.connect(self._changed)
        self.counter = label("", "hint", name="LengthCounter")
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.body.addWidget(self.edit)
        self.body.addWidget(self.counter)
        self._count()

    def _changed(self) -> None:
        text = self.edit.toPlainText()
        if self.max_length is not None and len(text) > self.max_length:
            cursor = self.edit.textCursor()
            self.edit.setPlainText(text[: self.max_length])
            cursor.setPosition(self.max_length)
            self.edit.setTextCursor(cursor)
            return
        self._count()
        self.emit()

    def _count(self) -> None:
        n = len(self.edit.toPlainText())
        if self.max_length:
            self.counter.setText(self.tr("{n} / {max} caractères", n=n, max=self.max_length))
        else:
            self.counter.setText(self.tr("{n} caractères", n=n))

    def _load(self, value: Any) -> None:
        self.edit.setPlainText("" if value is None else str(value))
        self._count()

    def value(self) -> Any:
        return self.edit.toPlainText()

    def focus(self) -> None:
        self.edit.setFocus()


def iso_moment(moment: datetime) -> str:
    """Local time with its offset, to the minute: ``2026-11-28T14:32:00+01:00``."""
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.replace(second=0, microsecond=0).isoformat()


def moment_text(value: Any) -> str:
    moment = parse_time(value)
    if moment is None:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%d/%m/%Y à %H:%M")


class PickerButton(QWidget):
    """A wide button showing the chosen date (or moment), opening the touch picker; a ✕
    clears it. ``sig_changed`` on every change."""

    sig_changed = Signal()

    def __init__(self, tr: Tr, title: str, *, with_time: bool, past_only: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tr = tr
        self.title = title
        self.with_time = with_time
        self.past_only = past_only
        self.moment: datetime | date | None = None
        self.open_button = button("", None, name="PickerButton")
        self.open_button.setAccessibleName(title)
        self.open_button.clicked.connect(self.pick)
        self.clear_button = button("✕", None, name="RemoveButton")
        self.clear_button.setAccessibleName(tr("Effacer : {what}", what=title))
        self.clear_button.clicked.connect(lambda: self.set_moment(None, emit=True))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        row.addWidget(self.open_button, 1)
        row.addWidget(self.clear_button)
        self.dialog: DateTimeDialog | None = None
        self._show()

    def pick(self) -> None:
        self.dialog = DateTimeDialog(self.tr, self.title, self.moment, with_time=self.with_time,
                                     past_only=self.past_only, parent=self.window())
        self.dialog.accepted.connect(lambda: self.set_moment(self.dialog.result_value(), emit=True))
        self.dialog.finished.connect(self._closed)
        self.dialog.open()

    def _closed(self, _result: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None

    def set_moment(self, moment: datetime | date | None, *, emit: bool = False) -> None:
        self.moment = moment
        self._show()
        if emit:
            self.sig_changed.emit()

    def _show(self) -> None:
        m = self.moment
        if m is None:
            text = self.tr("Choisir la date et l'heure…") if self.with_time else self.tr("Choisir une date…")
        elif isinstance(m, datetime):
            local = m.astimezone() if m.tzinfo is not None else m
            text = local.strftime("%d/%m/%Y   %H:%M")
        else:
            text = m.strftime("%d/%m/%Y")
        self.open_button.setText(text)
        self.clear_button.setVisible(m is not None)


class DateField(FieldEditor):
    """``YYYY-MM-DD``."""

    def __init__(self, path: str, caption: str, tr: Tr, *, past_only: bool = True, **kw: Any) -> None:
        super().__init__(path, caption, tr, **kw)
        self.picker = PickerButton(tr, caption, with_time=False, past_only=past_only)
        self.picker.sig_changed.connect(self.emit)
        self.body.addWidget(self.picker)

    def _load(self, value: Any) -> None:
        try:
            self.picker.set_moment(date.fromisoformat(str(value)[:10]) if value else None)
        except ValueError:
            self.picker.set_moment(None)

    def value(self) -> Any:
        m = self.picker.moment
        return m.isoformat() if isinstance(m, date) else None


class DateTimeField(FieldEditor):
    """An ISO 8601 moment with its offset."""

    def __init__(self, path: str, caption: str, tr: Tr, **kw: Any) -> None:
        super().__init__(path, caption, tr, **kw)
        self.picker = PickerButton(tr, caption, with_time=True)
        self.picker.sig_changed.connect(self.emit)
        self.body.addWidget(self.picker)

    def _load(self, value: Any) -> None:
        self.picker.set_moment(parse_time(value))

    def value(self) -> Any:
        m = self.picker.moment
        return iso_moment(m) if isinstance(m, datetime) else None


class WhenField(FieldEditor):
    """``facts.when``: a ``span`` field holds ``{"from", "to"}`` (``to`` null for a moment)
    and offers both a moment and a period "du … au …"; a ``datetime`` field holds one
    moment, a ``date`` field one day (ISO text)."""

    def __init__(self, path: str, caption: str, tr: Tr, *, kind: str, **kw: Any) -> None:
        super().__init__(path, caption, tr, **kw)
        self.kind = kind
        with_time = kind != "date"
        self.mode_row = QHBoxLayout()
        self.mode_row.setSpacing(10)
        self.moment_chip = chip(tr("À un moment précis"), name="WhenMoment")
        self.span_chip = chip(tr("Sur une période"), name="WhenSpan")
        group = QButtonGroup(self)
        group.addButton(self.moment_chip)
        group.addButton(self.span_chip)
        self.moment_chip.setChecked(True)
        self.moment_chip.toggled.connect(self._mode)
        self.mode_row.addWidget(self.moment_chip)
        self.mode_row.addWidget(self.span_chip)
        self.mode_row.addStretch(1)
        if kind == "span":
            self.body.addLayout(self.mode_row)
        else:
            self.moment_chip.hide()
            self.span_chip.hide()
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(6)
        self.from_caption = label("", "muted", name="WhenFromCaption")
        self.to_caption = label(tr("Au"), "muted", name="WhenToCaption")
        self.start = PickerButton(tr, tr("Début des faits") if kind == "span" else caption, with_time=with_time)
        self.end = PickerButton(tr, tr("Fin des faits"), with_time=with_time)
        self.start.sig_changed.connect(self.emit)
        self.end.sig_changed.connect(self.emit)
        grid.addWidget(self.from_caption, 0, 0)
        grid.addWidget(self.start, 1, 0)
        grid.addWidget(self.to_caption, 0, 1)
        grid.addWidget(self.end, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.body.addLayout(grid)
        self._mode()

    def spanning(self) -> bool:
        return self.kind == "span" and self.span_chip.isChecked()

    def _mode(self, *_: Any) -> None:
        span = self.spanning()
        self.from_caption.setText(self.tr("Du") if span else self.tr("Le"))
        self.to_caption.setVisible(span)
        self.end.setVisible(span)
        self.emit()

    def _moment(self, value: Any) -> datetime | date | None:
        if self.kind == "date":
            try:
                return date.fromisoformat(str(value)[:10]) if value else None
            except ValueError:
                return None
        return parse_time(value)

    def _load(self, value: Any) -> None:
        value = value if isinstance(value, dict) else {"from": value, "to": None}
        self.start.set_moment(self._moment(value.get("from")))
        self.end.set_moment(self._moment(value.get("to")))
        if self.kind == "span":
            (self.span_chip if value.get("to") else self.moment_chip).setChecked(True)
        self._mode()

    def _text(self, m: datetime | date | None) -> str | None:
        if m is None:
            return None
        return iso_moment(m) if isinstance(m, datetime) else m.isoformat()

    def value(self) -> Any:
        start = self._text(self.start.moment)
        if self.kind != "span":
            return start
        end = self._text(self.end.moment) if self.spanning() else None
        if start is None and end is None:
            return None
        return {"from": start, "to": end}

    def _show_member(self, member: str, message: str) -> bool:
        return False


class ChoiceField(FieldEditor):
    """Exclusive chips (``choice``) or several (``multichoice``); ``choices`` are
    ``(value, label)``."""

    def __init__(self, path: str, caption: str, tr: Tr, *, choices: list[tuple[str, str]], multi: bool = False,
                 **kw: Any) -> None:
        super().__init__(path, caption, tr, **kw)
        self.multi = multi
        self.chips: dict[str, Any] = {}
        grid = QGridLayout()
        grid.setSpacing(10)
        longest = max((len(text) for _v, text in choices), default=0)
        columns = (3 if longest <= 22 else 2) if len(choices) > 4 else max(1, len(choices))
        self.group = QButtonGroup(self)
        self.group.setExclusive(not multi)
        for i, (value, text) in enumerate(choices):
            c = chip(text, name=f"Choice_{value}")
            c.clicked.connect(lambda _=False: self.emit())
            self.group.addButton(c)
            grid.addWidget(c, i // columns, i % columns)
            self.chips[value] = c
        for c in range(columns):
            grid.setColumnStretch(c, 1)
        self.body.addLayout(grid)

    def _load(self, value: Any) -> None:
        chosen = set(value) if isinstance(value, list) else {value}
        self.group.setExclusive(False)
        for v, c in self.chips.items():
            c.setChecked(v in chosen)
        self.group.setExclusive(not self.multi)

    def value(self) -> Any:
        chosen = [v for v, c in self.chips.items() if c.isChecked()]
        if self.multi:
            return chosen
        return chosen[0] if chosen else None


class BoolField(ChoiceField):
    def __init__(self, path: str, caption: str, tr: Tr, **kw: Any) -> None:
        super().__init__(path, caption, tr, choices=[("yes", tr("Oui")), ("no", tr("Non"))], **kw)

    def _load(self, value: Any) -> None:
        super()._load("yes" if value is True else "no" if value is False else None)

    def value(self) -> Any:
        v = super().value()
        return None if v is None else v == "yes"


class MoneyField(FieldEditor):
    """Euros typed (``12,50``) and stored in cents; an unreadable amount is said at once."""

    def __init__(self, path: str, caption: str, tr: Tr, **kw: Any) -> None:
        super().__init__(path, caption, tr, **kw)
        self.edit = QLineEdit()
        self.edit.setObjectName("MoneyInput")
        self.edit.setPlaceholderText("0,00")
        self.edit.setAccessibleName(caption)
        self.edit.setMaxLength(16)
        self.edit.textChanged.connect(self._changed)
        row = QHBoxLayout()
        row.addWidget(self.edit, 1)
        row.addWidget(label("€", "section"))
        self.body.addLayout(row)

    def _changed(self, text: str) -> None:
        try:
            parse_euros(text)
        except ValueError:
            self.show_error(self.tr("Montant illisible : tapez par exemple 249,90."))
            return
        self.show_error("")
        self.emit()

    def _load(self, value: Any) -> None:
        self.edit.setText(euros(value).replace("\u00a0€", "").replace("\u202f", " ") if isinstance(value, int) else "")

    def value(self) -> Any:
        try:
            return parse_euros(self.edit.text())
        except ValueError:
            return None


# -- place -----------------------------------------------------------------------------------


def position_text(tr: Tr, position: Any) -> str:
    if not isinstance(position, dict) or position.get("lat") is None or position.get("lon") is None:
        return tr("Aucune position")
    text = f"{float(position['lat']):.5f}, {float(position['lon']):.5f}"
    if position.get("accuracy") is not None:
        text = tr("{pos} (± {acc} m)", pos=text, acc=round(float(position["accuracy"])))
    return text


class PositionBox(QWidget):
    """The position: taken from the GPS, adjustable by hand (latitude, longitude).
    ``sig_changed`` on every change; ``current`` gives the GPS fix (or None)."""

    sig_changed = Signal()

    def __init__(self, tr: Tr, current: Callable[[], Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tr = tr
        self.current = current
        self.position: dict[str, Any] | None = None
        self.text = label("", "value", name="PositionText", wrap=True)
        self.gps_button = button(tr("Position GPS actuelle"), None, name="UseGps")
        self.gps_button.clicked.connect(self.use_gps)
        self.adjust_button = button(tr("Ajuster"), None, name="AdjustPosition")
        self.adjust_button.setCheckable(True)
        self.adjust_button.toggled.connect(self._adjust)
        self.notice = label("", "hint", name="GpsNotice", wrap=True)
        self.notice.hide()
        row = QHBoxLayout()
        row.setSpacing(10)
        row.addWidget(self.text, 1)
        row.addWidget(self.gps_button)
        row.addWidget(self.adjust_button)
        self.editor = QWidget()
        grid = QGridLayout(self.editor)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        self.lat = QLineEdit()
        self.lat.setObjectName("Latitude")
        self.lon = QLineEdit()
        self.lon.setObjectName("Longitude")
        for i, (edit, cap) in enumerate(((self.lat, tr("Latitude")), (self.lon, tr("Longitude")))):
            edit.setAccessibleName(cap)
            edit.setMaxLength(12)
            edit.editingFinished.connect(self._typed)
            grid.addWidget(label(cap, "muted"), 0, i)
            grid.addWidget(edit, 1, i)
        self.editor.hide()
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(6)
        box.addLayout(row)
        box.addWidget(self.notice)
        box.addWidget(self.editor)
        self._show()

    def use_gps(self) -> None:
        fix = None
        try:
            fix = self.current()
        except Exception:
            fix = None
        if fix is None:
            self.notice.setText(self.tr("Pas de signal GPS : saisissez l'adresse, ou ajustez la position à la main."))
            self.notice.show()
            return
        self.notice.hide()
        self.set_position({"lat": round(fix.lat, 6), "lon": round(fix.lon, 6),
                           "accuracy": None if fix.accuracy is None else round(fix.accuracy, 1)}, emit=True)

    def _adjust(self, on: bool) -> None:
        self.editor.setVisible(on)

    def _typed(self) -> None:
        try:
            lat = float(self.lat.text().replace(",", "."))
            lon = float(self.lon.text().replace(",", "."))
        except ValueError:
            self.notice.setText(self.tr("Latitude et longitude en degrés décimaux, par exemple 43.77412 et 7.49754."))
            self.notice.show()
            return
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            self.notice.setText(self.tr("Cette position n'existe pas : latitude entre -90 et 90, longitude entre "
                                        "-180 et 180."))
            self.notice.show()
            return
        self.notice.hide()
        old = self.position or {}
        if old.get("lat") == lat and old.get("lon") == lon:
            return
        self.set_position({"lat": lat, "lon": lon, "accuracy": None}, emit=True)  # adjusted by hand

    def set_position(self, position: dict[str, Any] | None, *, emit: bool = False) -> None:
        self.position = dict(position) if isinstance(position, dict) else None
        self._show()
        if emit:
            self.sig_changed.emit()

    def _show(self) -> None:
        self.text.setText(position_text(self.tr, self.position))
        p = self.position or {}
        self.lat.setText("" if p.get("lat") is None else f"{float(p['lat']):.6f}")
        self.lon.setText("" if p.get("lon") is None else f"{float(p['lon']):.6f}")


class WhereField(FieldEditor):
    """A place (``address`` fields, e.g. ``facts.where``): ``{"address", "position"}``; a
    ``position`` field has no address line (``{"position"}``). The GPS position is offered,
    never forced."""

    def __init__(self, path: str, caption: str, tr: Tr, *, current: Callable[[], Any], with_address: bool = True,
                 **kw: Any) -> None:
        super().__init__(path, caption, tr, **kw)
        self.address: QLineEdit | None = None
        if with_address:
            self.address = QLineEdit()
            self.address.setObjectName("AddressInput")
            self.address.setMaxLength(300)
            self.address.setPlaceholderText(tr("N°, rue, commune"))
            self.address.setAccessibleName(tr("Adresse"))
            self.address.textChanged.connect(lambda _t: self.emit())
            self.body.addWidget(self.address)
        self.position = PositionBox(tr, current)
        self.position.sig_changed.connect(self.emit)
        self.body.addWidget(self.position)

    def _load(self, value: Any) -> None:
        value = value if isinstance(value, dict) else {}
        if self.address is not None:
            self.address.setText(str(value.get("address") or ""))
        self.position.set_position(value.get("position"))

    def value(self) -> Any:
        if self.address is None:
            return {"position": self.position.position}
        return {"address": self.address.text(), "position": self.position.position}

    def focus(self) -> None:
        (self.address or self.position.gps_button).setFocus()


# -- offences ---------------------------------------------------------------------------------


class OffenceRow(TapFrame):
    def __init__(self, offence: dict[str, Any], tr: Tr, *, removable: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.offence = offence
        self.setObjectName("OffenceRow")
        self.setProperty("role", "card")
        row = QHBoxLayout(self)
        row.setContentsMargins(18, 8, 10 if removable else 18, 8)
        row.setSpacing(12)
        text = QVBoxLayout()
        text.setSpacing(2)
        official = str(offence.get("label") or "")
        self.title = label(str(offence.get("short") or official), None, name="RowTitle", wrap=True)
        meta = [tr("NATINF {code}", code=offence.get("natinf"))]
        if offence.get("short") and official:
            meta.append(official.capitalize())  # the qualification printed on the statement
        self.meta = label(" · ".join(meta), "muted", name="RowMeta", wrap=True)
        text.addWidget(self.title)
        text.addWidget(self.meta)
        transparent(self.title, self.meta)
        row.addLayout(text, 1)
        self.remove_button: Any = None
        if removable:
            self.remove_button = button("✕", None, name="RemoveButton")
            self.remove_button.setAccessibleName(tr("Retirer : {what}", what=offence.get("label")))
            row.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.setAccessibleName(f"{self.title.text()} — {self.meta.text()}")


class OffenceField(FieldEditor):
    """The offences chosen from the curated list: type a word or a NATINF code, tap a
    result to add it; the chosen ones are listed above with ✕ to remove."""

    MAX_RESULTS = 8

    def __init__(self, path: str, caption: str, tr: Tr, *, search: Callable[[str], list[dict[str, Any]]],
                 **kw: Any) -> None:
        super().__init__(path, caption, tr, **kw)
        self.search_fn = search
        self.chosen: list[dict[str, Any]] = []
        self.results: list[dict[str, Any]] = []
        self.result_rows: list[OffenceRow] = []
        self.chosen_box = QVBoxLayout()
        self.chosen_box.setSpacing(8)
        self.query = QLineEdit()
        self.query.setObjectName("OffenceSearch")
        self.query.setMaxLength(80)
        self.query.setPlaceholderText(tr("Rechercher une infraction : vol, dégradation, 7875…"))
        self.query.setAccessibleName(tr("Rechercher une infraction"))
        self.query.textChanged.connect(self._typed)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(150)
        self.timer.timeout.connect(self.run_search)
        self.results_box = QVBoxLayout()
        self.results_box.setSpacing(6)
        self.none = label("", "hint", name="OffenceNone", wrap=True)
        self.none.hide()
        self.body.addLayout(self.chosen_box)
        self.body.addWidget(self.query)
        self.body.addLayout(self.results_box)
        self.body.addWidget(self.none)
        self.searching: str | None = None

    def _typed(self, _text: str) -> None:
        self.timer.start()

    def run_search(self) -> None:
        text = self.query.text().strip()
        if not text:
            self.show_results([])
            return
        self.searching = text
        fn = self.search_fn
        tasks.run(lambda: (text, fn(text)), self._found, self._failed)

    def _found(self, result: tuple[str, list[dict[str, Any]]]) -> None:
        text, found = result
        if text != self.query.text().strip():
            return  # an older search: the newer one is on its way
        self.searching = None
        self.show_results(found)

    def _failed(self, exc: Any) -> None:
        self.searching = None
        self.none.setText(self.tr("La recherche n'a pas abouti : {err}", err=str(exc) or type(exc).__name__))
        self.none.show()

    def show_results(self, found: list[dict[str, Any]]) -> None:
        clear_layout(self.results_box)
        self.result_rows = []
        taken = {o.get("natinf") for o in self.chosen}
        self.results = [o for o in found if o.get("natinf") not in taken][: self.MAX_RESULTS]
        for offence in self.results:
            row = OffenceRow(offence, self.tr)
            row.sig_tapped.connect(lambda o=offence: self.add(o))
            self.results_box.addWidget(row)
            self.result_rows.append(row)
        empty = bool(self.query.text().strip()) and not self.results
        self.none.setText(self.tr("Aucune infraction ne correspond à « {query} ».", query=self.query.text().strip()))
        self.none.setVisible(empty)

    def add(self, offence: dict[str, Any]) -> None:
        self.chosen.append({"natinf": offence.get("natinf"), "label": offence.get("label"),
                            **({"short": offence["short"]} if offence.get("short") else {})})
        self._show_chosen()
        self.query.clear()
        self.show_results([])
        self.emit()

    def remove(self, index: int) -> None:
        del self.chosen[index]
        self._show_chosen()
        self.emit()

    def _show_chosen(self) -> None:
        clear_layout(self.chosen_box)
        for i, offence in enumerate(self.chosen):
            row = OffenceRow(offence, self.tr, removable=True)
            row.setObjectName("ChosenOffence")
            row.remove_button.clicked.connect(lambda _=False, i=i: self.remove(i))
            self.chosen_box.addWidget(row)

    def _load(self, value: Any) -> None:
        self.chosen = [dict(o) for o in value if isinstance(o, dict)] if isinstance(value, list) else []
        self._show_chosen()

    def value(self) -> Any:
        return [{"natinf": o.get("natinf"), "label": o.get("label")} for o in self.chosen]

    def focus(self) -> None:
        self.query.setFocus()


# -- items -----------------------------------------------------------------------------------


class ItemRow(QWidget):
    sig_changed = Signal()
    sig_remove = Signal()

    def __init__(self, tr: Tr, n: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tr = tr
        self.setObjectName("ItemRow")
        self.description = QLineEdit()
        self.description.setObjectName("ItemDescription")
        self.description.setMaxLength(300)
        self.description.setPlaceholderText(tr("Objet (marque, modèle, couleur…)"))
        self.description.setAccessibleName(tr("Objet {n} : description", n=n))
        self.value_edit = QLineEdit()
        self.value_edit.setObjectName("ItemValue")
        self.value_edit.setMaxLength(16)
        self.value_edit.setPlaceholderText(tr("Valeur €"))
        self.value_edit.setAccessibleName(tr("Objet {n} : valeur en euros", n=n))
        self.serial = QLineEdit()
        self.serial.setObjectName("ItemSerial")
        self.serial.setMaxLength(80)
        self.serial.setPlaceholderText(tr("N° de série, IMEI"))
        self.serial.setAccessibleName(tr("Objet {n} : numéro de série", n=n))
        self.remove_button = button("✕", None, name="RemoveButton")
        self.remove_button.setAccessibleName(tr("Retirer l'objet {n}", n=n))
        self.remove_button.clicked.connect(self.sig_remove)
        self.error = label("", "error", name="FieldError", wrap=True)
        self.error.hide()
        for edit in (self.description, self.value_edit, self.serial):
            edit.textChanged.connect(lambda _t: self.sig_changed.emit())
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        grid.addWidget(self.description, 0, 0)
        grid.addWidget(self.value_edit, 0, 1)
        grid.addWidget(self.serial, 0, 2)
        grid.addWidget(self.remove_button, 0, 3)
        grid.addWidget(self.error, 1, 0, 1, 4)
        grid.setColumnStretch(0, 5)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 3)

    def cents(self) -> tuple[int | None, bool]:
        try:
            return parse_euros(self.value_edit.text()), True
        except ValueError:
            return None, False

    def value(self) -> dict[str, Any]:
        cents, _ok = self.cents()
        return {"description": self.description.text(), "value_cents": cents, "serial": self.serial.text()}

    def load(self, item: dict[str, Any]) -> None:
        self.description.setText(str(item.get("description") or ""))
        cents = item.get("value_cents")
        self.value_edit.setText(euros(cents).replace("\u00a0€", "").replace("\u202f", " ") if isinstance(cents, int)
                                else "")
        self.serial.setText(str(item.get("serial") or ""))

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))


class ItemsField(FieldEditor):
    """Items stolen or damaged: description, value in euros, serial number; a total."""

    def __init__(self, path: str, caption: str, tr: Tr, **kw: Any) -> None:
        super().__init__(path, caption, tr, **kw)
        self.rows: list[ItemRow] = []
        self.rows_box = QVBoxLayout()
        self.rows_box.setSpacing(8)
        self.add_button = button(tr("+ Ajouter un objet"), None, name="AddItem")
        self.add_button.clicked.connect(self.add_row)
        self.total = label("", "value", name="ItemsTotal")
        foot = QHBoxLayout()
        foot.addWidget(self.add_button)
        foot.addStretch(1)
        foot.addWidget(self.total)
        self.body.addLayout(self.rows_box)
        self.body.addLayout(foot)
        self._total()

    def add_row(self, *_: Any, item: dict[str, Any] | None = None, emit: bool = True) -> ItemRow:
        row = ItemRow(self.tr, len(self.rows) + 1)
        if item is not None:
            row.load(item)
        row.sig_changed.connect(self._changed)
        row.sig_remove.connect(lambda r=row: self.remove_row(r))
        self.rows_box.addWidget(row)
        self.rows.append(row)
        if emit:
            row.description.setFocus()
            self._changed()
        return row

    def remove_row(self, row: ItemRow) -> None:
        self.rows.remove(row)
        self.rows_box.removeWidget(row)
        row.hide()
        row.deleteLater()
        self._changed()

    def _changed(self) -> None:
        for row in self.rows:
            _cents, ok = row.cents()
            if not ok:
                row.show_error(self.tr("Montant illisible : tapez par exemple 249,90."))
            elif row.error.text() == self.tr("Montant illisible : tapez par exemple 249,90."):
                row.show_error("")
        self._total()
        self.emit()

    def _total(self) -> None:
        values = [row.cents()[0] for row in self.rows]
        total = sum(v for v in values if v is not None)
        self.total.setText(self.tr("Total : {total}", total=euros(total)) if self.rows else "")

    def _load(self, value: Any) -> None:
        for row in list(self.rows):
            self.rows_box.removeWidget(row)
            row.hide()
            row.deleteLater()
        self.rows = []
        for item in value if isinstance(value, list) else []:
            if isinstance(item, dict):
                self.add_row(item=item, emit=False)
        self._total()

    def value(self) -> Any:
        return [row.value() for row in self.rows]

    def _show_member(self, member: str, message: str) -> bool:
        index, _, _rest = member.partition(".")
        if index.isdigit() and int(index) < len(self.rows):
            self.rows[int(index)].show_error(message)
            return True
        return False

    def clear_members(self) -> None:
        for row in self.rows:
            _cents, ok = row.cents()
            if ok:
                row.show_error("")


# -- identity -------------------------------------------------------------------------------

DOCUMENT_KINDS = ("Carte d'identité", "Passeport", "Titre de séjour", "Permis de conduire", "Autre")
IDENTITY_MEMBERS = ("surname", "given_names", "birth_date", "birth_place", "nationality", "address", "phone")


class IdentityForm(QWidget):
    """Every identity member of a party (``sig_changed`` with the whole identity dict)."""

    sig_changed = Signal()

    def __init__(self, tr: Tr, *, required: tuple[str, ...] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tr = tr
        self.loading = False
        captions = {
            "surname": tr("Nom"), "given_names": tr("Prénoms"), "birth_date": tr("Date de naissance"),
            "birth_place": tr("Lieu de naissance"), "nationality": tr("Nationalité"), "address": tr("Adresse"),
            "phone": tr("Téléphone"),
        }
        self.editors: dict[str, FieldEditor] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(10)
        placeholders = {"nationality": tr("française"), "phone": tr("06 12 34 56 78"),
                        "address": tr("N°, rue, code postal, commune")}
        for member in IDENTITY_MEMBERS:
            if member == "birth_date":
                editor: FieldEditor = DateField(member, captions[member], tr, required=member in required)
            else:
                editor = LineField(member, captions[member], tr, required=member in required,
                                   max_length=200, placeholder=placeholders.get(member, ""))
            editor.sig_changed.connect(lambda *_: self._changed())
            self.editors[member] = editor
        self.document_kind = ChoiceField("document.kind", tr("Pièce d'identité"), tr,
                                         choices=[(k, tr(k)) for k in DOCUMENT_KINDS])
        self.document_kind.sig_changed.connect(lambda *_: self._changed())
        self.document_number = LineField("document.number", tr("Numéro de la pièce"), tr, max_length=40)
        self.document_number.sig_changed.connect(lambda *_: self._changed())
        layout = (("surname", 0, 0), ("given_names", 0, 1), ("birth_date", 1, 0), ("birth_place", 1, 1),
                  ("nationality", 2, 0), ("phone", 2, 1))
        for member, r, c in layout:
            grid.addWidget(self.editors[member], r, c)
        grid.addWidget(self.editors["address"], 3, 0, 1, 2)
        grid.addWidget(self.document_kind, 4, 0, 1, 2)
        grid.addWidget(self.document_number, 5, 0)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

    def _changed(self) -> None:
        if not self.loading:
            self.sig_changed.emit()

    def load(self, identity: Any) -> None:
        identity = identity if isinstance(identity, dict) else {}
        self.loading = True
        try:
            for member, editor in self.editors.items():
                editor.set_value(identity.get(member))
            document = identity.get("document") if isinstance(identity.get("document"), dict) else {}
            self.document_kind.set_value(document.get("kind"))
            self.document_number.set_value(document.get("number"))
        finally:
            self.loading = False

    def value(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for member, editor in self.editors.items():
            v = editor.value()
            if v not in (None, ""):
                out[member] = v
        kind, number = self.document_kind.value(), self.document_number.value()
        if kind or number:
            out["document"] = {"kind": kind or "", "number": number or ""}
        return out

    def show_member(self, member: str, message: str) -> bool:
        editor = self.editors.get(member)
        if editor is None and member.startswith("document"):
            editor = self.document_number if member.endswith("number") else self.document_kind
        if editor is None:
            return False
        editor.show_error(message)
        return True

    def clear(self) -> None:
        for editor in (*self.editors.values(), self.document_kind, self.document_number):
            editor.show_error("")


class IdentityField(FieldEditor):
    """A ``details.*`` field of type ``identity`` (e.g. the holder of lost documents)."""

    def __init__(self, path: str, caption: str, tr: Tr, **kw: Any) -> None:
        super().__init__(path, caption, tr, **kw)
        self.form = IdentityForm(tr)
        self.form.sig_changed.connect(self.emit)
        self.body.addWidget(self.form)

    def _load(self, value: Any) -> None:
        self.form.load(value)

    def value(self) -> Any:
        return self.form.value()

    def _show_member(self, member: str, message: str) -> bool:
        return self.form.show_member(member, message)

    def clear_members(self) -> None:
        self.form.clear()


# -- from a template's field ---------------------------------------------------------------


def editor_for(spec: Any, tr: Tr, lang: str, *, offences: Callable[[str], list[dict[str, Any]]],
               position: Callable[[], Any]) -> FieldEditor:
    """The editor of one template field (``templates.FieldSpec``)."""
    caption = spec.label.get(lang)
    kw: dict[str, Any] = {"required": spec.required, "help_text": spec.help.get(lang) if spec.help else ""}
    path, kind = spec.id, spec.type
    if path == "facts.when":
        return WhenField(path, caption, tr, kind=kind, **kw)
    if kind in ("address", "position"):
        return WhereField(path, caption, tr, current=position, with_address=kind == "address", **kw)
    if kind == "longtext":
        return TextAreaField(path, caption, tr, max_length=spec.max_length, height=360 if path == "narrative" else 200,
                             **kw)
    if kind == "date":
        return DateField(path, caption, tr, **kw)
    if kind in ("datetime", "span"):
        return DateTimeField(path, caption, tr, **kw)
    if kind in ("choice", "multichoice"):
        return ChoiceField(path, caption, tr, choices=[(c.value, c.label.get(lang)) for c in spec.choices],
                           multi=kind == "multichoice", **kw)
    if kind == "bool":
        return BoolField(path, caption, tr, **kw)
    if kind == "money":
        return MoneyField(path, caption, tr, **kw)
    if kind == "offence":
        return OffenceField(path, caption, tr, search=offences, **kw)
    if kind == "items":
        return ItemsField(path, caption, tr, **kw)
    if kind == "identity":
        return IdentityField(path, caption, tr, **kw)
    return LineField(path, caption, tr, max_length=spec.max_length, **kw)  # text, address
