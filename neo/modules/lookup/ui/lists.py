"""The officer's waiting queries and history: one row per query, a tap re-opens its answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLineEdit, QScrollArea, QScroller, QVBoxLayout, QWidget

from neo.modules.lookup.ui.widgets import OutcomeRow, Tr, button, label


class OutcomeList(QWidget):
    """``kind`` is ``pending`` (with "Réessayer maintenant") or ``history`` (with a filter).
    ``sig_open(outcome)`` on a tap; ``sig_retry`` and ``sig_filter(text)`` ask the page."""

    sig_open = Signal(object)
    sig_retry = Signal()
    sig_filter = Signal(str)

    def __init__(self, kind: str, tr: Tr, reason_label: Callable[[str], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setObjectName("LookupPending" if kind == "pending" else "LookupHistory")
        self.tr = tr
        self.reason_label = reason_label
        self.outcomes: list[Any] = []
        self.rows: list[OutcomeRow] = []
        self.title = label("", "title", name="ListTitle")
        self.hint = label("", "subtitle", name="ListHint", wrap=True)
        head = QHBoxLayout()
        head.setSpacing(12)
        head.addWidget(self.title, 1)
        self.retry_button: Any = None
        self.filter: QLineEdit | None = None
        if kind == "pending":
            self.retry_button = button("", None, name="RetryButton")
            self.retry_button.clicked.connect(self.sig_retry)
            head.addWidget(self.retry_button)
        else:
            self.filter = QLineEdit()
            self.filter.setObjectName("HistoryFilter")
            self.filter.setMaximumWidth(460)
            self.filter.textChanged.connect(self.sig_filter)
            head.addWidget(self.filter, 1)
        self.message = label("", "muted", name="ListMessage", wrap=True)
        self.message.hide()
        self.empty = label("", "subtitle", name="ListEmpty", wrap=True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body = QWidget()
        body.setObjectName("ScrollBody")
        self.box = QVBoxLayout(body)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(10)
        self.box.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 18, 32, 12)
        outer.setSpacing(10)
        outer.addLayout(head)
        outer.addWidget(self.hint)
        outer.addWidget(self.message)
        outer.addWidget(self.empty)
        outer.addWidget(scroll, 1)
        self.retranslate()

    def retranslate(self) -> None:
        tr = self.tr
        if self.kind == "pending":
            self.title.setText(tr("En attente de réseau"))
            self.hint.setText(tr("Ces requêtes partiront dès que le QG sera joignable ; un son et un bandeau "
                                 "annonceront chaque réponse."))
            self.empty.setText(tr("Aucune requête en attente."))
            self.retry_button.setText(tr("Réessayer maintenant"))
        else:
            self.title.setText(tr("Historique"))
            self.hint.setText(tr("Vos dernières consultations sur cet appareil. Touchez-en une pour revoir sa réponse."))
            self.empty.setText(tr("Aucune consultation pour l'instant."))
            assert self.filter is not None
            self.filter.setPlaceholderText(tr("Filtrer (plaque, nom…)"))
            self.filter.setAccessibleName(tr("Filtrer l'historique"))
        for row in self.rows:
            row.show_texts(tr, self.reason_label(row.outcome.reason))

    def set_outcomes(self, outcomes: list[Any]) -> None:
        self.outcomes = list(outcomes)
        for row in self.rows:
            self.box.removeWidget(row)
            row.hide()
            row.deleteLater()
        self.rows = []
        for i, outcome in enumerate(self.outcomes):
            row = OutcomeRow(outcome)
            row.show_texts(self.tr, self.reason_label(outcome.reason))
            row.sig_tapped.connect(lambda o=outcome: self.sig_open.emit(o))
            self.box.insertWidget(i, row)
            self.rows.append(row)
        self.empty.setVisible(not self.outcomes)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
