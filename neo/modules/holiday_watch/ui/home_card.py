"""A home's card: the registration, what to check, the last visits, and the access details
on demand (a reason, asked of HQ or opened on the tablet, audited by the service)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLineEdit, QScrollArea, QVBoxLayout, QWidget

from neo.modules.holiday_watch.service import CHECK_ITEMS, AccessReveal, Home, Visit
from neo.modules.holiday_watch.ui.common import (
    Tr,
    age_text,
    button,
    clear_layout,
    distance_text,
    due_text,
    label,
    set_prop,
    when_text,
)

HOME_TYPES = {"maison": "Maison", "appartement": "Appartement", "autre": "Autre"}
RECENT_VISITS = 5


def _card() -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setProperty("role", "card")
    box = QVBoxLayout(frame)
    box.setContentsMargins(16, 12, 16, 12)
    box.setSpacing(6)
    return frame, box


class HomeCard(QWidget):
    """``sig_back`` (to the list), ``sig_visit(home_id)`` ("Passage"),
    ``sig_access(home_id, reason)`` (the page asks the service off the UI thread and
    calls :meth:`show_access` or :meth:`access_failed`)."""

    sig_back = Signal()
    sig_visit = Signal(str)
    sig_access = Signal(str, str)

    def __init__(self, tr: Tr, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tr = tr
        self.home: Home | None = None
        self.visits: list[Visit] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(10)
        top = QHBoxLayout()
        self.back = button("", name="CardBack")
        self.back.clicked.connect(self.sig_back)
        self.visit_button = button("", "primary", name="VisitButton")
        self.visit_button.clicked.connect(lambda: self.home and self.sig_visit.emit(self.home.id))
        top.addWidget(self.back)
        top.addWidget(self.visit_button, 1)
        outer.addLayout(top)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        body.setObjectName("ScrollBody")
        self.body = QVBoxLayout(body)
        self.body.setContentsMargins(0, 0, 6, 0)
        self.body.setSpacing(10)
        self.scroll.setWidget(body)
        outer.addWidget(self.scroll, 1)
        # the access details block stays (its state survives a refresh of the rest)
        self.access_frame, access_box = _card()
        self.access_frame.setObjectName("AccessCard")
        self.access_frame.setParent(self)  # owned by the card from the start: deleted with it at lock
        self.access_frame.hide()
        self.access_title = label("", name="CardSection")
        access_box.addWidget(self.access_title)
        self.access_hint = label("", "hint", wrap=True)
        access_box.addWidget(self.access_hint)
        self.reason = QLineEdit()
        self.reason.setObjectName("AccessReason")
        self.reason.setMaxLength(200)
        self.reason.returnPressed.connect(self._ask_access)
        access_box.addWidget(self.reason)
        buttons = QHBoxLayout()
        self.access_button = button("", name="AccessButton")
        self.access_button.clicked.connect(self._ask_access)
        self.hide_access = button("", name="HideAccess")
        self.hide_access.clicked.connect(self.clear_access)
        buttons.addWidget(self.access_button, 1)
        buttons.addWidget(self.hide_access)
        access_box.addLayout(buttons)
        self.access_text = label("", name="AccessText", wrap=True)
        self.access_text.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        access_box.addWidget(self.access_text)
        self.access_error = label("", "error", wrap=True)
        access_box.addWidget(self.access_error)
        self.retranslate()

    def retranslate(self) -> None:
        tr = self.tr
        self.back.setText(tr("‹ Liste"))
        self.visit_button.setText(tr("Passage"))
        self.access_title.setText(tr("Codes et accès"))
        self.access_hint.setText(tr("Affichés seulement à la demande, avec un motif ; chaque consultation est tracée."))
        self.reason.setPlaceholderText(tr("Motif (ex. alarme déclenchée)"))
        self.access_button.setText(tr("Afficher les codes"))
        self.hide_access.setText(tr("Masquer"))
        self._fill()

    # -- content -------------------------------------------------------------------------
    def show_home(self, home: Home, visits: Sequence[Visit]) -> None:
        if self.home is None or self.home.id != home.id:
            self.clear_access()
            self.reason.clear()
        self.home = home
        self.visits = list(visits)
        self._fill()

    def clear_access(self) -> None:
        self.access_text.clear()
        self.access_text.hide()
        self.access_error.hide()
        self.hide_access.hide()
        self.reason.show()
        self.access_button.show()
        self.access_button.setEnabled(True)

    def show_access(self, reveal: AccessReveal) -> None:
        if self.home is None or reveal.registration_id != self.home.id:
            return
        text = reveal.access or self.tr("Aucun code ni consigne d'accès n'a été donné.")
        self.access_text.setText(text)
        self.access_text.show()
        self.access_error.hide()
        self.hide_access.show()
        self.reason.hide()
        self.access_button.hide()

    def access_failed(self, message: str) -> None:
        self.access_button.setEnabled(True)
        self.access_error.setText(message)
        self.access_error.show()

    def _ask_access(self) -> None:
        if self.home is None:
            return
        reason = " ".join(self.reason.text().split())
        if len(reason) < 3:
            self.access_failed(self.tr("Indiquez un motif (de {a} à {b} caractères).", a=3, b=200))
            return
        self.access_button.setEnabled(False)
        self.access_error.hide()
        self.sig_access.emit(self.home.id, reason)

    def _fill(self) -> None:
        # keep the access block, rebuild the rest (parked on the card, never parentless: a
        # parentless frame would outlive the lock with the access details in it)
        self.body.removeWidget(self.access_frame)
        self.access_frame.setParent(self)
        self.access_frame.hide()
        clear_layout(self.body)
        home = self.home
        self.visit_button.setEnabled(home is not None and not home.ended)
        if home is None:
            return
        tr = self.tr
        p: dict[str, Any] = home.payload
        head, box = _card()
        head.setObjectName("CardHead")
        box.addWidget(label(home.label, name="CardTitle", wrap=True))
        kind = tr(HOME_TYPES.get(str(p.get("home_type")), "Autre"))
        period = tr("Absent du {start} au {end}", start=home.start_date.strftime("%d/%m/%Y"),
                    end=home.end_date.strftime("%d/%m/%Y"))
        box.addWidget(label(f"{kind} · {period}", name="CardSubtitle", wrap=True))
        visit = (tr("Dernier passage {when} ({age})", when=when_text(tr, home.last_visit),
                    age=age_text(tr, home.hours_since)) if home.last_visit else tr("Jamais visité"))
        line = QHBoxLayout()
        line.setSpacing(8)
        line.addWidget(label(visit, name="CardValue", wrap=True), 1)
        distance = distance_text(tr, home.distance_m)
        if distance:
            line.addWidget(label(distance, name="CardValue"))
        box.addLayout(line)
        status = due_text(tr, home)
        if status:
            badge = label(status, "badge", name="CardDue")
            badge.setProperty("state", {"overdue": "failed", "due": "discovered"}.get(home.due, "disabled"))
            box.addWidget(badge, 0, Qt.AlignmentFlag.AlignLeft)
        self.body.addWidget(head)

        people, box = _card()
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        citizen = p.get("citizen") or {}
        contact = p.get("contact") or {}
        alarm = p.get("alarm") or {}
        rows: list[tuple[str, str]] = [
            (tr("Occupant"), f"{citizen.get('name', '')} · {citizen.get('phone', '')}"),
        ]
        if contact:
            rows.append((tr("Personne à prévenir"), f"{contact.get('name', '')} · {contact.get('phone', '')}"))
        if alarm.get("present"):
            monitored = alarm.get("monitored_by")
            rows.append((tr("Alarme"), tr("Oui, surveillée par {who}", who=monitored) if monitored else tr("Oui")))
        else:
            rows.append((tr("Alarme"), tr("Non")))
        for n, (name, value) in enumerate(rows):
            grid.addWidget(label(name, "muted", name="CardLabel"), n, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(label(value, name="CardValue", wrap=True), n, 1)
        grid.setColumnStretch(1, 1)
        box.addLayout(grid)
        self.body.addWidget(people)

        check, box = _card()
        check.setObjectName("CheckCard")
        box.addWidget(label(tr("À vérifier"), name="CardSection"))
        box.addWidget(label(" · ".join(tr(text) for _, text in CHECK_ITEMS), wrap=True))
        authorised = p.get("authorised_people") or []
        if authorised:
            for person in authorised:
                plates = ", ".join(person.get("vehicles") or [])
                text = (tr("Autorisé : {name} ({plates})", name=person.get("name", ""), plates=plates) if plates
                        else tr("Autorisé : {name}", name=person.get("name", "")))
                box.addWidget(label(text, wrap=True))
        else:
            box.addWidget(label(tr("Personne n'est autorisé à entrer."), wrap=True))
        notes = str(p.get("notes") or "").strip()
        if notes:
            box.addWidget(label(tr("Consignes : {notes}", notes=notes), wrap=True))
        self.body.addWidget(check)

        self.body.addWidget(self.access_frame)
        self.access_frame.show()

        history, box = _card()
        history.setObjectName("VisitsCard")
        box.addWidget(label(tr("Derniers passages"), name="CardSection"))
        if not self.visits:
            box.addWidget(label(tr("Aucun passage enregistré."), "hint"))
        for v in self.visits[:RECENT_VISITS]:
            outcome = tr("Anomalie") if v.outcome == "anomaly" else tr("RAS")
            wrong = [tr(text) for key, text in CHECK_ITEMS if v.checklist.get(key) == "anomaly"]
            text = tr("{when} · {outcome} · agent {officer}", when=when_text(tr, v.at), outcome=outcome,
                      officer=v.officer)
            if wrong:
                text += " — " + ", ".join(wrong)
            if v.note:
                text += f" — {v.note}"
            row = label(text, wrap=True)
            if v.outcome == "anomaly":
                set_prop(row, "role", "error")
            box.addWidget(row)
        self.body.addWidget(history)
        self.body.addStretch(1)
