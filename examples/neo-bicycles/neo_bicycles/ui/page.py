"""The page: the stolen bicycles known on this tablet, a filter, and the form to report one.

Built by the shell with ``Page(ctx, parent)``, re-translated with ``retranslate()``,
destroyed when the device locks. Every widget has a parent (the page), so nothing
survives the lock. Reading and writing the module's data are short local calls.
"""

from __future__ import annotations

from neo.api import ModuleContext
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from neo_bicycles.module import service_for
from neo_bicycles.provider import fr_date
from neo_bicycles.service import Bicycle, ReportError

TOUCH = 48  # px: the smallest touch target

# (field, French label): the report form, in the order an officer reads a frame.
FIELDS = (
    ("frame", "Numéro de cadre"),
    ("marking", "Numéro de marquage"),
    ("brand", "Marque"),
    ("model", "Modèle"),
    ("colour", "Couleur"),
    ("stolen_on", "Volé le (JJ/MM/AAAA)"),
    ("stolen_in", "Volé à"),
    ("reference", "Référence de la plainte"),
)


class Page(QWidget):
    def __init__(self, ctx: ModuleContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = service_for(ctx)

        self.heading = QLabel(self)
        self.count = QLabel(self)
        self.filter = QLineEdit(self)
        self.filter.setMinimumHeight(TOUCH)
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.refresh)
        self.report_button = QPushButton(self)
        self.report_button.setMinimumHeight(TOUCH)
        self.report_button.clicked.connect(self.show_form)
        self.list = QListWidget(self)
        self.list.setWordWrap(True)

        self.form = QFrame(self)
        self.form.setFrameShape(QFrame.Shape.StyledPanel)
        self.form_title = QLabel(self.form)
        self.inputs: dict[str, QLineEdit] = {}
        self.labels: dict[str, QLabel] = {}
        grid = QFormLayout()
        for name, _label in FIELDS:
            edit = QLineEdit(self.form)
            edit.setMinimumHeight(TOUCH)
            label = QLabel(self.form)
            self.inputs[name], self.labels[name] = edit, label
            grid.addRow(label, edit)
        self.error = QLabel(self.form)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        self.save_button = QPushButton(self.form)
        self.save_button.setMinimumHeight(TOUCH)
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton(self.form)
        self.cancel_button.setMinimumHeight(TOUCH)
        self.cancel_button.clicked.connect(self.hide_form)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        form_layout = QVBoxLayout(self.form)
        form_layout.addWidget(self.form_title)
        form_layout.addLayout(grid)
        form_layout.addWidget(self.error)
        form_layout.addLayout(buttons)
        self.form.hide()

        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addStretch(1)
        top.addWidget(self.count)
        tools = QHBoxLayout()
        tools.addWidget(self.filter, 1)
        tools.addWidget(self.report_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(tools)
        layout.addWidget(self.form)
        layout.addWidget(self.list, 1)
        self.retranslate()

    # -- texts -------------------------------------------------------------------------------------
    def retranslate(self) -> None:
        tr = self.ctx.tr
        self.heading.setText(tr("Vélos volés"))
        self.filter.setPlaceholderText(tr("Filtrer : numéro, marque, couleur, lieu"))
        self.report_button.setText(tr("Signaler un vélo volé"))
        self.form_title.setText(tr("Vélo volé (après une plainte)"))
        for name, label in FIELDS:
            self.labels[name].setText(tr(label))
        self.save_button.setText(tr("Enregistrer"))
        self.cancel_button.setText(tr("Annuler"))
        self.refresh()

    def describe(self, bike: Bicycle) -> str:
        tr = self.ctx.tr
        ident = " / ".join(x for x in (bike.frame, bike.marking) if x)
        what = ", ".join(x for x in (" ".join(y for y in (bike.brand, bike.model) if y), bike.colour) if x)
        when = tr("volé le {date} à {place}", date=fr_date(bike.stolen_on), place=bike.stolen_in)
        text = f"{ident} — {what} — {when}" if what else f"{ident} — {when}"
        if bike.source == "report":
            text += " — " + tr("signalé par l'unité")
        return text

    # -- list ----------------------------------------------------------------------------------------
    def refresh(self) -> None:
        bikes = self.service.bicycles(self.filter.text())
        self.list.clear()
        for bike in bikes:
            item = QListWidgetItem(self.describe(bike))
            item.setData(Qt.ItemDataRole.UserRole, f"{bike.source}:{bike.id}")
            self.list.addItem(item)
        self.count.setText(self.ctx.tr("{n} vélo(s)", n=len(bikes)))

    def shown_ids(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    # -- report form ---------------------------------------------------------------------------------
    def show_form(self) -> None:
        for edit in self.inputs.values():
            edit.clear()
        self.error.hide()
        self.form.show()
        self.inputs["frame"].setFocus()

    def hide_form(self) -> None:
        self.form.hide()

    def save(self) -> None:
        values = {name: edit.text() for name, edit in self.inputs.items()}
        try:
            self.service.report(frame=values["frame"], marking_number=values["marking"], brand=values["brand"],
                                model=values["model"], colour=values["colour"], stolen_on=values["stolen_on"],
                                stolen_in=values["stolen_in"], reference=values["reference"])
        except ReportError as exc:
            self.error.setText(exc.message)
            self.error.show()
            if exc.field in self.inputs:
                self.inputs[exc.field].setFocus()
            return
        self.form.hide()
        self.filter.clear()
        self.refresh()
