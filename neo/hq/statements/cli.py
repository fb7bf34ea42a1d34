"""``neo-hq statements``: what arrived (list, show, export) and what devices receive
(publish-template, publish-offences). Added to ``neo-hq``'s parser by :func:`add_commands`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from neo.hq.storage import statements as st_sql
from neo.i18n import tr


def status_text(status: str) -> str:
    texts = {
        st_sql.PENDING: tr("en attente des fichiers"),
        st_sql.VERIFIED: tr("vérifiée"),
        st_sql.REJECTED_TAMPERED: tr("refusée (sceau)"),
        st_sql.REJECTED_INVALID: tr("refusée (mal formée)"),
    }
    return texts.get(status, status)


def verdict_text(verdict: str) -> str:
    from neo.hq.statements.service import verdict_text as text

    return text(verdict)


def _cli() -> Any:
    from neo.hq import cli

    return cli


def cmd_list(args: argparse.Namespace) -> int:
    from neo.hq.statements.service import parse_since

    cli = _cli()
    since = parse_since(args.since) if args.since else None
    with cli._open(args) as hq:
        rows = hq.statements.listing(unit=args.unit, since=since, status=args.status, limit=args.limit)
    if args.json:
        cli._dump(rows)
        return 0
    flat = [{**r, "received_at": (r["received_at"] or "").replace("T", " ")[:16],
             "status": status_text(r["status"]), "template": f"{r['template']['id']} v{r['template']['version']}"
             if r["template"]["id"] else None} for r in rows]
    cli._table(flat, [("id", "id"), ("received_at", tr("reçue le")), ("unit", tr("unité")),
                      ("officer", tr("agent")), ("kind", tr("nature")), ("status", tr("état")),
                      ("attachment_count", tr("fichiers")), ("corrects", tr("corrige"))])
    return 0


def _identity_line(party: dict[str, Any]) -> str:
    ident = party.get("identity") if isinstance(party.get("identity"), dict) else {}
    parts = [str(ident.get("surname") or "").upper(), str(ident.get("given_names") or "")]
    if ident.get("birth_date"):
        parts.append(tr("né(e) le {d}", d=ident["birth_date"]))
    if ident.get("birth_place"):
        parts.append(tr("à {p}", p=ident["birth_place"]))
    text = " ".join(p for p in parts if p).strip()
    if not text and party.get("description"):
        text = str(party["description"])
    return text or "-"


def show_text(info: dict[str, Any]) -> list[str]:
    """``neo-hq statements show`` for a person."""
    p = info["payload"] if isinstance(info["payload"], dict) else {}
    v = info["verification"]
    officer = p.get("officer") if isinstance(p.get("officer"), dict) else {}
    lines = [
        tr("Déposition {id}", id=info["id"]),
        tr("  nature : {kind} (modèle {tid} version {tv})", kind=info["kind"] or "-",
           tid=info["template"]["id"] or "-", tv=info["template"]["version"] or "-"),
        tr("  unité : {unit} ; appareil : {device} ({name})", unit=info["unit"] or "-", device=info["device_id"],
           name=info.get("device_name") or "-"),
        tr("  agent : {sn} {name}", sn=info["officer"] or "-", name=officer.get("name") or ""),
        tr("  signée le : {s} ; reçue le : {r}", s=info["signed_at"] or "-", r=info["received_at"] or "-"),
        tr("  état au QG : {status}", status=status_text(info["status"])),
    ]
    if info["reason"]:
        lines.append(tr("  motif : {reason}", reason=info["reason"]))
    if info["corrects"]:
        lines.append(tr("  corrige la déposition {id}", id=info["corrects"]))
    for cid in info["corrected_by"]:
        lines.append(tr("  corrigée par la déposition {id}", id=cid))
    parties = p.get("parties") if isinstance(p.get("parties"), list) else []
    if parties:
        lines.append(tr("Parties :"))
        for party in parties:
            if isinstance(party, dict):
                lines.append(f"  - {party.get('role', '?')} : {_identity_line(party)}")
    facts = p.get("facts") if isinstance(p.get("facts"), dict) else {}
    if facts:
        lines.append(tr("Faits :"))
        when = facts.get("when")
        if isinstance(when, dict):
            lines.append(tr("  quand : {a} - {b}", a=when.get("from") or "?", b=when.get("to") or "?"))
        where = facts.get("where")
        if isinstance(where, dict):
            pos = where.get("position") if isinstance(where.get("position"), dict) else {}
            lines.append(tr("  où : {address} {pos}", address=where.get("address") or "-",
                            pos=f"({pos.get('lat')}, {pos.get('lon')})" if pos else ""))
        for o in facts.get("offences") or []:
            if isinstance(o, dict):
                lines.append(tr("  infraction : {label} (NATINF {code})", label=o.get("label") or "-",
                                code=o.get("natinf") or "-"))
        for item in facts.get("items") or []:
            if isinstance(item, dict):
                cents = item.get("value_cents", item.get("value_eur"))
                value = f"{cents / 100:.2f} €" if isinstance(cents, int) else "-"
                lines.append(tr("  objet : {d} ({v})", d=item.get("description") or "-", v=value))
    if isinstance(p.get("narrative"), str) and p["narrative"]:
        lines.append(tr("Récit :"))
        lines.extend("  " + line for line in p["narrative"].splitlines())
    lines.append(tr("Fichiers :"))
    if not info["files"]:
        lines.append("  " + tr("(aucun)"))
    for f in info["files"]:
        state = (tr("conforme") if f["hash_ok"] else tr("NON CONFORME")) if f["received"] else tr("pas encore reçu")
        if not f["sealed"]:
            state += " " + tr("(hors sceau)")
        lines.append(f"  - {f['name'] or '-'} ({f['media_type'] or '-'}, {f['size'] if f['size'] is not None else '?'} "
                     f"o) {f['sha256']} : {state}")
    lines.append(tr("Sceau : {c}, SHA-256 {sha}", c=v["canonical"] or "-", sha=v["sealed_sha256"] or "-"))
    lines.append(tr("Vérification : {verdict}", verdict=verdict_text(v["verdict"])))
    lines.extend("  " + tr("Problème : {p}", p=problem) for problem in v["problems"])
    return lines


def cmd_show(args: argparse.Namespace) -> int:
    cli = _cli()
    with cli._open(args) as hq:
        info = hq.statements.show(args.statement_id)
    if args.json:
        cli._dump(info)
    else:
        for line in show_text(info):
            cli._out(line)
    return 2 if info["verification"]["verdict"] == "not_intact" else 0


def cmd_export(args: argparse.Namespace) -> int:
    cli = _cli()
    with cli._open(args) as hq:
        report = hq.statements.export(args.statement_id, Path(args.out))
    if args.json:
        cli._dump(report)
    else:
        cli._out(tr("Déposition exportée dans {dir} ({n} fichiers).", dir=report["directory"], n=len(report["files"])))
        cli._out(tr("Vérification : {verdict}", verdict=verdict_text(report["verification"]["verdict"])))
    return 2 if report["verification"]["verdict"] == "not_intact" else 0


def cmd_publish_template(args: argparse.Namespace) -> int:
    cli = _cli()
    with cli._open(args) as hq:
        report = hq.statements.publish_template(Path(args.file))
    if args.json:
        cli._dump(report)
    elif report["written"]:
        cli._out(tr("Modèle {id} version {v} publié : les appareils le reçoivent à leur prochaine synchronisation.",
                    id=report["id"], v=report["version"]))
    else:
        cli._out(tr("Modèle {id} version {v} déjà publié, inchangé.", id=report["id"], v=report["version"]))
    return 0


def cmd_publish_offences(args: argparse.Namespace) -> int:
    cli = _cli()
    with cli._open(args) as hq:
        report = hq.statements.publish_offences(Path(args.file))
    if args.json:
        cli._dump(report)
    else:
        cli._out(tr("Liste des infractions publiée : {n} infractions, {w} retirée(s), {r} enregistrement(s) "
                    "écrit(s).", n=report["offences"], w=len(report["withdrawn"]), r=report["written"]))
    return 0


def add_commands(sub: Any, common: argparse.ArgumentParser, as_json: argparse.ArgumentParser) -> None:
    """``neo-hq statements ...`` on ``neo-hq``'s subcommand parser."""
    group = sub.add_parser("statements", help=tr("dépositions reçues ; modèles et infractions publiés")
                           ).add_subparsers(dest="action", metavar="ACTION", required=True)
    p = group.add_parser("list", parents=[common, as_json], help=tr("dépositions reçues, les plus récentes d'abord"))
    p.add_argument("--unit", metavar="UNITÉ", help=tr("une seule unité"))
    p.add_argument("--since", metavar="DATE", help=tr("reçues depuis (2026-12-01 ou 2026-12-01T08:00, UTC)"))
    p.add_argument("--status", choices=list(st_sql.STATUSES), help=tr("un seul état"))
    p.add_argument("--limit", type=int, default=100, metavar="N", help=tr("nombre de dépositions (défaut : 100)"))
    p.set_defaults(func=cmd_list)
    p = group.add_parser("show", parents=[common, as_json],
                         help=tr("une déposition : parties, faits, fichiers, sceau vérifié à nouveau"))
    p.add_argument("statement_id", metavar="ID")
    p.set_defaults(func=cmd_show)
    p = group.add_parser("export", parents=[common, as_json],
                         help=tr("exporter une déposition (JSON canonique, fichiers, PDF, rapport de vérification)"))
    p.add_argument("statement_id", metavar="ID")
    p.add_argument("--out", required=True, metavar="DOSSIER", help=tr("dossier où écrire DOSSIER/<id>/"))
    p.set_defaults(func=cmd_export)
    p = group.add_parser("publish-template", parents=[common, as_json],
                         help=tr("publier un modèle de déposition (fichier JSON) vers les appareils"))
    p.add_argument("file", metavar="FICHIER")
    p.set_defaults(func=cmd_publish_template)
    p = group.add_parser("publish-offences", parents=[common, as_json],
                         help=tr("publier la liste des infractions (fichier JSON) vers les appareils"))
    p.add_argument("file", metavar="FICHIER")
    p.set_defaults(func=cmd_publish_offences)


__all__ = ["add_commands", "show_text", "status_text"]
