"""``neo-hq watch …``: the holiday watch at HQ from the console (registrations, areas and
policies of the units, access reveals, visits, alerts, notifications, reports)."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from neo.hq.cli import _dump, _open, _out, _table
from neo.hq.errors import AdminError, HQError
from neo.i18n import tr


def _run(fn: Any) -> Any:
    """HQ errors (not found, refused) become console errors."""
    try:
        return fn()
    except HQError as exc:
        raise AdminError(exc.message) from None


def cmd_import(args: argparse.Namespace) -> int:
    with _open(args) as hq:
        report = hq.watch.import_file(Path(args.file))
    if args.json:
        _dump(report)
    else:
        _out(tr("{n} domicile(s) importé(s) ({c} nouveau(x)).", n=report["rows"], c=report["created"]))
        _table([{"unit": u, "count": n} for u, n in report["units"].items()],
               [("unit", tr("unité")), ("count", tr("domiciles"))])
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with _open(args) as hq:
        rows = hq.watch.registrations(unit=args.unit, include_removed=args.all)
    if args.json:
        _dump(rows)
    else:
        _table(rows, [("id", "id"), ("unit", tr("unité")), ("address", tr("adresse")),
                      ("start_date", tr("début")), ("end_date", tr("fin")), ("visits", tr("passages")),
                      ("last_visit", tr("dernier passage")), ("removed_at", tr("retiré le"))])
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with _open(args) as hq:
        info = _run(lambda: hq.watch.registration(args.id))
    payload = info["payload"]
    if args.json:
        _dump(info)
        return 0
    _out(tr("Domicile {id} ({unit}), du {start} au {end}", id=info["id"], unit=info["unit"],
            start=info["start_date"], end=info["end_date"]))
    if payload is None:
        _out(tr("Retiré des tablettes le {when}.", when=info["removed_at"]))
        return 0
    shown = {k: v for k, v in payload.items() if k != "access_sealed"}
    shown["access"] = tr("(chiffré : neo-hq watch access)") if payload.get("access_sealed") else None
    _out(json.dumps(shown, indent=2, ensure_ascii=False))
    return 0


def cmd_access(args: argparse.Namespace) -> int:
    with _open(args) as hq:
        answer = _run(lambda: hq.watch.reveal_access(args.id, reason=args.reason, actor=f"hq:{args.by}"))
    if args.json:
        _dump({k: v for k, v in answer.items() if k != "key"})
    else:
        _out(answer["access"] if answer["access"] is not None else tr("(aucun détail d'accès)"))
    return 0


def cmd_visits(args: argparse.Namespace) -> int:
    with _open(args) as hq:
        _run(lambda: hq.watch.registration(args.id))
        rows = hq.watch.visits(args.id)
    if args.json:
        _dump(rows)
    else:
        from neo.hq.watch.service import outcome_label

        flat = [{"at": r["at"].replace("T", " ")[:16], "officer": r["officer"], "outcome": outcome_label(r["outcome"]),
                 "anomalies": ", ".join(k for k, v in (r["payload"].get("checklist") or {}).items() if v == "anomaly"),
                 "photos": len(r["payload"].get("photos") or []), "note": r["payload"].get("note") or ""}
                for r in rows]
        _table(flat, [("at", tr("date (UTC)")), ("officer", tr("agent")), ("outcome", tr("résultat")),
                      ("anomalies", tr("anomalies")), ("photos", tr("photos")), ("note", tr("observations"))])
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    with _open(args) as hq:
        rows = _run(lambda: hq.watch.alerts(unit=args.unit, open_only=not args.all))
    if args.json:
        _dump(rows)
    else:
        _table(rows, [("id", "id"), ("unit", tr("unité")), ("registration_id", tr("domicile")),
                      ("visit_at", tr("passage")), ("officer", tr("agent")), ("summary", tr("anomalie")),
                      ("acknowledged_by", tr("prise en compte par"))])
    return 0


def cmd_ack(args: argparse.Namespace) -> int:
    with _open(args) as hq:
        changed = hq.watch.acknowledge(args.alert_id, args.by)
    _out(tr("Alerte {id} prise en compte.", id=args.alert_id) if changed
         else tr("L'alerte {id} était déjà prise en compte.", id=args.alert_id))
    return 0


def cmd_notifications(args: argparse.Namespace) -> int:
    with _open(args) as hq:
        if args.mark_sent is not None:
            if not hq.watch.mark_sent(args.mark_sent):
                raise AdminError(tr("Notification {id} inconnue ou déjà envoyée.", id=args.mark_sent))
            _out(tr("Notification {id} marquée envoyée.", id=args.mark_sent))
            return 0
        rows = _run(lambda: hq.watch.notifications(unit=args.unit, status=args.status))
    if args.json:
        _dump(rows)
    else:
        _table(rows, [("id", "id"), ("created_at", tr("créée le")), ("channel", tr("canal")),
                      ("recipient", tr("destinataire")), ("status", tr("état")), ("message", tr("message"))])
    return 0


def cmd_area(args: argparse.Namespace) -> int:
    with _open(args) as hq:
        if args.unit is None:
            rows = hq.watch.areas()
        else:
            if args.postcodes:
                hq.watch.set_area(args.unit, args.postcodes, remove=args.remove)
            if args.anomaly is not None:
                hq.watch.set_policy(args.unit, args.anomaly.split(","))
            rows = [a for a in hq.watch.areas() if a["unit"] == args.unit]
    if args.json:
        _dump(rows)
    else:
        _table([{**r, "postcodes": " ".join(r["postcodes"])} for r in rows],
               [("unit", tr("unité")), ("postcodes", tr("codes postaux")),
                ("anomaly_channels", tr("avis d'anomalie"))])
    return 0


def cmd_expire(args: argparse.Namespace) -> int:
    today = date.fromisoformat(args.today) if args.today else None
    with _open(args) as hq:
        ids = hq.watch.expire_ended(today)
    if args.json:
        _dump({"removed": ids})
    else:
        _out(tr("{n} surveillance(s) terminée(s) retirée(s) des tablettes.", n=len(ids)))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    with _open(args) as hq:
        path = _run(lambda: hq.watch.report(args.id, Path(args.out)))
    _out(tr("Compte rendu écrit : {p}", p=path))
    return 0


def add_parsers(sub: Any, common: argparse.ArgumentParser, as_json: argparse.ArgumentParser) -> None:
    watch = sub.add_parser("watch", help=tr("Opération Tranquillité Vacances : domiciles, passages, alertes")
                           ).add_subparsers(dest="action", metavar="ACTION", required=True)
    p = watch.add_parser("import", parents=[common, as_json],
                         help=tr("importer des inscriptions CSV ou JSON Lines (tout ou rien)"))
    p.add_argument("file", metavar="FICHIER")
    p.set_defaults(func=cmd_import)
    p = watch.add_parser("list", parents=[common, as_json], help=tr("lister les domiciles surveillés"))
    p.add_argument("--unit", help=tr("une seule unité"))
    p.add_argument("--all", action="store_true", help=tr("y compris ceux retirés des tablettes"))
    p.set_defaults(func=cmd_list)
    p = watch.add_parser("show", parents=[common, as_json], help=tr("une inscription (sans les accès)"))
    p.add_argument("id", metavar="ID")
    p.set_defaults(func=cmd_show)
    p = watch.add_parser("access", parents=[common, as_json],
                         help=tr("afficher les codes et détails d'accès (journalisé)"))
    p.add_argument("id", metavar="ID")
    p.add_argument("--reason", required=True, help=tr("motif de la consultation"))
    p.add_argument("--by", required=True, help=tr("qui consulte"))
    p.set_defaults(func=cmd_access)
    p = watch.add_parser("visits", parents=[common, as_json], help=tr("les passages reçus pour un domicile"))
    p.add_argument("id", metavar="ID")
    p.set_defaults(func=cmd_visits)
    p = watch.add_parser("alerts", parents=[common, as_json], help=tr("alertes ouvertes (anomalies constatées)"))
    p.add_argument("--unit", help=tr("une seule unité"))
    p.add_argument("--all", action="store_true", help=tr("y compris les alertes prises en compte"))
    p.set_defaults(func=cmd_alerts)
    p = watch.add_parser("ack", parents=[common], help=tr("prendre une alerte en compte"))
    p.add_argument("alert_id", type=int, metavar="ID")
    p.add_argument("--by", required=True, help=tr("qui la prend en compte"))
    p.set_defaults(func=cmd_ack)
    p = watch.add_parser("notifications", parents=[common, as_json], help=tr("avis aux résidents"))
    p.add_argument("--unit", help=tr("une seule unité"))
    p.add_argument("--status", choices=["to_send", "sent"], help=tr("un seul état"))
    p.add_argument("--mark-sent", type=int, metavar="ID", help=tr("marquer un avis comme envoyé"))
    p.set_defaults(func=cmd_notifications)
    p = watch.add_parser("area", parents=[common, as_json],
                         help=tr("secteur (codes postaux) et avis d'anomalie d'une unité ; sans unité : toutes"))
    p.add_argument("unit", nargs="?", metavar="UNITÉ")
    p.add_argument("postcodes", nargs="*", metavar="CODE_POSTAL")
    p.add_argument("--remove", action="store_true", help=tr("retirer ces codes postaux du secteur"))
    p.add_argument("--anomaly", metavar="CANAUX", help=tr("avis au résident en cas d'anomalie : sms, email, sms,email ou none"))
    p.set_defaults(func=cmd_area)
    p = watch.add_parser("expire", parents=[common, as_json],
                         help=tr("retirer des tablettes les surveillances terminées (après le délai de grâce)"))
    p.add_argument("--today", metavar="AAAA-MM-JJ", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_expire)
    p = watch.add_parser("report", parents=[common], help=tr("compte rendu PDF des passages pour le résident"))
    p.add_argument("id", metavar="ID")
    p.add_argument("--out", required=True, metavar="FICHIER.pdf")
    p.set_defaults(func=cmd_report)
