"""The list beside the map: the same homes, sortable by distance or by time since the last
visit, or in the order of the planned round (numbered)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from neo.modules.holiday_watch.service import Home, SortKey, sort_homes
from neo.modules.holiday_watch.ui.common import (
    Tr,
    button,
    clear_layout,
    distance_text,
    due_text,
    label,
    short_visit_line,
)
from neo.modules.holiday_watch.ui.map import STATE_COLOURS, state_for_age


class HomeRow(QPushButton):
    """One home: order in the round (if any), address, last visit, distance, due state."""

    def __init__(self, tr: Tr, home: Home, order: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.home_id = home.id
        self.setObjectName("HomeRow")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 10, 6)
        row.setSpacing(10)
        dot = QLabel()
        dot.setFixedSize(18, 18)
        colour = STATE_COLOURS[state_for_age(home.hours_since)]
        ring = {"overdue": "3px solid #d50000", "due": "3px solid #212121"}.get(home.due, "2px solid white")
        dot.setStyleSheet(f"background: {colour}; border-radius: 9px; border: {ring};")
        if order is not None:
            number = label(str(order), name="RowOrder")
            number.setAlignment(Qt.AlignmentFlag.AlignCenter)
            row.addWidget(number)
        row.addWidget(dot)
        text = QVBoxLayout()
        text.setSpacing(4)
        top = QHBoxLayout()
        top.setSpacing(8)
        self.title = label(home.label, name="RowTitle")
        self.title.setMinimumWidth(40)
        self.distance = label(distance_text(tr, home.distance_m), name="RowTitle")
        self.distance.setAlignment(Qt.AlignmentFlag.AlignRight)
        top.addWidget(self.title, 1)
        top.addWidget(self.distance)
        bottom = QHBoxLayout()
        bottom.setSpacing(8)
        self.meta = label(short_visit_line(tr, home), "muted", name="RowMeta")
        self.meta.setMinimumWidth(40)
        self.due = label(due_text(tr, home), "badge", name="RowDue")
        self.due.setProperty("state", {"overdue": "failed", "due": "discovered"}.get(home.due, "disabled"))
        self.due.setVisible(bool(self.due.text()))
        bottom.addWidget(self.meta, 1)
        bottom.addWidget(self.due)
        text.addLayout(top)
        text.addLayout(bottom)
        row.addLayout(text, 1)
        for child in self.findChildren(QLabel):
            child.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)


class HomeList(QWidget):
    """``sig_open(home_id)`` when a row is tapped; ``sig_plan`` for "Planifier la ronde";
    ``sig_clear_round`` to leave the round's order."""

    sig_open = Signal(str)
    sig_plan = Signal()
    sig_clear_round = Signal()

    def __init__(self, tr: Tr, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tr = tr
        self.sort: SortKey = "distance"
        self.homes: list[Home] = []
        self.round_order: list[str] = []
        self.rows: list[HomeRow] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.plan_button = button("", "primary", name="PlanRound")
        self.plan_button.clicked.connect(self.sig_plan)
        layout.addWidget(self.plan_button)
        self.message = label("", "error", wrap=True)
        self.message.hide()
        layout.addWidget(self.message)
        self.title = label("", name="PanelTitle")
        layout.addWidget(self.title)
        head = QHBoxLayout()
        head.setSpacing(8)
        self.sort_group = QButtonGroup(self)
        self.sort_group.setExclusive(True)
        self.by_distance = button("", "segment")
        self.by_age = button("", "segment")
        for key, b in (("distance", self.by_distance), ("since_last", self.by_age)):
            b.setProperty("chip", "sort")
            b.setCheckable(True)
            b.clicked.connect(lambda _=False, k=key: self.set_sort(k))
            self.sort_group.addButton(b)
            head.addWidget(b)
        self.by_distance.setChecked(True)
        self.leave_round = button("", name="LeaveRound")
        self.leave_round.clicked.connect(self.sig_clear_round)
        self.leave_round.hide()
        head.addWidget(self.leave_round)
        head.addStretch(1)
        layout.addLayout(head)
        self.round_summary = label("", "hint", wrap=True)
        self.round_summary.hide()
        layout.addWidget(self.round_summary)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        body.setObjectName("ScrollBody")
        self.rows_layout = QVBoxLayout(body)
        self.rows_layout.setContentsMargins(0, 0, 4, 0)
        self.rows_layout.setSpacing(6)
        self.scroll.setWidget(body)
        layout.addWidget(self.scroll, 1)
        self.empty = label("", "hint", wrap=True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()
        layout.addWidget(self.empty)
        self.retranslate()

    def retranslate(self) -> None:
        tr = self.tr
        self.plan_button.setText(tr("Planifier la ronde"))
        self.by_distance.setText(tr("Distance"))
        self.by_distance.setToolTip(tr("Trier par distance"))
        self.by_age.setText(tr("Dernier passage"))
        self.by_age.setToolTip(tr("Trier par temps depuis le dernier passage"))
        self.leave_round.setText(tr("Quitter la ronde"))
        self.empty.setText(tr("Aucun domicile sous surveillance pour l'instant."))
        self._fill()

    # -- content -------------------------------------------------------------------------
    def set_homes(self, homes: Sequence[Home]) -> None:
        self.homes = list(homes)
        self._fill()

    def set_sort(self, key: SortKey) -> None:
        self.sort = key
        (self.by_distance if key == "distance" else self.by_age).setChecked(True)
        self._fill()

    def set_round(self, order: Sequence[str], summary: str = "") -> None:
        self.round_order = list(order)
        self.round_summary.setText(summary)
        self.round_summary.setVisible(bool(order and summary))
        self._fill()

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def ordered(self) -> list[tuple[int | None, Home]]:
        """The rows as shown: the round's stops in order (numbered) then the other homes
        sorted, or every home sorted."""
        if self.round_order:
            by_id = {h.id: h for h in self.homes}
            stops = [(n, by_id[i]) for n, i in enumerate(self.round_order, start=1) if i in by_id]
            rest = [(None, h) for h in sort_homes([h for h in self.homes if h.id not in set(self.round_order)],
                                                  self.sort)]
            return [*stops, *rest]
        return [(None, h) for h in sort_homes(self.homes, self.sort)]

    def _fill(self) -> None:
        clear_layout(self.rows_layout)
        self.rows = []
        in_round = bool(self.round_order)
        self.leave_round.setVisible(in_round)
        self.by_distance.setVisible(not in_round)
        self.by_age.setVisible(not in_round)
        count = len(self.homes)
        self.title.setText(self.tr("Ronde : {n} domiciles", n=len(self.round_order)) if in_round
                           else self.tr("{n} domiciles", n=count))
        for order, home in self.ordered():
            row = HomeRow(self.tr, home, order)
            row.clicked.connect(lambda _=False, i=home.id: self.sig_open.emit(i))
            self.rows_layout.addWidget(row)
            self.rows.append(row)
        self.rows_layout.addStretch(1)
        self.empty.setVisible(count == 0)
        self.scroll.setVisible(count > 0)
