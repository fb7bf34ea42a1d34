"""The statements page: the list (new statement from a template, drafts, sealed
statements with their state), the form of a draft, a sealed statement (read-only, with
"Corriger" and "PDF"), and the PDF.

Everything slow (the encrypted store, sealing, the PDF) runs on the thread pool
(:mod:`.tasks`). ``open_with({"identity": {...}})`` (from the lookup's "Utiliser dans une
déposition", through ``ctx.open_page``) starts a statement whose declarant is that
identity: the officer picks the kind of statement, the draft opens prefilled.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QFileDialog, QFrame, QGridLayout, QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from neo.api import ModuleContext
from neo.modules.statements.ui import tasks
from neo.modules.statements.ui.form import FormView
from neo.modules.statements.ui.review import ReviewView
from neo.modules.statements.ui.widgets import (
    STATE_BADGES,
    STYLE,
    TapFrame,
    Tr,
    button,
    clear_layout,
    fr_date,
    label,
    local_time,
    person_name,
    scroller,
    set_prop,
    state_text,
    transparent,
)

log = logging.getLogger(__name__)

NARROW_WIDTH = 1000
PDF_PREVIEW_WIDTH = 760


def default_folder(*names: str) -> Path:
    home = Path.home()
    for name in names:
        if (home / name).is_dir():
            return home / name
    return home


# -- the list ---------------------------------------------------------------------------------


class TemplateCard(TapFrame):
    def __init__(self, template: Any, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.template = template
        self.setObjectName("TemplateCard")
        self.setProperty("role", "card")
        box = QVBoxLayout(self)
        box.setContentsMargins(22, 16, 22, 16)
        box.setSpacing(6)
        self.title = label(template.title.get(lang), None, name="CardTitle", wrap=True)
        text = template.description.get(lang) if template.description else ""
        self.text = label(text, "muted", name="CardText", wrap=True)
        box.addWidget(self.title)
        box.addWidget(self.text)
        box.addStretch(1)
        transparent(self.title, self.text)
        self.setAccessibleName(self.title.text())


class ListRow(TapFrame):
    """A draft or a sealed statement: title, who, when, and its state badge."""

    def __init__(self, name: str, title: str, meta: str, state: str, badge_state: str, *, note: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setProperty("role", "card")
        row = QHBoxLayout(self)
        row.setContentsMargins(22, 12, 16, 12)
        row.setSpacing(16)
        text = QVBoxLayout()
        text.setSpacing(2)
        self.title = label(title, None, name="RowTitle", wrap=True)
        self.meta = label(meta, "muted", name="RowMeta", wrap=True)
        text.addWidget(self.title)
        text.addWidget(self.meta)
        self.note = label(note, "error", name="RowNote", wrap=True)
        self.note.setVisible(bool(note))
        text.addWidget(self.note)
        self.badge = label(state, "badge", name="StateBadge")
        self.badge.setProperty("state", badge_state)
        row.addLayout(text, 1)
        row.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignVCenter)
        self.extra = QHBoxLayout()
        row.addLayout(self.extra)
        transparent(self.title, self.meta, self.note, self.badge)
        self.setAccessibleName(f"{title} — {state}")


class HomeView(QWidget):
    """New statement (template cards), drafts, sealed statements."""

    def __init__(self, tr: Tr, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StatementsHome")
        self.tr = tr
        self.template_cards: list[TemplateCard] = []
        self.draft_rows: list[ListRow] = []
        self.statement_rows: list[ListRow] = []
        self.prefill: dict[str, Any] | None = None
        self.banner = QFrame()
        self.banner.setObjectName("PrefillBanner")
        self.banner.setProperty("role", "banner")
        self.banner.setProperty("kind", "info")
        brow = QHBoxLayout(self.banner)
        brow.setContentsMargins(20, 8, 10, 8)
        self.banner_text = label("", None, name="PrefillText", wrap=True)
        self.banner_cancel = button("", None, name="PrefillCancel")
        brow.addWidget(self.banner_text, 1)
        brow.addWidget(self.banner_cancel)
        self.banner.hide()
        self.new_title = label("", "section", name="NewTitle")
        self.cards = QGridLayout()
        self.cards.setSpacing(14)
        self.drafts_title = label("", "section", name="DraftsTitle")
        self.drafts_box = QVBoxLayout()
        self.drafts_box.setSpacing(10)
        self.statements_title = label("", "section", name="StatementsTitle")
        self.statements_box = QVBoxLayout()
        self.statements_box.setSpacing(10)
        self.empty = label("", "muted", name="StatementsEmpty", wrap=True)
        self.message = label("", "error", name="HomeMessage", wrap=True)
        self.message.hide()
        body = QWidget()
        box = QVBoxLayout(body)
        box.setContentsMargins(32, 18, 32, 24)
        box.setSpacing(12)
        box.addWidget(self.banner)
        box.addWidget(self.message)
        box.addWidget(self.new_title)
        box.addLayout(self.cards)
        box.addSpacing(8)
        box.addWidget(self.drafts_title)
        box.addLayout(self.drafts_box)
        box.addSpacing(8)
        box.addWidget(self.statements_title)
        box.addWidget(self.empty)
        box.addLayout(self.statements_box)
        box.addStretch(1)
        self.scroll = scroller(body, "HomeScroll")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)
        self.retranslate()

    def retranslate(self) -> None:
        tr = self.tr
        self.new_title.setText(tr("Nouvelle déposition"))
        self.banner_cancel.setText(tr("Annuler"))
        self.empty.setText(tr("Aucune déposition scellée sur cet appareil."))
        self._prefill_text()
        self.drafts_title.setText(tr("Brouillons ({n})", n=len(self.draft_rows)))
        self.statements_title.setText(tr("Dépositions scellées ({n})", n=len(self.statement_rows)))

    def set_prefill(self, identity: dict[str, Any] | None) -> None:
        self.prefill = identity
        self._prefill_text()

    def _prefill_text(self) -> None:
        identity = self.prefill
        self.banner.setVisible(identity is not None)
        if identity is None:
            return
        who = person_name(identity)
        if identity.get("birth_date"):
            who = self.tr("{name}, né(e) le {date}", name=who, date=fr_date(identity["birth_date"]))
        self.banner_text.setText(self.tr("Identité reprise de la consultation : {who}. Choisissez le type de "
                                         "déposition : elle sera celle du déclarant.", who=who))

    def columns(self) -> int:
        """Every template on one row in landscape (five shipped), two columns in portrait."""
        return 2 if self.width() < NARROW_WIDTH else 5

    def set_templates(self, templates: list[Any], lang: str) -> None:
        clear_layout(self.cards)
        self.template_cards = []
        for template in templates:
            c = TemplateCard(template, lang)
            self.template_cards.append(c)
        self._layout_cards()

    def _layout_cards(self) -> None:
        n = self.columns()
        for i, c in enumerate(self.template_cards):
            self.cards.removeWidget(c)
            self.cards.addWidget(c, i // n, i % n)
        for col in range(5):
            self.cards.setColumnStretch(col, 1 if col < n else 0)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._layout_cards()


# -- a sealed statement -------------------------------------------------------------------------


class StatementView(QWidget):
    """A sealed statement, read-only: state, seal, everything it holds; PDF and Corriger."""

    def __init__(self, tr: Tr, lang: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StatementView")
        self.tr = tr
        self.statement: Any = None
        self.back_button = button("", None, name="StatementBack")
        self.title = label("", None, name="ReviewTitle", wrap=True)
        self.badge = label("", "badge", name="StatementState")
        self.pdf_button = button("", "primary", name="PdfButton")
        self.correct_button = button("", None, name="CorrectButton")
        head = QHBoxLayout()
        head.setSpacing(14)
        head.addWidget(self.back_button)
        head.addWidget(self.title, 1)
        head.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignVCenter)
        head.addWidget(self.correct_button)
        head.addWidget(self.pdf_button)
        self.reason = label("", "error", name="RejectedReason", wrap=True)
        self.reason.hide()
        self.message = label("", "muted", name="StatementMessage", wrap=True)
        self.message.hide()
        self.review = ReviewView(tr, lang)
        body = QWidget()
        box = QVBoxLayout(body)
        box.setContentsMargins(0, 4, 12, 16)
        box.addWidget(self.review)
        box.addStretch(1)
        self.scroll = scroller(body, "StatementScroll")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 14, 32, 8)
        outer.setSpacing(10)
        outer.addLayout(head)
        outer.addWidget(self.reason)
        outer.addWidget(self.message)
        outer.addWidget(self.scroll, 1)
        self.retranslate()

    def retranslate(self) -> None:
        tr = self.tr
        self.back_button.setText(tr("‹ Dépositions"))
        self.pdf_button.setText(tr("PDF"))
        self.correct_button.setText(tr("Corriger"))
        self.pdf_button.setAccessibleName(tr("Voir et enregistrer le PDF"))
        self.correct_button.setAccessibleName(tr("Corriger : une nouvelle version qui référence celle-ci"))


class PdfView(QWidget):
    """The statement's PDF: its first page as an image, and "Enregistrer le PDF…"."""

    def __init__(self, tr: Tr, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PdfView")
        self.tr = tr
        self.data: bytes | None = None
        self.name = "deposition.pdf"
        self.pages = 0
        self.back_button = button("", None, name="PdfBack")
        self.title = label("", None, name="ReviewTitle")
        self.save_button = button("", "primary", name="PdfSave")
        head = QHBoxLayout()
        head.setSpacing(14)
        head.addWidget(self.back_button)
        head.addWidget(self.title, 1)
        head.addWidget(self.save_button)
        self.message = label("", "muted", name="PdfMessage", wrap=True)
        self.message.hide()
        self.preview = label("", None, name="PdfPreview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.info = label("", "muted", name="PdfInfo")
        self.info.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body = QWidget()
        box = QVBoxLayout(body)
        box.setContentsMargins(0, 4, 12, 16)
        box.setSpacing(8)
        box.addWidget(self.info)
        box.addWidget(self.preview)
        box.addStretch(1)
        self.scroll = scroller(body, "PdfScroll")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 14, 32, 8)
        outer.setSpacing(10)
        outer.addLayout(head)
        outer.addWidget(self.message)
        outer.addWidget(self.scroll, 1)
        self.retranslate()

    def retranslate(self) -> None:
        tr = self.tr
        self.back_button.setText(tr("‹ Retour"))
        self.title.setText(tr("PDF de la déposition"))
        self.save_button.setText(tr("Enregistrer le PDF…"))
        self._info()

    def _info(self) -> None:
        if self.data is None:
            self.info.setText(self.tr("Préparation du PDF…"))
        elif self.pages:
            self.info.setText(self.tr("Première page sur {n} · {size} Ko", n=self.pages,
                                      size=max(1, len(self.data) // 1024)))
        else:
            self.info.setText(self.tr("{size} Ko", size=max(1, len(self.data) // 1024)))

    def show_message(self, text: str, role: str = "muted") -> None:
        set_prop(self.message, "role", role)
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def loading(self) -> None:
        self.data = None
        self.pages = 0
        self.preview.clear()
        self.show_message("")
        self.save_button.setEnabled(False)
        self._info()

    def show_pdf(self, data: bytes, name: str, first: QImage | None, pages: int) -> None:
        self.data, self.name, self.pages = data, name, pages
        self.save_button.setEnabled(True)
        if first is not None:
            self.preview.setPixmap(QPixmap.fromImage(first))
        else:
            self.preview.setText(self.tr("Aperçu indisponible sur cet appareil ; le PDF peut être enregistré."))
        self._info()


def render_first_page(data: bytes, width: int = PDF_PREVIEW_WIDTH) -> tuple[QImage | None, int]:
    """The first page as an image ``width`` pixels wide, and the page count (QtPdf; (None,
    0) without it). Runs on a worker: the document lives and dies there."""
    try:
        from PySide6.QtPdf import QPdfDocument
    except ImportError:
        return None, 0
    document = QPdfDocument()
    array = QByteArray(data)
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    try:
        pages = document.pageCount()
        if pages < 1:
            return None, 0
        size = document.pagePointSize(0)
        height = round(width * size.height() / size.width()) if size.width() > 0 else round(width * 1.414)
        image = document.render(0, QSize(width, height))
        white = QImage(image.size(), QImage.Format.Format_RGB32)
        white.fill(Qt.GlobalColor.white)
        from PySide6.QtGui import QPainter

        painter = QPainter(white)
        painter.drawImage(0, 0, image)
        painter.end()
        return white, pages
    finally:
        document.close()
        buffer.close()


class AttachmentRef:
    """An attachment of a statement's payload, shaped like the service's ``Attachment``."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.sha256 = str(data.get("sha256") or "")
        self.media_type = str(data.get("media_type") or "application/octet-stream")
        self.name = str(data.get("name") or self.sha256[:12])
        self.size = int(data.get("size") or 0)


# -- the page ---------------------------------------------------------------------------------


class Page(QWidget):
    """The module's page (``manifest.page``). ``service`` exists for tests."""

    def __init__(self, ctx: ModuleContext, parent: QWidget | None = None, *, service: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("StatementsPage")
        self.setProperty("role", "screen")
        self.setStyleSheet(STYLE)
        self.ctx = ctx
        self.tr = ctx.tr
        if service is None:
            from neo.modules.statements.module import service_for

            service = service_for(ctx)
        self.service = service
        self.templates: list[Any] = []
        self.statement: Any = None
        self.busy = False

        self.home = HomeView(self.tr)
        self.home.banner_cancel.clicked.connect(lambda: self.home.set_prefill(None))
        self.form = FormView(service, self.tr, ctx.language, self._position, self._camera_folder)
        self.form.sig_back.connect(self.show_home)
        self.form.sig_signed.connect(self.open_statement)
        self.statement_view = StatementView(self.tr, ctx.language)
        self.statement_view.back_button.clicked.connect(self.show_home)
        self.statement_view.pdf_button.clicked.connect(self.show_pdf)
        self.statement_view.correct_button.clicked.connect(self.correct)
        self.pdf_view = PdfView(self.tr)
        self.pdf_view.back_button.clicked.connect(lambda: self.stack.setCurrentWidget(self.statement_view))
        self.pdf_view.save_button.clicked.connect(self.ask_save_pdf)
        self.stack = QStackedWidget()
        self.stack.setObjectName("StatementsStack")
        for view in (self.home, self.form, self.statement_view, self.pdf_view):
            self.stack.addWidget(view)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.stack)
        self.show_home()

    # -- context ------------------------------------------------------------------------------
    def _position(self) -> Any:
        try:
            return self.ctx.position.current()
        except Exception:
            return None

    def _camera_folder(self) -> Path:
        try:
            configured = self.ctx.settings.get("camera_folder")
        except Exception:
            configured = None
        if isinstance(configured, str) and configured:
            return Path(configured).expanduser()
        return default_folder("DCIM", "Pictures", "Images")

    def _pdf_folder(self) -> Path:
        try:
            configured = self.ctx.settings.get("pdf_folder")
        except Exception:
            configured = None
        if isinstance(configured, str) and configured:
            return Path(configured).expanduser()
        return default_folder("Documents")

    def retranslate(self) -> None:
        self.home.retranslate()
        self.form.retranslate()
        self.statement_view.retranslate()
        self.pdf_view.retranslate()
        if self.stack.currentWidget() is self.home:
            self.refresh()
        elif self.stack.currentWidget() is self.statement_view and self.statement is not None:
            self._show_statement(self.statement)

    def _failed(self, exc: Any) -> None:
        self.busy = False
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        log.error("statements page: %s", message)
        self.home.message.setText(self.tr("L'opération n'a pas abouti : {err}", err=message))
        self.home.message.show()
        self.stack.setCurrentWidget(self.home)

    # -- the list -----------------------------------------------------------------------------
    def show_home(self) -> None:
        self.stack.setCurrentWidget(self.home)
        self.refresh()

    def refresh(self) -> None:
        service = self.service
        tasks.run(lambda: (service.templates(), service.drafts(), service.statements()), self._listed, self._failed)

    def _listed(self, result: tuple[list[Any], list[Any], list[Any]]) -> None:
        templates, drafts, statements = result
        tr, lang = self.tr, self.ctx.language()
        self.templates = list(templates)
        self.home.set_templates(self.templates, lang)
        for c in self.home.template_cards:
            c.sig_tapped.connect(lambda t=c.template: self.new_draft(t.id))
        titles = {t.id: t.title.get(lang) for t in self.templates}
        clear_layout(self.home.drafts_box)
        self.home.draft_rows = []
        for d in drafts:
            meta = tr("{who} · modifié le {time}", who=d.declarant or tr("déclarant à saisir"),
                      time=local_time(d.updated_at))
            if d.corrects:
                meta = tr("{meta} · correction", meta=meta)
            row = ListRow("DraftRow", titles.get(d.template_id, d.title), meta, tr("Brouillon"), STATE_BADGES["draft"])
            row.draft = d
            delete = button(tr("Supprimer"), None, name="DeleteDraft")
            delete.setAccessibleName(tr("Supprimer le brouillon"))
            delete.clicked.connect(lambda _=False, b=delete, i=d.id: self.delete_draft(b, i))
            row.extra.addWidget(delete)
            row.sig_tapped.connect(lambda i=d.id: self.open_draft(i))
            self.home.drafts_box.addWidget(row)
            self.home.draft_rows.append(row)
        self.home.drafts_title.setVisible(bool(drafts))
        clear_layout(self.home.statements_box)
        self.home.statement_rows = []
        for s in statements:
            meta = tr("{who} · scellée le {time}", who=s.declarant or "—", time=local_time(s.signed_at))
            if s.corrects:
                meta = tr("{meta} · corrige une version précédente", meta=meta)
            note = s.reason or "" if s.state == "rejected" else ""  # HQ's reason, already worded for the officer
            row = ListRow("StatementRow", titles.get(s.template_id, s.title) or s.title, meta,
                          state_text(tr, s.state), STATE_BADGES.get(s.state, ""), note=note)
            row.summary = s
            row.sig_tapped.connect(lambda i=s.id: self.open_statement(i))
            self.home.statements_box.addWidget(row)
            self.home.statement_rows.append(row)
        self.home.empty.setVisible(not statements)
        self.home.retranslate()

    def delete_draft(self, btn: Any, draft_id: str) -> None:
        """Two taps: the first asks for confirmation."""
        if not btn.property("confirm"):
            btn.setProperty("confirm", True)
            btn.setText(self.tr("Confirmer la suppression"))
            return
        service = self.service
        tasks.run(lambda: service.delete_draft(draft_id), lambda _r: self.refresh(), self._failed)

    # -- drafts -------------------------------------------------------------------------------
    def open_with(self, params: dict[str, Any]) -> None:
        """From ``ctx.open_page``: ``identity`` starts a statement with that declarant."""
        identity = params.get("identity")
        self.show_home()
        self.home.set_prefill(dict(identity) if isinstance(identity, dict) else None)
        self.home.scroll.verticalScrollBar().setValue(0)

    def new_draft(self, template_id: str) -> None:
        if self.busy:
            return
        self.busy = True
        service, identity = self.service, self.home.prefill
        self.home.set_prefill(None)
        tasks.run(lambda: self._load_draft(service.new_draft(template_id, identity)), self._draft_ready, self._failed)

    def open_draft(self, draft_id: str) -> None:
        if self.busy:
            return
        self.busy = True
        tasks.run(lambda: self._load_draft(draft_id), self._draft_ready, self._failed)

    def _load_draft(self, draft_id: str) -> tuple[Any, Any]:
        draft = self.service.load(draft_id)
        return draft, self.service.template(draft.template_id, draft.template_version)

    def _draft_ready(self, result: tuple[Any, Any]) -> None:
        self.busy = False
        draft, template = result
        self.form.open(draft, template)
        self.stack.setCurrentWidget(self.form)

    # -- sealed statements --------------------------------------------------------------------
    def open_statement(self, statement_id: str) -> None:
        service = self.service

        def load() -> tuple[Any, Any]:
            statement = service.statement(statement_id)
            t = statement.payload.get("template") or {}
            try:
                template = service.template(str(t.get("id")), int(t.get("version")))
            except Exception:
                template = None
            return statement, template

        tasks.run(load, self._statement_ready, self._failed)

    def _statement_ready(self, result: tuple[Any, Any]) -> None:
        self.statement = result
        self._show_statement(result)
        self.stack.setCurrentWidget(self.statement_view)
        self.statement_view.scroll.verticalScrollBar().setValue(0)

    def _show_statement(self, result: tuple[Any, Any]) -> None:
        statement, template = result
        tr, view, service = self.tr, self.statement_view, self.service
        payload = statement.payload
        lang = self.ctx.language()
        view.statement = statement
        title = template.title.get(lang) if template is not None else str(payload.get("kind") or "")
        declarant = next((p for p in payload.get("parties") or [] if p.get("role") == "declarant"), None)
        who = person_name(declarant.get("identity")) if declarant else ""
        view.title.setText(tr("{title} — {who}", title=title, who=who) if who else title)
        view.badge.setText(state_text(tr, statement.state))
        set_prop(view.badge, "state", STATE_BADGES.get(statement.state, ""))
        view.reason.setText(statement.reason or state_text(tr, "rejected"))
        view.reason.setVisible(statement.state == "rejected")
        seal = payload.get("seal") or {}
        officer = payload.get("officer") or {}
        header = [
            (tr("Scellée le"), local_time(payload.get("signed_at"), seconds=True)),
            (tr("Agent"), " · ".join(str(officer.get(k)) for k in ("name", "service_number", "unit")
                                    if officer.get(k))),
            (tr("Empreinte SHA-256 du scellé"), str(seal.get("sha256") or "")),
            (tr("État"), state_text(tr, statement.state)),
        ]
        if payload.get("corrects"):
            header.append((tr("Corrige"), str(payload["corrects"])))
        signatures: dict[str, dict[str, Any]] = {}
        shas: dict[str, str] = {}
        for role, sig in (payload.get("signatures") or {}).items():
            if isinstance(sig, dict) and isinstance(sig.get("refused"), dict):
                signatures[role] = {"refused": sig["refused"].get("reason") or tr("sans motif")}
            elif isinstance(sig, dict) and sig.get("png_sha256"):
                signatures[role] = {"png": True}
                shas[role] = str(sig["png_sha256"])
        sid = statement.id
        view.review.render(
            template, payload, attachments=[AttachmentRef(a) for a in payload.get("attachments") or []],
            fetch_attachment=lambda sha: service.statement_attachment(sid, sha), signatures=signatures,
            fetch_signature=lambda role: service.statement_attachment(sid, shas[role]) if role in shas else None,
            header=header)
        view.message.hide()

    def correct(self) -> None:
        if self.statement is None or self.busy:
            return
        self.busy = True
        service, sid = self.service, self.statement[0].id
        tasks.run(lambda: self._load_draft(service.correct(sid)), self._draft_ready, self._failed)

    # -- PDF ------------------------------------------------------------------------------------
    def show_pdf(self) -> None:
        if self.statement is None:
            return
        statement = self.statement[0]
        service, sid = self.service, statement.id
        signed = str(statement.payload.get("signed_at") or "")[:10]
        name = f"deposition-{signed}-{sid[:8]}.pdf"
        self.pdf_view.loading()
        self.stack.setCurrentWidget(self.pdf_view)

        def make() -> tuple[bytes, str, QImage | None, int]:
            data = service.pdf(sid)
            first, pages = render_first_page(data)
            return data, name, first, pages

        tasks.run(make, self._pdf_ready, self._pdf_failed)

    def _pdf_ready(self, result: tuple[bytes, str, QImage | None, int]) -> None:
        self.pdf_view.show_pdf(*result)

    def _pdf_failed(self, exc: Any) -> None:
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        self.pdf_view.show_message(self.tr("Le PDF n'a pas pu être produit : {err}", err=message), "error")

    def ask_save_pdf(self) -> None:
        if self.pdf_view.data is None:
            return
        start = self._pdf_folder() / self.pdf_view.name
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Enregistrer le PDF"), str(start),
                                              self.tr("PDF (*.pdf)"))
        if path:
            self.save_pdf(Path(path))

    def save_pdf(self, path: Path) -> None:
        data = self.pdf_view.data
        if data is None:
            return
        if path.suffix.lower() != ".pdf":
            path = path.with_suffix(".pdf")

        def write() -> Path:
            path.write_bytes(data)
            return path

        tasks.run(write, self._pdf_saved, self._pdf_save_failed)

    def _pdf_saved(self, path: Path) -> None:
        self.pdf_view.show_message(self.tr("PDF enregistré : {path}", path=str(path)))

    def _pdf_save_failed(self, exc: Any) -> None:
        self.pdf_view.show_message(self.tr("Le PDF n'a pas été enregistré : {err}", err=str(exc)), "error")
