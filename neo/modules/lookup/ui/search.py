"""The search screen: reason, one big field (or the detailed fields), what was understood,
and the merged results of the last query."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QScrollArea,
    QScroller,
    QVBoxLayout,
    QWidget,
)

from neo.modules.lookup.ui.widgets import (
    MrzLine,
    ReasonPicker,
    ResultRow,
    Tr,
    button,
    clear_layout,
    count_text,
    entry_of,
    hotlist_text,
    label,
    local_time,
)

SEVERITY_RANK = {"alert": 0, "warning": 1, "info": 2}
FIELD_NAMES = ("surname", "given_names", "birth_date", "plate", "vin", "document", "serial")
MRZ_LINES = 3
NARROW_WIDTH = 1000  # below this (portrait), the buttons go under the search field


def sorted_hits(hits: list[Any]) -> list[Any]:
    """Alerts first, then warnings, then information; the service's order within each."""
    return sorted(hits, key=lambda h: SEVERITY_RANK.get(h.severity, 3))


class SearchView(QWidget):
    """``sig_search(request)`` asks the page to run a query (``request`` holds ``text`` or
    ``fields``, ``reason`` and ``reason_text``); ``sig_open(hit)`` opens a hit."""

    sig_search = Signal(object)
    sig_open = Signal(object)

    def __init__(self, service: Any, tr: Tr, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LookupSearch")
        self.service = service
        self.tr = tr
        self.busy = False
        self.outcome: Any = None
        self.rows: list[ResultRow] = []

        # -- reason --
        self.reasons = ReasonPicker(tr)
        self.reasons.sig_changed.connect(self._update_state)

        # -- the single field --
        self.field = QLineEdit()
        self.field.setObjectName("SearchField")
        self.field.setMaxLength(400)
        self.field.textChanged.connect(self._text_changed)
        self.field.returnPressed.connect(self.submit)
        self.details_button = button("", None, name="DetailsToggle")
        self.details_button.setCheckable(True)
        self.details_button.toggled.connect(self._toggle_details)
        self.search_button = button("", "primary", name="SearchButton")
        self.search_button.clicked.connect(self.submit)
        self.field_gap = QWidget()  # takes the field's place in the row when the fields are shown
        self.field_gap.hide()
        buttons = QHBoxLayout()
        buttons.setSpacing(12)
        buttons.addWidget(self.field_gap, 1)
        buttons.addWidget(self.details_button)
        buttons.addWidget(self.search_button)
        # One row in landscape; in portrait the field keeps the whole width, buttons below.
        self.entry = entry = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        entry.setSpacing(12)
        entry.addWidget(self.field, 1)
        entry.addLayout(buttons)

        # -- the detailed fields --
        self.details = QFrame()
        self.details.setObjectName("DetailedFields")
        self.details.setProperty("role", "card")
        grid = QGridLayout(self.details)
        grid.setContentsMargins(22, 18, 22, 18)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(10)
        self.inputs: dict[str, QLineEdit] = {}
        self.input_labels: dict[str, Any] = {}
        for i, name in enumerate(FIELD_NAMES):
            cap = label("", "field")
            edit = QLineEdit()
            edit.setObjectName(f"Field_{name}")
            edit.setMaxLength(120)
            edit.returnPressed.connect(self.submit)
            edit.textChanged.connect(self._update_state)
            r, c = divmod(i, 3)
            grid.addWidget(cap, r * 2, c)
            grid.addWidget(edit, r * 2 + 1, c)
            self.inputs[name] = edit
            self.input_labels[name] = cap
        self.mrz_caption = label("", "field")
        base = (len(FIELD_NAMES) + 2) // 3 * 2
        grid.addWidget(self.mrz_caption, base, 0, 1, 3)
        self.mrz: list[MrzLine] = []
        for n in range(MRZ_LINES):
            line = MrzLine()
            line.setObjectName(f"MrzLine{n + 1}")
            line.textChanged.connect(self._update_state)
            line.returnPressed.connect(self.submit)
            line.sig_paste_lines.connect(lambda lines, n=n: self._spread_mrz(n, lines))
            grid.addWidget(line, base + 1 + n, 0, 1, 3)
            self.mrz.append(line)
        for c in range(3):
            grid.setColumnStretch(c, 1)
        self.details.hide()

        # -- what was understood, why the search cannot start, busy --
        self.preview = label("", None, name="Preview", wrap=True)
        self.preview_problem = label("", "countdown", name="PreviewProblem", wrap=True)
        self.preview_hint = label("", "hint", name="PreviewHint", wrap=True)
        self.blocker = label("", "hint", name="SearchBlocker", wrap=True)
        self.error = label("", "error", name="SearchError", wrap=True)
        self.busy_row = QWidget()
        busy = QHBoxLayout(self.busy_row)
        busy.setContentsMargins(0, 0, 0, 0)
        busy.setSpacing(14)
        self.busy_label = label("", "value", name="BusyLabel")
        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("BusyBar")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        busy.addWidget(self.busy_label)
        busy.addWidget(self.busy_bar, 1)
        self.busy_row.hide()

        # -- results --
        self.results = QWidget()
        self.results.setObjectName("Results")
        self.results_box = QVBoxLayout(self.results)
        self.results_box.setContentsMargins(0, 0, 0, 0)
        self.results_box.setSpacing(12)

        body = QWidget()
        body.setObjectName("ScrollBody")
        box = QVBoxLayout(body)
        box.setContentsMargins(32, 18, 32, 24)
        box.setSpacing(10)
        box.addWidget(self.reasons)
        box.addSpacing(4)
        box.addWidget(self.details)  # shown instead of the single field, above the buttons
        box.addLayout(entry)
        box.addWidget(self.preview)
        box.addWidget(self.preview_problem)
        box.addWidget(self.preview_hint)
        box.addWidget(self.blocker)
        box.addWidget(self.error)
        box.addWidget(self.busy_row)
        box.addSpacing(6)
        box.addWidget(self.results)
        box.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("SearchScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(self.scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)
        self.error.hide()
        self.preview_problem.hide()
        self.retranslate()

    # -- texts -------------------------------------------------------------------------------------
    def retranslate(self) -> None:
        tr = self.tr
        self.reasons.set_reasons(self.service.reasons())
        self.reasons.retranslate()
        self.field.setPlaceholderText(tr("Plaque, VIN, nom et naissance, document, MRZ…"))
        self.field.setAccessibleName(tr("Recherche"))
        self.search_button.setText(tr("Rechercher"))
        self.details_button.setText(tr("Saisie unique") if self.details_button.isChecked() else tr("Champs détaillés"))
        captions = {
            "surname": tr("Nom"),
            "given_names": tr("Prénoms"),
            "birth_date": tr("Date de naissance"),
            "plate": tr("Plaque"),
            "vin": tr("VIN"),
            "document": tr("N° de document"),
            "serial": tr("N° de série (objet)"),
        }
        for name, cap in self.input_labels.items():
            cap.setText(captions[name])
            self.inputs[name].setAccessibleName(captions[name])
        self.inputs["birth_date"].setPlaceholderText(tr("JJ/MM/AAAA"))
        self.mrz_caption.setText(tr("Bande MRZ (une ligne par champ ; un collage de plusieurs lignes les répartit)"))
        for n, line in enumerate(self.mrz, start=1):
            line.setAccessibleName(tr("MRZ, ligne {n}", n=n))
        self.busy_label.setText(tr("Recherche en cours…"))
        self._text_changed(self.field.text())
        if self.outcome is not None:
            self.show_outcome(self.outcome)

    # -- entry -------------------------------------------------------------------------------------
    def detailed(self) -> bool:
        return self.details_button.isChecked()

    def _toggle_details(self, on: bool) -> None:
        self.details.setVisible(on)
        self.field.setVisible(not on)
        self.field_gap.setVisible(on)
        self.details_button.setText(self.tr("Saisie unique") if on else self.tr("Champs détaillés"))
        if on:
            self.inputs["surname"].setFocus()
        else:
            self.field.setFocus()
        self._text_changed(self.field.text())

    def _spread_mrz(self, start: int, lines: list[str]) -> None:
        for line, text in zip(self.mrz[start:], lines, strict=False):
            line.setText(text)

    def fields(self) -> dict[str, str]:
        out = {name: edit.text().strip() for name, edit in self.inputs.items() if edit.text().strip()}
        mrz = "\n".join(line.text().strip() for line in self.mrz if line.text().strip())
        if mrz:
            out["mrz"] = mrz
        return out

    def has_entry(self) -> bool:
        return bool(self.fields()) if self.detailed() else bool(self.field.text().strip())

    def _text_changed(self, text: str) -> None:
        tr = self.tr
        self.error.hide()
        if self.detailed():
            self.preview.hide()
            self.preview_problem.hide()
            self.preview_hint.setText(tr("Chaque champ rempli est un critère de recherche."))
            self.preview_hint.show()
            self._update_state()
            return
        if not text.strip():
            self.preview.hide()
            self.preview_problem.hide()
            self.preview_hint.setText(tr("Tapez ou collez ce que vous avez sous les yeux : NEO reconnaît ce que c'est."))
            self.preview_hint.show()
            self._update_state()
            return
        try:
            seen = self.service.preview(text)
        except Exception:  # the preview is a help, never an obstacle to searching
            seen = None
        if seen is None:
            self.preview.hide()
            self.preview_problem.hide()
            self.preview_hint.hide()
        else:
            self.preview.setText(seen.description)
            self.preview.setVisible(bool(seen.description))
            self.preview_problem.setText(seen.problem or "")
            self.preview_problem.setVisible(bool(seen.problem))
            extra = list(seen.notices)
            if seen.alternatives:
                extra.append(tr("Cherché aussi comme : {others}", others=", ".join(seen.alternatives)))
            self.preview_hint.setText("\n".join(extra))
            self.preview_hint.setVisible(bool(extra))
        self._update_state()

    def _update_state(self) -> None:
        tr = self.tr
        ready = self.reasons.is_complete()
        if self.reasons.reason() is None:
            self.blocker.setText(tr("Choisissez d'abord le motif de la consultation."))
        elif not ready:
            self.blocker.setText(tr("Précisez le motif « Autre » avant de rechercher."))
        else:
            self.blocker.setText("")
        self.blocker.setVisible(bool(self.blocker.text()))
        self.search_button.setEnabled(ready and self.has_entry() and not self.busy)

    def submit(self) -> None:
        """Validate what the page can check itself, then ask for the query."""
        tr = self.tr
        if self.busy:
            return
        if not self.reasons.is_complete():
            self._update_state()
            self.show_error(self.blocker.text())
            if self.reasons.reason() == ReasonPicker.OTHER:
                self.reasons.other_text.setFocus()
            return
        if not self.has_entry():
            self.show_error(tr("Saisissez d'abord ce qu'il faut rechercher."))
            return
        request: dict[str, Any] = {"reason": self.reasons.reason(), "reason_text": self.reasons.reason_text()}
        if self.detailed():
            request["fields"] = self.fields()
        else:
            request["text"] = self.field.text().strip()
        self.error.hide()
        self.sig_search.emit(request)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def input_error(self, message: str, field: str) -> None:
        """The service refused the entry: say why next to it and put the cursor there."""
        self.show_error(message)
        if field in ("reason", "reason_text"):
            self.reasons.reopen() if field == "reason" else self.reasons.other_text.setFocus()
        elif field in self.inputs and self.detailed():
            self.inputs[field].setFocus()
        elif field == "mrz" and self.detailed():
            self.mrz[0].setFocus()
        else:
            self.field.setFocus()

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busy_row.setVisible(busy)
        self._update_state()

    # -- results -----------------------------------------------------------------------------------
    def clear_results(self) -> None:
        self.outcome = None
        self.rows = []
        clear_layout(self.results_box)

    def show_outcome(self, outcome: Any) -> None:
        """Show one query's outcome: status, hot-list flags, the merged hits or "nothing found"."""
        tr = self.tr
        self.clear_results()
        self.outcome = outcome
        box = self.results_box
        reason = dict(self.service.reasons()).get(outcome.reason, outcome.reason)
        if outcome.reason_text:
            reason = tr("{reason} : {detail}", reason=reason, detail=outcome.reason_text)
        hits = sorted_hits(list(outcome.hits))
        if outcome.status == "queued":
            state = tr("En attente de réseau")
        elif outcome.status == "refused":
            state = tr("Refusée")
        else:
            state = count_text(tr, len(hits))
        head = QHBoxLayout()
        title = label(tr("{state} — {entry}", state=state, entry=entry_of(outcome)), None, name="ResultsHeader",
                      wrap=True)
        when = label(tr("{reason} · {time}", reason=reason, time=local_time(outcome.asked_at)), "muted",
                     name="ResultsReason", wrap=True)
        when.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        head.addWidget(title, 3)
        head.addWidget(when, 2)
        box.addLayout(head)

        if outcome.status == "refused":
            box.addWidget(label(outcome.message or tr("Le QG a refusé cette requête."), "error", name="Refused", wrap=True))
        if outcome.status == "queued":
            box.addWidget(self._waiting_frame(outcome))
        for kind in outcome.hotlist:
            flag = self._frame("warn", "HotlistFlag")
            flag.layout().addWidget(label(hotlist_text(tr, kind), None, name="HotlistText", wrap=True))
            box.addWidget(flag)
        if outcome.problem:
            box.addWidget(label(outcome.problem, "countdown", name="OutcomeProblem", wrap=True))

        if hits:
            if outcome.status == "queued":
                box.addWidget(label(tr("Trouvé sur l'appareil ({count}) — le QG n'a pas encore répondu",
                                       count=count_text(tr, len(hits))), "section", name="DeviceHits", wrap=True))
            for hit in hits:
                try:
                    card = self.service.card(hit)
                except Exception as exc:  # a provider's card failed: show the hit anyway
                    card = _fallback_card(hit, tr, exc)
                row = ResultRow(hit, card, tr)
                row.sig_tapped.connect(lambda h=hit: self.sig_open.emit(h))
                box.addWidget(row)
                self.rows.append(row)
        elif outcome.status == "answered":
            box.addWidget(self._nothing_found(outcome))

    def _frame(self, kind: str | None, name: str) -> QFrame:
        frame = QFrame()
        frame.setObjectName(name)
        if kind is None:
            frame.setProperty("role", "card")
        else:
            frame.setProperty("role", "banner")
            frame.setProperty("kind", kind)
        lay = QVBoxLayout(frame)
        lay.setContentsMargins(22, 14, 22, 14)
        lay.setSpacing(6)
        return frame

    def _waiting_frame(self, outcome: Any) -> QFrame:
        tr = self.tr
        frame = self._frame("warn", "Waiting")
        frame.layout().addWidget(label(tr("En attente de réseau"), "section", name="WaitingTitle"))
        frame.layout().addWidget(label(
            outcome.message or tr("Le QG est injoignable : la requête partira dès le retour du réseau. "
                                  "Un son et un bandeau annonceront la réponse."), None, name="WaitingText", wrap=True))
        return frame

    def _nothing_found(self, outcome: Any) -> QFrame:
        tr = self.tr
        frame = self._frame(None, "NothingFound")
        frame.layout().addWidget(label(tr("Aucune correspondance dans les fichiers consultés"), "section",
                                       name="NothingTitle", wrap=True))
        try:
            names = dict(self.service.files())
        except Exception:
            names = {}
        searched = [names.get(f, f) for f in outcome.searched] or list(names.values())
        if searched:
            frame.layout().addWidget(label(tr("Fichiers consultés : {files}", files=", ".join(searched)), "muted",
                                           name="SearchedFiles", wrap=True))
        return frame

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        narrow = self.width() < NARROW_WIDTH
        self.entry.setDirection(QBoxLayout.Direction.TopToBottom if narrow else QBoxLayout.Direction.LeftToRight)

    def focus_entry(self) -> None:
        target = self.inputs["surname"] if self.detailed() else self.field
        QTimer.singleShot(0, target, target.setFocus)  # dropped if the page is deleted first


def _fallback_card(hit: Any, tr: Tr, exc: Exception) -> Any:
    from types import SimpleNamespace

    return SimpleNamespace(
        title=hit.record_id, subtitle=tr("Fiche illisible : {err}", err=str(exc)), lines=(), severity=hit.severity,
        instruction=hit.instruction, file_label=hit.file_label, updated_label="", source_label="")
