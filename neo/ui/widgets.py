"""Small touch-first building blocks shared by the shell's screens."""

from __future__ import annotations

import re
from pathlib import Path

from neo.i18n import tr
from neo.ui import theme
from neo.ui.qt import (
    Property,
    QAbstractButton,
    QButtonGroup,
    QColor,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QIcon,
    QLabel,
    QPainter,
    QPaintEvent,
    QPixmap,
    QPushButton,
    QRectF,
    QSize,
    QSizePolicy,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
    qt_is_valid,
)

# -- dynamic properties and themed icons ------------------------------------------------------


def set_prop(widget: QWidget, name: str, value: object) -> None:
    """Set a property that the style sheet selects on, and re-apply the style."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


def role(widget: QWidget, name: str) -> QWidget:
    widget.setProperty("role", name)
    return widget


_current_theme = "day"


def current_theme() -> str:
    return _current_theme


def set_current_theme(name: str) -> None:
    global _current_theme
    if name not in theme.THEMES:
        raise ValueError(f"unknown theme {name!r}")
    _current_theme = name


def colour(key: str) -> str:
    return theme.palette(_current_theme)[key]


def set_icon(widget: QWidget, name: str | Path, colour_key: str = "icon", size: int = 28, gap: int = 0) -> None:
    """Give a button or label a themed icon; :func:`refresh_icons` re-renders it on theme change.

    ``gap`` leaves that many pixels between a button's icon and its text.
    """
    widget.setProperty("neoIcon", str(name))
    widget.setProperty("neoIconColour", colour_key)
    widget.setProperty("neoIconSize", size)
    widget.setProperty("neoIconGap", gap)
    _render_icon(widget)


def _render_icon(widget: QWidget) -> None:
    name = widget.property("neoIcon")
    if not name:
        return
    size = int(widget.property("neoIconSize") or 28)
    key = str(widget.property("neoIconColour") or "icon")
    source: str | Path = Path(name) if name.endswith(".svg") else name
    hexcolour = colour(key)
    if isinstance(widget, QAbstractButton):
        gap = int(widget.property("neoIconGap") or 0)
        if gap:
            path = source if isinstance(source, Path) else theme.icon_file(source)
            glyph = theme.render_svg(path, size, hexcolour)
            ratio = glyph.devicePixelRatio()
            padded = QPixmap(round((size + gap) * ratio), round(size * ratio))
            padded.setDevicePixelRatio(ratio)
            padded.fill(Qt.GlobalColor.transparent)
            painter = QPainter(padded)
            painter.drawPixmap(0, 0, glyph)
            painter.end()
            widget.setIcon(QIcon(padded))
            widget.setIconSize(QSize(size + gap, size))
        else:
            widget.setIcon(theme.icon(source, hexcolour, size))
            widget.setIconSize(QSize(size, size))
    elif isinstance(widget, QLabel):
        path = source if isinstance(source, Path) else theme.icon_file(source)
        widget.setPixmap(theme.render_svg(path, size, hexcolour))
        widget.setFixedSize(size, size)


def refresh_icons(root: QWidget) -> None:
    """Re-render every themed icon under ``root`` in the current theme's colours."""
    for widget in [root, *root.findChildren(QWidget)]:
        if qt_is_valid(widget) and widget.property("neoIcon"):
            _render_icon(widget)


# -- labels and containers -------------------------------------------------------------------


_FRENCH_SPACE = re.compile(r" ([:;?!»])|(«) ")


def french_spacing(text: str) -> str:
    """No line break before « : ; ? ! » or after « (French typography): those spaces
    become non-breaking, so a wrapped line never starts with a colon."""
    return _FRENCH_SPACE.sub(lambda m: f"\u00a0{m.group(1)}" if m.group(1) else f"{m.group(2)}\u00a0", text)


class WrappingLabel(QLabel):
    """A word-wrapped label that asks for the height its text needs at its current width.

    (Qt does not always carry height-for-width through nested layouts; without this a
    three-line error can be clipped to two lines.) French punctuation keeps its space
    unbreakable (:func:`french_spacing`).
    """

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

    def resizeEvent(self, event: object) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._fit()


def label(text: str = "", role_name: str | None = None, *, wrap: bool = False,
          parent: QWidget | None = None) -> QLabel:
    lab = WrappingLabel(text, parent) if wrap else QLabel(text, parent)
    if role_name:
        lab.setProperty("role", role_name)
    return lab


def icon_label(name: str | Path, colour_key: str = "icon", size: int = 24) -> QLabel:
    lab = QLabel()
    set_icon(lab, name, colour_key, size)
    return lab


def card(parent: QWidget | None = None) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame(parent)
    frame.setProperty("role", "card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(28, 24, 28, 24)
    layout.setSpacing(14)
    return frame, layout


def separator() -> QFrame:
    line = QFrame()
    line.setProperty("role", "separator")
    line.setFrameShape(QFrame.Shape.NoFrame)
    return line


def button(text: str = "", role_name: str | None = None, icon_name: str | None = None,
           colour_key: str = "icon", icon_px: int = 26, *, with_text: bool = True) -> QPushButton:
    """A touch-sized push button; ``with_text=False`` for an icon-only button (no icon gap)."""
    btn = QPushButton(text)
    if role_name:
        btn.setProperty("role", role_name)
    if icon_name:
        set_icon(btn, icon_name, colour_key, icon_px, gap=10 if with_text else 0)
    btn.setCursor(Qt.CursorShape.PointingHandCursor)
    return btn


class Banner(QFrame):
    """A dismissable message strip (errors by default) shown inside a screen, never modal."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "banner")
        self.setProperty("kind", "error")
        row = QHBoxLayout(self)
        row.setContentsMargins(18, 10, 10, 10)
        row.setSpacing(14)
        self.icon = icon_label("alert", "danger_text", 28)
        self.text = label(wrap=True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = button("", None, "close", "text", 24, with_text=False)
        self.close_button.setFixedWidth(64)
        self.close_button.clicked.connect(self.dismiss)
        self.retranslate()
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.text, 1)
        row.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    ICONS = {"error": ("alert", "danger_text"), "warn": ("alert", "warn"), "info": ("info", "accent_fg")}

    def show_message(self, text: str, kind: str = "error") -> None:
        """``kind``: ``error`` (red), ``warn`` (amber: a problem that fixes itself) or ``info``."""
        set_prop(self, "kind", kind)
        set_icon(self.icon, *self.ICONS.get(kind, self.ICONS["info"]), 28)
        for child in (self.text, self.icon):
            child.style().unpolish(child)
            child.style().polish(child)
        self.text.setText(text)
        self.show()

    def dismiss(self) -> None:
        self.text.clear()
        self.hide()

    def retranslate(self) -> None:
        self.close_button.setAccessibleName(tr("Fermer"))


class SegmentedChoice(QWidget):
    """A row of big mutually exclusive buttons (a touch-friendly combo box)."""

    sig_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None, *, columns: int = 0) -> None:
        """``columns`` > 0 wraps the buttons onto rows of that many."""
        super().__init__(parent)
        self._columns = columns
        self._row = QGridLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(10)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._values: list[object] = []
        self._group.idClicked.connect(self._clicked)

    def set_options(self, options: list[tuple[object, str]], current: object) -> None:
        for btn in self._group.buttons():
            self._group.removeButton(btn)
            btn.deleteLater()
        self._values = []
        for i, (value, text) in enumerate(options):
            btn = QPushButton(text)
            btn.setProperty("role", "segment")
            btn.setCheckable(True)
            btn.setCursor(Qt.CursorShape.PointingHandCursor)
            btn.setChecked(value == current)
            self._group.addButton(btn, i)
            if self._columns > 0:
                self._row.addWidget(btn, i // self._columns, i % self._columns)
            else:
                self._row.addWidget(btn, 0, i)
            self._values.append(value)
        last = self._columns if self._columns > 0 else len(options)
        self._row.setColumnStretch(last, 1)

    def set_texts(self, texts: list[str]) -> None:
        for i, text in enumerate(texts):
            btn = self._group.button(i)
            if btn is not None:
                btn.setText(text)

    def buttons(self) -> list[QAbstractButton]:
        return [self._group.button(i) for i in range(len(self._values))]

    def values(self) -> list[object]:
        return list(self._values)

    def value(self) -> object:
        i = self._group.checkedId()
        return self._values[i] if 0 <= i < len(self._values) else None

    def select(self, value: object) -> None:
        if value in self._values:
            btn = self._group.button(self._values.index(value))
            btn.setChecked(True)

    def _clicked(self, i: int) -> None:
        self.sig_changed.emit(self._values[i])


class ToggleSwitch(QAbstractButton):
    """An on/off switch, 88 x 48 px; its colours come from the style sheet (``qproperty-*``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCheckable(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._on = QColor("#0B3D91")
        self._off = QColor("#5F6B7D")
        self._knob = QColor("#FFFFFF")
        self._focus = QColor("#0B3D91")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(88, 56)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        track = QRectF(4, (h - 40) / 2, w - 8, 40)
        if self.hasFocus():
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(self._focus)
            p.drawRoundedRect(track.adjusted(-3, -3, 3, 3), 23, 23)
        p.setPen(Qt.PenStyle.NoPen)
        colour_ = self._on if self.isChecked() else self._off
        if not self.isEnabled():
            colour_ = QColor(colour_)
            colour_.setAlpha(110)
        p.setBrush(colour_)
        p.drawRoundedRect(track, 20, 20)
        d = 32
        x = track.right() - d - 4 if self.isChecked() else track.left() + 4
        p.setBrush(self._knob)
        p.drawEllipse(QRectF(x, track.top() + 4, d, d))
        p.end()

    def _get_on(self) -> QColor:
        return self._on

    def _set_on(self, c: QColor) -> None:
        self._on = QColor(c)
        self.update()

    def _get_off(self) -> QColor:
        return self._off

    def _set_off(self, c: QColor) -> None:
        self._off = QColor(c)
        self.update()

    def _get_knob(self) -> QColor:
        return self._knob

    def _set_knob(self, c: QColor) -> None:
        self._knob = QColor(c)
        self.update()

    def _get_focus(self) -> QColor:
        return self._focus

    def _set_focus(self, c: QColor) -> None:
        self._focus = QColor(c)
        self.update()

    trackOn = Property(QColor, _get_on, _set_on)  # noqa: N815 - style sheet property names
    trackOff = Property(QColor, _get_off, _set_off)  # noqa: N815
    knob = Property(QColor, _get_knob, _set_knob)
    focusRing = Property(QColor, _get_focus, _set_focus)  # noqa: N815
