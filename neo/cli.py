"""``neo``: the tablet app, and the headless subcommands scripts and tests use.

``neo`` alone opens the app. Every subcommand takes ``--data-dir`` (default: the
platform's user data directory, or ``NEO_DATA_DIR``) and ``--json`` where it prints
data. PINs are read from standard input (``--pin-stdin``), never from arguments, so
they do not end up in shell history or the process list.

Exit codes: 0 success, 1 refused (wrong PIN, invalid input...), 2 usage error,
3 locked out (retry later), 4 device wiped, 5 self-test failure.

Modules add commands of their own (``[[module.commands]]`` in their manifest, module API
1.2): ``neo <name> --officer ID --pin-stdin [args...]`` is found among the manifests
without importing any module code, unlocks, activates that module and hands it the
remaining arguments (:func:`run_module_command`). Core command names cannot be taken.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from neo import __version__
from neo.config import Settings, default_data_dir
from neo.i18n import set_language, tr
from neo.models import normalize_service_number
from neo.vault import DeviceWiped, LockedOut, RevokedByHq, Session, Vault, VaultError, validate_officer

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_LOCKED_OUT, EXIT_WIPED, EXIT_SELFTEST = 0, 1, 2, 3, 4, 5


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class PinReader:
    """Reads PINs one per line from stdin (or prompts when stdin is a terminal)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def read(self, prompt: str) -> str:
        if self.stream.isatty():
            return getpass.getpass(prompt + " ")
        line = self.stream.readline()
        if not line:
            raise CliError(tr("Code PIN attendu sur l'entrée standard (une ligne par code)."), EXIT_USAGE)
        return line.rstrip("\r\n")


def _emit(args: argparse.Namespace, data: Any, human: Callable[[], None]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=None, default=str))
    else:
        human()


def _vault(args: argparse.Namespace) -> Vault:
    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    settings = Settings.load(data_dir)
    set_language(settings.language)
    return Vault(data_dir, settings)


def _unlock(args: argparse.Namespace, vault: Vault, pins: PinReader, officer: str | None = None) -> Session:
    sn = officer or args.officer
    if not sn:
        raise CliError(tr("Indiquez le matricule de l'agent avec --officer."), EXIT_USAGE)
    if not getattr(args, "pin_stdin", False):
        raise CliError(tr("Le code PIN se lit sur l'entrée standard : ajoutez --pin-stdin."), EXIT_USAGE)
    pin = pins.read(tr("Code PIN de {sn} :", sn=sn))
    verifier = None
    if vault.exists() and vault.hq_unlock_info():
        from neo.sync.enrolment import make_verifier

        verifier = make_verifier(vault)
    return vault.unlock(sn, pin, verifier=verifier)


# -- commands ------------------------------------------------------------------------------


def cmd_officer_add(args: argparse.Namespace, pins: PinReader) -> int:
    vault = _vault(args)
    if not args.pin_stdin:
        raise CliError(tr("Le code PIN se lit sur l'entrée standard : ajoutez --pin-stdin."), EXIT_USAGE)
    officer = validate_officer(service_number=args.id, name=args.name, unit=args.unit or "", role=args.role)
    new_pin = pins.read(tr("Code PIN du nouvel agent :"))
    if not vault.exists():
        session = vault.initialize(officer, new_pin)
    else:
        if not args.by:
            raise CliError(
                tr("L'appareil a déjà des agents : un agent enregistré doit autoriser l'ajout (--by MATRICULE, "
                   "son code PIN sur la deuxième ligne de l'entrée standard)."),
                EXIT_USAGE,
            )
        session = _unlock(args, vault, pins, officer=args.by)
        try:
            vault.add_officer(session, officer, new_pin)
        finally:
            session.lock()
        session = None  # type: ignore[assignment]
    if session is not None:
        session.lock()
    _emit(args, {"added": officer.service_number},
          lambda: print(tr("Agent {sn} ajouté.", sn=officer.service_number)))
    return EXIT_OK


def cmd_officer_list(args: argparse.Namespace, pins: PinReader) -> int:
    vault = _vault(args)
    with _unlock(args, vault, pins) as session:
        from neo.store import repos

        rows = session.store.read(repos.officer_list)
    data = [{k: r[k] for k in ("service_number", "name", "unit", "role", "disabled")} for r in rows]

    def human() -> None:
        for r in data:
            flag = " " + tr("(désactivé)") if r["disabled"] else ""
            print(f"{r['service_number']:>10}  {r['name']}  {r['unit']}  {r['role']}{flag}")

    _emit(args, data, human)
    return EXIT_OK


def cmd_officer_remove(args: argparse.Namespace, pins: PinReader) -> int:
    vault = _vault(args)
    with _unlock(args, vault, pins) as session:
        if normalize_service_number(args.id) == session.officer.service_number:
            raise CliError(tr("Un agent ne peut pas se retirer lui-même de l'appareil."))
        vault.remove_officer(session, args.id)
    _emit(args, {"removed": normalize_service_number(args.id)},
          lambda: print(tr("Agent {sn} retiré de l'appareil.", sn=normalize_service_number(args.id))))
    return EXIT_OK


def cmd_unlock(args: argparse.Namespace, pins: PinReader) -> int:
    vault = _vault(args)
    session = _unlock(args, vault, pins)
    officer = session.officer
    session.lock()
    _emit(args, {"ok": True, "officer": officer.model_dump()},
          lambda: print(tr("Déverrouillage réussi : {name} ({sn}).", name=officer.name, sn=officer.service_number)))
    return EXIT_OK


def cmd_rekey(args: argparse.Namespace, pins: PinReader) -> int:
    vault = _vault(args)
    with _unlock(args, vault, pins) as session:
        vault.rekey(session)
    _emit(args, {"rekeyed": True}, lambda: print(tr("Clé maîtresse renouvelée ; la base a été rechiffrée.")))
    return EXIT_OK


def cmd_modules(args: argparse.Namespace, pins: PinReader) -> int:
    from neo.host import ModuleHost

    vault = _vault(args)
    session = _unlock(args, vault, pins) if args.officer else None
    host = ModuleHost(session)
    try:
        host.discover()
        if session is not None:
            host.activate_all()
        commands = host.commands(core_commands())
        data = []
        for r in host.records():
            item = r.as_dict()
            item["commands"] = [c.as_dict() for c in commands if c.module_id == r.id]
            data.append(item)
    finally:
        if session is not None:
            host.stop()
            session.lock()

    def human() -> None:
        for r in data:
            err = f"  [{r['error_stage']}] {r['error']}" if r["error"] else ""
            src = r["source"] + (f" ({r['distribution']})" if r["distribution"] else "")
            print(f"{r['id']:<16} {r['version']:<9} {src:<28} {r['state']:<12}{err}")
            for c in r["commands"]:
                refused = "  " + tr("[refusée : {why}]", why=c["refused"]) if c["refused"] else ""
                print(f"{'':<16} neo {c['name']:<12} {c['help']}{refused}")

    _emit(args, data, human)
    return EXIT_OK


def cmd_audit_verify(args: argparse.Namespace, pins: PinReader) -> int:
    vault = _vault(args)
    with _unlock(args, vault, pins) as session:
        verdict = session.audit.verify()

    def human() -> None:
        if verdict.ok:
            print(tr("Journal d'audit intègre : {n} événements.", n=verdict.count))
        else:
            print(tr("Journal d'audit rompu à l'événement {seq} : {problem}",
                     seq=verdict.first_broken_seq, problem=verdict.problem))

    _emit(args, verdict.as_dict(), human)
    return EXIT_OK if verdict.ok else EXIT_REFUSED


def cmd_audit_list(args: argparse.Namespace, pins: PinReader) -> int:
    vault = _vault(args)
    with _unlock(args, vault, pins) as session:
        events = session.audit.events(action=args.action)
    data = [e.model_dump() for e in events]

    def human() -> None:
        for e in events:
            print(f"{e.seq:>6} {e.ts} {e.action:<24} {e.officer or '-':>10} {json.dumps(e.details, ensure_ascii=False)}")

    _emit(args, data, human)
    return EXIT_OK


def cmd_self_test(args: argparse.Namespace, pins: PinReader) -> int:
    from neo.selftest import run_self_test

    results = run_self_test(gui=not args.no_gui)
    ok = all(r["ok"] for r in results)

    def human() -> None:
        for r in results:
            mark = "OK " if r["ok"] else "ÉCHEC"
            print(f"[{mark}] {r['name']}" + (f" — {r['error']}" if r.get("error") else ""))
        print(tr("Auto-test réussi.") if ok else tr("Auto-test en échec."))

    _emit(args, {"ok": ok, "checks": results}, human)
    return EXIT_OK if ok else EXIT_SELFTEST


def save_hq_link(store: Any, link: dict[str, Any]) -> None:
    """Persist the HQ link (token, pinned CA) inside the encrypted database."""
    from neo.sync.link import HqLink, save_link

    save_link(store, HqLink(**link))


def cmd_enroll(args: argparse.Namespace, pins: PinReader) -> int:
    from neo.sync.enrolment import enroll

    vault = _vault(args)

    def progress(message: str) -> None:
        if not args.json:
            print(message, file=sys.stderr, flush=True)

    # No code or name given: the provisioning file's, else the host name (neo.provisioning).
    result = enroll(vault, args.code or "", args.name or "", progress=progress, on_store=save_hq_link)
    data = {"device_id": result.device_id, "unit": result.unit, "hq": result.hq_url, "roster": len(result.roster)}
    _emit(args, data, lambda: print(tr(
        "Appareil enrôlé auprès de l'unité {unit} ({n} agents). Au premier déverrouillage de chaque agent, "
        "le QG vérifie son code PIN en ligne.", unit=result.unit, n=len(result.roster))))
    return EXIT_OK


def cmd_new_module(args: argparse.Namespace, pins: PinReader) -> int:
    """``neo new-module NAME``: scaffold a module package (see neo.devkit.scaffold)."""
    from neo.devkit.scaffold import ScaffoldError, make_spec, new_module

    try:
        path = new_module(args.name, Path(args.dir) if args.dir else None, module_id=args.id,
                          name_en=args.name_en, sync=args.sync)
    except ScaffoldError as exc:
        raise CliError(str(exc), EXIT_USAGE) from exc
    spec = make_spec(args.name, module_id=args.id, name_en=args.name_en, sync=args.sync)
    _emit(args, {"path": str(path), "module_id": spec.module_id, "package": spec.package,
                 "distribution": spec.dist},
          lambda: print(f"Module {spec.module_id!r} written to {path}\n"
                        f"  cd {path}\n  pip install --no-build-isolation -e .\n  pytest"))
    return EXIT_OK


def cmd_app(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    app = importlib.import_module("neo.ui.app")  # Qt is loaded only when the app opens
    return int(app.run_app(data_dir, fullscreen=True if args.fullscreen else None))


# -- module commands -----------------------------------------------------------------------------

_HELP = ("-h", "--help")


def core_commands() -> frozenset[str]:
    """The names of neo's own commands (a module cannot take them)."""
    return frozenset(_subcommands(build_parser(module_commands=())).choices)


def _subcommands(parser: argparse.ArgumentParser) -> Any:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def module_commands() -> list[Any]:
    """The commands the installed modules declare (read from manifests; no module code runs)."""
    from neo.host import ModuleHost

    host = ModuleHost(None)
    host.discover()
    return host.commands(core_commands())


def _command_word(argv: Sequence[str]) -> int | None:
    """Where the command is in ``argv`` (after neo's own options), or None."""
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--data-dir":
            i += 2
            continue
        if token == "--":
            return i + 1 if i + 1 < len(argv) else None
        if not token.startswith("-"):
            return i
        i += 1
    return None


def run_module_command(command: Any, argv: Sequence[str], pins: PinReader) -> int:
    """``neo <name> [--data-dir DIR] --officer ID --pin-stdin [args...]`` for a module's
    command: unlock, build the host (with the link to HQ), activate the module, call
    ``fn(ctx, args)``; ``args`` is ``argv`` without the core's own options."""
    core = argparse.ArgumentParser(prog=f"neo {command.name}", add_help=False, allow_abbrev=False)
    core.add_argument("--data-dir")
    core.add_argument("--officer")
    core.add_argument("--pin-stdin", action="store_true")
    args, rest = core.parse_known_args(list(argv))
    if not args.officer and any(h in rest for h in _HELP):
        print(f"usage: neo {command.name} [--data-dir DIR] --officer ID --pin-stdin [ARGS...]\n")
        print(command.help("en"))  # as the rest of neo's help
        print(f"\nThe module's own options: neo {command.name} --officer ID --pin-stdin --help")
        return EXIT_OK
    from neo.host import ModuleFailure, ModuleHost
    from neo.sync.remote import HqRemote, wipe_revoked

    vault = _vault(args)
    with _unlock(args, vault, pins) as session:
        remote = HqRemote.for_session(session)
        host = ModuleHost(session, remote=remote)
        try:
            host.discover()
            try:
                fn, ctx = host.open_command(command.name, core_commands())
            except ModuleFailure as exc:
                raise CliError(exc.message) from exc
            code = _call_module(host, command, fn, ctx, rest)
        finally:
            host.stop()
        if remote.revoked is not None:
            wipe_revoked(session, vault, remote.revoked)
            print(tr("Cet appareil a été révoqué par le QG : ses données ont été effacées. Rendez-le à votre unité."),
                  file=sys.stderr)
            return EXIT_WIPED
    return code


def _call_module(host: Any, command: Any, fn: Callable[..., Any], ctx: Any, argv: list[str]) -> int:
    from neo.api.hq import HqError

    try:
        result = fn(ctx, argv)
    except SystemExit as exc:  # the module's argparse (--help, usage errors)
        if exc.code is None or isinstance(exc.code, int):
            return int(exc.code or 0)
        print(exc.code, file=sys.stderr)
        return EXIT_REFUSED
    except HqError as exc:
        print(exc.message, file=sys.stderr)
        return EXIT_REFUSED
    except Exception as exc:
        host.mark_failed(command.module_id, "command", exc)
        print(tr("La commande {name} du module {id} a échoué : {err}", name=command.name, id=command.module_id,
                 err=f"{type(exc).__name__}: {exc}"), file=sys.stderr)
        return EXIT_REFUSED
    return EXIT_OK if result is None else int(result)



# -- parser ------------------------------------------------------------------------------------


def build_parser(module_commands: Sequence[Any] = ()) -> argparse.ArgumentParser:
    """neo's parser; ``module_commands`` (from :func:`module_commands`) are listed in the help."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", help="device data directory (default: NEO_DATA_DIR or the user data dir)")
    common.add_argument("--json", action="store_true", help="print machine-readable JSON")
    auth = argparse.ArgumentParser(add_help=False)
    auth.add_argument("--officer", help="service number of the officer who unlocks")
    auth.add_argument("--pin-stdin", action="store_true", help="read the PIN from standard input")

    parser = argparse.ArgumentParser(
        prog="neo",
        description="NEO field toolkit. Without a subcommand, opens the tablet app.",
    )
    parser.add_argument("--version", action="version", version=f"neo {__version__}")
    parser.add_argument("--data-dir", help="device data directory")
    parser.add_argument("--fullscreen", action="store_true", help="open the app fullscreen (kiosk)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    officer = sub.add_parser("officer", help="officers on this device")
    osub = officer.add_subparsers(dest="officer_command", metavar="ACTION", required=True)
    p = osub.add_parser("add", parents=[common], help="provision an officer (the first one initialises the device)")
    p.add_argument("--id", required=True, help="service number")
    p.add_argument("--name", required=True)
    p.add_argument("--unit", default="")
    p.add_argument("--role", default="officer", choices=["officer", "supervisor", "admin"])
    p.add_argument("--pin-stdin", action="store_true", help="read the new PIN (then --by's PIN) from stdin")
    p.add_argument("--by", help="service number of an officer already on the device who authorises the addition")
    p.add_argument("--officer", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_officer_add)
    p = osub.add_parser("list", parents=[common, auth], help="list officers (needs an unlock)")
    p.set_defaults(func=cmd_officer_list)
    p = osub.add_parser("remove", parents=[common, auth], help="remove an officer's key slot")
    p.add_argument("id")
    p.set_defaults(func=cmd_officer_remove)

    p = sub.add_parser("enroll", parents=[common], help="enrol this device with HQ using a one-time code")
    p.add_argument("code", nargs="?", default="",
                   help="the enrolment code given by HQ (NEO1-...; default: the provisioning file's)")
    p.add_argument("--name", help="a name for this device (default: the provisioning file's, else the host name)")
    p.set_defaults(func=cmd_enroll)
    p = sub.add_parser("unlock", parents=[common, auth], help="check an officer's PIN (exit 0 if it opens)")
    p.set_defaults(func=cmd_unlock)
    p = sub.add_parser("rekey", parents=[common, auth], help="rotate the master key (re-encrypts the database)")
    p.set_defaults(func=cmd_rekey)
    p = sub.add_parser("modules", parents=[common, auth],
                       help="list discovered modules; with --officer, also activate them to report failures")
    p.set_defaults(func=cmd_modules)

    audit = sub.add_parser("audit", help="the device audit trail")
    asub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    p = asub.add_parser("verify", parents=[common, auth], help="verify the hash chain")
    p.set_defaults(func=cmd_audit_verify)
    p = asub.add_parser("list", parents=[common, auth], help="list audit events")
    p.add_argument("--action", help="only this action")
    p.set_defaults(func=cmd_audit_list)

    from neo.sync.cli import add_parser as add_sync_parser

    add_sync_parser(sub)

    p = sub.add_parser("new-module", help="scaffold a new module package (manifest, page, service, tests)")
    p.add_argument("name", help="the module's name in French, shown on the home screen (e.g. 'Vélos volés')")
    p.add_argument("--id", help="the module id (default: made from the name, e.g. velos_voles)")
    p.add_argument("--name-en", help="the module's name in English (default: the French name)")
    p.add_argument("--dir", help="where to write the project (default: ./neo-<id>)")
    p.add_argument("--sync", action="store_true", help="add a synced collection (notes shared with the unit)")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.set_defaults(func=cmd_new_module)

    p = sub.add_parser("self-test", parents=[common], help="exercise store, vault, host and a headless window")
    p.add_argument("--no-gui", action="store_true", help="skip the headless window check")
    p.set_defaults(func=cmd_self_test)

    for command in module_commands:  # listed in English, as the core's commands
        if command.refused is None:
            p = sub.add_parser(command.name, add_help=False,
                               help=f"{command.help('en')} [module {command.module_id}]")
            p.set_defaults(func=None, module_command=command)
    return parser


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    pins = PinReader(stdin or sys.stdin)
    at = _command_word(argv)
    word = argv[at] if at is not None else None
    listed: Sequence[Any] = ()
    if (word is not None and word not in core_commands()) or (word is None and any(h in argv for h in _HELP)):
        listed = module_commands()  # manifests only: module code is imported only to run its command
    module_command = next((c for c in listed if c.name == word and c.refused is None), None)
    try:
        if module_command is not None and at is not None:
            return run_module_command(module_command, [*argv[:at], *argv[at + 1:]], pins)
        parser = build_parser(listed)
        args = parser.parse_args(argv)
        if args.command is None:
            return cmd_app(args)
        return int(args.func(args, pins))
    except CliError as exc:
        print(exc.message, file=sys.stderr)
        return exc.code
    except LockedOut as exc:
        print(exc.message, file=sys.stderr)
        return EXIT_LOCKED_OUT
    except (DeviceWiped, RevokedByHq) as exc:
        print(exc.message, file=sys.stderr)
        return EXIT_WIPED
    except VaultError as exc:
        print(exc.message, file=sys.stderr)
        return EXIT_REFUSED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
