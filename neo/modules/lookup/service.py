"""The record lookup on the device: one entry, every reference file, with a reason.

:class:`LookupService` is what the page and ``neo lookup`` use; it holds no Qt. One
service per module context (``neo.modules.lookup.module.service_for(ctx)``).

* :meth:`LookupService.search` validates the entry and the reason (:class:`LookupInputError`,
  French message for the officer), audits the query, and asks HQ live. When HQ cannot
  be reached the query is kept in the encrypted database (the *queue*), checked against
  the offline hot-list (``Outcome.hotlist``: "probable hit, confirm online") and against
  the files of other modules that search on the device; it is sent again by
  :meth:`LookupService.drain` when HQ is back, and the answer is announced to
  :meth:`LookupService.subscribe` listeners.
* Every outcome is kept in the device's lookup history (encrypted, per officer, with a
  retention limit).

Threads: every method may be called from any thread except that ``subscribe``
callbacks run on the thread that drained (a worker): a Qt page marshals them to the UI
thread itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from neo.api import ModuleContext

Status = Literal["answered", "queued", "refused"]
Severity = Literal["alert", "warning", "info"]
Source = Literal["hq", "device"]

# The reasons an officer may give (codes of neo.protocol.LOOKUP_REASONS), French labels
# wrapped at display time with ctx.tr().
REASON_LABELS: tuple[tuple[str, str], ...] = (
    ("controle_routier", "Contrôle routier"),
    ("controle_identite", "Contrôle d'identité"),
    ("enquete", "Enquête en cours"),
    ("intervention", "Intervention / flagrant délit"),
    ("recherche", "Recherche de personne ou de véhicule"),
    ("autre", "Autre (préciser)"),
)
REASONS: tuple[str, ...] = tuple(code for code, _ in REASON_LABELS)
REASON_NEEDS_TEXT = "autre"

# The structured fields ``search(fields=...)`` accepts (those of neo.protocol.LookupFields).
FIELDS: tuple[str, ...] = ("surname", "given_names", "birth_date", "plate", "vin", "document", "serial", "mrz")


class LookupInputError(ValueError):
    """The entry or the reason cannot be searched. ``message`` is French, for the officer
    (translated with ctx.tr when shown); ``field`` names the input to fix: ``"text"``,
    ``"reason"``, ``"reason_text"`` or one of :data:`FIELDS`."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Hit:
    """One record found, from HQ or from a provider on the device.

    ``severity`` is ``alert`` (wanted or missing person, stolen vehicle or document: red,
    with ``instruction``), ``warning`` (stolen object, registration or licence with a
    problem) or ``info``. ``matched`` names what matched (``plate``, ``name``…).
    ``payload`` is the record (its file's documented columns). ``file_label`` is the
    file's name in the current language.
    """

    file: str
    record_id: str
    score: float
    severity: Severity
    matched: tuple[str, ...]
    instruction: str | None
    payload: dict[str, Any]
    updated_at: datetime | None
    source: Source
    file_label: str

    def as_dict(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True)
class Card:
    """What the detail view of a hit shows (every text already in the current language).

    ``lines`` are ``(label, value)`` pairs in display order; ``updated_label`` says when
    the record was last updated; ``source_label`` whether it came live from HQ or from
    the device."""

    title: str
    subtitle: str
    lines: tuple[tuple[str, str], ...]
    severity: Severity
    instruction: str | None
    file_label: str
    updated_label: str
    source_label: str


@dataclass(frozen=True)
class Preview:
    """What :func:`match.detect` reads in the entry while the officer types.

    ``kind`` is the best reading (``person``, ``plate``, ``vin``, ``document``, ``mrz``,
    ``serial``) or None; ``description`` is a short text for the officer ("Plaque
    AB-123-CD", "Personne : DUPONT Jean, né(e) le 12/03/1985"…), already translated;
    ``problem`` says why the entry is impossible or unreadable as typed (translated)
    and ``notices`` what is worth knowing. ``searchable`` is False when nothing can be
    searched yet."""

    kind: str | None
    description: str
    problem: str | None
    notices: tuple[str, ...]
    searchable: bool
    alternatives: tuple[str, ...] = ()


@dataclass
class Outcome:
    """One query and what came of it.

    ``status``: ``answered`` (HQ answered; ``hits`` hold its hits and the device's),
    ``queued`` (HQ unreachable: waiting in the queue; ``hits`` hold only the device's
    providers' hits) or ``refused`` (HQ refused it for good: ``message`` says why).
    ``message`` is a French text for the officer (already translated) when queued or
    refused. ``hotlist`` lists the kinds of identifier (``plate``, ``vin``,
    ``document``, ``person``) the offline hot-list flags: "probable hit, confirm
    online"; it never says which entry. ``entry`` is the text as typed (str) or the
    structured fields (dict). ``interpretations`` are the kinds the entry was read as.
    """

    query_id: str
    status: Status
    hits: list[Hit]
    interpretations: list[str]
    problem: str | None
    message: str | None
    hotlist: list[str]
    asked_at: datetime
    answered_at: datetime | None
    entry: str | dict[str, str]
    reason: str
    reason_text: str
    officer: str = ""
    searched: list[str] = field(default_factory=list)

    @property
    def entry_text(self) -> str:
        """The entry on one line (the structured fields as ``name: value`` pairs)."""
        raise NotImplementedError

    @property
    def top_severity(self) -> Severity | None:
        """The highest severity of the hits (None without hits)."""
        raise NotImplementedError

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (datetimes in ISO 8601)."""
        raise NotImplementedError


@dataclass(frozen=True)
class ResultAction:
    """An action offered on a hit by a module (``lookup.result_action``): ``run()`` it."""

    key: str
    module_id: str
    label: str
    run: Callable[[], Any]


class LookupService:
    """The lookup of one module context (see the module docstring)."""

    def __init__(self, ctx: ModuleContext, *, transport: Any = None, clock: Callable[[], datetime] | None = None,
                 hotlist_refresh_minutes: float = 15.0) -> None:
        """``transport`` defaults to ``ctx.hq`` (``post(path, body) -> dict``, the hot-list
        GET with its ETag); tests may give another object with the same methods.
        ``clock`` returns the current UTC time (tests)."""
        raise NotImplementedError

    # -- entry ------------------------------------------------------------------------
    def reasons(self) -> list[tuple[str, str]]:
        """``(code, label)`` of the reasons, labels in the current language."""
        raise NotImplementedError

    def preview(self, text: str) -> Preview:
        """What the single search field reads, for live feedback while typing (cheap)."""
        raise NotImplementedError

    def search(self, *, text: str | None = None, fields: dict[str, str] | None = None, reason: str,
               reason_text: str = "") -> Outcome:
        """Search one entry (``text`` or ``fields``, exactly one) for ``reason``.

        Raises :class:`LookupInputError` (nothing audited, nothing stored) for an empty
        or unreadable entry, an unknown reason, or ``autre`` without a text. Otherwise
        audits ``lookup.query`` and returns an :class:`Outcome`: ``answered`` when HQ
        answered, ``queued`` when HQ could not be reached (the query waits in the queue;
        hot-list and device providers checked), ``refused`` when HQ refused it. Blocks
        for the HTTP round trip: call it from a worker thread in a UI."""
        raise NotImplementedError

    # -- queue and history ------------------------------------------------------------
    def pending(self) -> list[Outcome]:
        """This officer's queued queries, oldest first."""
        raise NotImplementedError

    def drain(self) -> list[Outcome]:
        """Send this officer's queued queries (oldest first) and return those that got an
        answer (or a refusal) now. Each is stored in the history, audited
        (``lookup.answer`` with its ``query_id``) and announced to the subscribers.
        Stops at the first query HQ cannot be reached for. Safe to call from any thread,
        several at once (one drain runs at a time; sending twice is idempotent)."""
        raise NotImplementedError

    def history(self, limit: int = 50, *, text: str | None = None) -> list[Outcome]:
        """This officer's queries, newest first; ``text`` filters on the entry (case and
        accents ignored)."""
        raise NotImplementedError

    def get(self, query_id: str) -> Outcome | None:
        """One of this officer's queries, or None."""
        raise NotImplementedError

    def subscribe(self, callback: Callable[[Outcome], None]) -> Callable[[], None]:
        """``callback(outcome)`` when a queued query gets its answer (or a refusal); runs on
        the draining thread. Returns the unsubscribe function."""
        raise NotImplementedError

    # -- display ----------------------------------------------------------------------
    def card(self, hit: Hit) -> Card:
        """The detail view of a hit, from its file's provider."""
        raise NotImplementedError

    def files(self) -> list[tuple[str, str]]:
        """``(file id, label)`` of every file searched (HQ's and the device's)."""
        raise NotImplementedError

    def actions(self, hit: Hit) -> list[ResultAction]:
        """The actions other modules offer on this hit (``lookup.result_action``), e.g.
        "Utiliser dans un procès-verbal"."""
        raise NotImplementedError

    # -- hot-list ---------------------------------------------------------------------
    def hotlist_status(self) -> tuple[str | None, int, datetime | None]:
        """``(version, number of hashes, when it was last fetched or confirmed)``."""
        raise NotImplementedError

    def refresh_hotlist(self, *, force: bool = False) -> bool:
        """Fetch the hot-list from HQ (with its ETag) unless it was fetched less than
        ``hotlist_refresh_minutes`` ago; True when a new list was stored. Never raises
        for the network (False)."""
        raise NotImplementedError

    def close(self) -> None:
        """Forget the subscribers (the module is deactivating)."""
        raise NotImplementedError
