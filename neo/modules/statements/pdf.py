"""The PDF of a signed statement, made on the device (reportlab; no Qt).

Everything the statement holds, in order: header (unit, statement id) and footer
("page X / Y") on every page; the template's title; the officer; the parties; the facts
(when, where, offences with their NATINF, items with their value); the template's other
fields; the narrative; the attachments with their SHA-256; the legal mentions; the
signatures as images (or "a refusé de signer : motif"); the seal (hash, key, device) and a
QR code of the hash. Text is real text (standard fonts), so it can be extracted and
searched. Labels follow the interface language (French by default), through ``tr``.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from neo.modules.statements.offences import Offence
from neo.modules.statements.templates import Template

Tr = Callable[..., str]
ROLE_LABELS: dict[str, str] = {
    "declarant": "Déclarant",
    "victim": "Victime",
    "witness": "Témoin",
    "suspect": "Personne mise en cause",
    "unknown_author": "Auteur inconnu",
}
IDENTITY_LABELS: tuple[tuple[str, str], ...] = (
    ("surname", "Nom"),
    ("given_names", "Prénoms"),
    ("birth_date", "Date de naissance"),
    ("birth_place", "Lieu de naissance"),
    ("nationality", "Nationalité"),
    ("address", "Adresse"),
    ("phone", "Téléphone"),
)


def _latin1(text: Any) -> str:
    """Text the standard PDF fonts can show (WinAnsi): other characters are decomposed
    or replaced, so nothing is silently dropped."""
    out = []
    for ch in unicodedata.normalize("NFC", str(text)):
        try:
            ch.encode("cp1252")
            out.append(ch)
        except UnicodeEncodeError:
            folded = unicodedata.normalize("NFKD", ch).encode("cp1252", "ignore").decode("cp1252")
            out.append(folded or "?")
    return "".join(out)


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    body = escape(_latin1(text)).replace("\n", "<br/>")
    return Paragraph(body, style)


def _moment(value: Any) -> str:
    if not isinstance(value, str) or not value:
        return "—"
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if len(value) <= 10:
        return parsed.strftime("%d/%m/%Y")
    suffix = " UTC" if parsed.utcoffset() is not None and not parsed.utcoffset() else ""
    return parsed.strftime("%d/%m/%Y %H:%M") + suffix


def _euros(cents: Any) -> str:
    if not isinstance(cents, int) or isinstance(cents, bool):
        return "—"
    whole, rest = divmod(cents, 100)
    return f"{whole:,}".replace(",", " ") + f",{rest:02d} €"


class _NumberedCanvas(rl_canvas.Canvas):
    """Draws "page X / Y" and the header once the page count is known."""

    header_left = ""
    header_right = ""
    page_label = "page {n} / {total}"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._decorate(total)
            super().showPage()
        super().save()

    def _decorate(self, total: int) -> None:
        width, height = A4
        self.setFont("Helvetica", 8)
        self.setFillColor(colors.grey)
        self.drawString(18 * mm, height - 12 * mm, _latin1(self.header_left))
        self.drawRightString(width - 18 * mm, height - 12 * mm, _latin1(self.header_right))
        self.line(18 * mm, height - 13.5 * mm, width - 18 * mm, height - 13.5 * mm)
        self.drawRightString(width - 18 * mm, 10 * mm,
                             _latin1(self.page_label.format(n=self._pageNumber, total=total)))


def _qr(text: str, size: float) -> Drawing:
    widget = QrCodeWidget(text)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def render(payload: Mapping[str, Any], *, template: Template | None, files: Callable[[str], bytes | None],
           offences: Iterable[Offence] = (), tr: Tr, lang: str = "fr") -> bytes:
    """The PDF bytes of a signed statement ``payload``; ``files(sha256)`` gives the
    signature images. Deterministic for the same input (no creation date)."""
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["Normal"], fontName="Helvetica", fontSize=9.5, leading=12.5)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10)
    mono = ParagraphStyle("mono", parent=body, fontName="Courier", fontSize=8, leading=10)
    h1 = ParagraphStyle("h1", parent=styles["Title"], fontName="Helvetica-Bold", fontSize=15, leading=19,
                        spaceAfter=4)
    h2 = ParagraphStyle("h2", parent=styles["Heading2"], fontName="Helvetica-Bold", fontSize=11, leading=14,
                        spaceBefore=9, spaceAfter=3, textColor=colors.HexColor("#1f3a5f"))
    label = ParagraphStyle("label", parent=body, fontName="Helvetica-Bold")

    seal = payload.get("seal") or {}
    officer = payload.get("officer") or {}
    facts = payload.get("facts") or {}
    statement_id = str(payload.get("id", ""))
    title = template.title.get(lang) if template is not None else str((payload.get("template") or {}).get("id"))
    story: list[Any] = []

    def table(rows: list[tuple[str, Any]]) -> Table:
        data = [[_p(k, label), v if not isinstance(v, str) else _p(v, body)] for k, v in rows]
        t = Table(data, colWidths=[45 * mm, None], hAlign="LEFT")
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                               ("TOPPADDING", (0, 0), (-1, -1), 2), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        return t

    story.append(_p(title, h1))
    story.append(_p(tr("Déclaration n° {id}", id=statement_id), body))
    rows = [(tr("Signée le"), _moment(payload.get("signed_at"))),
            (tr("Ouverte le"), _moment(payload.get("created_at"))),
            (tr("Agent"), f"{officer.get('name', '')} ({officer.get('service_number', '')})"),
            (tr("Unité"), str(officer.get("unit") or "—"))]
    if payload.get("corrects"):
        rows.append((tr("Rectifie"), tr("la déclaration n° {id}", id=payload["corrects"])))
    story.append(table(rows))

    # Parties
    story.append(_p(tr("Personnes"), h2))
    for party in payload.get("parties") or []:
        role = str(party.get("role"))
        heading = tr(ROLE_LABELS.get(role, role))
        if role == "unknown_author":
            story.append(table([(heading, str(party.get("description") or "—"))]))
            continue
        identity = party.get("identity") or {}
        prow = [(tr(text), _moment(identity[key]) if key == "birth_date" else str(identity[key]))
                for key, text in IDENTITY_LABELS if identity.get(key)]
        doc = identity.get("document") or {}
        if doc:
            prow.append((tr("Pièce d'identité"), " ".join(str(doc.get(k) or "") for k in ("kind", "number")).strip()))
        story.append(KeepTogether([_p(heading, label), table(prow or [(tr("Identité"), "—")]), Spacer(1, 4)]))

    # Facts
    story.append(_p(tr("Faits"), h2))
    when = facts.get("when")
    if isinstance(when, Mapping):
        when_text = _moment(when.get("from"))
        if when.get("to"):
            when_text = tr("du {start} au {end}", start=when_text, end=_moment(when.get("to")))
    else:
        when_text = _moment(when)
    where = facts.get("where") or {}
    where_text = str(where.get("address") or "—") if isinstance(where, Mapping) else "—"
    position = where.get("position") if isinstance(where, Mapping) else None
    if isinstance(position, Mapping) and position.get("lat") is not None:
        where_text += "\n" + tr("Position : {lat}, {lon}", lat=position.get("lat"), lon=position.get("lon"))
        if position.get("accuracy") is not None:
            where_text += " " + tr("(± {m} m)", m=position.get("accuracy"))
    frows = [(tr("Date"), when_text), (tr("Lieu"), where_text)]
    known = {o.natinf: o for o in offences}
    for o in facts.get("offences") or []:
        code = o.get("natinf")
        text = tr("{label} (NATINF {code})", label=o.get("label", ""), code=code)
        ref = known.get(code)
        if ref is not None and ref.defined_by:
            text += "\n" + tr("Défini par {d} ; réprimé par {r}", d=ref.defined_by, r=ref.punished_by)
        frows.append((tr("Infraction"), text))
    story.append(table(frows))
    items = facts.get("items") or []
    if items:
        story.append(_p(tr("Objets"), label))
        data = [[_p(tr("Description"), label), _p(tr("N° de série"), label), _p(tr("Valeur"), label)]]
        total = 0
        for item in items:
            cents = item.get("value_cents")
            total += cents if isinstance(cents, int) else 0
            data.append([_p(item.get("description", ""), body), _p(item.get("serial") or "—", body),
                         _p(_euros(cents), body)])
        data.append([_p(tr("Total"), label), "", _p(_euros(total), label)])
        t = Table(data, colWidths=[95 * mm, 40 * mm, None], hAlign="LEFT")
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(t)

    # The template's other fields
    details = payload.get("details") or {}
    if details and template is not None:
        drows = []
        for spec in template.fields():
            if not spec.id.startswith("details."):
                continue
            value = details.get(spec.id.split(".", 1)[1])
            if value is None or value == "" or value == []:
                continue
            choices = {c.value: c.label.get(lang) for c in spec.choices}
            if isinstance(value, bool):
                shown = tr("Oui") if value else tr("Non")
            elif isinstance(value, list):
                shown = ", ".join(choices.get(v, str(v)) for v in value)
            else:
                shown = choices.get(value, str(value))
            drows.append((spec.label.get(lang), shown))
        if drows:
            story.append(_p(tr("Précisions"), h2))
            story.append(table(drows))

    # Narrative
    story.append(_p(tr("Récit"), h2))
    story.append(_p(payload.get("narrative") or "—", body))

    # Attachments
    attachments = payload.get("attachments") or []
    story.append(_p(tr("Pièces jointes"), h2))
    if attachments:
        for att in attachments:
            story.append(_p(f"{att.get('name')} — {att.get('media_type')} — "
                            + tr("{n} octets", n=att.get("size")), small))
            story.append(_p(f"SHA-256 {att.get('sha256')}", mono))
    else:
        story.append(_p(tr("Aucune"), body))

    # Legal mentions
    if template is not None and template.legal_mentions:
        story.append(_p(tr("Mentions légales"), h2))
        for mention in template.legal_mentions:
            story.append(_p(mention.get(lang), small))
            story.append(Spacer(1, 3))

    # Signatures
    story.append(_p(tr("Signatures"), h2))
    cells = []
    for role, caption in (("declarant", tr("Le déclarant")), ("officer", tr("L'agent"))):
        sig = (payload.get("signatures") or {}).get(role)
        parts: list[Any] = [_p(caption, label)]
        if isinstance(sig, Mapping) and isinstance(sig.get("refused"), Mapping):
            parts.append(_p(tr("a refusé de signer : {reason}", reason=sig["refused"].get("reason", "")), body))
        elif isinstance(sig, Mapping) and sig.get("png_sha256"):
            png = files(sig["png_sha256"])
            if png:
                image = Image(io.BytesIO(png))
                ratio = image.imageHeight / float(image.imageWidth or 1)
                image.drawWidth = 70 * mm
                image.drawHeight = min(35 * mm, 70 * mm * ratio)
                parts.append(image)
            else:
                parts.append(_p(tr("signature {sha}", sha=sig["png_sha256"][:16]), small))
        else:
            parts.append(_p("—", body))
        cells.append(parts)
    sig_table = Table([cells], colWidths=[85 * mm, 85 * mm], hAlign="LEFT")
    sig_table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOX", (0, 0), (0, 0), 0.3, colors.grey),
                                   ("BOX", (1, 0), (1, 0), 0.3, colors.grey)]))
    story.append(KeepTogether(sig_table))

    # Seal
    sha = str(seal.get("sha256", ""))
    seal_text = [_p(tr("Sceau"), h2),
                 _p(tr("Empreinte SHA-256 de la déclaration scellée :"), small), _p(sha, mono),
                 _p(tr("Forme canonique {c}, clé {k}, appareil {d}", c=seal.get("canonical", ""),
                       k=seal.get("key_id", ""), d=seal.get("device_id", "")), small),
                 _p(tr("Toute modification du contenu ou des pièces jointes rend le sceau invalide."), small)]
    seal_table = Table([[seal_text, _qr(sha or statement_id, 32 * mm)]], colWidths=[130 * mm, 35 * mm],
                       hAlign="LEFT")
    seal_table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(KeepTogether(seal_table))

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                            bottomMargin=16 * mm, title=_latin1(title), author=_latin1(officer.get("unit", "")),
                            subject=_latin1(statement_id), creator="NEO", invariant=1)

    class Canvas(_NumberedCanvas):
        header_left = f"{officer.get('unit', '')} — {title}"
        header_right = tr("Déclaration n° {id}", id=statement_id)
        page_label = tr("page {n} / {total}")

    doc.build(story, canvasmaker=Canvas)
    return out.getvalue()
