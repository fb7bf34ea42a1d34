"""``neo lookup``: the record lookup without a screen.

    neo lookup --officer ID --pin-stdin --reason R [--reason-text T] [--json] QUERY
    neo lookup ... --reason R --plate AB-123-CD --surname DUPONT --given-names Jean --birth-date 12/03/1985
    neo lookup ... --pending | --history [--search TEXT] [--limit N] | --drain

The core unlocks (``--officer``, ``--pin-stdin``, ``--data-dir``) and calls :func:`main`
with the rest. A query goes to HQ live; offline it is queued (``--pending`` lists it,
``--drain`` sends it when HQ is back). ``--json`` prints one JSON document.

Exit codes: 0 hits found (or the listing commands), 1 no hit (or refused by HQ), 2 bad
input, 3 queued offline (``--drain``: some queries are still waiting).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from neo.api import ModuleContext
from neo.modules.lookup.module import service_for
from neo.modules.lookup.service import REASONS, LookupInputError, LookupService, Outcome

EXIT_HITS, EXIT_NO_HIT, EXIT_BAD_INPUT, EXIT_QUEUED = 0, 1, 2, 3

_FIELD_OPTIONS = (("--surname", "surname"), ("--name", "surname"), ("--given-names", "given_names"),
                  ("--birth-date", "birth_date"), ("--plate", "plate"), ("--vin", "vin"), ("--document", "document"),
                  ("--serial", "serial"), ("--mrz", "mrz"))


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="neo lookup", description="Search every reference file with one entry.")
    p.add_argument("query", nargs="*", help="what to search, as an officer would type it (plate, VIN, name and "
                                            "birth date, document number, MRZ)")
    p.add_argument("--reason", choices=REASONS, help="why (required for a search)")
    p.add_argument("--reason-text", default="", help="details of the reason (required with --reason autre)")
    fields = p.add_argument_group("structured fields (instead of QUERY)")
    for option, name in _FIELD_OPTIONS:
        fields.add_argument(option, dest=f"field_{name}" if option != "--name" else "field_name", metavar="VALUE")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--pending", action="store_true", help="list this officer's queries waiting for HQ")
    mode.add_argument("--history", action="store_true", help="list this officer's past queries")
    mode.add_argument("--drain", action="store_true", help="send the waiting queries now")
    p.add_argument("--search", metavar="TEXT", help="with --history: only entries containing TEXT")
    p.add_argument("--limit", type=int, default=50, help="with --history: at most N queries (default 50)")
    p.add_argument("--json", action="store_true", help="print JSON")
    return p


def _fields(args: argparse.Namespace) -> dict[str, str] | None:
    out: dict[str, str] = {}
    for _option, name in _FIELD_OPTIONS:
        value = getattr(args, f"field_{name}", None)
        if value is not None:
            out[name] = value
    if args.field_name is not None and "surname" not in out:
        out["surname"] = args.field_name
    return out or None


def _outcome_json(service: LookupService, outcome: Outcome) -> dict[str, Any]:
    data = outcome.as_dict()
    for hit, item in zip(outcome.hits, data["hits"], strict=True):
        card = service.card(hit)
        item["card"] = {"title": card.title, "subtitle": card.subtitle, "lines": [list(x) for x in card.lines],
                        "updated": card.updated_label, "source": card.source_label}
    return data


def _print_outcome(ctx: ModuleContext, service: LookupService, outcome: Outcome, out: TextIO) -> None:
    tr = ctx.tr
    status = {"answered": tr("réponse du serveur central"), "queued": tr("en attente"),
              "refused": tr("refusée")}[outcome.status]
    print(tr("Requête {id} ({status}) : {entry}", id=outcome.query_id[:8], status=status, entry=outcome.entry_text),
          file=out)
    if outcome.problem:
        print("  " + outcome.problem, file=out)
    if outcome.message:
        print("  " + outcome.message, file=out)
    if outcome.hotlist_message:
        print("  !! " + outcome.hotlist_message, file=out)
    if not outcome.hits:
        if outcome.status == "answered":
            print("  " + tr("Aucune correspondance."), file=out)
        return
    for hit in outcome.hits:
        card = service.card(hit)
        mark = {"alert": "!!", "warning": "! ", "info": "  "}.get(hit.severity, "  ")
        print(f"{mark} [{card.severity_label}] {card.file_label} : {card.title} — {card.subtitle}".rstrip(" —"),
              file=out)
        if card.instruction:
            print("     " + tr("Conduite à tenir : {instruction}", instruction=card.instruction), file=out)
        print(f"     {card.updated_label} · {card.source_label}", file=out)


def _listing(ctx: ModuleContext, service: LookupService, outcomes: list[Outcome], as_json: bool, out: TextIO,
             empty: str) -> None:
    if as_json:
        print(json.dumps([_outcome_json(service, o) for o in outcomes], ensure_ascii=False), file=out)
        return
    if not outcomes:
        print(empty, file=out)
    for outcome in outcomes:
        local = outcome.asked_at.astimezone().strftime("%d/%m/%Y %H:%M")
        print(f"{local}  ", end="", file=out)
        _print_outcome(ctx, service, outcome, out)


def main(ctx: ModuleContext, argv: Sequence[str], *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """``neo lookup`` (see the module docstring); returns the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    args = _parser().parse_args(list(argv))
    service = service_for(ctx)
    tr = ctx.tr
    if args.pending:
        _listing(ctx, service, service.pending(), args.json, out, tr("Aucune requête en attente."))
        return EXIT_HITS
    if args.history:
        _listing(ctx, service, service.history(args.limit, text=args.search), args.json, out,
                 tr("Aucune requête dans l'historique."))
        return EXIT_HITS
    if args.drain:
        done = service.drain()
        left = service.pending()
        if args.json:
            print(json.dumps({"answered": [_outcome_json(service, o) for o in done],
                              "pending": [o.query_id for o in left]}, ensure_ascii=False), file=out)
        else:
            for outcome in done:
                _print_outcome(ctx, service, outcome, out)
            print(tr("{done} requête(s) traitée(s), {left} en attente.", done=len(done), left=len(left)), file=out)
        return EXIT_QUEUED if left else EXIT_HITS
    fields = _fields(args)
    text = " ".join(args.query) if args.query else None
    if not args.reason:
        print(tr("Indiquez le motif de la consultation avec --reason ({codes}).", codes=", ".join(REASONS)), file=err)
        return EXIT_BAD_INPUT
    if text is not None and fields is not None:
        print(tr("Donnez soit une saisie libre, soit des champs (--plate, --surname…), pas les deux."), file=err)
        return EXIT_BAD_INPUT
    try:
        outcome = service.search(text=text, fields=fields, reason=args.reason, reason_text=args.reason_text)
    except LookupInputError as exc:
        print(exc.message, file=err)
        return EXIT_BAD_INPUT
    if args.json:
        print(json.dumps(_outcome_json(service, outcome), ensure_ascii=False), file=out)
    else:
        _print_outcome(ctx, service, outcome, out)
    if outcome.status == "queued":
        return EXIT_QUEUED
    return EXIT_HITS if outcome.hits else EXIT_NO_HIT
