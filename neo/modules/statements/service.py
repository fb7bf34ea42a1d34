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

from dataclasses import dataclass, field
from typing import Any, Literal

from neo.api import ModuleContext
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


class StatementService:
    def __init__(self, ctx: ModuleContext) -> None:
        self.ctx = ctx

    # -- templates and offences ---------------------------------------------------------
    def templates(self) -> list[Template]:
        """The newest version of each template (shipped < HQ-published < contributed)."""
        raise NotImplementedError

    def template(self, template_id: str, version: int | None = None) -> Template:
        """One template (the newest version if ``version`` is None); StatementError if unknown."""
        raise NotImplementedError

    def offences(self, search: str = "") -> list[dict[str, Any]]:
        """Offences matching ``search`` (words of the label, or a NATINF code), each
        ``{natinf, label, category, defined_by, punished_by}``; all when empty."""
        raise NotImplementedError

    # -- drafts ---------------------------------------------------------------------------
    def new_draft(self, template_id: str, prefill_identity: dict[str, Any] | None = None) -> str:
        """A new draft of the template's newest version; the declarant party is created
        (with ``prefill_identity``'s members if given) and the position prefilled."""
        raise NotImplementedError

    def drafts(self) -> list[DraftSummary]:
        """This officer's drafts, most recently changed first."""
        raise NotImplementedError

    def load(self, draft_id: str) -> Draft:
        raise NotImplementedError

    def update(self, draft_id: str, path: str, value: Any) -> Draft:
        """Set ``value`` at ``path`` (dotted, list indexes as numbers, e.g.
        ``parties.0.identity.surname``, ``facts.when``, ``details.documents_lost``) and
        write it at once; ``None`` clears. Type checks happen at :meth:`validate`."""
        raise NotImplementedError

    def add_party(self, draft_id: str, role: str, identity: dict[str, Any] | None = None) -> int:
        """Append a party; returns its index in ``parties``."""
        raise NotImplementedError

    def remove_party(self, draft_id: str, index: int) -> None:
        raise NotImplementedError

    def delete_draft(self, draft_id: str) -> None:
        raise NotImplementedError

    def add_attachment(self, draft_id: str, data: bytes, media_type: str, name: str) -> Attachment:
        raise NotImplementedError

    def remove_attachment(self, draft_id: str, sha256: str) -> None:
        raise NotImplementedError

    def attachment_data(self, draft_id: str, sha256: str) -> bytes:
        """The bytes of a draft's attachment (thumbnails)."""
        raise NotImplementedError

    def set_signature(self, draft_id: str, role: str, png: bytes | None,
                      refused_reason: str | None = None) -> None:
        """Record a drawn signature (PNG bytes), or a refusal to sign with its reason,
        or clear it (both None)."""
        raise NotImplementedError

    def signature_png(self, draft_id: str, role: str) -> bytes | None:
        raise NotImplementedError

    def validate(self, draft_id: str) -> list[Issue]:
        """Every problem that prevents signing, in form order; empty when ready."""
        raise NotImplementedError

    # -- statements -------------------------------------------------------------------
    def sign(self, draft_id: str) -> str:
        """Validate, seal, write the immutable record (with its attachments and PDF) to
        ``statements.statements`` and delete the draft; returns the statement id.
        StatementError (with the first issue) if the draft is not ready."""
        raise NotImplementedError

    def statements(self) -> list[StatementSummary]:
        """Signed statements of this device, newest first, with their state."""
        raise NotImplementedError

    def statement(self, statement_id: str) -> Statement:
        raise NotImplementedError

    def statement_attachment(self, statement_id: str, sha256: str) -> bytes | None:
        raise NotImplementedError

    def correct(self, statement_id: str) -> str:
        """A new draft prefilled from the statement, referencing it (``corrects``);
        signatures are cleared (a correction is signed again)."""
        raise NotImplementedError

    def pdf(self, statement_id: str) -> bytes:
        """The statement as a PDF (audited as an export)."""
        raise NotImplementedError

    def verify(self, statement_id: str) -> bool:
        """The seal still matches the stored statement and its attachments."""
        raise NotImplementedError
