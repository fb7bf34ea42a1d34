"""HQ's search over the reference files: one officer's entry, every file they may search,
one merged list of hits.

How an entry is searched:

1. Read it: the single field with :func:`~neo.modules.lookup.match.detect` (every reading
   is searched: ``08CD50338`` is a passport, a licence card and a serial number at once),
   the structured fields with :meth:`~neo.modules.lookup.match.Query.from_fields`. An MRZ
   gives a document number and an identity (name and birth date).
2. Identifiers (plate, VIN, document number, serial number) are looked up by their
   canonical keys (:mod:`neo.modules.lookup.match.keys`) in ``reference_keys``; a document
   or serial number also by its readings with the look-alike characters ``B``/``8``,
   ``S``/``5``, ``Z``/``2``, ``G``/``6`` exchanged. Each hit is scored against the record's
   own value (``plate_score``, ``vin_score``, ``document_score``).
3. A person is looked up in the name index (``reference_names``), in tiers that stop as
   soon as a strong candidate is found: everyone born on the date typed (and on the date
   with day and month swapped, and the other century of a two-digit year); everyone whose
   surname and first given name sound like two of the words typed (French phonetic keys),
   in the year typed when only a year or a month is known; whose surname alone, or given
   name alone, sounds like one of the words; and last the fuzzy trigram index on the full
   name (FTS5 on SQLite, pg_trgm on PostgreSQL) for names whose typos changed their sound.
   Candidates are pre-ranked by shared trigrams, and the best are scored with
   ``name_match`` and ``date_score``: ``name x (0.45 + 0.55 x date)`` when a date was typed,
   the name's score otherwise.
4. Merge: a record found by several readings keeps its best score and everything that
   matched. Ranking: strong hits (score >= 0.85) before weak ones; within each, severity
   (alert, warning, info), then score. So a wanted person comes above the civil record of
   the same person, and an exact identifier above a fuzzy name.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from neo import protocol
from neo.hq.lookup.index import NAMED_FILES
from neo.hq.storage import Database
from neo.hq.storage import lookup as lookup_sql
from neo.modules.lookup.demo import records as demo_records
from neo.modules.lookup.match import (
    KEY_VERSION,
    PARTICLES,
    BirthDateQuery,
    DocumentNumber,
    Mrz,
    PartialDate,
    PersonName,
    PersonQuery,
    Plate,
    Query,
    QueryKind,
    Vin,
    date_score,
    detect,
    document_key,
    document_score,
    name_match,
    name_parts,
    name_tokens,
    normalize_serial,
    parse_plate,
    phonetic_key,
    plate_score,
    serial_number_key,
    vin_key,
    vin_score,
)

__all__ = ["STRONG", "SearchResult", "parse_request", "search", "severity_of"]

STRONG = 0.85  # a hit at or above this is "strong": ranked above every weaker hit
MIN_SCORE = 0.5  # weaker candidates are not hits
_MIN_NAME = 0.6
_SCORED = 6  # candidate identities scored in full per tier (the best by shared trigrams)
_SHARED_FLOOR = 0.5  # ... and sharing at least this share of the best one's trigrams
_PLAUSIBLE_NAME = 0.7  # a name this close, born on the full date typed, ends the search
_DATE_LIMIT = 3000
_PHONETIC_LIMIT = 1500
_FUZZY_LIMIT = 200
_KEY_LIMIT = 200
_GIVEN_AND_DATE = 0.55
_EVIDENCE = frozenset({"phonetic", "typo", "particle", "swap", "partial", "prefix", "initial", "trigram"})
_LOOKALIKES = {"B": "8", "8": "B", "S": "5", "5": "S", "Z": "2", "2": "Z", "G": "6", "6": "G"}
_MAX_VARIANT_POSITIONS = 6

ALERT_FILES = frozenset({demo_records.WANTED_PERSONS, demo_records.MISSING_PERSONS, demo_records.STOLEN_VEHICLES,
                         demo_records.STOLEN_DOCUMENTS})
_SEVERITY_RANK = {"alert": 0, "warning": 1, "info": 2}


@dataclass
class SearchResult:
    hits: list[protocol.LookupHit]  # merged across files, best first, at most `limit`
    interpretations: list[str]  # QueryKind values searched, e.g. ["plate"], ["person"]
    problem: str | None  # French message for the officer when nothing could be searched


# -- reading the request -------------------------------------------------------------------------


def parse_request(request: protocol.LookupRequest, *, today: date | None = None) -> Query:
    """The entry as a :class:`~neo.modules.lookup.match.Query`."""
    if request.text is not None:
        return detect(request.text, today=today)
    f = request.fields
    assert f is not None  # the request model requires one of text and fields
    return Query.from_fields(last_name=f.surname, first_name=f.given_names, birth_date=f.birth_date, plate=f.plate,
                             vin=f.vin, document_number=f.document, serial=f.serial, mrz=f.mrz, today=today)


# -- severity --------------------------------------------------------------------------------------


def _expired(value: Any, today: date) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return date.fromisoformat(value[:10]) < today
    except ValueError:
        return False


def severity_of(file: str, payload: dict[str, Any], today: date) -> protocol.Severity:
    """``alert`` for a wanted or missing person, a stolen vehicle or document; ``warning`` for
    a stolen object, a registration whose insurance or inspection has lapsed, a licence that
    is not valid (suspended, cancelled, no points left) or has expired; ``info`` otherwise."""
    if file in ALERT_FILES:
        return "alert"
    if file == demo_records.STOLEN_OBJECTS:
        return "warning"
    if file == demo_records.VEHICLE_REGISTRATIONS and (
            _expired(payload.get("insurance_valid_until"), today) or _expired(payload.get("inspection_valid_until"),
                                                                              today)):
        return "warning"
    if file == demo_records.DRIVING_LICENCES and (
            (payload.get("status") not in (None, "valide")) or _expired(payload.get("expires_on"), today)):
        return "warning"
    return "info"


# -- candidates ------------------------------------------------------------------------------------


@dataclass
class _Found:
    file: str
    record_id: str
    score: float
    matched: set[str] = field(default_factory=set)
    payload: str | None = None
    updated_at: datetime | None = None
    _data: dict[str, Any] | None = None

    def data(self) -> dict[str, Any]:
        """The payload decoded (once)."""
        if self._data is None:
            self._data = json.loads(self.payload) if self.payload else {}
        return self._data


class _Hits:
    def __init__(self) -> None:
        self.by_ref: dict[tuple[str, str], _Found] = {}

    def add(self, file: str, record_id: str, score: float, matched: set[str], payload: str | None = None,
            updated_at: datetime | None = None) -> None:
        if score < MIN_SCORE:
            return
        ref = (file, record_id)
        found = self.by_ref.get(ref)
        if found is None:
            self.by_ref[ref] = _Found(file, record_id, score, set(matched), payload, updated_at)
            return
        found.score = max(found.score, score)
        found.matched |= matched
        if found.payload is None and payload is not None:
            found.payload, found.updated_at = payload, updated_at


def _lookalike_variants(canonical: str) -> list[str]:
    """``canonical`` with look-alike characters (B/8, S/5, Z/2, G/6) read the other way.

    Letters among digits are tried first (a number typed with ``S`` for ``5`` is the usual
    slip), then digits; at most ``_MAX_VARIANT_POSITIONS`` positions, so 64 readings.
    """
    letters = [i for i, ch in enumerate(canonical) if ch in _LOOKALIKES and ch.isalpha()]
    digits = [i for i, ch in enumerate(canonical) if ch in _LOOKALIKES and ch.isdigit()]
    positions = (letters + digits)[:_MAX_VARIANT_POSITIONS]
    out = {canonical}
    for mask in range(1, 1 << len(positions)):
        chars = list(canonical)
        for bit, pos in enumerate(positions):
            if mask >> bit & 1:
                chars[pos] = _LOOKALIKES[chars[pos]]
        out.add("".join(chars))
    out.discard(canonical)
    return sorted(out)


def _plate_readings(compact: str) -> list[Plate]:
    """Plates ``compact`` can be once an ``O`` is read ``0`` and an ``I`` ``1`` (old FNI
    plates typed with a letter in a digit block, which the plate parser leaves alone)."""
    positions = [i for i, ch in enumerate(compact) if ch in "OI"][:4]
    out: list[Plate] = []
    for mask in range(1, 1 << len(positions)):
        chars = list(compact)
        for bit, pos in enumerate(positions):
            if mask >> bit & 1:
                chars[pos] = "0" if chars[pos] == "O" else "1"
        plate = parse_plate("".join(chars))
        if plate is not None and plate.possible:
            out.append(plate)
    return out


@dataclass
class _KeyProbe:
    kind: str  # what matched: plate, vin, document, serial
    typed: str  # the value as read, for scoring against the record's
    exact: bool  # False for a look-alike variant


def _identifier_probes(query: Query) -> dict[str, _KeyProbe]:
    probes: dict[str, _KeyProbe] = {}

    def add(key: str | None, probe: _KeyProbe) -> None:
        if key and len(key) <= 255 and (key not in probes or (probe.exact and not probes[key].exact)):
            probes[key] = probe

    def numbers(canonical: str, *, serial: bool) -> None:
        add(document_key(canonical), _KeyProbe("document", canonical, True))
        if serial:
            add(serial_number_key(canonical), _KeyProbe("serial", canonical, True))
        for variant in _lookalike_variants(canonical):
            add(document_key(variant), _KeyProbe("document", canonical, False))
            if serial:
                add(serial_number_key(variant), _KeyProbe("serial", canonical, False))

    for alt in query.alternatives:
        value = alt.value
        if alt.kind is QueryKind.PLATE and isinstance(value, Plate):
            add(f"{KEY_VERSION}:plate:{value.compact}", _KeyProbe("plate", value.compact, True))
        elif alt.kind is QueryKind.VIN:
            if isinstance(value, Vin):
                add(vin_key(value.canonical), _KeyProbe("vin", value.canonical, True))
            elif isinstance(value, str):
                numbers(value, serial=True)
        elif alt.kind is QueryKind.DOCUMENT:
            numbers(value.canonical if isinstance(value, DocumentNumber) else str(value), serial=False)
        elif alt.kind is QueryKind.SERIAL and isinstance(value, str):
            numbers(value, serial=True)
            if not query.of_kind(QueryKind.PLATE):
                for plate in _plate_readings(value):
                    add(f"{KEY_VERSION}:plate:{plate.compact}", _KeyProbe("plate", plate.compact, False))
        elif alt.kind is QueryKind.MRZ and isinstance(value, Mrz):
            number = normalize_serial(value.document_number)
            if number:
                add(document_key(number), _KeyProbe("document", number, True))
    if not probes and query.text and not query.structured:
        compact = _as_identifier(query.text)
        if compact:
            numbers(compact, serial=True)
    return probes


_IDENTIFIER_TEXT = re.compile(r"^[A-Za-z0-9]+(?:[ \-.]+[A-Za-z0-9]+)*$")


def _as_identifier(text: str) -> str | None:
    """Text with no identifier reading that could still be a number typed with letters only
    (``WBKF-DSGHWDG``, or ``FGYKASVAI`` with ``I`` for ``1``): one or two groups that make
    6 to 20 letters and digits."""
    stripped = text.strip()
    if not _IDENTIFIER_TEXT.match(stripped) or len(stripped.split()) > 2:
        return None
    compact = normalize_serial(stripped)
    return compact if 6 <= len(compact) <= 20 else None


_VALUE_COLUMNS = {
    "plate": ("plate", "serial"),
    "vin": ("vin",),
    "document": ("number", "card_number"),
    "serial": ("serial",),
}


def _identifier_score(probe: _KeyProbe, payload: dict[str, Any]) -> float:
    best = 0.0
    for column in _VALUE_COLUMNS[probe.kind]:
        value = payload.get(column)
        if not isinstance(value, str) or not value:
            continue
        if probe.kind == "plate":
            s = plate_score(probe.typed, value)
        elif probe.kind == "vin":
            s = vin_score(probe.typed, value)
        else:
            s = document_score(probe.typed, value)
        best = max(best, s)
    if best == 0.0:  # the key matched: the record's value is a form the scorers do not read
        best = 0.9
    return best if probe.exact else 0.9  # a look-alike reading (B/8, S/5…) of the number


def _search_identifiers(conn: Any, query: Query, files: Sequence[str], hits: _Hits) -> set[str]:
    """Look the identifiers up; returns the kinds searched (``plate``, ``document``…)."""
    probes = _identifier_probes(query)
    if not probes:
        return set()
    for row in lookup_sql.records_by_keys(conn, probes, files, _KEY_LIMIT):
        probe = probes[row["key"]]
        payload = json.loads(row["payload"])
        score = _identifier_score(probe, payload)
        hits.add(row["file"], row["record_id"], score, {probe.kind}, row["payload"], row["updated_at"])
    return {p.kind for p in probes.values()}


# -- persons ---------------------------------------------------------------------------------------


@dataclass
class _Person:
    name: PersonName | str
    birth: BirthDateQuery | date | None
    source: str  # "person" or "mrz"


def _persons(query: Query) -> list[_Person]:
    out: list[_Person] = []
    for alt in query.alternatives:
        if alt.kind is QueryKind.PERSON and isinstance(alt.value, PersonQuery):
            out.append(_Person(alt.value.name, alt.value.birth_date, "person"))
        elif alt.kind is QueryKind.MRZ and isinstance(alt.value, Mrz) and alt.value.surname:
            out.append(_Person(alt.value.person_name(), alt.value.birth_date, "mrz"))
    return out


def _name_text(name: PersonName | str) -> str:
    return f"{name.last} {name.first}" if isinstance(name, PersonName) else name


_PARTICLE_PREFIXES = ("del", "des", "de", "du", "la", "le", "d", "l")


def _phonetic_keys(tokens: tuple[str, ...]) -> tuple[set[str], set[str]]:
    """(surname keys, given-name keys) the typed words could have in the name index."""
    surnames: set[str] = set()
    for i in range(len(tokens)):
        for j in range(i + 1, min(len(tokens), i + 4) + 1):
            compact = name_parts(" ".join(tokens[i:j])).compact
            if not compact:
                continue
            surnames.add(phonetic_key(compact))
            for p in _PARTICLE_PREFIXES:  # "lafontaine" typed for "de La Fontaine"
                if compact.startswith(p) and len(compact) > len(p) + 2:
                    surnames.add(phonetic_key(compact[len(p):]))
    givens = {phonetic_key(t) for t in tokens if t not in PARTICLES or len(tokens) == 1}
    surnames.discard("")
    givens.discard("")
    return surnames, givens


def _dates(birth: BirthDateQuery | date | None) -> tuple[list[str], list[int], bool]:
    """(full ISO dates to probe, years to probe, whether a date was typed at all)."""
    if birth is None:
        return [], [], False
    if isinstance(birth, date):
        return [birth.isoformat()], [birth.year], True
    if not birth.ok:
        return [], [], False
    full: list[str] = []
    years: list[int] = []
    for reading in birth.readings():
        years.append(reading.year)
        day = reading.to_date()
        if day is None:
            continue
        full.append(day.isoformat())
        if reading.day is not None and reading.month is not None and reading.day <= 12 and reading.day != reading.month:
            try:
                full.append(date(reading.year, reading.day, reading.month).isoformat())
            except ValueError:
                pass
    return full, sorted(set(years)), True


def _grams(words: Sequence[str]) -> set[str]:
    out: set[str] = set()
    for w in words:
        out |= _word_grams(w)
    return out


@functools.lru_cache(maxsize=1 << 16)
def _word_grams(word: str) -> frozenset[str]:
    padded = f"  {word} "
    return frozenset(padded[i:i + 3] for i in range(len(padded) - 2))


@functools.lru_cache(maxsize=1 << 16)
def _name_grams(surname: str, given: str) -> frozenset[str]:
    """The trigrams of a candidate's folded name (particles left out); cached, as names
    repeat across records and queries."""
    return frozenset(_grams([t for t in f"{surname} {given}".split() if t not in PARTICLES]))


@functools.lru_cache(maxsize=1 << 16)
def _candidate_date(iso: str | None, year: int | None) -> PartialDate | None:
    if iso:
        try:
            return PartialDate.from_date(date.fromisoformat(iso))
        except ValueError:
            pass
    return PartialDate(int(year)) if year else None


_Identity = tuple[str, str, str | None, int | None]  # folded surname, given names, birth date, year


class _PersonSearch:
    def __init__(self, conn: Any, person: _Person, files: Sequence[str], today: date) -> None:
        self.conn, self.person, self.files, self.today = conn, person, files, today
        self.tokens = name_tokens(_name_text(person.name))
        self.core = [t for t in self.tokens if t not in PARTICLES] or list(self.tokens)
        self.grams = _grams(self.core)
        self.surname_keys, self.given_keys = _phonetic_keys(self.tokens)
        self.full_dates, self.years, self.dated = _dates(person.birth)
        self.seen: set[int] = set()
        self.best = 0.0
        self.plausible = False  # a name close enough on the very date typed
        self.judged: dict[_Identity, tuple[float, set[str]] | None] = {}
        self.scored: dict[tuple[str, str], tuple[float, set[str]]] = {}

    def run(self) -> dict[tuple[str, str], tuple[float, set[str]]]:
        if not self.tokens or not self.files:
            return {}
        tiers: list[Any] = []
        if self.full_dates:
            tiers.append(lambda: lookup_sql.names_by_birth_dates(self.conn, self.full_dates, self.files, _DATE_LIMIT))
        years = self.years
        # Past the people born on a full date typed, one key alone looks for the date typed
        # with one part wrong (the year and month, or the year and day, right).
        near = self.full_dates
        tiers.append(lambda: lookup_sql.names_by_phonetic(
            self.conn, surname_keys=sorted(self.surname_keys), given_keys=sorted(self.given_keys), years=years,
            files=self.files, limit=_PHONETIC_LIMIT))
        tiers.append(lambda: lookup_sql.names_by_phonetic(
            self.conn, surname_keys=sorted(self.surname_keys), years=years, near=near, files=self.files,
            limit=_PHONETIC_LIMIT))
        if years:
            tiers.append(lambda: lookup_sql.names_by_phonetic(
                self.conn, given_keys=sorted(self.given_keys), years=years, near=near, files=self.files,
                limit=_PHONETIC_LIMIT))
        fuzzy = lambda: lookup_sql.names_fuzzy(self.conn, self.core, years=years, files=self.files,  # noqa: E731
                                               limit=_FUZZY_LIMIT)
        for tier in tiers:
            self._score(tier())
            # Found: a strong hit, or, when a full date was typed, a name close enough
            # among those born on it (a typo in the name): the later tiers, for a date
            # typed wrong, would only add weaker candidates.
            if self.best >= STRONG or self.plausible:
                return self.scored
        # The fuzzy index is the expensive tier (a million-row trigram search on SQLite):
        # skipped when a full birth date was typed and someone born that day was scored,
        # since the person, if on file with that date, was among them.
        if not (self.full_dates and self.scored):
            self._score(fuzzy())
        return self.scored

    def _score(self, rows: list[dict[str, Any]]) -> None:
        """Score the new rows: each identity (name and birth date, shared by a person's
        records in several files) once; only the ``_SCORED`` identities sharing the most
        trigrams with the name typed are scored in full."""
        groups: dict[_Identity, list[dict[str, Any]]] = {}
        for row in rows:
            rid = row["id"]
            if rid in self.seen:
                continue
            self.seen.add(rid)
            groups.setdefault((row["surname"], row["given"], row["birth_date"], row["birth_year"]), []).append(row)
        if not groups:
            return
        fresh = [(len(self.grams & _name_grams(i[0], i[1])), i) for i in groups if i not in self.judged]
        fresh.sort(key=lambda p: -p[0])
        # Far fewer trigrams in common than the closest name: not the person typed (a
        # typo costs a few trigrams, not half of them).
        floor = fresh[0][0] * _SHARED_FLOOR if fresh else 0
        for shared, identity in fresh[:_SCORED]:
            if shared < floor:
                break
            self.judged[identity] = self._judge(identity)
        for identity, group in groups.items():
            verdict = self.judged.get(identity)
            if verdict is None:
                continue
            score, matched = verdict
            for row in group:
                ref = (row["file"], row["record_id"])
                prev = self.scored.get(ref)
                if prev is None or score > prev[0]:
                    self.scored[ref] = (score, set(matched))

    def _judge(self, identity: _Identity) -> tuple[float, set[str]] | None:
        """(score, what matched) of one candidate identity, None when it is no hit."""
        surname, given, birth_date, birth_year = identity
        match = name_match(self.person.name, PersonName(surname, given))
        d = (date_score(self.person.birth, _candidate_date(birth_date, birth_year), today=self.today)
             if self.dated else None)
        if match.score < _MIN_NAME:
            # The surname is beyond recognition, but the given name and the full birth date
            # agree: a weak hit (two typos in a short surname are common enough).
            if not (self.full_dates and d is not None and d >= 0.99 and (match.first_score or 0) >= 0.8):
                return None
            score, matched = _GIVEN_AND_DATE, {"given_name", "birth_date"}
        else:
            matched = {"name"} if match.score >= 0.99 else {"name_approx"}
            matched |= match.evidence & _EVIDENCE
            score = match.score
            if d is not None:
                score = match.score * (0.45 + 0.55 * d)
                if d >= 0.99:
                    matched.add("birth_date")
                    if self.full_dates and match.score >= _PLAUSIBLE_NAME:
                        self.plausible = True
                elif d >= 0.8:
                    matched.add("birth_date_approx")
        if self.person.source == "mrz":
            matched.add("mrz")
        self.best = max(self.best, score)
        return score, matched


# -- the search ------------------------------------------------------------------------------------


def _ms(when: datetime | None) -> int:
    if when is None:
        return 0
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)


def search(db: Database, request: protocol.LookupRequest, files: Sequence[str], *,
           today: date | None = None) -> SearchResult:
    """Search ``request`` in ``files`` (the files the officer may search, already filtered)."""
    today = today or date.today()
    query = parse_request(request, today=today)
    interpretations = list(dict.fromkeys(a.kind.value for a in query.alternatives))
    if not query.alternatives:
        return SearchResult([], [], query.problem.message_fr if query.problem else None)
    files = sorted(set(files))
    if not files:
        return SearchResult([], interpretations, None)
    person_files = [f for f in files if f in NAMED_FILES]
    hits = _Hits()

    def run(conn: Any) -> None:
        searched = _search_identifiers(conn, query, files, hits)
        interpretations.extend(k for k in sorted(searched) if k not in interpretations)
        for person in _persons(query):
            for (file, record_id), (score, matched) in _PersonSearch(conn, person, person_files, today).run().items():
                hits.add(file, record_id, score, matched)
        chosen = _ranked(hits, today, request.limit, conn)
        hits.by_ref = {(f.file, f.record_id): f for f in chosen}

    db.read(run)
    out: list[protocol.LookupHit] = []
    for found in hits.by_ref.values():
        payload = found.data()
        out.append(protocol.LookupHit(
            file=found.file, record_id=found.record_id, score=round(min(1.0, max(0.0, found.score)), 4),
            severity=severity_of(found.file, payload, today), matched=sorted(found.matched),
            instruction=payload.get("instruction") if isinstance(payload.get("instruction"), str) else None,
            payload=payload, updated_at_ms=_ms(found.updated_at)))
    out.sort(key=lambda h: _rank_key(h.file, h.score, h.severity, h.record_id, h.matched))
    return SearchResult(out, interpretations, None)


_IDENTIFIERS = frozenset({"plate", "vin", "document", "serial"})


def _rank_key(file: str, score: float, severity: str, record_id: str, matched: Any) -> tuple[Any, ...]:
    """Strong before weak, then severity, score, an identifier match before a name alone."""
    return (0 if score >= STRONG else 1, _SEVERITY_RANK[severity], -round(score, 4),
            0 if _IDENTIFIERS & set(matched) else 1, file, record_id)


def _ranked(hits: _Hits, today: date, limit: int, conn: Any) -> list[_Found]:
    """The best ``limit`` hits, with their payloads (loaded for the person hits that need them)."""
    found = list(hits.by_ref.values())
    # Severity needs the payload only to tell warnings from info; rank by file first.
    found.sort(key=lambda f: (0 if f.score >= STRONG else 1, 0 if f.file in ALERT_FILES else 1, -f.score))
    chosen = found[: max(limit * 3, limit + 20)]
    missing = [(f.file, f.record_id) for f in chosen if f.payload is None]
    if missing:
        loaded = {(r["file"], r["record_id"]): r for r in lookup_sql.records_get(conn, missing)}
        for f in chosen:
            row = loaded.get((f.file, f.record_id))
            if row is not None and f.payload is None:
                f.payload, f.updated_at = row["payload"], row["updated_at"]
    chosen = [f for f in chosen if f.payload is not None]
    chosen.sort(key=lambda f: _rank_key(f.file, f.score, severity_of(f.file, f.data(), today), f.record_id, f.matched))
    return chosen[:limit]
