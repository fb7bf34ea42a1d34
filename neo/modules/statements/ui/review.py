"""A statement (or a draft being reviewed) shown whole and read-only: every section of
its template with the parties and the fields, the attachments, the signatures or
refusals, the legal mentions, and for a signed statement its seal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from neo.modules.statements.ui import tasks
from neo.modules.statements.ui.attachments import ThumbGrid
from neo.modules.statements.ui.fields import moment_text, position_text
from neo.modules.statements.ui.widgets import Tr, card, clear_layout, euros, fr_date, label, person_name, role_title

IDENTITY_LABELS = (("surname", "Nom"), ("given_names", "Prénoms"), ("birth_date", "Date de naissance"),
                   ("birth_place", "Lieu de naissance"), ("nationality", "Nationalité"), ("address", "Adresse"),
                   ("phone", "Téléphone"))


def get_path(content: Any, path: str) -> Any:
    value = content
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def when_text(tr: Tr, value: Any) -> str:
    if isinstance(value, str) and value:
        value = {"from": value, "to": None}
    if not isinstance(value, dict) or not value.get("from"):
        return ""

    def one(v: Any) -> str:
        text = moment_text(v)
        return text or fr_date(v)

    if value.get("to"):
        return tr("Du {start} au {end}", start=one(value["from"]), end=one(value["to"]))
    return tr("Le {moment}", moment=one(value["from"]))


def value_text(tr: Tr, spec: Any, value: Any, lang: str) -> str:
    """A field's value as the review (and the officer) reads it; "" when empty."""
    if value in (None, "", [], {}):
        return ""
    kind = spec.type
    if spec.id == "facts.when":
        return when_text(tr, value)
    if kind == "address" and isinstance(value, dict):
        lines = [str(value.get("address") or "")]
        if value.get("position"):
            lines.append(tr("Position : {pos}", pos=position_text(tr, value["position"])))
        return "\n".join(line for line in lines if line)
    if kind == "position":
        return position_text(tr, value.get("position") if isinstance(value, dict) else value)
    if kind == "offence" and isinstance(value, list):
        return "\n".join(tr("{label} (NATINF {code})", label=o.get("label"), code=o.get("natinf"))
                         for o in value if isinstance(o, dict))
    if kind == "items" and isinstance(value, list):
        lines = []
        total = 0
        for item in value:
            if not isinstance(item, dict):
                continue
            bits = [str(item.get("description") or "")]
            if isinstance(item.get("value_cents"), int):
                bits.append(euros(item["value_cents"]))
                total += item["value_cents"]
            if item.get("serial"):
                bits.append(tr("n° {serial}", serial=item["serial"]))
            lines.append(" — ".join(b for b in bits if b))
        if total:
            lines.append(tr("Total : {total}", total=euros(total)))
        return "\n".join(lines)
    if kind == "date":
        return fr_date(value)
    if kind in ("datetime", "span"):
        return moment_text(value)
    if kind == "choice":
        return next((c.label.get(lang) for c in spec.choices if c.value == value), str(value))
    if kind == "multichoice" and isinstance(value, list):
        labels = {c.value: c.label.get(lang) for c in spec.choices}
        return ", ".join(labels.get(v, str(v)) for v in value)
    if kind == "bool":
        return tr("Oui") if value is True else tr("Non")
    if kind == "money":
        return euros(value)
    if kind == "identity" and isinstance(value, dict):
        return identity_text(tr, value)
    return str(value)


def identity_text(tr: Tr, identity: dict[str, Any]) -> str:
    lines = []
    for member, caption in IDENTITY_LABELS:
        v = identity.get(member)
        if v:
            lines.append(f"{tr(caption)} : {fr_date(v) if member == 'birth_date' else v}")
    document = identity.get("document")
    if isinstance(document, dict) and (document.get("kind") or document.get("number")):
        lines.append(tr("Pièce : {kind} n° {number}", kind=document.get("kind") or "",
                        number=document.get("number") or ""))
    return "\n".join(lines)


class ReviewView(QWidget):
    """``render(template, content, ...)`` shows it; nothing can be edited."""

    def __init__(self, tr: Tr, lang: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tr = tr
        self.lang = lang
        self.setObjectName("StatementReview")
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(14)
        self.signature_labels: dict[str, Any] = {}
        self.values: dict[str, str] = {}  # field path -> text shown (tests, accessibility)

    def _rows(self, frame: Any, rows: list[tuple[str, str]]) -> None:
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(8)
        grid.setColumnStretch(1, 1)
        for i, (caption, value) in enumerate(rows):
            key = label(caption, "muted", name="ReviewLabel", wrap=True)
            key.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            val = label(value or "—", None if value else "muted", name="ReviewValue", wrap=True)
            val.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(key, i, 0)
            grid.addWidget(val, i, 1)
        frame.layout().addLayout(grid)

    def _card(self, title: str, name: str = "ReviewSection") -> Any:
        frame = card(name)
        inner = QVBoxLayout(frame)
        inner.setContentsMargins(24, 16, 24, 16)
        inner.setSpacing(10)
        inner.addWidget(label(title, "section", name="ReviewSectionTitle", wrap=True))
        self.box.addWidget(frame)
        return frame

    def render(self, template: Any, content: dict[str, Any], *, attachments: tuple[Any, ...] | list[Any] = (),
             fetch_attachment: Callable[[str], bytes | None] | None = None,
             signatures: dict[str, dict[str, Any]] | None = None,
             fetch_signature: Callable[[str], bytes | None] | None = None,
             header: list[tuple[str, str]] | None = None) -> None:
        """``signatures``: ``{role: {"png": True} | {"refused": reason}}`` (absent: not signed);
        ``fetch_signature(role)`` gives the PNG (run off the UI thread)."""
        tr, lang = self.tr, self.lang()
        clear_layout(self.box)
        self.signature_labels = {}
        self.values = {}
        if header:
            frame = self._card(template.title.get(lang) if template else tr("Déposition"), "ReviewHeader")
            self._rows(frame, header)
        parties = [p for p in content.get("parties") or [] if isinstance(p, dict)]
        for section in template.sections if template else []:
            frame = self._card(section.title.get(lang))
            for part in section.parts:
                mine = [p for p in parties if p.get("role") == part.role]
                if not mine:
                    self._rows(frame, [(part.label.get(lang), "")])
                for n, party in enumerate(mine, start=1):
                    title = part.label.get(lang) if len(mine) == 1 else f"{part.label.get(lang)} {n}"
                    frame.layout().addWidget(label(title, None, name="PartyTitle"))
                    identity = party.get("identity") if isinstance(party.get("identity"), dict) else {}
                    rows = []
                    for member, caption in IDENTITY_LABELS:
                        v = identity.get(member)
                        if v or member in ("surname", "given_names"):
                            rows.append((tr(caption), fr_date(v) if member == "birth_date" else str(v or "")))
                    document = identity.get("document")
                    if isinstance(document, dict) and (document.get("kind") or document.get("number")):
                        rows.append((tr("Pièce d'identité"), f"{document.get('kind') or ''} "
                                     f"{document.get('number') or ''}".strip()))
                    if party.get("description") or part.role == "unknown_author":
                        rows.append((tr("Signalement"), str(party.get("description") or "")))
                    self._rows(frame, rows)
            rows = []
            for spec in section.fields:
                text = value_text(tr, spec, get_path(content, spec.id), lang)
                self.values[spec.id] = text
                rows.append((spec.label.get(lang), text))
            if rows:
                self._rows(frame, rows)

        if attachments:
            frame = self._card(tr("Photos et documents ({n})", n=len(attachments)))
            grid = ThumbGrid(tr, removable=False, columns=5)
            frame.layout().addWidget(grid)
            if fetch_attachment is not None:
                grid.load(list(attachments), fetch_attachment)

        if signatures is not None and template is not None:
            frame = self._card(tr("Signatures"))
            row = QHBoxLayout()
            row.setSpacing(16)
            for role in template.signatures:
                who = tr("Le déclarant") if role == "declarant" else tr("L'agent")
                column = QVBoxLayout()
                column.addWidget(label(who, "muted", name="ReviewLabel"))
                state = signatures.get(role) or {}
                if state.get("refused"):
                    shown = label(tr("Refus de signer : {reason}", reason=state["refused"]), "countdown",
                                  name="ReviewRefusal", wrap=True)
                elif state.get("png"):
                    shown = label("", None, name="ReviewSignature")
                    shown.setFixedSize(300, 120)
                    shown.setAlignment(Qt.AlignmentFlag.AlignCenter)
                    if fetch_signature is not None:
                        tasks.run(lambda r=role: (r, fetch_signature(r)), self._signature, self._ignore)
                else:
                    shown = label(tr("Pas encore signé"), "muted", name="ReviewUnsigned")
                self.signature_labels[role] = shown
                column.addWidget(shown)
                column.addStretch(1)
                row.addLayout(column, 1)
            frame.layout().addLayout(row)

        if template is not None and template.legal_mentions:
            frame = self._card(tr("Mentions légales"), "LegalMentions")
            for mention in template.legal_mentions:
                frame.layout().addWidget(label(mention.get(lang), None, name="LegalMention", wrap=True))

    def _signature(self, result: tuple[str, bytes | None]) -> None:
        role, png = result
        target = self.signature_labels.get(role)
        if target is None or not png:
            return
        pixmap = QPixmap()
        if pixmap.loadFromData(png, "PNG"):
            target.setPixmap(pixmap.scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.SmoothTransformation))

    def _ignore(self, _exc: Any) -> None:
        pass

    def party_summary(self, parties: list[dict[str, Any]]) -> str:
        names = [person_name(p.get("identity")) or role_title(self.tr, str(p.get("role"))) for p in parties]
        return ", ".join(n for n in names if n)
