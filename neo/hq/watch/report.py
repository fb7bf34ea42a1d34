"""The report a citizen receives at the end of a holiday watch: the home, the period, and
every visit (local date and time, the officer's service number, the outcome, the
checklist, the note, how many photos, whether a notice was left), anomalies highlighted.

A PDF made with reportlab's standard fonts, so its text can be extracted (and read aloud
by a screen reader). Officers appear by service number only; the access details never
appear.
"""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from neo.hq.watch.service import CHECKS, check_labels, local_time, outcome_label
from neo.i18n import tr

ANOMALY_BG = "#fde2e1"
ANOMALY_FG = "#b3261e"


def _p(text: str) -> str:
    return escape(text).replace("\n", "<br/>")


def _fr_date(iso: str | None) -> str:
    if not iso:
        return "-"
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def _checklist(payload: dict[str, Any]) -> str:
    labels = check_labels()
    states = {"ok": tr("bon état"), "anomaly": tr("ANOMALIE"), "na": tr("sans objet")}
    checklist = payload.get("checklist") or {}
    parts = []
    for key in CHECKS:
        state = checklist.get(key)
        if state is None:
            continue
        text = f"{labels[key]} : {states.get(state, state)}"
        parts.append(f"<b>{_p(text)}</b>" if state == "anomaly" else _p(text))
    return "<br/>".join(parts) or "-"


def build_report(registration: dict[str, Any], visits: list[dict[str, Any]], *, generated: datetime) -> bytes:
    """The PDF as bytes. ``registration``: the record's payload (``unit`` included);
    ``visits``: :meth:`WatchService.visits` rows, oldest first."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName="Helvetica", fontSize=9.5, leading=12)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=10.5)
    title = ParagraphStyle("title", parent=styles["Title"], fontName="Helvetica-Bold", fontSize=15, leading=19)
    head = ParagraphStyle("head", parent=styles["Heading2"], fontName="Helvetica-Bold", fontSize=11.5, leading=14)

    reg = registration
    address = reg.get("address") or {}
    citizen = reg.get("citizen") or {}
    anomalies = [v for v in visits if v["outcome"] == "anomaly"]
    ended = date.fromisoformat(reg["end_date"]) < generated.date()
    story: list[Any] = [
        Paragraph(_p(tr("Opération Tranquillité Vacances")), title),
        Paragraph(_p(tr("Compte rendu des passages de la gendarmerie")), head),
        Spacer(1, 4 * mm),
        Paragraph(_p(tr("Domicile : {line}, {postcode} {city}", line=address.get("line", ""),
                        postcode=address.get("postcode", ""), city=address.get("city", ""))), body),
        Paragraph(_p(tr("Résident : {name}", name=citizen.get("name", ""))), body),
        Paragraph(_p(tr("Période surveillée : du {start} au {end}", start=_fr_date(reg.get("start_date")),
                        end=_fr_date(reg.get("end_date")))
                     + ("" if ended else " " + tr("(surveillance en cours)"))), body),
        Paragraph(_p(tr("Unité : {unit}", unit=reg.get("unit") or "-")), body),
        Paragraph(_p(tr("Établi le {date} à {time}", date=local_time(generated).strftime("%d/%m/%Y"),
                        time=local_time(generated).strftime("%H:%M"))), body),
        Spacer(1, 4 * mm),
        Paragraph(_p(tr("{n} passage(s), dont {a} avec anomalie.", n=len(visits), a=len(anomalies))), head),
    ]
    if anomalies:
        story.append(Paragraph(
            f'<font color="{ANOMALY_FG}"><b>{_p(tr("Des anomalies ont été constatées : elles sont surlignées ci-dessous."))}'
            "</b></font>", body))
    story.append(Spacer(1, 3 * mm))
    if visits:
        header = [Paragraph(f"<b>{_p(t)}</b>", small) for t in (
            tr("Date et heure"), tr("Matricule"), tr("Résultat"), tr("Vérifications"), tr("Observations"),
            tr("Photos"), tr("Avis laissé"))]
        rows: list[list[Any]] = [header]
        style: list[Any] = [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa0a6")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eaed")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        for i, v in enumerate(visits, 1):
            payload = v.get("payload") or {}
            when = local_time(datetime.fromisoformat(v["at"]))
            outcome = outcome_label(v["outcome"])
            is_anomaly = v["outcome"] == "anomaly"
            rows.append([
                Paragraph(_p(when.strftime("%d/%m/%Y %H:%M")), small),
                Paragraph(_p(v.get("officer") or "-"), small),
                Paragraph(f"<b>{_p(outcome.upper())}</b>" if is_anomaly else _p(outcome), small),
                Paragraph(_checklist(payload), small),
                Paragraph(_p(payload.get("note") or "-"), small),
                Paragraph(str(len(payload.get("photos") or [])), small),
                Paragraph(_p(tr("oui") if payload.get("notice_left") else tr("non")), small),
            ])
            if is_anomaly:
                style.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor(ANOMALY_BG)))
        table = Table(rows, colWidths=[26 * mm, 18 * mm, 18 * mm, 45 * mm, 48 * mm, 13 * mm, 14 * mm], repeatRows=1)
        table.setStyle(TableStyle(style))
        story.append(table)
    else:
        story.append(Paragraph(_p(tr("Aucun passage n'a été enregistré.")), body))
    story += [
        Spacer(1, 6 * mm),
        Paragraph(_p(tr("Les agents sont désignés par leur matricule. Les heures sont celles de Paris. Les codes "
                        "et détails d'accès au domicile ne figurent pas dans ce document.")), small),
    ]
    out = BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=12 * mm, rightMargin=12 * mm, topMargin=14 * mm,
                            bottomMargin=14 * mm, title=tr("Opération Tranquillité Vacances"),
                            author=str(reg.get("unit") or ""), subject=tr("Compte rendu des passages"),
                            invariant=1)
    doc.build(story)
    return out.getvalue()


def write_report(path: Path, registration: dict[str, Any], visits: list[dict[str, Any]], *,
                 generated: datetime) -> Path:
    """Write the report atomically (a temporary file renamed into place)."""
    data = build_report(registration, visits, generated=generated)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path
