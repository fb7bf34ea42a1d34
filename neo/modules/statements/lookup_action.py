""""Utiliser dans une déposition": the statements' action on a lookup hit.

Contributed to the lookup's extension point ``lookup.result_action`` (label, ``accepts(hit)``,
``run(hit)``; see ``neo.modules.lookup.providers``). A hit about a person (civil register,
identity documents, driving licences, wanted or missing persons) opens the statements
page through ``ctx.open_page`` with the identity read from the record; the officer picks
the kind of statement and the draft starts with that declarant, every field editable.

No import of the lookup module: a hit is read by its attributes (``file``, ``payload``).
Pure Python (no Qt), so ``module.py`` can register it at activation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from neo.api import ModuleContext

POINT = "lookup.result_action"
KEY = "use_in_statement"

DOCUMENT_FILES = {"id_documents": None, "driving_licences": "Permis de conduire"}


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value if v)
    return "" if value is None else str(value).strip()


def identity_from_hit(hit: Any) -> dict[str, Any]:
    """The identity a statement's party takes from a hit's record (members absent from
    the record are left out)."""
    payload = getattr(hit, "payload", None)
    if not isinstance(payload, Mapping):
        return {}
    out: dict[str, Any] = {}
    surname = _text(payload.get("surname") or payload.get("usage_name"))
    if surname:
        out["surname"] = surname
    given = _text(payload.get("given_names"))
    if given:
        out["given_names"] = given
    for member in ("birth_date", "birth_place", "nationality", "phone"):
        value = _text(payload.get(member))
        if value:
            out[member] = value[:10] if member == "birth_date" else value
    address = ", ".join(p for p in (_text(payload.get("address")),
                                    " ".join(p for p in (_text(payload.get("postal_code")),
                                                         _text(payload.get("commune"))) if p)) if p)
    if address:
        out["address"] = address
    file = str(getattr(hit, "file", "") or "")
    if file in DOCUMENT_FILES:
        kind = DOCUMENT_FILES[file] or _text(payload.get("document_type"))
        number = _text(payload.get("number"))
        if kind or number:
            out["document"] = {"kind": kind, "number": number}
    return out


class UseInStatement:
    """The action object the lookup offers on a person's hit."""

    label = {"fr": "Utiliser dans une déposition", "en": "Use in a statement"}

    def __init__(self, ctx: ModuleContext) -> None:
        self.ctx = ctx

    def accepts(self, hit: Any) -> bool:
        payload = getattr(hit, "payload", None)
        return isinstance(payload, Mapping) and bool(_text(payload.get("surname") or payload.get("usage_name")))

    def run(self, hit: Any) -> None:
        """Bring up the statements page with the identity (the officer picks the kind)."""
        identity = identity_from_hit(hit)
        self.ctx.audit.log("identity_from_lookup", details={"file": str(getattr(hit, "file", "")),
                                                            "record_id": str(getattr(hit, "record_id", ""))})
        self.ctx.open_page(identity=identity)


def register(ctx: ModuleContext) -> None:
    """Offer the action on lookup hits (removed when the module stops)."""
    ctx.register(POINT, KEY, UseInStatement(ctx))
