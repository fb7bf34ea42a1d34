"""Placeholder page of the Record lookup module."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from neo.api import ModuleContext


class Page(QWidget):
    def __init__(self, ctx: ModuleContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("modulePlaceholder")
        layout = QVBoxLayout(self)
        layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = QLabel()
        self.title.setObjectName("placeholderTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.title)
        layout.addWidget(self.body)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.ctx.manifest.name.get(self.ctx.language()))
        self.body.setText(self.ctx.tr("Ce module arrive dans une prochaine version de NEO."))
