"""``neo sync``: unlock, run one sync with HQ, print the report.

    neo sync [--data-dir DIR] --officer ID --pin-stdin [--json]

Progress goes to stderr as plain text (a bar on a terminal, one line per step
otherwise); the report goes to stdout (``--json`` for machines). After a sync that
completed, the modules that start at unlock are activated and told HQ is reachable
(``ctx.hq.on_reachable``: what they queued offline leaves now), unless ``--no-modules``. Exit codes: 0 the sync
completed, 1 it did not (the report says which step failed and why; the data stays on
the device), 2 usage, 3 locked out, 4 the device was revoked by HQ and wiped.

``add_parser(subparsers)`` registers the command in ``neo``'s parser; ``main(argv)``
runs it alone (``python -m neo.sync.cli sync ...``), as scripts and tests do.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from neo import protocol
from neo.i18n import tr
from neo.replica import Replica, policies_from_manifests
from neo.sync.engine import SyncEngine, SyncReport
from neo.sync.errors import DeviceRevoked, SyncError, officer_message
from neo.sync.link import load_link
from neo.sync.transport import HqClient

if TYPE_CHECKING:
    from neo.vault import Session, Vault

log = logging.getLogger(__name__)

EXIT_OK, EXIT_INCOMPLETE, EXIT_USAGE, EXIT_WIPED = 0, 1, 2, 4


def phase_label(phase: str) -> str:
    labels = {
        "attachments": tr("Pièces jointes"),
        "push": tr("Envoi"),
        "pull": tr("Réception"),
        "conflicts": tr("Conflits"),
        "audit": tr("Journal d'audit"),
        "roster": tr("Agents de l'unité"),
    }
    return labels.get(phase, phase)


class TextProgress:
    """``progress(phase, done, total)`` drawn as plain text: a bar redrawn in place on a
    terminal, one line per update otherwise (at most every ``interval`` seconds per step)."""

    def __init__(self, stream: TextIO, *, width: int = 30, interval: float = 0.2) -> None:
        self.stream = stream
        self.width = width
        self.interval = interval
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._phase: str | None = None
        self._last = 0.0
        self._drawn = 0

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        new_phase = phase != self._phase
        finished = total is not None and done >= total
        if not new_phase and not finished and now - self._last < self.interval:
            return
        self._last = now
        label = phase_label(phase)
        if total:
            filled = min(self.width, int(self.width * done / total))
            text = f"{label:<18} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total}"
        else:
            text = f"{label:<18} {done}"
        if self.tty:
            if new_phase and self._phase is not None:
                self.stream.write("\n")
                self._drawn = 0
            self.stream.write("\r" + text.ljust(self._drawn))
            self._drawn = len(text)
        else:
            self.stream.write(text + "\n")
        self._phase = phase
        self.stream.flush()

    def finish(self) -> None:
        if self.tty and self._phase is not None:
            self.stream.write("\n")
            self.stream.flush()
        self._phase = None


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``sync`` in ``neo``'s subcommands."""
    p = subparsers.add_parser("sync", help="synchronise with HQ once (push, pull, audit trail, roster)")
    p.add_argument("--data-dir", help="device data directory (default: NEO_DATA_DIR or the user data dir)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--officer", help="service number of the officer who unlocks")
    p.add_argument("--pin-stdin", action="store_true", help="read the PIN from standard input")
    p.add_argument("--batch", type=int, default=protocol.MAX_PUSH_BATCH, metavar="N",
                   help=f"mutations per push (1..{protocol.MAX_PUSH_BATCH})")
    p.add_argument("--pull-limit", type=int, default=protocol.DEFAULT_PULL_LIMIT, metavar="N",
                   help=f"changes per pulled page (1..{protocol.MAX_PULL_LIMIT})")
    p.add_argument("--timeout", type=float, default=30.0, metavar="S", help="seconds to wait for HQ per request")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--no-modules", action="store_true",
                   help="do not tell the modules that HQ is reachable (their on_reachable callbacks)")
    p.set_defaults(func=cmd_sync)
    return p


def discover_policies(session: Session) -> dict[str, Any]:
    """The collections the installed modules declare (manifests only; no module code runs)."""
    from neo.host import ModuleHost

    host = ModuleHost(session)
    host.discover()
    return policies_from_manifests(rec.manifest for rec in host.records() if rec.manifest is not None)


def run_sync(session: Session, vault: Vault | None = None, *, batch: int = protocol.MAX_PUSH_BATCH,
             pull_limit: int = protocol.DEFAULT_PULL_LIMIT, timeout: float = 30.0,
             progress: Any = None) -> SyncReport:
    """One sync for an unlocked session (the roster goes to ``vault.apply_roster``)."""
    link = load_link(session.store)
    if link is None:
        raise SyncError("auth", tr("Cet appareil n'est pas enrôlé auprès d'un QG : lancez « neo enroll CODE » d'abord."),
                        {"code": "not_enrolled"})
    replica = Replica.for_session(session, discover_policies(session))

    def on_roster(roster: list[protocol.RosterEntry]) -> None:
        if vault is not None:
            vault.apply_roster(session, [entry.model_dump() for entry in roster])

    with HqClient.from_link(link, timeout=timeout) as client:
        engine = SyncEngine(session, client, replica, batch=batch, pull_limit=pull_limit, progress=progress,
                            on_roster=on_roster)
        return engine.run_once()


def notify_modules(session: Session, vault: Vault | None = None, *, wait: float = 120.0) -> int:
    """HQ was just reached: activate the modules that start at unlock, with the link to
    HQ, and run their ``on_reachable`` callbacks (waiting at most ``wait`` seconds).
    Returns how many callbacks ran. Raises ``DeviceRevoked`` if a module's call to HQ
    learnt that the device is revoked."""
    from neo.host import ModuleHost
    from neo.sync.remote import HqRemote

    remote = HqRemote.for_session(session)
    host = ModuleHost(session, remote=remote)
    ran = 0
    try:
        host.discover()
        host.start()
        ran = host.notify_reachable().result(timeout=wait)
    except TimeoutError:
        log.warning("the modules' on_reachable callbacks did not finish within %s s", wait)
    except Exception:  # the sync itself completed: a module problem must not turn it into a failure
        log.exception("the modules could not be told that HQ is reachable")
    finally:
        host.stop()
    if remote.revoked is not None:
        raise DeviceRevoked(remote.revoked.message, remote.revoked.detail, status=remote.revoked.status)
    return ran


def _human(report: SyncReport) -> None:
    print(tr("Synchronisation {state} en {s} s : {pushed} envoyé(s), {ack} accepté(s), {rej} refusé(s), "
             "{conf} conflit(s), {pulled} reçu(s), {att} pièce(s) jointe(s), {audit} événement(s) d'audit. "
             "En attente : {pending}.",
             state=tr("terminée") if report.ok else tr("incomplète"), s=f"{report.duration_s:.1f}",
             pushed=report.pushed, ack=report.acknowledged, rej=report.rejected, conf=report.conflicts,
             pulled=report.pulled, att=report.attachments, audit=report.audit_events, pending=report.pending))
    for err in report.errors:
        error = SyncError(err["kind"], err["message"], err.get("detail"), status=err.get("status"))
        print(tr("Étape « {phase} » : {msg}", phase=phase_label(err["phase"]), msg=officer_message(error)))


def cmd_sync(args: argparse.Namespace, pins: Any) -> int:
    from neo import cli as neo_cli  # the shared unlock (HQ verifier included) and error types

    if not 1 <= args.batch <= protocol.MAX_PUSH_BATCH or not 1 <= args.pull_limit <= protocol.MAX_PULL_LIMIT:
        raise neo_cli.CliError(tr("Taille de lot invalide."), EXIT_USAGE)
    vault = neo_cli._vault(args)
    session = neo_cli._unlock(args, vault, pins)
    progress = None if args.quiet else TextProgress(sys.stderr)
    try:
        report = run_sync(session, vault, batch=args.batch, pull_limit=args.pull_limit, timeout=args.timeout,
                          progress=progress)
        notified = None
        if report.ok and not args.no_modules and not session.locked:
            notified = notify_modules(session, vault)
    except DeviceRevoked as exc:
        if progress is not None:
            progress.finish()
        _wipe_revoked(session, vault, exc)
        message = officer_message(exc)
        if args.json:
            print(json.dumps({"ok": False, "revoked": True, "wiped": True, "message": message}, ensure_ascii=False))
        print(message, file=sys.stderr)
        return EXIT_WIPED
    except SyncError as exc:
        session.lock()
        raise neo_cli.CliError(exc.message, EXIT_INCOMPLETE) from exc
    except BaseException:
        session.lock()
        raise
    if progress is not None:
        progress.finish()
    session.lock()
    if args.json:
        data = report.as_dict()
        if notified is not None:
            data["modules_notified"] = notified
        print(json.dumps(data, ensure_ascii=False))
    else:
        _human(report)
    return EXIT_OK if report.ok else EXIT_INCOMPLETE


def _wipe_revoked(session: Session, vault: Vault, exc: DeviceRevoked) -> None:
    """HQ revoked this device: audit it, then wipe (docs/sync-protocol.md, Revocation)."""
    from neo.sync.remote import wipe_revoked

    wipe_revoked(session, vault, exc)


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None) -> int:
    """``python -m neo.sync.cli sync ...``: the command without the rest of ``neo``."""
    from neo import cli as neo_cli
    from neo.vault import DeviceWiped, LockedOut, VaultError

    parser = argparse.ArgumentParser(prog="neo", description="NEO device sync")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_parser(sub)
    args = parser.parse_args(argv)
    pins = neo_cli.PinReader(stdin or sys.stdin)
    try:
        return int(args.func(args, pins))
    except neo_cli.CliError as exc:
        print(exc.message, file=sys.stderr)
        return exc.code
    except LockedOut as exc:
        print(exc.message, file=sys.stderr)
        return neo_cli.EXIT_LOCKED_OUT
    except DeviceWiped as exc:
        print(exc.message, file=sys.stderr)
        return neo_cli.EXIT_WIPED
    except VaultError as exc:
        print(exc.message, file=sys.stderr)
        return neo_cli.EXIT_REFUSED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
