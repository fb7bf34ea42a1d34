"""Signatures drawn on the screen, and a refusal to sign recorded as such.

:class:`SignaturePad` keeps each stroke as the points a finger, a pen or a mouse went
through (pressure is ignored: the line has one width), drops points closer than a pixel
or so, and draws each stroke as quadratic Bézier curves through the midpoints of
successive points, so fast strokes stay smooth instead of polygonal. "Annuler le trait"
removes the last stroke (and "Rétablir" puts it back), "Effacer" removes everything.
:meth:`SignaturePad.png` exports black ink on white, the same whatever the theme.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPainterPath, QPalette, QPen, QTabletEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from neo.modules.statements.ui.widgets import Tr, button, card, chip, label

MIN_STEP = 1.5  # px: closer points add nothing but noise
PEN_WIDTH = 3.2  # px on screen
EXPORT_WIDTH = 900  # px of the exported PNG


def smooth_path(points: list[QPointF]) -> QPainterPath:
    """A smooth path through ``points``: quadratic curves with each point as the control
    point and the midpoints as the ends (a dot for a single point)."""
    path = QPainterPath()
    if not points:
        return path
    path.moveTo(points[0])
    if len(points) == 1:
        path.lineTo(points[0] + QPointF(0.1, 0.1))
        return path
    if len(points) == 2:
        path.lineTo(points[1])
        return path
    for i in range(1, len(points) - 1):
        mid = (points[i] + points[i + 1]) / 2
        path.quadTo(points[i], mid)
    path.lineTo(points[-1])
    return path


class SignaturePad(QWidget):
    """Draw with a finger, a pen or a mouse. ``sig_stroke`` after each stroke, undo, redo
    or clear (the drawing changed)."""

    sig_stroke = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SignaturePad")
        self.setMinimumSize(QSize(360, 220))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.strokes: list[list[QPointF]] = []
        self.undone: list[list[QPointF]] = []
        self.current: list[QPointF] | None = None
        self.background: QImage | None = None  # a signature saved before (reopened draft)
        self.hint = ""

    # -- drawing ----------------------------------------------------------------------------
    def begin(self, point: QPointF) -> None:
        self.current = [QPointF(point)]
        self.undone.clear()
        self.update()

    def extend(self, point: QPointF) -> None:
        if self.current is None:
            return
        last = self.current[-1]
        if (point - last).manhattanLength() >= MIN_STEP:
            self.current.append(QPointF(point))
            self.update()

    def end(self, point: QPointF | None = None) -> None:
        if self.current is None:
            return
        if point is not None:
            self.extend(point)
        self.strokes.append(self.current)
        self.current = None
        self.update()
        self.sig_stroke.emit()

    def draw(self, strokes: list[list[tuple[float, float]]]) -> None:
        """Draw whole strokes (tests, demos): each a list of (x, y) in widget pixels."""
        for stroke in strokes:
            if not stroke:
                continue
            self.begin(QPointF(*stroke[0]))
            for x, y in stroke[1:]:
                self.extend(QPointF(x, y))
            self.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton:
            self.begin(event.position())
            event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.extend(event.position())
            event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton:
            self.end(event.position())
            event.accept()

    def tabletEvent(self, event: QTabletEvent) -> None:  # noqa: N802 - Qt API
        kind = event.type()
        if kind == QTabletEvent.Type.TabletPress:
            self.begin(event.position())
        elif kind == QTabletEvent.Type.TabletMove:
            self.extend(event.position())
        elif kind == QTabletEvent.Type.TabletRelease:
            self.end(event.position())
        event.accept()

    # -- editing ----------------------------------------------------------------------------
    def is_empty(self) -> bool:
        return not self.strokes and self.background is None and self.current is None

    def undo(self) -> None:
        if self.strokes:
            self.undone.append(self.strokes.pop())
            self.update()
            self.sig_stroke.emit()

    def redo(self) -> None:
        if self.undone:
            self.strokes.append(self.undone.pop())
            self.update()
            self.sig_stroke.emit()

    def clear(self) -> None:
        if self.is_empty():
            return
        self.strokes.clear()
        self.undone.clear()
        self.current = None
        self.background = None
        self.update()
        self.sig_stroke.emit()

    def set_background(self, png: bytes | None) -> None:
        """Show a signature saved earlier (strokes cannot be recovered from it: clear to redo)."""
        self.strokes.clear()
        self.undone.clear()
        self.background = None
        if png:
            image = QImage.fromData(png, "PNG")
            self.background = None if image.isNull() else image
        self.update()

    # -- painting and export ------------------------------------------------------------------
    def _paint_strokes(self, painter: QPainter, colour: QColor, width: float) -> None:
        pen = QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for stroke in [*self.strokes, *([self.current] if self.current else [])]:
            painter.drawPath(smooth_path(stroke))

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        ink = self.palette().color(QPalette.ColorRole.WindowText)
        faint = QColor(ink)
        faint.setAlpha(90)
        # The line to sign on, and the hint while empty.
        y = self.height() * 0.78
        painter.setPen(QPen(faint, 2, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(24, y), QPointF(self.width() - 24, y))
        if self.background is not None:
            target = QRectF(self.rect())
            image = self.background
            if ink.lightness() > 128:  # night theme: show the saved ink light on dark
                image = image.copy()
                image.invertPixels()
            painter.drawImage(target, image)
        elif self.is_empty() and self.hint:
            painter.setPen(faint)
            painter.drawText(QRectF(24, 0, self.width() - 48, y - 8),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, self.hint)
        self._paint_strokes(painter, ink, PEN_WIDTH)
        painter.end()

    def png(self) -> bytes | None:
        """The drawing as a PNG (black on white, ``EXPORT_WIDTH`` wide, the pad's
        proportions); None when nothing is drawn."""
        if self.is_empty():
            return None
        w, h = max(1, self.width()), max(1, self.height())
        scale = EXPORT_WIDTH / w
        image = QImage(EXPORT_WIDTH, max(1, round(h * scale)), QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.background is not None:
            painter.drawImage(QRectF(image.rect()), self.background)
        painter.scale(scale, scale)
        self._paint_strokes(painter, QColor("black"), PEN_WIDTH)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        return bytes(data.data())


REFUSAL_REASONS = ("Refuse de signer", "Ne sait pas signer", "Ne peut pas signer (blessure, handicap)")


class RefusalDialog(QDialog):
    """Why the person does not sign: a reason chip, or "Autre" with a text."""

    def __init__(self, tr: Tr, who: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tr = tr
        self.setObjectName("RefusalDialog")
        self.setWindowTitle(tr("Refus de signer"))
        self.setModal(True)
        self.setMinimumWidth(640)
        box = QVBoxLayout(self)
        box.setContentsMargins(28, 22, 28, 22)
        box.setSpacing(14)
        box.addWidget(label(tr("Refus de signer : {who}", who=who), "title", name="RefusalTitle", wrap=True))
        box.addWidget(label(tr("Le refus et son motif figureront sur la déposition à la place de la signature."),
                            "subtitle", wrap=True))
        grid = QGridLayout()
        grid.setSpacing(10)
        self.group = QButtonGroup(self)
        self.chips: dict[str, Any] = {}
        for i, text in enumerate((*REFUSAL_REASONS, "Autre")):
            c = chip(tr(text), name=f"Refusal_{i}")
            c.clicked.connect(self._update)
            self.group.addButton(c)
            grid.addWidget(c, i // 2, i % 2)
            self.chips[text] = c
        box.addLayout(grid)
        self.other = QLineEdit()
        self.other.setObjectName("RefusalOther")
        self.other.setMaxLength(300)
        self.other.setPlaceholderText(tr("Précisez le motif"))
        self.other.setAccessibleName(tr("Motif du refus"))
        self.other.textChanged.connect(self._update)
        self.other.hide()
        box.addWidget(self.other)
        row = QHBoxLayout()
        row.addStretch(1)
        self.cancel = button(tr("Annuler"), None, name="RefusalCancel")
        self.ok = button(tr("Enregistrer le refus"), "primary", name="RefusalOk")
        self.cancel.clicked.connect(self.reject)
        self.ok.clicked.connect(self.accept)
        row.addWidget(self.cancel)
        row.addWidget(self.ok)
        box.addLayout(row)
        self._update()

    def reason(self) -> str:
        for text, c in self.chips.items():
            if c.isChecked():
                return self.other.text().strip() if text == "Autre" else self.tr(text)
        return ""

    def _update(self, *_: Any) -> None:
        self.other.setVisible(self.chips["Autre"].isChecked())
        self.ok.setEnabled(bool(self.reason()))


class SignatureBox(QWidget):
    """One signature (declarant or officer): the pad and its buttons, or the refusal.
    ``sig_changed(role, png, refused_reason)``: the drawing (None when empty), or a
    refusal (png None), or neither (cleared)."""

    sig_changed = Signal(str, object, object)

    def __init__(self, role: str, title: str, tr: Tr, *, refusable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.role = role
        self.tr = tr
        self.title_text = title
        self.refused: str | None = None
        self.refusable = refusable
        self.setObjectName(f"Signature_{role}")
        frame = card("SignatureCard")
        self.title = label(title, "section", name="SignatureTitle")
        self.state = label("", "muted", name="SignatureState")
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.state)
        self.pad = SignaturePad()
        self.pad.hint = tr("Signez ici avec le doigt ou le stylet")
        self.pad.setAccessibleName(title)
        self.pad.sig_stroke.connect(self._drawn)
        self.refusal = label("", "countdown", name="RefusalText", wrap=True)
        self.refusal.hide()
        self.clear_button = button(tr("Effacer"), None, name="SignatureClear")
        self.undo_button = button(tr("Annuler le trait"), None, name="SignatureUndo")
        self.redo_button = button(tr("Rétablir"), None, name="SignatureRedo")
        self.refuse_button = button(tr("Refus de signer"), None, name="SignatureRefuse")
        self.unrefuse_button = button(tr("Annuler le refus"), None, name="SignatureUnrefuse")
        self.clear_button.clicked.connect(self.pad.clear)
        self.undo_button.clicked.connect(self.pad.undo)
        self.redo_button.clicked.connect(self.pad.redo)
        self.refuse_button.clicked.connect(self.ask_refusal)
        self.unrefuse_button.clicked.connect(lambda: self.set_refused(None, emit=True))
        buttons = QHBoxLayout()
        buttons.setSpacing(10)
        for b in (self.clear_button, self.undo_button, self.redo_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.refuse_button)
        buttons.addWidget(self.unrefuse_button)
        inner = QVBoxLayout(frame)
        inner.setContentsMargins(20, 14, 20, 14)
        inner.setSpacing(10)
        inner.addLayout(head)
        inner.addWidget(self.pad, 1)
        inner.addWidget(self.refusal)
        inner.addLayout(buttons)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(frame)
        self.dialog: RefusalDialog | None = None
        self._sync()

    def _drawn(self) -> None:
        self._sync()
        self.sig_changed.emit(self.role, self.pad.png(), None)

    def ask_refusal(self) -> None:
        self.dialog = RefusalDialog(self.tr, self.title_text, self.window())
        self.dialog.accepted.connect(lambda: self.set_refused(self.dialog.reason() if self.dialog else None,
                                                              emit=True))
        self.dialog.finished.connect(self._closed)
        self.dialog.open()

    def _closed(self, _result: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None

    def set_refused(self, reason: str | None, *, emit: bool = False) -> None:
        self.refused = reason or None
        if self.refused:
            self.pad.strokes.clear()
            self.pad.undone.clear()
            self.pad.background = None
        self._sync()
        if emit:
            self.sig_changed.emit(self.role, None, self.refused)

    def load(self, png: bytes | None, refused: str | None) -> None:
        self.pad.set_background(png)
        self.refused = refused or None
        self._sync()

    def _sync(self) -> None:
        refused = self.refused is not None
        self.pad.setVisible(not refused)
        self.refusal.setVisible(refused)
        self.refusal.setText(self.tr("Refus de signer : {reason}", reason=self.refused or ""))
        for b in (self.clear_button, self.undo_button, self.redo_button):
            b.setVisible(not refused)
        self.undo_button.setEnabled(bool(self.pad.strokes))
        self.redo_button.setEnabled(bool(self.pad.undone))
        self.clear_button.setEnabled(not self.pad.is_empty())
        self.refuse_button.setVisible(self.refusable and not refused)
        self.unrefuse_button.setVisible(refused)
        if refused:
            self.state.setText(self.tr("Refus enregistré"))
        elif self.pad.is_empty():
            self.state.setText(self.tr("À signer"))
        else:
            self.state.setText(self.tr("Signé"))
