"""The detail of one hit: every line of its card, the conduct to follow, its file, its
last update, its source, and what other modules offer to do with it."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QScrollArea, QScroller, QVBoxLayout, QWidget

from neo.modules.lookup.ui.widgets import Tr, button, clear_layout, headline, label, set_prop

log = logging.getLogger(__name__)


class DetailView(QWidget):
    sig_back = Signal()

    def __init__(self, service: Any, tr: Tr, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LookupDetail")
        self.service = service
        self.tr = tr
        self.hit: Any = None
        self.card: Any = None
        self.action_buttons: list[Any] = []

        self.back_button = button("", None, name="DetailBack")
        self.back_button.clicked.connect(self.sig_back)
        self.badge = label("", "badge", name="DetailBadge")
        self.file = label("", "muted", name="DetailFile", wrap=True)
        top = QHBoxLayout()
        top.setSpacing(14)
        top.addWidget(self.back_button)
        top.addSpacing(8)
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.file, 1, Qt.AlignmentFlag.AlignVCenter)

        self.title = label("", None, name="DetailTitle", wrap=True)
        self.subtitle = label("", "muted", name="DetailSubtitle", wrap=True)
        self.instruction = label("", "error", name="DetailInstruction", wrap=True)

        self.lines_card = QFrame()
        self.lines_card.setProperty("role", "card")
        self.lines = QGridLayout(self.lines_card)
        self.lines.setContentsMargins(24, 18, 24, 18)
        self.lines.setHorizontalSpacing(24)
        self.lines.setVerticalSpacing(10)
        self.lines.setColumnStretch(1, 1)

        self.meta_card = QFrame()
        self.meta_card.setProperty("role", "card")
        self.meta = QGridLayout(self.meta_card)
        self.meta.setContentsMargins(24, 14, 24, 14)
        self.meta.setHorizontalSpacing(24)
        self.meta.setVerticalSpacing(6)
        self.meta.setColumnStretch(1, 1)

        self.actions_caption = label("", "section", name="ActionsCaption")
        self.actions_row = QHBoxLayout()
        self.actions_row.setSpacing(12)
        self.action_message = label("", "muted", name="ActionMessage", wrap=True)
        self.action_message.hide()

        body = QWidget()
        body.setObjectName("ScrollBody")
        box = QVBoxLayout(body)
        box.setContentsMargins(32, 8, 32, 24)
        box.setSpacing(12)
        box.addWidget(self.title)
        box.addWidget(self.subtitle)
        box.addWidget(self.instruction)
        box.addWidget(self.lines_card)
        box.addWidget(self.meta_card)
        box.addWidget(self.actions_caption)
        box.addLayout(self.actions_row)
        box.addWidget(self.action_message)
        box.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(self.scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 16, 32, 0)
        outer.setSpacing(8)
        outer.addLayout(top)
        outer.addWidget(self.scroll, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.back_button.setText(self.tr("‹ Retour"))
        self.back_button.setAccessibleName(self.tr("Retour aux résultats"))
        self.actions_caption.setText(self.tr("Utiliser cette fiche"))
        if self.hit is not None:
            self.show_hit(self.hit)

    def show_hit(self, hit: Any) -> None:
        tr = self.tr
        self.hit = hit
        self.card = card = self.service.card(hit)
        severity = card.severity or hit.severity
        head = headline(tr, hit.file, severity)
        self.badge.setText(head)
        self.badge.setVisible(bool(head))
        set_prop(self.badge, "state", "failed" if severity == "alert" else "")
        self.file.setText(card.file_label)
        self.title.setText(card.title)
        self.subtitle.setText(card.subtitle)
        self.subtitle.setVisible(bool(card.subtitle))
        instruction = card.instruction or hit.instruction
        self.instruction.setText(tr("Conduite à tenir : {instruction}", instruction=instruction or ""))
        self.instruction.setVisible(bool(instruction))
        set_prop(self.instruction, "role", "error" if severity == "alert" else "countdown")

        clear_layout(self.lines)
        for i, (name, value) in enumerate(card.lines):
            key = label(name, "muted", name="LineLabel", wrap=True)
            key.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            val = label(value, None, name="LineValue", wrap=True)
            val.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.lines.addWidget(key, i, 0)
            self.lines.addWidget(val, i, 1)
        self.lines_card.setVisible(bool(card.lines))

        clear_layout(self.meta)
        meta = [(tr("Fichier"), card.file_label), (tr("Mise à jour"), card.updated_label),
                (tr("Source"), card.source_label)]
        for i, (name, value) in enumerate(m for m in meta if m[1]):
            self.meta.addWidget(label(name, "muted", name="LineLabel"), i, 0)
            self.meta.addWidget(label(value, None, name="LineValue", wrap=True), i, 1)

        clear_layout(self.actions_row)
        self.action_buttons = []
        try:
            actions = list(self.service.actions(hit))
        except Exception:  # another module's code: its failure must not hide the hit
            log.exception("the actions offered on a hit could not be listed")
            actions = []
        for action in actions:
            btn = button(action.label, "primary" if not self.action_buttons else None,
                         name=f"Action_{action.module_id}_{action.key}")
            btn.clicked.connect(lambda _=False, a=action: self._run(a))
            self.actions_row.addWidget(btn)
            self.action_buttons.append(btn)
        self.actions_row.addStretch(1)
        self.actions_caption.setVisible(bool(actions))
        self.action_message.hide()
        self.scroll.verticalScrollBar().setValue(0)

    def _run(self, action: Any) -> None:
        tr = self.tr
        try:
            action.run()
        except Exception as exc:
            log.exception("result action %s of %s failed", action.key, action.module_id)
            self.action_message.setText(tr("« {action} » n'a pas abouti : {err}", action=action.label, err=str(exc)))
            set_prop(self.action_message, "role", "error")
        else:
            self.action_message.setText(tr("« {action} » : fait.", action=action.label))
            set_prop(self.action_message, "role", "muted")
        self.action_message.show()
