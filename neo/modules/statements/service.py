"""Statements on the device: templates, drafts that autosave, signing, sealing, PDF, sync.

:class:`StatementService` is what the page (and tests) use; it holds no Qt. One service
per module context (``neo.modules.statements.module.service_for(ctx)``).

The content of a draft (and of a statement) is a JSON object::

    {
      "parties": [{"role": "declarant" | "victim" | "witness" | "suspect" | "unknown_author",
                   "identity": {"surname", "given_names", "birth_date" (YYYY-MM-DD), "birth_place",
                                "nationality", "address", "phone",
                                "document": {"kind", "number"}},   # every member optional text
                   "description": "..."}],                          # the unknown author's description
      "facts": {"when": {"from": ISO 8601, "to": ISO 8601 | null},
                "where": {"address": "...", "position": {"lat", "lon", "accuracy"} | null},
                "offences": [{"natinf": int, "label": "..."}],
                "items": [{"description": "...", "value_cents": int | null, "serial": "..."}]},
      "narrative": "...",
      "details": {"<name>": value}                                   # the template's other fields
    }

Money is in integer cents (``value_cents``), never floats. A signed statement (the
payload of a ``statements.statements`` record) is that content plus: ``id``,
``template {id, version}``, ``kind``, ``attachments [{sha256, media_type, name, size}]``,
``signatures {declarant|officer: {png_sha256} | {refused: {reason}}}``,
``officer {service_number, name, unit}``, ``created_at``, ``signed_at``, ``corrects``
(the id of the statement this one corrects, or null) and ``seal`` (see ``seal.py``).

Every change to a draft is written at once, in one transaction (autosave): after a
crash the draft reopens exactly as of the last call that returned.

Threads: every method may be called from any thread (the store serialises writes);
a page calls the slow ones (``sign``, ``pdf``) off the UI thread.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from neo.api import ModuleContext
from neo.modules.statements import offences as offences_mod
from neo.modules.statements import seal as seal_mod
from neo.modules.statements import store as sql
from neo.modules.statements import templates as tpl
from neo.modules.statements.templates import Template

StatementState = Literal["draft", "signed", "sent", "acknowledged", "rejected"]
"""What the officer sees: ``draft`` (local, editable), ``signed`` (sealed, waiting for the
next sync), ``sent`` (pushed, not yet acknowledged), ``acknowledged`` (received by HQ,
seal verified), ``rejected`` (HQ refused it; ``reason`` says why, e.g. seal invalid)."""

STATEMENTS = "statements.statements"
TEMPLATES = "statements.templates"
OFFENCES = "statements.offences"
TEMPLATE_POINT = "statements.template"


class StatementError(ValueError):
    """A request the service refuses. ``message`` is French, for the officer (already
    translated with ctx.tr); ``path`` names the content path at fault, if any."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


@dataclass(frozen=True)
class Issue:
    """A validation problem: the content path (e.g. ``parties.0.identity.surname``,
    ``narrative``, ``signatures.declarant``) and a French message (translated)."""

    path: str
    message: str


@dataclass(frozen=True)
class Attachment:
    """A photo or document attached to a draft or a statement."""

    sha256: str
    media_type: str
    name: str
    size: int


@dataclass(frozen=True)
class Signature:
    """A signature of a draft: a drawn PNG (``png_sha256``) or a refusal with its reason."""

    role: str
    png_sha256: str | None = None
    refused_reason: str | None = None


@dataclass(frozen=True)
class Draft:
    id: str
    template_id: str
    template_version: int
    officer: str
    created_at: str
    updated_at: str
    content: dict[str, Any]
    attachments: list[Attachment] = field(default_factory=list)
    signatures: dict[str, Signature] = field(default_factory=dict)
    corrects: str | None = None


@dataclass(frozen=True)
class DraftSummary:
    id: str
    template_id: str
    template_version: int
    title: str
    declarant: str
    updated_at: str
    corrects: str | None = None


@dataclass(frozen=True)
class StatementSummary:
    id: str
    template_id: str
    template_version: int
    kind: str
    title: str
    declarant: str
    signed_at: str
    seal_sha256: str
    state: StatementState
    reason: str | None = None
    corrects: str | None = None


@dataclass(frozen=True)
class Statement:
    """A signed statement: its payload (see the module docstring) and its sync state."""

    payload: dict[str, Any]
    state: StatementState
    reason: str | None = None

    @property
    def id(self) -> str:
        return str(self.payload["id"])


IDENTITY_KEYS: tuple[str, ...] = ("surname", "given_names", "birth_date", "birth_place", "nationality", "address",
                                  "phone", "document")
DOCUMENT_KEYS: tuple[str, ...] = ("kind", "number")
ROOTS: frozenset[str] = frozenset({"parties", "facts", "narrative", "details"})
MAX_CONTENT_BYTES = 512 * 1024
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
MAX_ATTACHMENTS = 30
MAX_TEXT = 400
MAX_NARRATIVE = 20000
MEDIA_TYPE = re.compile(r"^[a-z]+/[a-z0-9.+-]+$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
STATE_OF: dict[str, StatementState] = {"pending": "signed", "sent": "sent", "acknowledged": "acknowledged",
                                        "rejected": "rejected", "conflict": "rejected"}


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_moment(value: Any) -> datetime | None:
    """ISO 8601 text (date-time, ``Z`` or offset; naive means UTC) -> aware datetime, else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _parse_date(value: Any) -> date | None:
    if not isinstance(value, str) or not DATE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {} or (
        isinstance(value, str) and not value.strip())


def _clean_identity(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """The identity members a statement keeps, as trimmed text (unknown members dropped)."""
    out: dict[str, Any] = {}
    for key in IDENTITY_KEYS:
        value = (raw or {}).get(key)
        if key == "document":
            if isinstance(value, Mapping):
                doc = {k: " ".join(str(value[k]).split())[:MAX_TEXT] for k in DOCUMENT_KEYS
                       if value.get(k) not in (None, "")}
                if doc:
                    out[key] = doc
        elif value not in (None, ""):
            out[key] = " ".join(str(value).split())[:MAX_TEXT]
    return out


def new_content() -> dict[str, Any]:
    return {"parties": [], "facts": {"when": None, "where": None, "offences": [], "items": []},
            "narrative": "", "details": {}}


def _split(path: str) -> list[str | int]:
    if not isinstance(path, str) or not path or len(path) > 200:
        raise KeyError(path)
    parts: list[str | int] = []
    for raw in path.split("."):
        if not raw:
            raise KeyError(path)
        parts.append(int(raw) if raw.isdigit() else raw)
    if parts[0] not in ROOTS or (parts[0] == "narrative" and len(parts) > 1):
        raise KeyError(path)
    return parts


def set_path(content: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at ``path`` in ``content`` (intermediate objects made; a list index
    equal to the length appends; ``None`` removes an object member)."""
    parts = _split(path)
    node: Any = content
    for i, part in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        if isinstance(node, dict) and isinstance(part, str):
            if node.get(part) is None:
                node[part] = [] if isinstance(nxt, int) else {}
            elif not isinstance(node[part], dict | list):
                raise KeyError(path)  # a text or a number has no members
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int):
            if part == len(node):
                node.append([] if isinstance(nxt, int) else {})
            elif part > len(node):
                raise KeyError(path)
            if node[part] is None:
                node[part] = [] if isinstance(nxt, int) else {}
            elif not isinstance(node[part], dict | list):
                raise KeyError(path)
            node = node[part]
        else:
            raise KeyError(path)
    last = parts[-1]
    if isinstance(node, dict) and isinstance(last, str):
        if value is None and len(parts) > 1 and parts[0] != "facts":
            node.pop(last, None)
        else:
            node[last] = value
    elif isinstance(node, list) and isinstance(last, int):
        if value is None:
            raise KeyError(path)
        if last == len(node):
            node.append(value)
        elif last < len(node):
            node[last] = value
        else:
            raise KeyError(path)
    else:
        raise KeyError(path)


def get_path(content: Mapping[str, Any], path: str) -> Any:
    node: Any = content
    for part in path.split("."):
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


class StatementService:
    def __init__(self, ctx: ModuleContext, *, clock: Callable[[], datetime] | None = None) -> None:
        self.ctx = ctx
        self._clock = clock or _utc_now
        self._db = ctx.db
        self._shipped_templates = tpl.shipped()
        self._offence_list = offences_mod.load()

    # -- helpers ------------------------------------------------------------------------------
    def _now(self) -> str:
        return _iso(self._clock())

    @property
    def _officer(self) -> str:
        return self.ctx.officer.service_number

    def _collection(self, name: str) -> Any:
        return self.ctx.sync.collection(name)

    @staticmethod
    def _err(message: str, path: str | None = None) -> StatementError:
        return StatementError(message, path)

    def _row(self, conn: Any, draft_id: str) -> sql.DraftRow:
        row = sql.draft_get(conn, draft_id) if isinstance(draft_id, str) else None
        if row is None or row.officer != self._officer:
            raise self._err(self.ctx.tr("Brouillon introuvable."))
        return row

    def _draft(self, conn: Any, row: sql.DraftRow) -> Draft:
        attachments = [Attachment(a.sha256, a.media_type, a.name, a.size) for a in sql.attachments_of(conn, row.id)]
        signatures = {s.role: Signature(s.role, s.png_sha256, s.refused_reason)
                      for s in sql.signatures_of(conn, row.id)}
        return Draft(row.id, row.template_id, row.template_version, row.officer, row.created_at, row.updated_at,
                     row.content, attachments, signatures, row.corrects)

    # -- templates and offences ---------------------------------------------------------
    def _all_templates(self) -> dict[tuple[str, int], Template]:
        published: list[Template] = []
        try:
            records = self._collection(TEMPLATES).list()
        except Exception:  # no replica (a bare context): shipped and contributed only
            records = []
        for record in records:
            try:
                published.append(tpl.parse(record.payload, f"HQ template {record.record_id}"))
            except tpl.TemplateError as exc:
                self.ctx.log.warning("template published by HQ ignored: %s", exc)
        contributed: list[Template] = []
        for contribution in self.ctx.contributions(TEMPLATE_POINT):
            try:
                contributed.append(tpl.parse(contribution.value, f"template from {contribution.module_id}"))
            except tpl.TemplateError as exc:
                self.ctx.log.warning("contributed template ignored: %s", exc)
        return tpl.merge(self._shipped_templates, published, contributed)

    def templates(self) -> list[Template]:
        """The newest version of each template (shipped < HQ-published < contributed)."""
        return tpl.latest(self._all_templates())

    def template(self, template_id: str, version: int | None = None) -> Template:
        """One template (the newest version if ``version`` is None); StatementError if unknown."""
        known = self._all_templates()
        if version is not None:
            found = known.get((template_id, int(version)))
        else:
            versions = [t for (tid, _), t in known.items() if tid == template_id]
            found = max(versions, key=lambda t: t.version) if versions else None
        if found is None:
            raise self._err(self.ctx.tr("Modèle de déclaration inconnu : {id}", id=str(template_id)[:60]))
        return found

    def _offences(self) -> list[offences_mod.Offence]:
        try:
            payloads = [r.payload for r in self._collection(OFFENCES).list() if r.payload]
        except Exception:
            payloads = []
        return offences_mod.merge(self._offence_list.offences, payloads, self.ctx.log)

    def offence_categories(self) -> dict[str, str]:
        """Category code -> French label."""
        return dict(self._offence_list.categories)

    def offences(self, search: str = "") -> list[dict[str, Any]]:
        """Offences matching ``search`` (words of the everyday name, the official label or
        the category, accents ignored; or the start of a NATINF code), each
        ``{natinf, label, short, category, nature, defined_by, punished_by}``."""
        found = offences_mod.search(self._offences(), search or "", self._offence_list.categories)
        return [o.model_dump() for o in found]

    # -- drafts ---------------------------------------------------------------------------
    def new_draft(self, template_id: str, prefill_identity: dict[str, Any] | None = None) -> str:
        """A new draft of the template's newest version; the declarant party is created
        (with ``prefill_identity``'s members if given) and the position prefilled."""
        template = self.template(template_id)
        content = new_content()
        content["parties"].append({"role": "declarant", "identity": _clean_identity(prefill_identity)})
        position = self.ctx.position.current()
        if position is not None:
            content["facts"]["where"] = {"address": "", "position": {
                "lat": round(position.lat, 6), "lon": round(position.lon, 6),
                "accuracy": None if position.accuracy is None else round(position.accuracy, 1)}}
        draft_id = str(uuid.uuid4())
        now = self._now()
        row = sql.DraftRow(draft_id, self._officer, template.id, template.version, now, now, content, None, None, 0)
        self._db.write(lambda c: sql.draft_insert(c, row))
        self.ctx.audit.log("draft_created", details={"draft_id": draft_id, "template": template.id,
                                                     "version": template.version})
        return draft_id

    def drafts(self) -> list[DraftSummary]:
        """This officer's drafts, most recently changed first."""
        rows = self._db.read(lambda c: sql.drafts_of(c, self._officer))
        out = []
        for row in rows:
            try:
                title = self.template(row.template_id, row.template_version).title.get(self.ctx.language())
            except StatementError:
                title = row.template_id
            out.append(DraftSummary(row.id, row.template_id, row.template_version, title,
                                    _party_name(row.content, "declarant"), row.updated_at, row.corrects))
        return out

    def load(self, draft_id: str) -> Draft:
        return self._db.read(lambda c: self._draft(c, self._row(c, draft_id)))

    def update(self, draft_id: str, path: str, value: Any) -> Draft:
        """Set ``value`` at ``path`` (dotted, list indexes as numbers, e.g.
        ``parties.0.identity.surname``, ``facts.when``, ``details.documents_lost``) and
        write it at once; ``None`` clears. Type checks happen at :meth:`validate`."""
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise self._err(self.ctx.tr("Valeur invalide."), path) from exc

        def tx(conn: Any) -> Draft:
            row = self._row(conn, draft_id)
            content = copy.deepcopy(row.content)
            try:
                set_path(content, path, value)
            except (KeyError, TypeError) as exc:
                raise self._err(self.ctx.tr("Champ inconnu : {path}", path=str(path)[:80]), path) from exc
            if len(json.dumps(content, ensure_ascii=False).encode("utf-8")) > MAX_CONTENT_BYTES:
                raise self._err(self.ctx.tr("La déclaration est trop longue."), path)
            now = self._now()
            sql.draft_save_content(conn, draft_id, content, now)
            return self._draft(conn, replace(row, content=content, updated_at=now, revision=row.revision + 1))

        return self._db.write(tx)

    def add_party(self, draft_id: str, role: str, identity: dict[str, Any] | None = None) -> int:
        """Append a party; returns its index in ``parties``."""
        if role not in tpl.ROLES:
            raise self._err(self.ctx.tr("Rôle inconnu : {role}", role=str(role)[:40]), "parties")
        party: dict[str, Any] = {"role": role, "identity": _clean_identity(identity)}
        if role == "unknown_author":
            party = {"role": role, "description": ""}

        def tx(conn: Any) -> int:
            row = self._row(conn, draft_id)
            content = copy.deepcopy(row.content)
            content.setdefault("parties", []).append(party)
            sql.draft_save_content(conn, draft_id, content, self._now())
            return len(content["parties"]) - 1

        return self._db.write(tx)

    def remove_party(self, draft_id: str, index: int) -> None:
        def tx(conn: Any) -> None:
            row = self._row(conn, draft_id)
            content = copy.deepcopy(row.content)
            parties = content.get("parties") or []
            if not isinstance(index, int) or not 0 <= index < len(parties):
                raise self._err(self.ctx.tr("Personne introuvable."), "parties")
            del parties[index]
            sql.draft_save_content(conn, draft_id, content, self._now())

        self._db.write(tx)

    def delete_draft(self, draft_id: str) -> None:
        def tx(conn: Any) -> None:
            self._row(conn, draft_id)
            sql.draft_delete(conn, draft_id)

        self._db.write(tx)
        self.ctx.audit.log("draft_deleted", details={"draft_id": draft_id})

    def add_attachment(self, draft_id: str, data: bytes, media_type: str, name: str) -> Attachment:
        if not isinstance(data, bytes | bytearray) or not data:
            raise self._err(self.ctx.tr("Le fichier est vide."), "attachments")
        if len(data) > MAX_ATTACHMENT_BYTES:
            raise self._err(self.ctx.tr("Le fichier est trop volumineux (maximum {mb} Mo).", mb=MAX_ATTACHMENT_BYTES // (1024 * 1024)), "attachments")
        if not isinstance(media_type, str) or not MEDIA_TYPE.match(media_type):
            raise self._err(self.ctx.tr("Type de fichier invalide."), "attachments")
        clean_name = " ".join(str(name or "").replace("/", "_").replace("\\", "_").split())[:120] or "fichier"
        data = bytes(data)
        sha = hashlib.sha256(data).hexdigest()

        def tx(conn: Any) -> None:
            self._row(conn, draft_id)
            if len(sql.attachments_of(conn, draft_id)) >= MAX_ATTACHMENTS:
                raise self._err(self.ctx.tr("Trop de pièces jointes (maximum {n}).", n=MAX_ATTACHMENTS), "attachments")
            if sql.attachment_add(conn, draft_id, sha, media_type, clean_name, data):
                sql.draft_touch(conn, draft_id, self._now())

        self._db.write(tx)
        return Attachment(sha, media_type, clean_name, len(data))

    def remove_attachment(self, draft_id: str, sha256: str) -> None:
        def tx(conn: Any) -> None:
            self._row(conn, draft_id)
            if sql.attachment_remove(conn, draft_id, sha256):
                sql.draft_touch(conn, draft_id, self._now())

        self._db.write(tx)

    def attachment_data(self, draft_id: str, sha256: str) -> bytes:
        """The bytes of a draft's attachment (thumbnails)."""
        def q(conn: Any) -> bytes | None:
            self._row(conn, draft_id)
            return sql.attachment_data(conn, draft_id, sha256)

        data = self._db.read(q)
        if data is None:
            raise self._err(self.ctx.tr("Pièce jointe introuvable."), "attachments")
        return data

    def set_signature(self, draft_id: str, role: str, png: bytes | None,
                      refused_reason: str | None = None) -> None:
        """Record a drawn signature (PNG bytes), or a refusal to sign with its reason,
        or clear it (both None)."""
        path = f"signatures.{role}"
        if role not in ("declarant", "officer"):
            raise self._err(self.ctx.tr("Rôle de signature inconnu."), path)
        if png is not None and refused_reason is not None:
            raise self._err(self.ctx.tr("Une signature ou un refus, pas les deux."), path)
        reason = None
        if refused_reason is not None:
            if role == "officer":
                raise self._err(self.ctx.tr("L'agent ne peut pas refuser de signer."), path)
            reason = " ".join(str(refused_reason).split())[:MAX_TEXT]
            if not reason:
                raise self._err(self.ctx.tr("Indiquez le motif du refus de signer."), path)
        sha = None
        if png is not None:
            if not isinstance(png, bytes | bytearray) or not bytes(png).startswith(b"\x89PNG\r\n\x1a\n"):
                raise self._err(self.ctx.tr("La signature doit être une image PNG."), path)
            png = bytes(png)
            sha = hashlib.sha256(png).hexdigest()

        def tx(conn: Any) -> None:
            self._row(conn, draft_id)
            sql.signature_set(conn, draft_id, role, png, sha, reason)
            sql.draft_touch(conn, draft_id, self._now())

        self._db.write(tx)

    def signature_png(self, draft_id: str, role: str) -> bytes | None:
        def q(conn: Any) -> bytes | None:
            self._row(conn, draft_id)
            return sql.signature_png(conn, draft_id, role)

        return self._db.read(q)

    # -- validation ------------------------------------------------------------------------
    def validate(self, draft_id: str) -> list[Issue]:
        """Every problem that prevents signing, in form order; empty when ready."""
        draft = self.load(draft_id)
        template = self.template(draft.template_id, draft.template_version)
        return self._validate(draft, template)

    def _validate(self, draft: Draft, template: Template) -> list[Issue]:
        tr = self.ctx.tr
        issues: list[Issue] = []
        content = draft.content
        parties = content.get("parties") if isinstance(content.get("parties"), list) else []
        now = self._clock()
        for section in template.sections:
            for part in section.parts:
                indexes = [i for i, p in enumerate(parties) if isinstance(p, dict) and p.get("role") == part.role]
                label = part.label.get(self.ctx.language())
                if len(indexes) < part.min:
                    issues.append(Issue(f"parties.{part.role}",
                                        tr("Ajoutez au moins {n} : {label}.", n=part.min, label=label)))
                if len(indexes) > part.max:
                    issues.append(Issue(f"parties.{part.role}",
                                        tr("Au plus {n} : {label}.", n=part.max, label=label)))
                for i in indexes:
                    issues.extend(self._check_party(i, parties[i], now))
            for spec in section.fields:
                issues.extend(self._check_field(spec, get_path(content, spec.id), now))
        allowed = {p.role for p in template.parts()}
        for i, party in enumerate(parties):
            if not isinstance(party, dict) or party.get("role") not in allowed:
                issues.append(Issue(f"parties.{i}", tr("Cette personne n'a pas sa place dans ce modèle.")))
        for role in template.signatures:
            sig = draft.signatures.get(role)
            if sig is None:
                text = (tr("Le déclarant doit signer ou son refus être noté.") if role == "declarant"
                        else tr("L'agent doit signer."))
                issues.append(Issue(f"signatures.{role}", text))
        return issues

    def _check_party(self, i: int, party: Mapping[str, Any], now: datetime) -> list[Issue]:
        tr = self.ctx.tr
        base = f"parties.{i}"
        if party.get("role") == "unknown_author":
            if _empty(party.get("description")):
                return [Issue(f"{base}.description", tr("Décrivez l'auteur (signalement, tenue, véhicule…)."))]
            return []
        issues: list[Issue] = []
        identity = party.get("identity") if isinstance(party.get("identity"), Mapping) else {}
        if _empty(identity.get("surname")):
            issues.append(Issue(f"{base}.identity.surname", tr("Le nom est obligatoire.")))
        if party.get("role") == "declarant" and _empty(identity.get("given_names")):
            issues.append(Issue(f"{base}.identity.given_names", tr("Le prénom est obligatoire.")))
        for key in ("surname", "given_names", "birth_place", "nationality", "address", "phone"):
            value = identity.get(key)
            if value is not None and (not isinstance(value, str) or len(value) > MAX_TEXT):
                issues.append(Issue(f"{base}.identity.{key}", tr("Texte trop long ou invalide.")))
        born = identity.get("birth_date")
        if not _empty(born):
            parsed = _parse_date(born)
            if parsed is None:
                issues.append(Issue(f"{base}.identity.birth_date", tr("Date invalide (AAAA-MM-JJ).")))
            elif parsed > now.date() or parsed.year < 1880:
                issues.append(Issue(f"{base}.identity.birth_date", tr("Date de naissance impossible.")))
        return issues

    def _check_field(self, spec: tpl.FieldSpec, value: Any, now: datetime) -> list[Issue]:
        tr = self.ctx.tr
        path = spec.id
        if _empty(value) or (spec.type == "bool" and value is None) or (
                spec.type in ("address", "position") and isinstance(value, Mapping)
                and _empty(value.get("address")) and _empty(value.get("position"))):
            return [Issue(path, tr("Ce champ est obligatoire."))] if spec.required else []
        bad = Issue(path, tr("Valeur invalide."))
        kind = spec.type
        if kind in ("text", "longtext"):
            if not isinstance(value, str):
                return [bad]
            limit = spec.max_length or (MAX_NARRATIVE if kind == "longtext" else MAX_TEXT)
            if len(value) > limit:
                return [Issue(path, tr("Texte trop long ({n} caractères au plus).", n=limit))]
            return []
        if kind == "date":
            return [] if _parse_date(value) else [Issue(path, tr("Date invalide (AAAA-MM-JJ)."))]
        if kind == "datetime":
            moment = parse_moment(value)
            if moment is None:
                return [Issue(path, tr("Date et heure invalides."))]
            return [Issue(path, tr("Cette date est dans le futur."))] if moment > now + timedelta(minutes=5) else []
        if kind == "span":
            if not isinstance(value, Mapping):
                return [bad]
            start, end = parse_moment(value.get("from")), value.get("to")
            if start is None:
                return [Issue(path, tr("Indiquez au moins la date et l'heure de début."))]
            if start > now + timedelta(minutes=5):
                return [Issue(path, tr("Cette date est dans le futur."))]
            if not _empty(end):
                stop = parse_moment(end)
                if stop is None:
                    return [Issue(path, tr("Date et heure invalides."))]
                if stop < start:
                    return [Issue(path, tr("La fin de la période précède son début."))]
            return []
        if kind == "choice":
            return [] if value in {c.value for c in spec.choices} else [bad]
        if kind == "multichoice":
            allowed = {c.value for c in spec.choices}
            return [] if isinstance(value, list) and all(v in allowed for v in value) else [bad]
        if kind in ("address", "position"):
            if not isinstance(value, Mapping):
                return [bad]
            if kind == "address" and spec.required and _empty(value.get("address")):
                return [Issue(path, tr("Indiquez l'adresse."))]
            pos = value.get("position")
            if kind == "position" and _empty(pos):
                return [Issue(path, tr("Indiquez la position."))]
            if not _empty(pos) and not _valid_position(pos):
                return [Issue(path, tr("Position invalide."))]
            return []
        if kind == "offence":
            if not isinstance(value, list) or not all(
                    isinstance(o, Mapping) and isinstance(o.get("natinf"), int) and not isinstance(o["natinf"], bool)
                    and isinstance(o.get("label"), str) and o["label"] for o in value):
                return [bad]
            return []
        if kind == "items":
            if not isinstance(value, list):
                return [bad]
            issues = []
            for i, item in enumerate(value):
                if not isinstance(item, Mapping) or _empty(item.get("description")):
                    issues.append(Issue(f"{path}.{i}.description", tr("Décrivez l'objet.")))
                    continue
                cents = item.get("value_cents")
                if cents is not None and (not isinstance(cents, int) or isinstance(cents, bool) or cents < 0):
                    issues.append(Issue(f"{path}.{i}.value_cents", tr("Montant invalide.")))
            return issues
        if kind == "money":
            return [] if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else [bad]
        if kind == "bool":
            return [] if isinstance(value, bool) else [bad]
        if kind == "identity":
            return [] if isinstance(value, Mapping) else [bad]
        return []

    # -- signing ----------------------------------------------------------------------------
    def sign(self, draft_id: str) -> str:
        """Validate, seal, write the immutable record (with its attachments and PDF) to
        ``statements.statements`` and delete the draft; returns the statement id.
        StatementError (with the first issue) if the draft is not ready."""
        draft = self.load(draft_id)
        collection = self._collection(STATEMENTS)
        row = self._db.read(lambda c: self._row(c, draft_id))
        if row.sealing_id is not None and collection.get(row.sealing_id) is not None:
            # Signed already; the device stopped before the draft was deleted.
            self._db.write(lambda c: sql.draft_delete(c, draft_id))
            return row.sealing_id
        template = self.template(draft.template_id, draft.template_version)
        issues = self._validate(draft, template)
        if issues:
            raise StatementError(issues[0].message, issues[0].path)
        statement_id = row.sealing_id or str(uuid.uuid4())
        self._db.write(lambda c: sql.draft_set_sealing(c, draft_id, statement_id))

        files: dict[str, bytes] = {}
        attachments = []
        for att in draft.attachments:
            data = self.attachment_data(draft_id, att.sha256)
            files[att.sha256] = data
            attachments.append({"sha256": att.sha256, "media_type": att.media_type, "name": att.name,
                                "size": att.size})
        signatures: dict[str, Any] = {}
        for role, sig in sorted(draft.signatures.items()):
            if sig.refused_reason is not None:
                signatures[role] = {"refused": {"reason": sig.refused_reason}}
            else:
                png = self.signature_png(draft_id, role)
                if png is None or sig.png_sha256 is None:
                    raise self._err(self.ctx.tr("Signature illisible : signez à nouveau."), f"signatures.{role}")
                files[sig.png_sha256] = png
                signatures[role] = {"png_sha256": sig.png_sha256}
        officer = self.ctx.officer
        content = draft.content
        facts = content.get("facts") if isinstance(content.get("facts"), Mapping) else {}
        payload: dict[str, Any] = {
            "id": statement_id,
            "template": {"id": template.id, "version": template.version},
            "kind": template.kind,
            "parties": content.get("parties") or [],
            "facts": {"when": facts.get("when"), "where": facts.get("where"),
                      "offences": facts.get("offences") or [], "items": facts.get("items") or []},
            "narrative": content.get("narrative") or "",
            "details": content.get("details") or {},
            "attachments": attachments,
            "signatures": signatures,
            "officer": {"service_number": officer.service_number, "name": officer.name, "unit": officer.unit},
            "created_at": draft.created_at,
            "signed_at": self._now(),
            "corrects": draft.corrects,
        }
        device = self.ctx.device
        payload = seal_mod.sealed(payload, sign=device.sign, public_key=device.public_key, device_id=device.id)
        for sha, data in files.items():
            media = next((a["media_type"] for a in attachments if a["sha256"] == sha), "image/png")
            collection.attach(data, media)
        pdf_bytes = self._render(payload, template, files.get)
        payload["seal"]["pdf_sha256"] = collection.attach(pdf_bytes, "application/pdf")
        collection.put(statement_id, payload)
        self._db.write(lambda c: sql.draft_delete(c, draft_id))
        self.ctx.audit.log("statement_signed", details={
            "statement_id": statement_id, "seal_sha256": payload["seal"]["sha256"], "template": template.id,
            "version": template.version, "corrects": draft.corrects, "attachments": len(attachments)})
        return statement_id

    # -- statements ---------------------------------------------------------------------------
    def _record(self, statement_id: str) -> Any:
        record = self._collection(STATEMENTS).record(statement_id) if isinstance(statement_id, str) else None
        if record is None or record.payload is None:
            raise self._err(self.ctx.tr("Déclaration introuvable."))
        return record

    def statements(self) -> list[StatementSummary]:
        """Signed statements of this device, newest first, with their state."""
        device_id = self.ctx.device.id
        out = []
        for record in self._collection(STATEMENTS).list():
            payload = record.payload or {}
            if (payload.get("seal") or {}).get("device_id") != device_id:
                continue
            template = payload.get("template") or {}
            try:
                title = self.template(str(template.get("id")), int(template.get("version", 0))).title.get(
                    self.ctx.language())
            except (StatementError, TypeError, ValueError):
                title = str(template.get("id"))
            out.append(StatementSummary(
                id=record.record_id, template_id=str(template.get("id")),
                template_version=int(template.get("version") or 0), kind=str(payload.get("kind")), title=title,
                declarant=_party_name(payload, "declarant"), signed_at=str(payload.get("signed_at")),
                seal_sha256=str((payload.get("seal") or {}).get("sha256")),
                state=STATE_OF.get(record.state, "signed"), reason=record.reason, corrects=payload.get("corrects")))
        return sorted(out, key=lambda s: (s.signed_at, s.id), reverse=True)

    def statement(self, statement_id: str) -> Statement:
        record = self._record(statement_id)
        return Statement(record.payload, STATE_OF.get(record.state, "signed"), record.reason)

    def statement_attachment(self, statement_id: str, sha256: str) -> bytes | None:
        payload = self._record(statement_id).payload
        if sha256 not in seal_mod.file_hashes(payload) and sha256 != payload.get("seal", {}).get("pdf_sha256"):
            return None
        return self._collection(STATEMENTS).attachment(sha256)

    def correct(self, statement_id: str) -> str:
        """A new draft prefilled from the statement, referencing it (``corrects``);
        signatures are cleared (a correction is signed again)."""
        payload = self._record(statement_id).payload
        ref = payload.get("template") or {}
        try:
            template = self.template(str(ref.get("id")), int(ref.get("version")))
        except (StatementError, TypeError, ValueError):
            template = self.template(str(ref.get("id")))
        content = new_content()
        for key in ("parties", "narrative", "details"):
            if payload.get(key) is not None:
                content[key] = copy.deepcopy(payload[key])
        content["facts"].update(copy.deepcopy(payload.get("facts") or {}))
        collection = self._collection(STATEMENTS)
        files = [(a, collection.attachment(a["sha256"])) for a in payload.get("attachments") or []]
        draft_id = str(uuid.uuid4())
        now = self._now()
        row = sql.DraftRow(draft_id, self._officer, template.id, template.version, now, now, content, statement_id,
                           None, 0)

        def tx(conn: Any) -> None:
            sql.draft_insert(conn, row)
            for att, data in files:
                if data is not None:
                    sql.attachment_add(conn, draft_id, att["sha256"], att["media_type"], att["name"], data)

        self._db.write(tx)
        self.ctx.audit.log("statement_corrected", details={"statement_id": statement_id, "draft_id": draft_id})
        return draft_id

    def _render(self, payload: Mapping[str, Any], template: Template | None,
                files: Callable[[str], bytes | None]) -> bytes:
        from neo.modules.statements import pdf

        return pdf.render(payload, template=template, files=files, offences=self._offences(), tr=self.ctx.tr,
                          lang=self.ctx.language())

    def pdf(self, statement_id: str) -> bytes:
        """The statement as a PDF (audited as an export)."""
        payload = self._record(statement_id).payload
        ref = payload.get("template") or {}
        try:
            template: Template | None = self.template(str(ref.get("id")), int(ref.get("version")))
        except (StatementError, TypeError, ValueError):
            template = None
        data = self._render(payload, template, self._collection(STATEMENTS).attachment)
        self.ctx.audit.log("pdf_exported", details={"statement_id": statement_id,
                                                    "seal_sha256": payload.get("seal", {}).get("sha256")})
        return data

    def verify(self, statement_id: str) -> bool:
        """The seal still matches the stored statement and its attachments."""
        payload = self._record(statement_id).payload
        device = self.ctx.device
        key = device.public_key if (payload.get("seal") or {}).get("device_id") == device.id else None
        return seal_mod.verify(payload, public_key=key, files=self._collection(STATEMENTS).attachment).ok


def _valid_position(pos: Any) -> bool:
    if not isinstance(pos, Mapping):
        return False
    lat, lon = pos.get("lat"), pos.get("lon")
    ok = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon))
    return ok and -90 <= lat <= 90 and -180 <= lon <= 180


def _party_name(content: Mapping[str, Any], role: str) -> str:
    for party in content.get("parties") or []:
        if isinstance(party, Mapping) and party.get("role") == role:
            identity = party.get("identity") or {}
            return " ".join(str(identity.get(k) or "") for k in ("surname", "given_names")).strip()
    return ""
