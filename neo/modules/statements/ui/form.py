"""The form of a draft, rendered from its template: one step per section (parties and
fields), then the photos and documents, the review (everything, read-only) and the
signatures with "Signer et sceller".

Every change is written at once, off the UI thread, in order (:class:`tasks.SerialWriter`):
the indicator says "Enregistré à 14:32" when the last write is done. After each burst of
writes the service validates the draft; its French messages go next to the fields the
officer has touched, and to every field of a step once the officer has left it or tries
to sign. The step strip marks each step complete (✓) or not yet (○)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QGridLayout, QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from neo.modules.statements.ui import tasks
from neo.modules.statements.ui.attachments import AttachmentsStep, read_file
from neo.modules.statements.ui.fields import FieldEditor, editor_for
from neo.modules.statements.ui.parties import PartiesBox
from neo.modules.statements.ui.review import ReviewView, get_path
from neo.modules.statements.ui.signature import SignatureBox
from neo.modules.statements.ui.widgets import Tr, button, chip, label, scroller, set_prop

log = logging.getLogger(__name__)

NARROW_WIDTH = 1000  # below this (portrait), the steps go in rows above the page
STRIP_WIDTH = 290  # the column of steps in landscape
STEP_HEIGHT = 54  # a step's button (touch: 48 px and more)


@dataclass
class Step:
    kind: str  # "section" | "attachments" | "review" | "signatures"
    title: str
    section: Any = None
    roles: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    page: QWidget | None = None
    editors: list[FieldEditor] = field(default_factory=list)
    parties: PartiesBox | None = None

    def owns(self, path: str, roles_of: dict[int, str]) -> bool:
        if self.kind == "attachments":
            return path.startswith("attachments")
        if self.kind == "signatures":
            return path.startswith("signatures")
        if self.kind != "section":
            return False
        if path.startswith("parties"):
            head = path.split(".")[1] if "." in path else ""
            if head.isdigit():
                return roles_of.get(int(head)) in self.roles
            return head in self.roles or (not head and bool(self.roles))
        return any(path == p or path.startswith(p + ".") for p in self.paths)


def _relative(path: str, base: str) -> str:
    return "" if path == base else path[len(base) + 1:]


class FormView(QWidget):
    """``open(draft, template)``; ``sig_back`` to the list; ``sig_signed(statement_id)``."""

    sig_back = Signal()
    sig_signed = Signal(str)

    def __init__(self, service: Any, tr: Tr, lang: Callable[[], str], position: Callable[[], Any],
                 camera_folder: Callable[[], Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StatementForm")
        self.service = service
        self.tr = tr
        self.lang = lang
        self.position = position
        self.camera_folder = camera_folder
        self.draft: Any = None
        self.template: Any = None
        self.steps: list[Step] = []
        self.index = 0
        self.issues: list[Any] = []
        self.validated = False
        self.touched: set[str] = set()
        self.revealed: set[int] = set()
        self.signing = False
        self.saved_at: datetime | None = None
        self.pending_sign = False
        self.validating = 0

        self.writer = tasks.SerialWriter(self)
        self.writer.sig_saved.connect(self._saved)
        self.writer.sig_failed.connect(self._save_failed)
        self.writer.sig_idle.connect(self._idle)

        # -- header --
        self.back_button = button("", None, name="FormBack")
        self.back_button.clicked.connect(self.sig_back)
        self.title = label("", None, name="FormTitle")  # one line: a wrapped title kept a stale height
        self.saved = label("", "muted", name="SavedIndicator")
        self.saved.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        head = QHBoxLayout()
        head.setSpacing(16)
        head.addWidget(self.back_button)
        head.addWidget(self.title, 1)
        head.addWidget(self.saved)
        self.strip_box = QWidget()
        self.strip_box.setObjectName("StepStrip")
        self.strip = QGridLayout(self.strip_box)
        self.strip.setContentsMargins(0, 0, 0, 0)
        self.strip.setSpacing(8)
        self.step_buttons: list[Any] = []
        self.banner = label("", "error", name="FormBanner", wrap=True)
        self.banner.hide()

        self.pages = QStackedWidget()
        self.pages.setObjectName("FormPages")

        # -- footer --
        self.prev_button = button("", None, name="StepPrev")
        self.next_button = button("", "primary", name="StepNext")
        self.sign_button = button("", "primary", name="SignButton")
        self.prev_button.clicked.connect(lambda: self.go(self.index - 1))
        self.next_button.clicked.connect(lambda: self.go(self.index + 1))
        self.sign_button.clicked.connect(self.sign)
        self.sign_hint = label("", "hint", name="SignHint", wrap=True)
        foot = QHBoxLayout()
        foot.setSpacing(12)
        foot.addWidget(self.prev_button)
        foot.addWidget(self.sign_hint, 1)
        foot.addWidget(self.next_button)
        foot.addWidget(self.sign_button)

        # Landscape: the steps in a column on the left; portrait: in rows above the page.
        right = QVBoxLayout()
        right.setSpacing(10)
        right.addWidget(self.banner)
        right.addWidget(self.pages, 1)
        right.addLayout(foot)
        self.main = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.main.setSpacing(24)
        self.strip_scroll = scroller(self.strip_box, "StepScroll")
        self.strip_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.main.addWidget(self.strip_scroll, 0)
        self.main.addLayout(right, 1)
        box = QVBoxLayout(self)
        box.setContentsMargins(32, 14, 32, 12)
        box.setSpacing(12)
        box.addLayout(head)
        box.addLayout(self.main, 1)
        self.review: ReviewView | None = None
        self.attachments: AttachmentsStep | None = None
        self.signatures: dict[str, SignatureBox] = {}
        self.signature_row: QBoxLayout | None = None
        self.retranslate()

    # -- texts ---------------------------------------------------------------------------------
    def retranslate(self) -> None:
        tr = self.tr
        self.back_button.setText(tr("‹ Dépositions"))
        self.prev_button.setText(tr("‹ Précédent"))
        self.next_button.setText(tr("Suivant ›"))
        self.sign_button.setText(tr("Signer et sceller"))
        self._saved_text()
        if self.draft is not None and self.template is not None:
            if self.writer.busy():
                self.retranslate_pending = True  # rebuilt from the draft once its writes are done
            else:
                self.open(self.draft, self.template, keep_step=True)

    retranslate_pending = False

    def _saved_text(self) -> None:
        if self.writer.busy():
            self.saved.setText(self.tr("Enregistrement…"))
        elif self.saved_at is not None:
            self.saved.setText(self.tr("Enregistré à {time}", time=self.saved_at.strftime("%H:%M")))
        else:
            self.saved.setText(self.tr("Brouillon enregistré sur l'appareil"))

    # -- building from the template -------------------------------------------------------------
    def open(self, draft: Any, template: Any, *, keep_step: bool = False) -> None:
        """Show ``draft`` (its template ``template``) from its first step."""
        tr, lang = self.tr, self.lang()
        old_index = self.index if keep_step else 0
        if not keep_step:
            self.touched = set()
            self.revealed = set()
            self.issues = []
            self.validated = False
            self.saved_at = None
        self.draft, self.template = draft, template
        self.banner.hide()
        while self.pages.count():
            page = self.pages.widget(0)
            self.pages.removeWidget(page)
            page.deleteLater()
        self.steps = []
        title = template.title.get(lang)
        if getattr(draft, "corrects", None):
            title = tr("{title} — correction", title=title)
        self.title.setText(title)
        for section in template.sections:
            step = Step("section", section.title.get(lang), section, tuple(p.role for p in section.parts),
                        tuple(f.id for f in section.fields))
            body = QWidget()
            box = QVBoxLayout(body)
            box.setContentsMargins(0, 8, 12, 16)
            box.setSpacing(18)
            box.addWidget(label(section.title.get(lang), None, name="SectionTitle"))
            if section.parts:
                step.parties = PartiesBox(list(section.parts), tr, lang)
                step.parties.sig_identity.connect(self._identity_changed)
                step.parties.sig_description.connect(self._description_changed)
                step.parties.sig_add.connect(self.add_party)
                step.parties.sig_remove.connect(self.remove_party)
                step.parties.load(list(draft.content.get("parties") or []))
                box.addWidget(step.parties)
            for spec in section.fields:
                editor = editor_for(spec, tr, lang, offences=self.service.offences, position=self.position)
                editor.set_value(get_path(draft.content, spec.id))
                editor.sig_changed.connect(self.changed)
                step.editors.append(editor)
                box.addWidget(editor)
            box.addStretch(1)
            step.page = scroller(body, f"Step_{section.id}")
            self.steps.append(step)
        # photos and documents
        self.attachments = AttachmentsStep(tr, self.camera_folder)
        self.attachments.sig_files.connect(self.add_files)
        self.attachments.sig_remove.connect(self.remove_attachment)
        self.steps.append(Step("attachments", tr("Photos et documents"),
                               page=scroller(self._padded(self.attachments), "Step_attachments")))
        # review
        self.review = ReviewView(tr, self.lang)
        self.steps.append(Step("review", tr("Relecture"), page=scroller(self._padded(self.review), "Step_review")))
        # signatures
        sign_body = QWidget()
        sbox = QVBoxLayout(sign_body)
        sbox.setContentsMargins(0, 8, 12, 16)
        sbox.setSpacing(16)
        sbox.addWidget(label(tr("Signatures"), None, name="SectionTitle"))
        sbox.addWidget(label(tr("Le déclarant relit sa déposition (étape « Relecture »), puis signe ; l'agent signe "
                                "ensuite. Une fois scellée, la déposition ne peut plus être modifiée : une erreur se "
                                "corrige par une nouvelle version qui la référence."), "subtitle", wrap=True))
        self.signatures = {}
        self.signature_row = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.signature_row.setSpacing(16)
        sbox.addLayout(self.signature_row)
        for role in template.signatures:
            who = tr("Signature du déclarant") if role == "declarant" else tr("Signature de l'agent")
            sig = SignatureBox(role, who, tr, refusable=role != "officer")
            sig.setMinimumHeight(330)
            signature = draft.signatures.get(role) if isinstance(draft.signatures, dict) else None
            sig.load(None, getattr(signature, "refused_reason", None))
            if signature is not None and getattr(signature, "png_sha256", None):
                self._load_signature(role)
            sig.sig_changed.connect(self.signature_changed)
            self.signatures[role] = sig
            self.signature_row.addWidget(sig, 1)
        sbox.addStretch(1)
        self.steps.append(Step("signatures", tr("Signatures"), page=scroller(sign_body, "Step_signatures")))
        for step in self.steps:
            self.pages.addWidget(step.page)
        self._build_strip()
        self._show_attachments()
        self.go(min(old_index, len(self.steps) - 1), reveal=False)
        self._saved_text()
        self._add_required_parties()
        self.validate()

    def _add_required_parties(self) -> None:
        """A card for each party the template requires and the draft lacks (a suspect…)."""
        roles = list(self._roles_of().values())
        missing = [p.role for p in self.template.parts() for _ in range(max(0, p.min - roles.count(p.role)))]
        if not missing:
            return
        service, draft_id = self.service, self.draft.id

        def add() -> Any:
            for role in missing:
                service.add_party(draft_id, role)
            return service.load(draft_id)

        self.refresh_parties = True
        self._write(None, add)

    def _padded(self, widget: QWidget) -> QWidget:
        body = QWidget()
        box = QVBoxLayout(body)
        box.setContentsMargins(0, 8, 12, 16)
        box.addWidget(widget)
        box.addStretch(1)
        return body

    def _build_strip(self) -> None:
        for b in self.step_buttons:
            self.strip.removeWidget(b)
            b.deleteLater()
        self.step_buttons = []
        for i in range(len(self.steps)):
            b = chip("", "step", name=f"StepButton_{i}")
            b.setAutoExclusive(False)
            b.clicked.connect(lambda _=False, i=i: self.go(i))
            self.step_buttons.append(b)
        self._layout_strip()
        self._marks()

    def _layout_strip(self) -> None:
        n = len(self.step_buttons)
        if not n:
            return
        narrow = self.width() < NARROW_WIDTH
        self.main.setDirection(QBoxLayout.Direction.TopToBottom if narrow else QBoxLayout.Direction.LeftToRight)
        columns = min(n, 2) if narrow else 1
        if narrow:
            self.strip_scroll.setMinimumWidth(0)
            self.strip_scroll.setMaximumWidth(16777215)
            rows = (n + columns - 1) // columns
            self.strip_scroll.setFixedHeight(rows * STEP_HEIGHT + (rows - 1) * 8 + 2)
        else:
            self.strip_scroll.setFixedWidth(STRIP_WIDTH)
            self.strip_scroll.setMinimumHeight(0)
            self.strip_scroll.setMaximumHeight(16777215)
        for i, b in enumerate(self.step_buttons):
            self.strip.removeWidget(b)
            self.strip.addWidget(b, i // columns, i % columns)
        for c in range(max(n, 3)):
            self.strip.setColumnStretch(c, 1 if c < columns else 0)
        self.strip.setRowStretch(n, 0 if narrow else 1)


    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._layout_strip()

    # -- navigation --------------------------------------------------------------------------------
    def go(self, index: int, *, reveal: bool = True) -> None:
        if not self.steps or not 0 <= index < len(self.steps):
            return
        if reveal and index != self.index:
            self.revealed.add(self.index)
        self.index = index
        step = self.steps[index]
        self.pages.setCurrentWidget(step.page)
        for i, b in enumerate(self.step_buttons):
            b.setChecked(i == index)
        self.prev_button.setEnabled(index > 0)
        last = index == len(self.steps) - 1
        self.next_button.setVisible(not last)
        self.sign_button.setVisible(last)
        if step.kind == "review":
            self._render_review()
        self._show_issues()
        self._sign_state()

    def current_step(self) -> Step:
        return self.steps[self.index]

    def step_of(self, path: str) -> int | None:
        roles = self._roles_of()
        for i, step in enumerate(self.steps):
            if step.owns(path, roles):
                return i
        return None

    # -- changes (autosave) ------------------------------------------------------------------------
    def _write(self, key: str | None, fn: Callable[[], Any]) -> None:
        self.writer.put(key, fn)
        self._saved_text()

    def changed(self, path: str, value: Any) -> None:
        if self.draft is None:
            return
        self.touched.add(path)
        service, draft_id = self.service, self.draft.id
        self._write(path, lambda: service.update(draft_id, path, value))

    def _identity_changed(self, index: int, identity: Any) -> None:
        self.changed(f"parties.{index}.identity", identity)

    def _description_changed(self, index: int, text: str) -> None:
        self.changed(f"parties.{index}.description", text)

    def add_party(self, role: str) -> None:
        service, draft_id = self.service, self.draft.id
        self._write(None, lambda: (service.add_party(draft_id, role), service.load(draft_id))[1])
        self.refresh_parties = True

    def remove_party(self, index: int) -> None:
        service, draft_id = self.service, self.draft.id
        self.touched = {p for p in self.touched if not p.startswith("parties.")}
        self._write(None, lambda: (service.remove_party(draft_id, index), service.load(draft_id))[1])
        self.refresh_parties = True

    refresh_parties = False

    def add_files(self, paths: list[Path]) -> None:
        service, draft_id = self.service, self.draft.id

        def attach() -> Any:
            problems = []
            for path in paths:
                try:
                    name, media, data = read_file(path)
                    service.add_attachment(draft_id, data, media, name)
                except ValueError as exc:
                    problems.append(str(exc))
            return AttachResult(service.load(draft_id), problems)

        assert self.attachments is not None
        self.attachments.show_message(self.tr("Ajout en cours…"))
        self._write(None, attach)

    def remove_attachment(self, sha256: str) -> None:
        service, draft_id = self.service, self.draft.id
        self._write(None, lambda: (service.remove_attachment(draft_id, sha256), service.load(draft_id))[1])

    def signature_changed(self, role: str, png: Any, refused: Any) -> None:
        service, draft_id = self.service, self.draft.id
        self.touched.add(f"signatures.{role}")
        self._write(f"signatures.{role}", lambda: service.set_signature(draft_id, role, png, refused) or
                    service.load(draft_id))

    def _load_signature(self, role: str) -> None:
        service, draft_id = self.service, self.draft.id
        tasks.run(lambda: (role, service.signature_png(draft_id, role)), self._signature_loaded, self._ignore)

    def _signature_loaded(self, result: tuple[str, bytes | None]) -> None:
        role, png = result
        box = self.signatures.get(role)
        if box is not None and box.pad.is_empty() and box.refused is None:
            box.load(png, None)

    def _ignore(self, _exc: Any) -> None:
        pass

    def _saved(self, result: Any) -> None:
        if isinstance(result, AttachResult):
            self.draft = result.draft
            self._show_attachments()
            assert self.attachments is not None
            self.attachments.show_message("\n".join(result.problems), "error" if result.problems else "hint")
        elif hasattr(result, "content") and hasattr(result, "id"):
            self.draft = result
            if self.refresh_parties:
                self.refresh_parties = False
                for step in self.steps:
                    if step.parties is not None:
                        step.parties.load(list(result.content.get("parties") or []))
            self._show_attachments()
        self.saved_at = datetime.now()
        self._saved_text()

    def _save_failed(self, exc: Any) -> None:
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        self.saved.setText(self.tr("Non enregistré : {err}", err=message))
        set_prop(self.saved, "role", "error")

    def _idle(self) -> None:
        if self.retranslate_pending and self.draft is not None:
            self.retranslate_pending = False
            self.open(self.draft, self.template, keep_step=True)
        set_prop(self.saved, "role", "muted")
        self._saved_text()
        self.validate()
        if self.current_step().kind == "review":
            self._render_review()
        if self.pending_sign:
            self.pending_sign = False
            self.sign()

    def _show_attachments(self) -> None:
        if self.attachments is None or self.draft is None:
            return
        service, draft_id = self.service, self.draft.id
        self.attachments.show_attachments(list(self.draft.attachments),
                                          lambda sha: service.attachment_data(draft_id, sha))

    # -- validation --------------------------------------------------------------------------------
    def validate(self) -> None:
        if self.draft is None:
            return
        service, draft_id = self.service, self.draft.id
        self.validating += 1
        tasks.run(lambda: (draft_id, service.validate(draft_id)), self._validated, self._validate_failed)

    def settled(self) -> bool:
        """Nothing being written or validated (tests, and the shell's screenshots)."""
        return not self.writer.busy() and not self.validating and not self.signing

    def _validated(self, result: tuple[str, list[Any]]) -> None:
        self.validating -= 1
        draft_id, issues = result
        if self.draft is None or draft_id != self.draft.id:
            return
        self.issues = list(issues)
        self.validated = True
        self._show_issues()
        self._marks()
        self._sign_state()

    def _validate_failed(self, exc: Any) -> None:
        self.validating -= 1
        log.warning("a draft could not be validated: %r", exc)

    def _roles_of(self) -> dict[int, str]:
        parties = (self.draft.content.get("parties") or []) if self.draft is not None else []
        return {i: str(p.get("role")) for i, p in enumerate(parties) if isinstance(p, dict)}

    def _visible(self, path: str, step_index: int | None) -> bool:
        if step_index is not None and step_index in self.revealed:
            return True
        return any(path == t or path.startswith(t + ".") or t.startswith(path + ".") for t in self.touched)

    def _show_issues(self) -> None:
        roles = self._roles_of()
        for i, step in enumerate(self.steps):
            shown = [iss for iss in self.issues if step.owns(iss.path, roles) and self._visible(iss.path, i)]
            for editor in step.editors:
                mine = [(_relative(iss.path, editor.path), iss.message) for iss in shown
                        if iss.path == editor.path or iss.path.startswith(editor.path + ".")]
                if mine:
                    editor.show_issues(mine)
                elif not self._local_error(editor):
                    editor.show_error("")
            if step.parties is not None:
                step.parties.show_issues([(iss.path.removeprefix("parties").lstrip("."), iss.message)
                                          for iss in shown if iss.path.startswith("parties")], roles)
            if step.kind == "signatures":
                for role, box in self.signatures.items():
                    text = "\n".join(iss.message for iss in shown if iss.path.startswith(f"signatures.{role}"))
                    box.state.setToolTip(text)

    def _local_error(self, editor: FieldEditor) -> bool:
        """An error the editor found itself (an unreadable amount) stays until fixed."""
        return editor.error.text() == self.tr("Montant illisible : tapez par exemple 249,90.")

    def _marks(self) -> None:
        roles = self._roles_of()
        for i, (step, b) in enumerate(zip(self.steps, self.step_buttons, strict=False)):
            if step.kind == "review":
                mark = "✓" if i in self.revealed or self.index > i else "○"
                done = mark == "✓"
            else:
                open_issues = [iss for iss in self.issues if step.owns(iss.path, roles)]
                done = self.validated and not open_issues
                mark = "✓" if done else "○"
            b.setText(f"{mark} {i + 1}. {step.title}")
            b.setProperty("complete", done)
            b.setAccessibleName(self.tr("Étape {n} : {title} — {state}", n=i + 1, title=step.title,
                                        state=self.tr("complète") if done else self.tr("à compléter")))

    def step_complete(self, index: int) -> bool:
        return bool(self.step_buttons[index].property("complete"))

    def _sign_state(self) -> None:
        if self.current_step().kind != "signatures":
            self.sign_hint.setText("")
        elif self.signing:
            self.sign_hint.setText(self.tr("Scellement en cours…"))
        elif self.issues:
            self.sign_hint.setText(self.tr("{n} point(s) à compléter avant de sceller : touchez « Signer et "
                                           "sceller » pour les voir.", n=len(self.issues)))
        else:
            self.sign_hint.setText(self.tr("Tout est prêt."))
        self.sign_button.setEnabled(not self.signing)

    # -- review ------------------------------------------------------------------------------------
    def _render_review(self) -> None:
        if self.review is None or self.draft is None:
            return
        draft, service = self.draft, self.service
        signatures: dict[str, dict[str, Any]] = {}
        for role, sig in (draft.signatures or {}).items():
            if getattr(sig, "refused_reason", None):
                signatures[role] = {"refused": sig.refused_reason}
            elif getattr(sig, "png_sha256", None):
                signatures[role] = {"png": True}
        self.review.render(self.template, draft.content, attachments=list(draft.attachments),
                           fetch_attachment=lambda sha: service.attachment_data(draft.id, sha),
                           signatures=signatures,
                           fetch_signature=lambda role: service.signature_png(draft.id, role))

    # -- signing -----------------------------------------------------------------------------------
    def sign(self) -> None:
        """Everything shown; if nothing is missing, seal (off the UI thread)."""
        if self.draft is None or self.signing:
            return
        self.revealed.update(range(len(self.steps)))
        if self.writer.busy():
            self.pending_sign = True  # after the last write and its validation
            return
        if self.validated and self.issues:
            self._show_issues()
            self._marks()
            first = self.step_of(self.issues[0].path)
            self.banner.setText(self.tr("La déposition ne peut pas encore être scellée : {message}",
                                        message=self.issues[0].message))
            self.banner.show()
            if first is not None and first != self.index:
                self.go(first)
            return
        self.signing = True
        self.banner.hide()
        self._sign_state()
        service, draft_id = self.service, self.draft.id
        tasks.run(lambda: service.sign(draft_id), self._signed, self._sign_failed)

    def _signed(self, statement_id: str) -> None:
        self.signing = False
        self.draft = None
        self.sig_signed.emit(str(statement_id))

    def _sign_failed(self, exc: Any) -> None:
        self.signing = False
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        self.banner.setText(self.tr("La déposition n'a pas été scellée : {err}", err=message))
        self.banner.show()
        path = getattr(exc, "path", None)
        if path:
            step = self.step_of(path)
            if step is not None:
                self.go(step)
        self._sign_state()
        self.validate()


@dataclass
class AttachResult:
    draft: Any
    problems: list[str]
