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

import base64
import hashlib
import hmac
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from neo.api import HqRefused, HqUnavailable, ModuleContext
from neo.modules.lookup import providers as prov
from neo.modules.lookup import store as sql
from neo.modules.lookup.match import (
    Interpretation,
    PersonName,
    Query,
    QueryKind,
    detect,
    document_key,
    fold_text,
    person_query_keys,
    plate_key,
    serial_number_key,
    vin_key,
)

log = logging.getLogger(__name__)

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

# The structured fields ``search(fields=...)`` accepts, with their maximum lengths (those of
# neo.protocol.LookupFields).
FIELD_LIMITS: dict[str, int] = {"surname": 120, "given_names": 120, "birth_date": 20, "plate": 20, "vin": 30,
                                "document": 40, "serial": 60, "mrz": 300}
FIELDS: tuple[str, ...] = tuple(FIELD_LIMITS)
MAX_TEXT = 400
MAX_REASON_TEXT = 200
RESULT_LIMIT = 20
SEARCH_PATH = "search"
HOTLIST_PATH = "hotlist"
HOTLIST_MESSAGE = "Correspondance probable, à confirmer en ligne"
SEVERITY_RANK: dict[str, int] = {"alert": 0, "warning": 1, "info": 2}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")

# Messages stored with an outcome are kept as French sources (translated when shown), or
# as HQ's own words.
_QUEUED = "Serveur central injoignable : la requête est en attente et partira dès le retour du réseau."
_NOT_ENROLLED = "Cet appareil n'est pas relié à un serveur central : la requête est en attente."
_REFUSED = "Le serveur central a refusé la requête : {message}"


class LookupInputError(ValueError):
    """The entry or the reason cannot be searched. ``message`` is French, for the officer
    (already translated with ctx.tr); ``field`` names the input to fix: ``"text"``,
    ``"fields"``, ``"reason"``, ``"reason_text"`` or one of :data:`FIELDS`."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _parse_time(value: Any) -> datetime | None:
    """ISO 8601 text, epoch milliseconds or a datetime -> an aware UTC datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="milliseconds") if value is not None else None


def _compact_text(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def _search_text(entry: str | Mapping[str, str]) -> str:
    """What the history search looks in: the entry folded (case, accents, spaces), then
    its letters and digits only (so ``ab123cd`` finds ``AB-123-CD``)."""
    text = entry if isinstance(entry, str) else " ".join(entry.values())
    folded = " ".join(fold_text(text).lower().split())
    return f"{folded}\n{_compact_text(folded)}"


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


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
        return {"file": self.file, "file_label": self.file_label, "record_id": self.record_id, "score": self.score,
                "severity": self.severity, "matched": list(self.matched), "instruction": self.instruction,
                "payload": self.payload, "updated_at": _iso(self.updated_at), "source": self.source}

    def stored(self) -> dict[str, Any]:
        out = self.as_dict()
        del out["file_label"]
        return out


@dataclass(frozen=True)
class Card:
    """What the detail view of a hit shows (every text already in the current language).

    ``lines`` are ``(label, value)`` pairs in display order; ``updated_label`` says when
    the record was last updated; ``source_label`` whether it came live from HQ or from
    the device; ``severity_label`` names the severity."""

    title: str
    subtitle: str
    lines: tuple[tuple[str, str], ...]
    severity: Severity
    instruction: str | None
    file_label: str
    updated_label: str
    source_label: str
    severity_label: str = ""


@dataclass(frozen=True)
class Preview:
    """What :func:`match.detect` reads in the entry while the officer types.

    ``kind`` is the best reading (``person``, ``plate``, ``vin``, ``document``, ``mrz``,
    ``serial``) or None; ``description`` is a short text for the officer ("Plaque
    AB-123-CD", "Personne : DUPONT Jean, né(e) le 12/03/1985"…), already translated;
    ``problem`` says why the entry is impossible or unreadable as typed (translated)
    and ``notices`` what is worth knowing. ``searchable`` is False when nothing can be
    searched yet. ``alternatives`` describes the other readings (also searched)."""

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
    ``message`` is a text for the officer (already translated) when queued or refused.
    ``hotlist`` lists the kinds of identifier (``plate``, ``vin``, ``document``,
    ``person``, ``serial``) the offline hot-list flags: "probable hit, confirm online"
    (:attr:`hotlist_message`); it never says which entry. ``entry`` is the text as
    typed (str) or the structured fields (dict). ``interpretations`` are the kinds the
    entry was read as; ``problem`` (translated) says what is impossible in it.
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
    hotlist_message: str | None = None

    @property
    def entry_text(self) -> str:
        """The entry on one line (the structured fields as ``name: value`` pairs)."""
        if isinstance(self.entry, str):
            return " ".join(self.entry.split())
        return " ; ".join(f"{k}: {' '.join(str(v).split())}" for k, v in self.entry.items())

    @property
    def top_severity(self) -> Severity | None:
        """The highest severity of the hits (None without hits)."""
        if not self.hits:
            return None
        return min((h.severity for h in self.hits), key=lambda s: SEVERITY_RANK.get(s, 9))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (datetimes in ISO 8601)."""
        return {"query_id": self.query_id, "status": self.status, "officer": self.officer,
                "asked_at": _iso(self.asked_at), "answered_at": _iso(self.answered_at), "entry": self.entry,
                "reason": self.reason, "reason_text": self.reason_text, "interpretations": self.interpretations,
                "searched": self.searched, "problem": self.problem, "message": self.message,
                "hotlist": self.hotlist, "hotlist_message": self.hotlist_message,
                "hits": [h.as_dict() for h in self.hits]}


@dataclass(frozen=True)
class ResultAction:
    """An action offered on a hit by a module (``lookup.result_action``): ``run()`` it."""

    key: str
    module_id: str
    label: str
    run: Callable[[], Any]


def sort_hits(hits: Iterable[Hit]) -> list[Hit]:
    """Alerts first, then warnings, then the rest; by score within a severity."""
    return sorted(hits, key=lambda h: (SEVERITY_RANK.get(h.severity, 9), -h.score, h.source != "hq", h.file,
                                       h.record_id))


def hotlist_hash(secret: bytes, key: str) -> str:
    """The hot-list's keyed hash of one key: first 8 bytes (hex) of HMAC-SHA256."""
    return hmac.new(secret, key.encode("utf-8"), hashlib.sha256).digest()[:8].hex()


def query_keys(query: Query) -> list[tuple[str, str]]:
    """``(kind, key)`` of every canonical key (``match.keys``) the entry could have in the
    hot-list: plates, VINs, document and serial numbers, and a person's name with a full
    birth date (every reading)."""
    out: list[tuple[str, str]] = []

    def add(kind: str, key: str | None) -> None:
        if key and (kind, key) not in out:
            out.append((kind, key))

    for alt in query.alternatives:
        value = alt.value
        if alt.kind is QueryKind.PLATE:
            add("plate", plate_key(getattr(value, "compact", None) or str(value)))
        elif alt.kind is QueryKind.VIN:
            add("vin", vin_key(getattr(value, "canonical", None) or str(value)))
        elif alt.kind is QueryKind.DOCUMENT:
            add("document", document_key(getattr(value, "canonical", None) or str(value)))
        elif alt.kind is QueryKind.SERIAL:
            add("serial", serial_number_key(str(value)))
        elif alt.kind is QueryKind.PERSON:
            for key in person_query_keys(value.name, value.birth_date):  # type: ignore[union-attr]
                add("person", key)
        elif alt.kind is QueryKind.MRZ:
            add("document", document_key(value.document_number))  # type: ignore[union-attr]
            birth = value.birth_date  # type: ignore[union-attr]
            if isinstance(birth, date):
                name = PersonName(value.surname, value.given_names)  # type: ignore[union-attr]
                for key in person_query_keys(name, birth):
                    add("person", key)
    return out


class LookupService:
    """The lookup of one module context (see the module docstring)."""

    def __init__(self, ctx: ModuleContext, *, clock: Callable[[], datetime] | None = None,
                 hotlist_refresh_minutes: float = 15.0, retention_days: int = 90, history_max: int = 1000) -> None:
        """``clock`` returns the current UTC time (tests). History older than
        ``retention_days``, or past ``history_max`` queries per officer, is deleted."""
        self.ctx = ctx
        self._clock = clock or (lambda: datetime.now(UTC))
        self.hotlist_refresh = timedelta(minutes=hotlist_refresh_minutes)
        self.retention = timedelta(days=retention_days)
        self.history_max = history_max
        self._subscribers: list[Callable[[Outcome], None]] = []
        self._sub_lock = threading.Lock()
        self._drain_lock = threading.Lock()
        self._hotlist_lock = threading.Lock()

    @property
    def officer(self) -> str:
        return self.ctx.officer.service_number

    # -- entry ------------------------------------------------------------------------
    def reasons(self) -> list[tuple[str, str]]:
        """``(code, label)`` of the reasons, labels in the current language."""
        return [(code, self.ctx.tr(label)) for code, label in REASON_LABELS]

    def _msg(self, problem: Any) -> str:
        """A ``match`` Problem or Notice in the current language."""
        return str(problem.message_en if self.ctx.language() == "en" else problem.message_fr)

    def _describe(self, alt: Interpretation) -> str:
        tr = self.ctx.tr
        value = alt.value
        if alt.kind is QueryKind.PLATE:
            return tr("Plaque {plate}", plate=getattr(value, "display", value))
        if alt.kind is QueryKind.VIN:
            return tr("Numéro VIN {vin}", vin=getattr(value, "canonical", value))
        if alt.kind is QueryKind.DOCUMENT:
            return tr("Numéro de document {number}", number=getattr(value, "canonical", value))
        if alt.kind is QueryKind.SERIAL:
            return tr("Numéro de série {serial}", serial=value)
        if alt.kind is QueryKind.MRZ:
            return tr("Bande MRZ : {surname} {given}, document {number}", surname=value.surname,  # type: ignore[union-attr]
                      given=value.given_names, number=value.document_number)  # type: ignore[union-attr]
        name = value.name  # type: ignore[union-attr]
        shown = f"{name.last.upper()} {name.first}".strip() if isinstance(name, PersonName) else str(name)
        birth = value.birth_date  # type: ignore[union-attr]
        if birth is not None and birth.value is not None:
            return tr("Personne : {name}, né(e) le {date}", name=shown, date=prov.fr_date(birth.value.iso())
                      if birth.value.day else birth.value.iso())
        return tr("Personne : {name}", name=shown)

    def preview(self, text: str) -> Preview:
        """What the single search field reads, for live feedback while typing (cheap)."""
        if not text or not text.strip():
            return Preview(None, "", None, (), False)
        if len(text) > MAX_TEXT:
            return Preview(None, "", self.ctx.tr("Saisie trop longue ({n} caractères au plus).", n=MAX_TEXT), (),
                           False)
        query = detect(text)
        best = query.best
        if best is None:
            problem = self._msg(query.problem) if query.problem else None
            return Preview(None, "", problem, (), False)
        problem_obj = best.problem or query.problem
        return Preview(best.kind.value, self._describe(best), self._msg(problem_obj) if problem_obj else None,
                       tuple(self._msg(n) for n in best.notices), True,
                       tuple(self._describe(a) for a in query.alternatives[1:] if a.kind is not QueryKind.SERIAL))

    def _validate(self, text: str | None, fields: Mapping[str, Any] | None, reason: str,
                  reason_text: str) -> tuple[Query, str | dict[str, str], str]:
        tr = self.ctx.tr
        if reason not in REASONS:
            raise LookupInputError(tr("Choisissez un motif de consultation."), "reason")
        reason_text = " ".join((reason_text or "").split())
        if len(reason_text) > MAX_REASON_TEXT:
            raise LookupInputError(tr("Précision du motif trop longue ({n} caractères au plus).", n=MAX_REASON_TEXT),
                                   "reason_text")
        if reason == REASON_NEEDS_TEXT and not reason_text:
            raise LookupInputError(tr("Précisez le motif de la consultation."), "reason_text")
        if (text is None) == (fields is None):
            raise LookupInputError(tr("Saisissez une recherche."), "text")
        if text is not None:
            if not isinstance(text, str) or not text.strip():
                raise LookupInputError(tr("Saisissez une recherche."), "text")
            if len(text) > MAX_TEXT:
                raise LookupInputError(tr("Saisie trop longue ({n} caractères au plus).", n=MAX_TEXT), "text")
            if _CONTROL_BUT_NEWLINE.search(text):
                raise LookupInputError(tr("La saisie contient des caractères invalides."), "text")
            query = detect(text)
            if not query.alternatives:
                problem = query.problem
                raise LookupInputError(self._msg(problem) if problem else tr("Saisie non reconnue."), "text")
            return query, text.strip(), reason_text
        assert fields is not None
        if not isinstance(fields, Mapping):
            raise LookupInputError(tr("Saisissez une recherche."), "fields")
        clean: dict[str, str] = {}
        for name, value in fields.items():
            if name not in FIELD_LIMITS:
                raise LookupInputError(tr("Champ inconnu : {name}.", name=name), "fields")
            if value is None:
                continue
            if not isinstance(value, str):
                raise LookupInputError(tr("Valeur invalide."), name)
            value = value.strip()
            if not value:
                continue
            if len(value) > FIELD_LIMITS[name]:
                raise LookupInputError(tr("Valeur trop longue ({n} caractères au plus).", n=FIELD_LIMITS[name]), name)
            pattern = _CONTROL_BUT_NEWLINE if name == "mrz" else _CONTROL
            if pattern.search(value):
                raise LookupInputError(tr("La saisie contient des caractères invalides."), name)
            clean[name] = value
        if not clean:
            raise LookupInputError(tr("Remplissez au moins un champ."), "fields")
        if "birth_date" in clean and not ({"surname", "given_names"} & set(clean)):
            raise LookupInputError(tr("Une date seule ne suffit pas : ajoutez un nom."), "surname")
        query = Query.from_fields(last_name=clean.get("surname"), first_name=clean.get("given_names"),
                                  birth_date=clean.get("birth_date"), plate=clean.get("plate"), vin=clean.get("vin"),
                                  document_number=clean.get("document"), serial=clean.get("serial"),
                                  mrz=clean.get("mrz"))
        if not query.alternatives:
            field_name = "mrz" if "mrz" in clean else next(iter(clean))
            message = tr("Bande MRZ illisible.") if field_name == "mrz" else tr("Saisie non reconnue.")
            raise LookupInputError(message, field_name)
        return query, clean, reason_text

    def _interpretations(self, query: Query) -> list[str]:
        out: list[str] = []
        for alt in query.alternatives:
            if alt.kind.value not in out:
                out.append(alt.kind.value)
        return out

    def _request(self, query_id: str, entry: str | dict[str, str], reason: str, reason_text: str,
                 asked_at: datetime) -> dict[str, Any]:
        body: dict[str, Any] = {"query_id": query_id, "officer": self.officer, "reason": reason,
                                "reason_text": reason_text, "asked_at_ms": _ms(asked_at), "limit": RESULT_LIMIT}
        if isinstance(entry, str):
            body["text"] = entry
        else:
            body["fields"] = dict(entry)
        position = self._position()
        if position is not None:
            body["position"] = position
        return body

    def _position(self) -> dict[str, float] | None:
        try:
            pos = self.ctx.position.current()
        except Exception:  # no permission, or the source failed: the query goes without it
            return None
        if pos is None:
            return None
        out: dict[str, float] = {"lat": float(pos.lat), "lon": float(pos.lon)}
        if pos.accuracy is not None:
            out["accuracy"] = float(pos.accuracy)
        return out

    def search(self, *, text: str | None = None, fields: dict[str, str] | None = None, reason: str,
               reason_text: str = "") -> Outcome:
        """Search one entry (``text`` or ``fields``, exactly one) for ``reason``.

        Raises :class:`LookupInputError` (nothing audited, nothing stored) for an empty
        or unreadable entry, an unknown reason, or ``autre`` without a text. Otherwise
        audits ``lookup.query`` and returns an :class:`Outcome`: ``answered`` when HQ
        answered, ``queued`` when HQ could not be reached (the query waits in the queue;
        hot-list and device providers checked), ``refused`` when HQ refused it. Blocks
        for the HTTP round trip: call it from a worker thread in a UI."""
        query, entry, reason_text = self._validate(text, fields, reason, reason_text)
        query_id = str(uuid.uuid4())
        asked_at = self._clock()
        request = self._request(query_id, entry, reason, reason_text, asked_at)
        local_hits = self._local_hits(query)
        problem = query.problem or (query.best.problem if query.best else None)
        stored: dict[str, Any] = {"interpretations": self._interpretations(query), "searched": [],
                                  "problem": {"fr": problem.message_fr, "en": problem.message_en} if problem else None,
                                  "message": None, "hotlist": [], "hits": [h.stored() for h in local_hits]}
        status: Status
        answered_at: datetime | None = None
        try:
            self._merge_answer(stored, self.ctx.hq.post(SEARCH_PATH, request))
        except HqUnavailable as exc:
            status = "queued"
            stored["message"] = {"tr": _NOT_ENROLLED if "not_enrolled" in (exc.kind, exc.code) else _QUEUED}
            stored["hotlist"] = self._hotlist_check(query)
        except HqRefused as exc:
            status, answered_at = "refused", self._clock()
            stored["message"] = {"tr": _REFUSED, "message": exc.message}
        else:
            status, answered_at = "answered", self._clock()
        self.ctx.db.write(lambda c: sql.insert_query(
            c, query_id=query_id, officer=self.officer, asked_at=_iso(asked_at) or "", answered_at=_iso(answered_at),
            status=status, reason=reason, reason_text=reason_text, entry=entry,
            search_text=_search_text(entry),
            request=request, outcome=stored))
        outcome = self._outcome(sql.QueryRow(query_id, self.officer, _iso(asked_at) or "", _iso(answered_at), status,
                                             reason, reason_text, entry, request, stored, 0, None))
        self.ctx.audit.log("query", reason=reason, details={
            "query_id": query_id, "entry": entry, "reason_text": reason_text, "kind": query.kind.value if query.kind
            else None, "interpretations": stored["interpretations"], "status": status,
            "result_count": len(outcome.hits), "hotlist": bool(stored["hotlist"])})
        self._purge()
        return outcome

    def _merge_answer(self, stored: dict[str, Any], answer: Any) -> None:
        """Put HQ's LookupResponse into a stored outcome (the device's hits stay)."""
        if not isinstance(answer, Mapping):
            raise HqRefused("rejected", self.ctx.tr("Réponse du serveur central illisible."), {"code": "bad_answer"})
        hits = [h for h in stored["hits"] if h.get("source") == "device"]
        for raw in answer.get("hits") or []:
            try:
                hits.append({"file": str(raw["file"]), "record_id": str(raw["record_id"]),
                             "score": float(raw.get("score", 0.0)), "severity": str(raw.get("severity", "info")),
                             "matched": list(raw.get("matched") or []), "instruction": raw.get("instruction"),
                             "payload": dict(raw.get("payload") or {}),
                             "updated_at": _iso(_parse_time(raw.get("updated_at_ms"))), "source": "hq"})
            except (KeyError, TypeError, ValueError):
                log.warning("an unreadable hit from HQ was skipped")
        stored["hits"] = hits
        stored["searched"] = list(answer.get("searched") or [])
        if answer.get("interpretations"):
            stored["interpretations"] = list(answer["interpretations"])
        if answer.get("problem"):
            stored["problem"] = {"hq": str(answer["problem"])}
        stored["message"] = None
        stored["replayed"] = bool(answer.get("replayed"))

    # -- providers --------------------------------------------------------------------
    def _contributed(self) -> list[tuple[str, Any]]:
        """``(module id, provider)`` contributed to ``lookup.reference_file`` that honour the contract."""
        out = []
        for c in self.ctx.contributions(prov.POINT):
            if prov.is_provider(c.value):
                out.append((c.module_id, c.value))
            else:
                log.debug("ignoring a %s contribution of %s that is not a provider", prov.POINT, c.module_id)
        return out

    def _provider(self, file: str) -> Any:
        for _module, provider in self._contributed():
            if provider.id == file:
                return provider
        return prov.BUILTIN.get(file)

    def file_label(self, file: str) -> str:
        provider = self._provider(file)
        if provider is None:
            return file
        if isinstance(provider, prov.BuiltinFile):
            return self.ctx.tr(provider.label_fr)
        return prov.provider_label(provider, self.ctx.language())

    def files(self) -> list[tuple[str, str]]:
        """``(file id, label)`` of every file searched (HQ's and the device's)."""
        out = [(f.id, self.ctx.tr(f.label_fr)) for f in prov.BUILTIN_FILES]
        for _module, provider in self._contributed():
            if provider.id not in prov.BUILTIN:
                out.append((provider.id, prov.provider_label(provider, self.ctx.language())))
        return out

    def _local_hits(self, query: Query) -> list[Hit]:
        plain = prov.provider_query(query)
        hits: list[Hit] = []
        for module_id, provider in self._contributed():
            if provider.remote:
                continue
            try:
                found = list(provider.search(plain) or [])
            except Exception:
                log.exception("the lookup provider %s of module %s failed", provider.id, module_id)
                continue
            label = prov.provider_label(provider, self.ctx.language())
            for raw in found[:RESULT_LIMIT]:
                try:
                    severity = str(raw.get("severity") or "info")
                    hits.append(Hit(
                        file=provider.id, record_id=str(raw["record_id"]),
                        score=max(0.0, min(1.0, float(raw.get("score", 1.0)))),
                        severity=severity if severity in SEVERITY_RANK else "info",  # type: ignore[arg-type]
                        matched=tuple(str(m) for m in raw.get("matched") or ()), instruction=raw.get("instruction"),
                        payload=dict(raw.get("payload") or {}), updated_at=_parse_time(raw.get("updated_at")),
                        source="device", file_label=label))
                except (KeyError, TypeError, ValueError, AttributeError):
                    log.warning("a hit of the lookup provider %s was unreadable and skipped", provider.id)
        return sort_hits(hits)

    # -- outcomes ---------------------------------------------------------------------
    def _text(self, stored: Any) -> str | None:
        if not stored:
            return None
        if "tr" in stored:
            params = {k: v for k, v in stored.items() if k != "tr"}
            return self.ctx.tr(stored["tr"], **params)
        if "hq" in stored:
            return str(stored["hq"])
        return str(stored.get(self.ctx.language()) or stored.get("fr") or "")

    def _outcome(self, row: sql.QueryRow) -> Outcome:
        data = row.outcome
        hits = []
        for raw in data.get("hits") or []:
            hits.append(Hit(file=raw["file"], record_id=raw["record_id"], score=float(raw.get("score", 0.0)),
                            severity=raw.get("severity", "info"), matched=tuple(raw.get("matched") or ()),
                            instruction=raw.get("instruction"), payload=raw.get("payload") or {},
                            updated_at=_parse_time(raw.get("updated_at")), source=raw.get("source", "hq"),
                            file_label=self.file_label(raw["file"])))
        hotlist = list(data.get("hotlist") or [])
        return Outcome(
            query_id=row.query_id, status=row.status,  # type: ignore[arg-type]
            hits=sort_hits(hits), interpretations=list(data.get("interpretations") or []),
            problem=self._text(data.get("problem")), message=self._text(data.get("message")), hotlist=hotlist,
            asked_at=_parse_time(row.asked_at) or self._clock(), answered_at=_parse_time(row.answered_at),
            entry=row.entry, reason=row.reason, reason_text=row.reason_text, officer=row.officer,
            searched=list(data.get("searched") or []),
            hotlist_message=self.ctx.tr(HOTLIST_MESSAGE) if hotlist else None)

    # -- queue and history ------------------------------------------------------------
    def pending(self) -> list[Outcome]:
        """This officer's queued queries, oldest first."""
        return [self._outcome(r) for r in self.ctx.db.read(lambda c: sql.queued(c, self.officer))]

    def drain(self) -> list[Outcome]:
        """Send this officer's queued queries (oldest first) and return those that got an
        answer (or a refusal) now. Each is stored in the history, audited
        (``lookup.answer`` with its ``query_id``) and announced to the subscribers.
        Stops at the first query HQ cannot be reached for. Safe to call from any thread,
        several at once (one drain runs at a time; sending twice is idempotent)."""
        done: list[Outcome] = []
        with self._drain_lock:
            for row in self.ctx.db.read(lambda c: sql.queued(c, self.officer)):
                stored = dict(row.outcome)
                try:
                    self._merge_answer(stored, self.ctx.hq.post(SEARCH_PATH, row.request))
                    status: Status = "answered"
                    error = None
                except HqUnavailable as exc:
                    self.ctx.db.write(lambda c, r=row, e=exc: sql.note_attempt(c, r.query_id, f"{e.kind}: {e.message}"))
                    break
                except HqRefused as exc:
                    status = "refused"
                    stored["message"] = {"tr": _REFUSED, "message": exc.message}
                    error = f"{exc.status} {exc.kind}: {exc.message}"
                now = _iso(self._clock()) or ""
                settled = self.ctx.db.write(lambda c, r=row, s=status, o=stored, e=error, t=now: sql.settle_query(
                    c, r.query_id, status=s, answered_at=t, outcome=o, error=e))
                if not settled:
                    continue
                outcome = self._outcome(replace(row, status=status, answered_at=now, outcome=stored))
                self.ctx.audit.log("answer", reason=row.reason, details={
                    "query_id": row.query_id, "status": status, "result_count": len(outcome.hits),
                    "asked_at": row.asked_at, "replayed": bool(stored.get("replayed"))})
                done.append(outcome)
                self._announce(outcome)
        return done

    def _announce(self, outcome: Outcome) -> None:
        with self._sub_lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(outcome)
            except Exception:
                log.exception("a lookup subscriber failed")

    def history(self, limit: int = 50, *, text: str | None = None) -> list[Outcome]:
        """This officer's queries, newest first; ``text`` filters on the entry (case and
        accents ignored)."""
        needles: tuple[str, ...] = ()
        if text and text.strip():
            folded = " ".join(fold_text(text).lower().split())
            needles = (folded, _compact_text(folded))
        rows = self.ctx.db.read(lambda c: sql.history(c, self.officer, max(1, min(int(limit), 1000)), needles))
        return [self._outcome(r) for r in rows]

    def get(self, query_id: str) -> Outcome | None:
        """One of this officer's queries, or None."""
        row = self.ctx.db.read(lambda c: sql.get_query(c, query_id, self.officer))
        return self._outcome(row) if row else None

    def subscribe(self, callback: Callable[[Outcome], None]) -> Callable[[], None]:
        """``callback(outcome)`` when a queued query gets its answer (or a refusal); runs on
        the draining thread. Returns the unsubscribe function."""
        with self._sub_lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._sub_lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def _purge(self) -> None:
        before = _iso(self._clock() - self.retention) or ""
        self.ctx.db.write(lambda c: sql.purge(c, before=before, keep=self.history_max))

    # -- display ----------------------------------------------------------------------
    def card(self, hit: Hit) -> Card:
        """The detail view of a hit, from its file's provider."""
        tr = self.ctx.tr
        provider = self._provider(hit.file)
        data: Mapping[str, Any] = {}
        try:
            if isinstance(provider, prov.BuiltinFile):
                data = provider.card(hit.payload, tr)
            elif provider is not None:
                data = provider.card(hit.payload) or {}
        except Exception:
            log.exception("the card of file %s failed", hit.file)
        if not data:
            data = {"title": hit.record_id, "subtitle": "",
                    "lines": [(str(k), "" if v is None else str(v)) for k, v in hit.payload.items()]}
        lines = tuple((str(label), str(value)) for label, value in data.get("lines") or ())
        if hit.updated_at is not None:
            local = hit.updated_at.astimezone()
            updated = tr("Mis à jour le {date} à {time}", date=local.strftime("%d/%m/%Y"), time=local.strftime("%H:%M"))
        else:
            updated = tr("Date de mise à jour inconnue")
        source = tr("En direct du serveur central") if hit.source == "hq" else tr("Données de l'appareil")
        return Card(title=str(data.get("title") or hit.record_id), subtitle=str(data.get("subtitle") or ""),
                    lines=lines, severity=hit.severity, instruction=hit.instruction or data.get("instruction"),
                    file_label=hit.file_label or self.file_label(hit.file), updated_label=updated,
                    source_label=source, severity_label=tr(prov.SEVERITY_LABELS.get(hit.severity, "Information")))

    def actions(self, hit: Hit) -> list[ResultAction]:
        """The actions other modules offer on this hit (``lookup.result_action``), e.g.
        "Utiliser dans un procès-verbal"."""
        out: list[ResultAction] = []
        for c in self.ctx.contributions(prov.ACTION_POINT):
            value = c.value
            try:
                if not value.accepts(hit):
                    continue
                label = value.label.get(self.ctx.language()) or value.label.get("fr") or c.key
            except Exception:
                log.exception("the result action %s of module %s failed", c.key, c.module_id)
                continue
            out.append(ResultAction(c.key, c.module_id, str(label), lambda v=value: v.run(hit)))
        return out

    # -- hot-list ---------------------------------------------------------------------
    def hotlist_status(self) -> tuple[str | None, int, datetime | None]:
        """``(version, number of hashes, when it was last fetched or confirmed)``."""
        meta = self.ctx.db.read(sql.hotlist_meta)
        if meta is None:
            return None, 0, None
        return meta.version, meta.count, _parse_time(meta.fetched_at)

    def refresh_hotlist(self, *, force: bool = False) -> bool:
        """Fetch the hot-list from HQ (with its ETag) unless it was fetched less than
        ``hotlist_refresh_minutes`` ago; True when a new list was stored. Never raises
        for the network or a refusal (False)."""
        with self._hotlist_lock:
            meta = self.ctx.db.read(sql.hotlist_meta)
            now = self._clock()
            if meta is not None and not force:
                fetched = _parse_time(meta.fetched_at)
                if fetched is not None and now - fetched < self.hotlist_refresh:
                    return False
            try:
                response = self.ctx.hq.get(HOTLIST_PATH, etag=meta.etag if meta is not None else None)
            except (HqUnavailable, HqRefused) as exc:
                log.info("hot-list not refreshed: %s", exc)
                return False
            if response.not_modified:
                if meta is not None:
                    self.ctx.db.write(lambda c: sql.touch_hotlist(c, _iso(now) or ""))
                return False
            body = response.json
            try:
                version, secret = str(body["version"]), str(body["secret"])
                base64.b64decode(secret, validate=True)
                hashes = [str(h).lower() for h in body["hashes"]]
                if body.get("algorithm", "hmac-sha256-64") != "hmac-sha256-64" or any(
                        not re.fullmatch(r"[0-9a-f]{16}", h) for h in hashes):
                    raise ValueError("unknown hot-list format")
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("HQ's hot-list is unreadable, the old one is kept: %s", exc)
                return False
            generated = _parse_time(body.get("generated_at_ms"))
            self.ctx.db.write(lambda c: sql.replace_hotlist(
                c, version=version, key_version=str(body.get("key_version") or ""),
                algorithm=str(body.get("algorithm") or "hmac-sha256-64"), secret=secret, etag=response.etag,
                generated_at=_iso(generated), fetched_at=_iso(now) or "", hashes=hashes))
            return True

    def _hotlist_check(self, query: Query) -> list[str]:
        """The kinds of identifier of ``query`` whose keyed hash is in the hot-list."""
        meta = self.ctx.db.read(sql.hotlist_meta)
        if meta is None or meta.count == 0:
            return []
        secret = base64.b64decode(meta.secret)
        keys = query_keys(query)
        by_hash: dict[str, set[str]] = {}
        for kind, key in keys:
            if meta.key_version and not key.startswith(f"{meta.key_version}:"):
                continue
            by_hash.setdefault(hotlist_hash(secret, key), set()).add(kind)
        found = self.ctx.db.read(lambda c: sql.hotlist_hits(c, by_hash))
        kinds: list[str] = []
        for kind, _key in keys:
            if kind not in kinds and any(kind in by_hash[h] for h in found):
                kinds.append(kind)
        return kinds

    def close(self) -> None:
        """Forget the subscribers (the module is deactivating)."""
        with self._sub_lock:
            self._subscribers.clear()

