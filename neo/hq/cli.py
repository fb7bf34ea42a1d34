"""``neo-hq``: run and administer NEO's headquarters server.

Every command takes ``--data-dir`` (default: ``$NEO_HQ_DATA_DIR`` or the platform's
user data directory) and ``--db`` (default: ``$NEO_HQ_DB`` or the SQLite file in the
data directory); commands that print data take ``--json``. The schema is brought up to
date by every command. Errors print one clear line on stderr and exit with status 1.
Messages are in French (``NEO_LANGUAGE=en`` for English).
"""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import json
import logging
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from neo.hq.config import HQConfig, default_data_dir
from neo.hq.errors import AdminError
from neo.hq.storage import DatabaseError, redact
from neo.hq.storage.db import normalize_url
from neo.hq.tls import TlsError
from neo.i18n import set_language, tr

SERVER_FILE = "server.json"
DEFAULT_PORT = 8443


# -- output -----------------------------------------------------------------------------------


def _out(text: str = "") -> None:
    print(text, flush=True)


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _dump(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str), flush=True)


def _table(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> None:
    if not rows:
        _out(tr("(aucun)"))
        return
    cells = [[_cell(r.get(key)) for key, _ in columns] for r in rows]
    widths = [max(len(title), *(len(c[i]) for c in cells)) for i, (_, title) in enumerate(columns)]
    _out("  ".join(title.ljust(w) for (_, title), w in zip(columns, widths, strict=True)).rstrip())
    for c in cells:
        _out("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)).rstrip())


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return tr("oui") if value else tr("non")
    return str(value)


class ProgressBar:
    """A one-line progress bar on stderr (redrawn at most ten times a second)."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self._last = 0.0
        self._label = ""

    def __call__(self, label: str, done: int, total: int) -> None:
        now = time.monotonic()
        finished = total > 0 and done >= total
        if not self.stream.isatty():  # a log file: one line per finished step, no redrawing
            if finished:
                self.stream.write(f"{label}: {done}/{total}\n")
                self.stream.flush()
            return
        if label == self._label and not finished and now - self._last < 0.1:
            return
        if label != self._label and self._label:
            self.stream.write("\n")
        self._label, self._last = label, now
        width = 30
        frac = done / total if total else 1.0
        filled = int(width * frac)
        self.stream.write(f"\r{label:<16} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        self.stream.flush()

    def close(self) -> None:
        if self._label and self.stream.isatty():
            self.stream.write("\n")
            self.stream.flush()


# -- configuration --------------------------------------------------------------------------


def _config(args: argparse.Namespace, **overrides: Any) -> HQConfig:
    return HQConfig(data_dir=Path(args.data_dir) if args.data_dir else default_data_dir(), db_url=args.db,
                    **overrides)


def _open(args: argparse.Namespace) -> Any:
    from neo.hq.service import Headquarters

    return Headquarters(_config(args))


def _server_info(config: HQConfig) -> dict[str, Any]:
    path = config.data_dir / SERVER_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return socket.gethostname() or "127.0.0.1"
    try:
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]"
    except ValueError:
        pass
    return host


def _read_pin(args: argparse.Namespace) -> str:
    if getattr(args, "pin", None):
        return str(args.pin)
    if getattr(args, "pin_stdin", False):
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise AdminError(tr("Donnez le code PIN avec --pin ou --pin-stdin."))
    first = getpass.getpass(tr("Code PIN : "))
    if getpass.getpass(tr("Confirmez le code PIN : ")) != first:
        raise AdminError(tr("Les deux codes PIN diffèrent."))
    return first


# -- commands -------------------------------------------------------------------------------


WORKER_CONFIG_ENV = "NEO_HQ_WORKER_CONFIG"
"""How ``serve --workers N`` hands its configuration to the worker processes (JSON)."""


def worker_app() -> Any:
    """The app of one worker process of ``serve --workers N`` (uvicorn's factory): the
    configuration the parent resolved, from :data:`WORKER_CONFIG_ENV`. Workers share
    nothing but the database, the data directory and the listening socket."""
    from neo.hq.app import create_app

    spec = json.loads(os.environ[WORKER_CONFIG_ENV])
    paths = {k: Path(spec[k]) if spec.get(k) else None for k in ("tls_cert", "tls_key", "tls_ca")}
    config = HQConfig(data_dir=Path(spec["data_dir"]), db_url=spec["db_url"], public_url=spec["public_url"],
                      insecure=bool(spec["insecure"]), **paths)
    return create_app(config)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from neo.hq import tls
    from neo.hq.app import create_app

    if args.workers < 1:
        raise AdminError(tr("--workers doit valoir au moins 1."))
    if bool(args.tls_cert) != bool(args.tls_key):
        raise AdminError(tr("--tls-cert et --tls-key vont ensemble."))
    if args.insecure and (args.tls_cert or args.tls_ca):
        raise AdminError(tr("--insecure exclut --tls-cert, --tls-key et --tls-ca."))
    config = _config(args, insecure=args.insecure, tls_cert=Path(args.tls_cert) if args.tls_cert else None,
                     tls_key=Path(args.tls_key) if args.tls_key else None,
                     tls_ca=Path(args.tls_ca) if args.tls_ca else None)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    ssl_kw: dict[str, Any] = {}
    if not args.insecure:
        if config.tls_cert and config.tls_key:
            files = tls.external(config.tls_cert, config.tls_key, config.tls_ca, config.tls_dir)
        else:
            files = tls.ensure_server_cert(config.tls_dir, tls.default_names(args.host, args.san))
        ssl_kw = {"ssl_certfile": str(files.cert_file), "ssl_keyfile": str(files.key_file)}
        fingerprint: str | None = files.fingerprint
    else:
        fingerprint = None
    scheme = "http" if args.insecure else "https"
    url = args.public_url or f"{scheme}://{_url_host(args.host)}:{args.port}"
    config.public_url = url
    if args.workers > 1 and not normalize_url(config.database_url).startswith("postgresql"):
        raise AdminError(tr("Plusieurs processus (--workers) demandent PostgreSQL (--db postgresql://…)."))
    if args.workers == 1:
        app: Any = create_app(config)
    else:
        from neo.hq.service import Headquarters

        # Migrate and set the epoch once, before the workers start (they would race).
        Headquarters(config).close()
        os.environ[WORKER_CONFIG_ENV] = json.dumps({
            "data_dir": str(config.data_dir), "db_url": config.database_url, "public_url": url,
            "insecure": bool(args.insecure), **{k: str(v) if v else None for k, v in (
                ("tls_cert", config.tls_cert), ("tls_key", config.tls_key), ("tls_ca", config.tls_ca))}})
        app = "neo.hq.cli:worker_app"
    info = {
        "url": url, "host": args.host, "port": args.port, "insecure": bool(args.insecure),
        "tls_cert": str(config.tls_cert) if config.tls_cert else None,
        "tls_key": str(config.tls_key) if config.tls_key else None,
        "tls_ca": str(config.tls_ca) if config.tls_ca else None,
        "ca_fingerprint": fingerprint, "pid": os.getpid(),
    }
    (config.data_dir / SERVER_FILE).write_text(json.dumps(info, indent=2), encoding="utf-8")
    _err(tr("QG NEO : {url}", url=url))
    _err(tr("  données : {dir}", dir=config.data_dir))
    _err(tr("  base : {db}", db=redact(config.database_url)))
    if fingerprint:
        _err(tr("  empreinte de l'autorité de certification (SHA-256) : {fp}", fp=fingerprint))
    else:
        _err(tr("  ATTENTION : HTTP sans TLS (--insecure), pour le développement seulement."))
    if args.workers > 1:
        _err(tr("  processus : {n}", n=args.workers))
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, server_header=False,
                proxy_headers=False, factory=args.workers > 1, workers=args.workers if args.workers > 1 else None,
                **ssl_kw)
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from neo.hq import demo, reference

    if args.persons < 0:
        raise AdminError(tr("--persons doit être positif ou nul."))
    hq = _open(args)
    bar = ProgressBar()
    try:
        report = demo.seed(hq, bar)
        report["reference_records"] = reference.seed_demo(hq.db, args.persons, bar)
        report["reference_counts"] = reference.counts(hq.db)
    finally:
        bar.close()
        hq.close()
    if args.json:
        _dump(report)
    else:
        message = tr("Données de démonstration en place : {u} unité(s) créée(s), {o} agent(s) ajouté(s), {r} enregistrement(s) écrit(s).",
                     u=len(report["units_created"]), o=len(report["officers_added"]), r=report["records_written"])
        _out(message)
        _out(tr("Fichiers de référence ({n} personnes) :", n=args.persons))
        _table([{"file": f, "count": n} for f, n in report["reference_counts"].items()],
               [("file", tr("fichier")), ("count", tr("enregistrements"))])
    return 0


def cmd_reference_import(args: argparse.Namespace) -> int:
    from neo.hq import reference

    hq = _open(args)
    bar = ProgressBar()
    try:
        report = reference.import_file(hq.db, args.kind, Path(args.file), bar)
    finally:
        bar.close()
        hq.close()
    if args.json:
        _dump(report)
    else:
        _out(tr("{n} enregistrement(s) importé(s) dans {k} ({total} au total).", n=report["written"], k=args.kind,
                total=report["counts"].get(args.kind, 0)))
    return 0


def cmd_reference_counts(args: argparse.Namespace) -> int:
    from neo.hq import reference

    with _open(args) as hq:
        found = reference.counts(hq.db)
    if args.json:
        _dump(found)
    else:
        _table([{"file": f, "count": n} for f, n in found.items()],
               [("file", tr("fichier")), ("count", tr("enregistrements"))])
    return 0


def cmd_lookup_log(args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= 10_000:
        raise AdminError(tr("--limit doit être compris entre 1 et 10000."))
    with _open(args) as hq:
        rows = hq.lookup.log(officer=args.officer, limit=args.limit)
    if args.json:
        _dump(rows)
    else:
        flat = [{**r, "received_at": r["received_at"].replace("T", " ")[:19],
                 "reason": r["reason"] + (f" ({r['reason_text']})" if r["reason_text"] else ""),
                 "query": r["query_text"] if r["query_text"] is not None else json.dumps(
                     r["query_fields"], ensure_ascii=False)} for r in rows]
        _table(flat, [("received_at", tr("reçue le")), ("officer", tr("agent")), ("unit", tr("unité")),
                      ("reason", tr("motif")), ("query", tr("saisie")), ("result_count", tr("résultats"))])
    return 0


def cmd_lookup_hotlist_stats(args: argparse.Namespace) -> int:
    with _open(args) as hq:
        stats = hq.hotlist.stats()
    if args.json:
        _dump(stats)
    else:
        _out(tr("Liste de signalement {v} : {n} empreinte(s) de {k} identifiant(s), {b} octets.", v=stats["version"],
                n=stats["hashes"], k=stats["keys"], b=stats["size_bytes"]))
        _table([{"file": f, "count": n} for f, n in stats["sources"].items()],
               [("file", tr("fichier")), ("count", tr("enregistrements"))])
    return 0


def cmd_lookup_rotate_key(args: argparse.Namespace) -> int:
    with _open(args) as hq:
        old = hq.hotlist.current().version
        hq.hotlist.rotate()
        stats = hq.hotlist.stats()
    if args.json:
        _dump({"previous_version": old, **stats})
    else:
        _out(tr("Nouvelle clé de la liste de signalement : version {v} (les appareils la reçoivent à leur "
                "prochaine synchronisation).", v=stats["version"]))
    return 0


def cmd_enroll_code(args: argparse.Namespace) -> int:
    from neo.hq import tls
    from neo.hq.service import parse_ttl

    with _open(args) as hq:
        ttl = parse_ttl(args.ttl)
        info = _server_info(hq.config)
        url = args.url or info.get("url") or f"https://127.0.0.1:{DEFAULT_PORT}"
        if url.startswith("http://"):
            fingerprint = None
        elif info.get("tls_cert") and not args.url:
            files = tls.external(Path(info["tls_cert"]), Path(info["tls_key"]),
                                 Path(info["tls_ca"]) if info.get("tls_ca") else None, hq.config.tls_dir)
            fingerprint = files.fingerprint
        else:
            _ca, fingerprint = tls.ca_only(hq.config.tls_dir)
        code, printed, unit = hq.create_enrolment_code(unit=args.unit, ttl_seconds=ttl, url=url,
                                                       fingerprint=fingerprint)
    if args.json:
        _dump({"code": printed, "url": code.url, "unit": unit, "ca_fingerprint": code.ca_fingerprint,
               "expires_at": code.expires_at})
    elif args.qr:
        import segno

        segno.make(printed, error="m").terminal(out=sys.stdout, compact=True)
        _out(printed)
    else:
        _out(printed)
    if not args.json:
        _err(tr("Code à usage unique pour l'unité {unit}, valable jusqu'au {when} (QG : {url}).", unit=unit,
                when=time.strftime("%Y-%m-%d %H:%M", time.localtime(code.expires_at)), url=code.url))
    return 0


def cmd_officer_add(args: argparse.Namespace) -> int:
    pin = _read_pin(args)
    with _open(args) as hq:
        hq.add_officer(args.service_number, args.name, args.unit, pin, role=args.role)
    _out(tr("Agent {sn} ajouté à l'unité {unit}.", sn=args.service_number, unit=args.unit))
    return 0


def cmd_officer_list(args: argparse.Namespace) -> int:
    with _open(args) as hq:
        rows = hq.list_officers(args.unit)
    if args.json:
        _dump(rows)
    else:
        _table(rows, [("service_number", tr("matricule")), ("name", tr("nom")), ("unit", tr("unité")),
                      ("role", tr("rôle")), ("disabled", tr("désactivé"))])
    return 0


def cmd_officer_disable(args: argparse.Namespace, disabled: bool = True) -> int:
    with _open(args) as hq:
        hq.set_officer_disabled(args.service_number, disabled)
    _out(tr("Agent {sn} désactivé.", sn=args.service_number) if disabled
         else tr("Agent {sn} réactivé.", sn=args.service_number))
    return 0


def cmd_officer_set_pin(args: argparse.Namespace) -> int:
    pin = _read_pin(args)
    with _open(args) as hq:
        hq.set_officer_pin(args.service_number, pin)
    _out(tr("Code PIN de l'agent {sn} changé.", sn=args.service_number))
    return 0


def cmd_unit_add(args: argparse.Namespace) -> int:
    with _open(args) as hq:
        _id, created = hq.add_unit(args.name)
    _out(tr("Unité {name} créée.", name=args.name) if created else tr("L'unité {name} existe déjà.", name=args.name))
    return 0


def cmd_unit_list(args: argparse.Namespace) -> int:
    with _open(args) as hq:
        rows = hq.list_units()
    if args.json:
        _dump(rows)
    else:
        _table(rows, [("name", tr("unité")), ("officers", tr("agents")), ("devices", tr("appareils"))])
    return 0


def cmd_device_list(args: argparse.Namespace) -> int:
    with _open(args) as hq:
        rows = hq.list_devices()
    if args.json:
        _dump(rows)
    else:
        _table(rows, [("device_id", tr("appareil")), ("name", tr("nom")), ("unit", tr("unité")),
                      ("last_seen", tr("vu le")), ("revoked", tr("révoqué")), ("audit_ok", tr("audit intègre"))])
    return 0


def cmd_device_revoke(args: argparse.Namespace) -> int:
    with _open(args) as hq:
        changed = hq.revoke_device(args.device_id)
    _out(tr("Appareil {id} révoqué : il s'effacera à son prochain contact avec le QG.", id=args.device_id)
         if changed else tr("L'appareil {id} était déjà révoqué.", id=args.device_id))
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    with _open(args) as hq:
        verdicts = hq.verify_audit(args.device)
    broken = [v for v in verdicts if not v["ok"]]
    if args.json:
        _dump({"ok": not broken, "devices": verdicts})
    else:
        if not verdicts:
            _out(tr("Aucun journal d'audit reçu."))
        for v in verdicts:
            if v["ok"]:
                _out(tr("{id} : chaîne intègre ({n} événements).", id=v["device_id"], n=v["events"]))
            else:
                _out(tr("{id} : chaîne ROMPUE à l'événement {seq} : {problem}", id=v["device_id"],
                        seq=v["first_broken_seq"], problem=v["problem"]))
    return 2 if broken else 0


def cmd_conflict_list(args: argparse.Namespace) -> int:
    with _open(args) as hq:
        rows = hq.list_conflicts(open_only=not args.all)
    if args.json:
        _dump(rows)
    else:
        flat = [{**r, "incoming_version": r["incoming"]["version"], "current_version": r["current"]["version"]}
                for r in rows]
        _table(flat, [("conflict_id", "id"), ("collection", tr("collection")), ("record_id", tr("enregistrement")),
                      ("officer", tr("agent")), ("incoming_version", tr("version reçue")),
                      ("current_version", tr("version au QG")), ("resolution", tr("résolution"))])
    return 0


def cmd_conflict_resolve(args: argparse.Namespace) -> int:
    with _open(args) as hq:
        view = hq.resolve_conflict(args.conflict_id, args.keep)
    if args.json:
        _dump(view)
    else:
        _out(tr("Conflit {id} résolu.", id=args.conflict_id))
    return 0


def cmd_check_fleet(args: argparse.Namespace) -> int:
    from neo.hq.check import check_fleet, load_journals

    journals = load_journals(Path(args.journal))
    with _open(args) as hq:
        report = check_fleet(hq, journals, rehash=not args.no_rehash)
    if args.json:
        _dump(report.as_dict(limit=args.limit))
    else:
        _out(report.render(limit=args.limit))
    return 0 if report.ok else 2


def cmd_migrate(args: argparse.Namespace) -> int:
    with _open(args) as hq:
        revision = hq.db.revision()
    if args.json:
        _dump({"revision": revision})
    else:
        _out(tr("Schéma de la base à jour (révision {rev}).", rev=revision))
    return 0


# -- parser ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", metavar="DIR",
                        help=tr("dossier des données du QG (défaut : $NEO_HQ_DATA_DIR ou {d})", d=default_data_dir()))
    common.add_argument("--db", metavar="URL",
                        help=tr("base de données : postgresql://... (défaut : $NEO_HQ_DB ou SQLite dans le dossier)"))
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help=tr("sortie JSON"))

    parser = argparse.ArgumentParser(prog="neo-hq", description=tr("Serveur du QG de NEO et son administration."))
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE", required=True)

    p = sub.add_parser("serve", parents=[common], help=tr("lancer le serveur"))
    p.add_argument("--host", default="127.0.0.1", help=tr("adresse d'écoute (défaut : 127.0.0.1)"))
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=tr("port (défaut : {p})", p=DEFAULT_PORT))
    p.add_argument("--insecure", action="store_true", help=tr("HTTP sans TLS (développement seulement)"))
    p.add_argument("--tls-cert", metavar="FICHIER", help=tr("certificat du serveur (PEM, chaîne complète)"))
    p.add_argument("--tls-key", metavar="FICHIER", help=tr("clé privée du serveur (PEM)"))
    p.add_argument("--tls-ca", metavar="FICHIER", help=tr("autorité que les appareils épinglent (PEM)"))
    p.add_argument("--san", action="append", default=[], metavar="NOM",
                   help=tr("nom ou adresse supplémentaire du certificat (répétable)"))
    p.add_argument("--public-url", metavar="URL", help=tr("adresse du QG donnée aux appareils"))
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help=tr("processus de travail (défaut : 1 ; plusieurs demandent PostgreSQL)"))
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("seed-demo", parents=[common, as_json], help=tr("créer les données de démonstration"))
    p.add_argument("--persons", type=int, default=2000, metavar="N",
                   help=tr("personnes générées dans les fichiers de référence (défaut : 2000)"))
    p.set_defaults(func=cmd_seed_demo)

    reference = sub.add_parser("reference", help=tr("fichiers de référence de la consultation")).add_subparsers(
        dest="action", metavar="ACTION", required=True)
    p = reference.add_parser("import", parents=[common, as_json],
                             help=tr("importer un extrait CSV ou JSON Lines (tout ou rien)"))
    p.add_argument("--kind", required=True, metavar="FICHIER",
                   help=tr("fichier de référence : wanted_persons, vehicle_registrations…"))
    p.add_argument("--file", required=True, metavar="CHEMIN", help=tr("extrait .csv ou .jsonl"))
    p.set_defaults(func=cmd_reference_import)
    p = reference.add_parser("counts", parents=[common, as_json], help=tr("enregistrements par fichier"))
    p.set_defaults(func=cmd_reference_counts)

    lookup = sub.add_parser("lookup", help=tr("consultations des fichiers : journal et liste de signalement")
                            ).add_subparsers(dest="action", metavar="ACTION", required=True)
    p = lookup.add_parser("log", parents=[common, as_json], help=tr("journal des consultations, les plus récentes d'abord"))
    p.add_argument("--officer", metavar="MATRICULE", help=tr("un seul agent"))
    p.add_argument("--limit", type=int, default=50, metavar="N", help=tr("nombre de consultations (défaut : 50)"))
    p.set_defaults(func=cmd_lookup_log)
    p = lookup.add_parser("hotlist-stats", parents=[common, as_json],
                          help=tr("contenu de la liste de signalement hors ligne (sans les empreintes)"))
    p.set_defaults(func=cmd_lookup_hotlist_stats)
    p = lookup.add_parser("rotate-hotlist-key", parents=[common, as_json],
                          help=tr("changer la clé de la liste de signalement (toutes les empreintes changent)"))
    p.set_defaults(func=cmd_lookup_rotate_key)

    from neo.hq.statements.cli import add_commands as add_statement_commands

    add_statement_commands(sub, common, as_json)

    p = sub.add_parser("enroll-code", parents=[common, as_json], help=tr("créer un code d'enrôlement à usage unique"))
    p.add_argument("--unit", help=tr("unité de l'appareil"))
    p.add_argument("--ttl", default="24h", help=tr("durée de validité (défaut : 24h)"))
    p.add_argument("--url", help=tr("adresse du QG pour les appareils (défaut : celle du dernier serve)"))
    p.add_argument("--qr", action="store_true", help=tr("afficher aussi un QR code"))
    p.set_defaults(func=cmd_enroll_code)

    officer = sub.add_parser("officer", help=tr("gérer les agents")).add_subparsers(
        dest="action", metavar="ACTION", required=True)
    p = officer.add_parser("add", parents=[common], help=tr("ajouter un agent"))
    p.add_argument("service_number", metavar="MATRICULE")
    p.add_argument("--name", required=True)
    p.add_argument("--unit", required=True)
    p.add_argument("--role", default="officer", choices=["officer", "supervisor", "admin"])
    p.add_argument("--pin", help=tr("code PIN (visible dans la liste des processus : préférez --pin-stdin)"))
    p.add_argument("--pin-stdin", action="store_true", help=tr("lire le code PIN sur l'entrée standard"))
    p.set_defaults(func=cmd_officer_add)
    p = officer.add_parser("list", parents=[common, as_json], help=tr("lister les agents"))
    p.add_argument("--unit")
    p.set_defaults(func=cmd_officer_list)
    p = officer.add_parser("disable", parents=[common], help=tr("désactiver un agent"))
    p.add_argument("service_number", metavar="MATRICULE")
    p.set_defaults(func=cmd_officer_disable)
    p = officer.add_parser("enable", parents=[common], help=tr("réactiver un agent"))
    p.add_argument("service_number", metavar="MATRICULE")
    p.set_defaults(func=lambda a: cmd_officer_disable(a, disabled=False))
    p = officer.add_parser("set-pin", parents=[common], help=tr("changer le code PIN d'un agent"))
    p.add_argument("service_number", metavar="MATRICULE")
    p.add_argument("--pin")
    p.add_argument("--pin-stdin", action="store_true")
    p.set_defaults(func=cmd_officer_set_pin)

    unit = sub.add_parser("unit", help=tr("gérer les unités")).add_subparsers(dest="action", metavar="ACTION",
                                                                              required=True)
    p = unit.add_parser("add", parents=[common], help=tr("créer une unité"))
    p.add_argument("name", metavar="NOM")
    p.set_defaults(func=cmd_unit_add)
    p = unit.add_parser("list", parents=[common, as_json], help=tr("lister les unités"))
    p.set_defaults(func=cmd_unit_list)

    device = sub.add_parser("device", help=tr("gérer les appareils")).add_subparsers(
        dest="action", metavar="ACTION", required=True)
    p = device.add_parser("list", parents=[common, as_json], help=tr("lister les appareils"))
    p.set_defaults(func=cmd_device_list)
    p = device.add_parser("revoke", parents=[common], help=tr("révoquer un appareil"))
    p.add_argument("device_id", metavar="ID")
    p.set_defaults(func=cmd_device_revoke)

    audit = sub.add_parser("audit", help=tr("journaux d'audit des appareils")).add_subparsers(
        dest="action", metavar="ACTION", required=True)
    p = audit.add_parser("verify", parents=[common, as_json], help=tr("vérifier les chaînes d'audit"))
    p.add_argument("--device", metavar="ID", help=tr("un seul appareil"))
    p.set_defaults(func=cmd_audit_verify)

    conflict = sub.add_parser("conflict", help=tr("conflits de synchronisation")).add_subparsers(
        dest="action", metavar="ACTION", required=True)
    p = conflict.add_parser("list", parents=[common, as_json], help=tr("lister les conflits ouverts"))
    p.add_argument("--all", action="store_true", help=tr("y compris les conflits résolus"))
    p.set_defaults(func=cmd_conflict_list)
    p = conflict.add_parser("resolve", parents=[common, as_json], help=tr("résoudre un conflit"))
    p.add_argument("conflict_id", metavar="ID", type=int)
    p.add_argument("--keep", required=True, choices=["hq", "device"],
                   help=tr("garder la version du QG ou celle de l'appareil"))
    p.set_defaults(func=cmd_conflict_resolve)

    from neo.hq.watch.commands import add_parsers as add_watch_parsers

    add_watch_parsers(sub, common, as_json)

    from neo.hq.watch.basemap_cli import add_parsers as add_basemap_parsers

    add_basemap_parsers(sub, common, as_json)

    p = sub.add_parser("check-fleet", parents=[common, as_json],
                       help=tr("comparer le journal des appareils avec le QG (rien perdu, rien en double, convergé)"))
    p.add_argument("--journal", required=True, metavar="CHEMIN",
                   help=tr("journal des appareils : fichier .jsonl ou .json, ou dossier"))
    p.add_argument("--limit", type=int, default=50, metavar="N", help=tr("différences listées (défaut : 50)"))
    p.add_argument("--no-rehash", action="store_true",
                   help=tr("ne pas relire les octets des pièces jointes sur le disque"))
    p.set_defaults(func=cmd_check_fleet)

    p = sub.add_parser("migrate", parents=[common, as_json], help=tr("mettre le schéma de la base à jour"))
    p.set_defaults(func=cmd_migrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    lang = os.environ.get("NEO_LANGUAGE", "fr")
    try:
        set_language(lang if lang in ("fr", "en") else "fr")
    except ValueError:
        pass
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except AdminError as exc:
        _err(tr("neo-hq : {msg}", msg=str(exc)))
    except DatabaseError as exc:
        _err(tr("neo-hq : base de données inaccessible : {msg}", msg=str(exc)))
    except TlsError as exc:
        _err(tr("neo-hq : TLS : {msg}", msg=str(exc)))
    except OSError as exc:
        _err(tr("neo-hq : {msg}", msg=str(exc)))
    except SQLAlchemyError as exc:
        _err(tr("neo-hq : erreur de la base de données : {msg}", msg=str(getattr(exc, "orig", None) or exc)))
    except KeyboardInterrupt:
        return 130
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
