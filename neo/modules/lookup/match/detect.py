"""What did the officer type in the single search field?

:func:`detect` reads free text and returns a :class:`Query`: its ``alternatives`` are the
possible readings, most likely first, each an :class:`Interpretation` with a kind
(person, plate, VIN, document, MRZ, serial), a confidence in ``[0, 1]`` and the parsed
value. The search runs every reading (results are merged), so an ambiguous entry such as
``08CD50338`` (a passport or a driving licence card) costs nothing but a second look-up.
:meth:`Query.from_fields` builds the same object from the structured fields.

Rules, in order:

1. An MRZ (it has ``<`` fillers and the shape of a TD1, TD2, TD3, visa or French 2x36
   zone, pasted or typed, with or without line breaks) is read as such and nothing
   else: 0.99 when every check digit passes, 0.75 otherwise.
2. Text that is one identifier once spaces and dashes are dropped is tried as a VIN
   (17 characters with a digit: 0.98 check digit valid, 0.9 not checkable, 0.6 wrong,
   at most 0.4 without a letter), a plate (0.95 possible, 0.55 impossible), French
   document numbers (0.5-0.8 by shape, see :mod:`.documents`, lowered when the text is
   also a plate) and, when it has a digit and 5 characters or more, a serial number
   (0.3), so stolen objects are searched too.
3. Words are also tried as a person: a birth date is looked for at the end (or the start) of
   the text over up to three words (``12 03 1985``), "né le"/"née le" before it is
   dropped; the remaining words must be names (letters, hyphens, apostrophes, an
   initial's dot). When some words are written in capitals and the others are not
   (``Jean-Pierre DE LA FONTAINE``), the capitals are the surname, the French
   convention; otherwise the order is left open (``dupont jean``) and the name scoring
   tries both. 0.9, or 0.95 with a valid birth date; 0.7 when the date is impossible.
   A person reading of 0.9 or more removes the serial fallback (``dupont 1985``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from .dates import BirthDateQuery, PartialDate, parse_birth_date
from .documents import DocumentNumber, normalize_serial, parse_document_number
from .mrz import Mrz, parse_mrz
from .names import PersonName, fold_text
from .plates import Plate, parse_plate, plate_from_field
from .problems import Notice, Problem
from .vin import CheckDigit, Vin, parse_vin

__all__ = ["Interpretation", "PersonQuery", "Query", "QueryKind", "detect"]


class QueryKind(StrEnum):
    """What an interpretation of the query looks for."""

    PERSON = "person"
    PLATE = "plate"
    VIN = "vin"
    DOCUMENT = "document"
    MRZ = "mrz"
    SERIAL = "serial"


@dataclass(frozen=True, slots=True)
class PersonQuery:
    """A person looked for: a name (:class:`PersonName` when the parts are known, a string
    when the order is not) and an optional birth date."""

    name: PersonName | str
    birth_date: BirthDateQuery | None = None


Value = PersonQuery | Plate | Vin | DocumentNumber | Mrz | str


@dataclass(frozen=True, slots=True)
class Interpretation:
    """One reading of the query. ``value`` is a :class:`PersonQuery`, :class:`~.plates.Plate`,
    :class:`~.vin.Vin`, :class:`~.documents.DocumentNumber`, :class:`~.mrz.Mrz`, or a
    normalised string for a serial number (or a structured field that matched no known
    format). ``problem`` says the value is impossible as typed; it is still searched."""

    kind: QueryKind
    confidence: float
    value: Value
    problem: Problem | None = None
    notices: tuple[Notice, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Query:
    """What to search: ``alternatives`` ranked best first (all are searched, results
    merged). ``structured`` is True for :meth:`from_fields`, where each filled field is
    one criterion. ``problem`` is set when nothing could be read, or when the entry is a
    date alone (which is then only searched as a serial number, if at all)."""

    text: str
    alternatives: tuple[Interpretation, ...]
    structured: bool = False
    problem: Problem | None = None

    @property
    def best(self) -> Interpretation | None:
        return self.alternatives[0] if self.alternatives else None

    @property
    def kind(self) -> QueryKind | None:
        return self.alternatives[0].kind if self.alternatives else None

    @property
    def ambiguous(self) -> bool:
        """True when a second reading (other than the serial fallback) is close to the best."""
        if self.structured or len(self.alternatives) < 2:
            return False
        first, *rest = self.alternatives
        return any(a.kind is not QueryKind.SERIAL and first.confidence - a.confidence <= 0.25 for a in rest)

    def of_kind(self, kind: QueryKind) -> tuple[Interpretation, ...]:
        return tuple(a for a in self.alternatives if a.kind is kind)

    @classmethod
    def from_fields(
        cls,
        *,
        last_name: str | None = None,
        first_name: str | None = None,
        birth_date: str | date | None = None,
        plate: str | None = None,
        vin: str | None = None,
        document_number: str | None = None,
        serial: str | None = None,
        mrz: str | None = None,
        today: date | None = None,
    ) -> Query:
        """A query from the structured fields; empty fields are ignored.

        The officer said what each field is, so every filled field is read as that kind
        with confidence 1.0, even when it matches no French format (a foreign plate, an
        unknown document): such values are searched as typed, with a notice or problem.
        """
        out: list[Interpretation] = []
        texts: list[str] = []
        last_name, first_name = (last_name or "").strip(), (first_name or "").strip()
        if last_name or first_name:
            birth = _birth_from_field(birth_date, today)
            person = PersonQuery(PersonName(last_name or first_name, first_name if last_name else ""), birth)
            out.append(_person_interpretation(person, 1.0))
            texts.append(f"{last_name} {first_name}".strip())
        if plate and plate.strip():
            parsed_plate = plate_from_field(plate)
            if parsed_plate is not None:
                out.append(Interpretation(QueryKind.PLATE, 1.0, parsed_plate, parsed_plate.problem, parsed_plate.notices))
                texts.append(plate.strip())
        if vin and vin.strip():
            parsed_vin = parse_vin(vin)
            if parsed_vin is not None:
                out.append(Interpretation(QueryKind.VIN, 1.0, parsed_vin, parsed_vin.problem, parsed_vin.notices))
            else:
                out.append(Interpretation(QueryKind.VIN, 1.0, normalize_serial(vin), _P_VIN_LENGTH))
            texts.append(vin.strip())
        if document_number and document_number.strip():
            readings = parse_document_number(document_number)
            if readings:
                out.extend(Interpretation(QueryKind.DOCUMENT, 1.0, r) for r in readings)
            else:
                out.append(Interpretation(QueryKind.DOCUMENT, 1.0, normalize_serial(document_number), notices=(_N_DOC_UNKNOWN,)))
            texts.append(document_number.strip())
        if serial and serial.strip():
            out.append(Interpretation(QueryKind.SERIAL, 1.0, normalize_serial(serial)))
            texts.append(serial.strip())
        if mrz and mrz.strip():
            parsed_mrz = parse_mrz(mrz, today=today)
            if parsed_mrz is not None:
                out.append(_mrz_interpretation(parsed_mrz))
            texts.append(mrz.strip())
        return cls(" | ".join(texts), tuple(out), structured=True, problem=None if out else _P_NOTHING)


_P_NOTHING = Problem("query_empty", "Saisie vide ou non reconnue.", "Empty or unrecognised entry.")
_P_VIN_LENGTH = Problem(
    "vin_length", "Un VIN compte 17 caractères (lettres et chiffres).", "A VIN has 17 characters (letters and digits)."
)
_N_DOC_UNKNOWN = Notice(
    "document_format_unknown",
    "Format de numéro non reconnu : recherche sur les caractères tels quels.",
    "Number format not recognised: searched on the characters as typed.",
)
_N_DATE_ONLY = Problem(
    "query_date_only",
    "Une date seule ne suffit pas : ajoutez un nom.",
    "A date alone is not enough: add a name.",
)


def _birth_from_field(value: str | date | None, today: date | None) -> BirthDateQuery | None:
    if value is None:
        return None
    if isinstance(value, date):
        return BirthDateQuery(value.isoformat(), PartialDate.from_date(value))
    if not value.strip():
        return None
    parsed = parse_birth_date(value, today=today)
    if parsed is None:
        return BirthDateQuery(
            value,
            None,
            problem=Problem("date_unreadable", "Date de naissance illisible.", "Unreadable birth date."),
        )
    return parsed


def _person_interpretation(person: PersonQuery, confidence: float) -> Interpretation:
    birth = person.birth_date
    problem = birth.problem if birth is not None else None
    notices = birth.notices if birth is not None else ()
    return Interpretation(QueryKind.PERSON, confidence, person, problem, notices)


def _mrz_interpretation(mrz: Mrz) -> Interpretation:
    problem = None
    if not mrz.valid:
        fields = ", ".join(mrz.failed_checks)
        problem = Problem(
            "mrz_check_failed",
            f"Chiffre(s) de contrôle faux dans la bande MRZ ({fields}) : relire la saisie ou le document.",
            f"Wrong check digit(s) in the MRZ ({fields}): check the entry or the document.",
        )
    return Interpretation(QueryKind.MRZ, 0.99 if mrz.valid else 0.75, mrz, problem, mrz.notices)


# ---------------------------------------------------------------------------------------
# Free text

_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\s\-_.]*$")
_NAME_WORD = re.compile(r"^[^\W\d_]+(?:['’\-.][^\W\d_]*)*\.?$")
_BORN = re.compile(r"^nee?(?:\(e\))?$")


def _identifier_alternatives(text: str) -> list[Interpretation]:
    out: list[Interpretation] = []
    if not _IDENTIFIER.match(text.strip()):
        return out
    compact = normalize_serial(text)
    has_digit = any(ch.isdigit() for ch in compact)
    vin = parse_vin(text)
    if vin is not None and has_digit:
        confidence = {CheckDigit.VALID: 0.98, CheckDigit.NOT_CHECKABLE: 0.9, CheckDigit.INVALID: 0.6}[vin.check_digit]
        if not any(ch.isalpha() for ch in vin.canonical):
            confidence = min(confidence, 0.4)
        out.append(Interpretation(QueryKind.VIN, confidence, vin, vin.problem, vin.notices))
    plate = parse_plate(text)
    if plate is not None:
        out.append(Interpretation(QueryKind.PLATE, 0.95 if plate.possible else 0.55, plate, plate.problem, plate.notices))
    for reading in parse_document_number(text):
        confidence = reading.confidence * (0.6 if plate is not None else 1.0)
        out.append(Interpretation(QueryKind.DOCUMENT, confidence, reading))
    if has_digit and len(compact) >= 5:
        out.append(Interpretation(QueryKind.SERIAL, 0.3, compact))
    return out


def _split_words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s,;]+", text.strip()) if w]


def _find_date(words: list[str], today: date | None) -> tuple[BirthDateQuery | None, list[str]]:
    """The birth date at the end (or start) of the words, and the words left."""
    for size in (3, 2, 1):
        if len(words) < size:
            continue
        for start in (len(words) - size, 0):
            chunk = words[start:start + size]
            if not any(ch.isdigit() for ch in "".join(chunk)):
                continue
            parsed = parse_birth_date(" ".join(chunk), today=today)
            if parsed is not None:
                rest = words[:start] + words[start + size:]
                if start:
                    rest = _drop_born(rest)
                return parsed, rest
    return None, words


def _drop_born(words: list[str]) -> list[str]:
    """Drop "né le" / "née le" / "né(e)" typed before a birth date."""
    folded = [fold_text(w).strip(".,") for w in words]
    if len(words) >= 3 and folded[-1] == "le" and _BORN.match(folded[-2]):
        return words[:-2]
    if len(words) >= 2 and _BORN.match(folded[-1]):
        return words[:-1]
    return words


def _person_name(words: list[str]) -> PersonName | str:
    """Capitals are the surname when the text mixes capitalised and lower-case words."""
    caps = [i for i, w in enumerate(words) if sum(ch.isalpha() for ch in w) >= 2 and w.isupper()]
    if caps and len(caps) < len(words) and caps == list(range(caps[0], caps[-1] + 1)):
        last = " ".join(words[i] for i in caps)
        first = " ".join(w for i, w in enumerate(words) if i not in caps)
        return PersonName(last, first)
    return " ".join(words)


def _person_alternative(text: str, today: date | None) -> tuple[Interpretation | None, Problem | None]:
    words = _split_words(text)
    birth, rest = _find_date(words, today)
    if not rest:
        return None, _N_DATE_ONLY if birth is not None else None
    if not all(_NAME_WORD.match(w) for w in rest):
        return None, None
    name = _person_name(rest)
    if birth is None:
        confidence = 0.9
    elif birth.ok:
        confidence = 0.95
    else:
        confidence = 0.7
    return _person_interpretation(PersonQuery(name, birth), confidence), None


def detect(text: str, *, today: date | None = None) -> Query:
    """Read the single search field (see the module docstring for the rules).

    >>> detect("AB-123-CD").kind.value
    'plate'
    >>> q = detect("dupont jean 12/03/1985")
    >>> q.kind.value, q.best.value.birth_date.value.iso()
    ('person', '1985-03-12')
    """
    stripped = text.strip()
    if not stripped:
        return Query(text, (), problem=_P_NOTHING)
    if "<" in stripped or "\n" in stripped:
        mrz = parse_mrz(stripped, today=today)
        if mrz is not None:
            return Query(text, (_mrz_interpretation(mrz),))
    alternatives = _identifier_alternatives(stripped)
    person, problem = _person_alternative(stripped, today)
    if person is not None:
        if person.confidence >= 0.9:
            # "dupont 1985" is a person, not also a serial number.
            alternatives = [a for a in alternatives if a.kind is not QueryKind.SERIAL]
        alternatives.append(person)
    alternatives.sort(key=lambda a: -a.confidence)
    if not alternatives:
        return Query(text, (), problem=problem or _P_NOTHING)
    return Query(text, tuple(alternatives), problem=problem)
