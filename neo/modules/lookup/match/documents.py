"""Identity document numbers and object serial numbers.

French formats recognised by :func:`parse_document_number` (spaces, dashes, dots and case
ignored):

``fr_cni_1988``
    National identity card issued 1988-2021 (the laminated card with a 2x36 MRZ): 12
    characters, ``YYMM`` (year and month of issue) + a 3-character administrative code
    (département and issuing office) + a 5-digit sequence, e.g. ``880692310285``.
    The month must be 01-12; years 88-99 are 19xx, others 20xx.
``fr_cni_2021``
    National identity card since 2021 (ID-1 card, TD1 MRZ): 9 letters and digits,
    with at least one of each.
``fr_passport``
    Passport: 2 digits + 2 letters + 5 digits, e.g. ``08CD50338``.
``fr_licence_card``
    Driving licence card since 16 September 2013: the card (title) number, same shape
    as a passport number (2 digits + 2 letters + 5 digits, e.g. ``13AA00002``, as in the
    card's one-line MRZ).
``fr_licence``
    Driving licence number (field 5): 12 digits on the cards since 2013 and on most pink
    paper licences.

The shapes overlap (a passport number is also a licence card number; a 12-digit number
can be an old CNI or a licence), so the function returns every reading, most likely
first; the search runs them all.

Not covered: licence numbers of pink paper licences that are not 12 digits (prefectures
used local schemes), residence permits (titres de séjour), foreign documents other than
through their MRZ, and any checksum of these numbers (none is published for the 12- or
9-character forms outside the MRZ check digits).

Serial numbers (:func:`normalize_serial`, :func:`serial_key`): anything an object carries
(phones, bicycles, weapons, cheque books). Normalisation keeps letters and digits only,
upper case. Matching uses a *tolerant key* where ``O`` is read ``0`` and ``I`` is read
``1``, the two confusions nobody can settle from a worn engraving or a photocopy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from .names import damerau_levenshtein, fold_text

__all__ = [
    "DocumentKind",
    "DocumentNumber",
    "document_score",
    "normalize_serial",
    "parse_document_number",
    "serial_key",
]


class DocumentKind(StrEnum):
    """Which French document a number belongs to (see the module docstring for each shape)."""

    FR_CNI_1988 = "fr_cni_1988"
    FR_CNI_2021 = "fr_cni_2021"
    FR_PASSPORT = "fr_passport"
    FR_LICENCE_CARD = "fr_licence_card"
    FR_LICENCE = "fr_licence"


@dataclass(frozen=True, slots=True)
class DocumentNumber:
    """One reading of a typed document number.

    ``canonical`` is upper case, letters and digits only. ``issued`` is ``YYYY-MM`` when
    the number encodes its issue month (old CNI).
    """

    text: str
    canonical: str
    kind: DocumentKind
    confidence: float
    issued: str | None = None


_SEPARATORS = re.compile(r"[^0-9A-Z]+")
_RE_PASSPORT = re.compile(r"^\d{2}[A-Z]{2}\d{5}$")
_RE_CNI_1988 = re.compile(r"^(\d{2})(\d{2})([0-9A-Z]{3})(\d{5})$")
_RE_CNI_2021 = re.compile(r"^(?=.*\d)(?=.*[A-Z])[0-9A-Z]{9}$")
_RE_LICENCE = re.compile(r"^\d{12}$")


def normalize_serial(text: str) -> str:
    """Upper-case letters and digits only (accents folded): ``"sn 45-ab/é"`` → ``"SN45ABE"``."""
    return _SEPARATORS.sub("", fold_text(text).upper())


def serial_key(text: str) -> str:
    """Tolerant matching key: :func:`normalize_serial`, then ``O`` → ``0`` and ``I`` → ``1``.

    ``serial_key("AB-1O2-I3") == serial_key("ab 102 13") == "AB10213"``.
    """
    return normalize_serial(text).replace("O", "0").replace("I", "1")


def parse_document_number(text: str) -> tuple[DocumentNumber, ...]:
    """Every French document reading of ``text``, most likely first (empty when none).

    >>> [d.kind.value for d in parse_document_number("08 CD 50338")]
    ['fr_passport', 'fr_licence_card', 'fr_cni_2021']
    """
    canonical = normalize_serial(text)
    out: list[DocumentNumber] = []
    if _RE_PASSPORT.match(canonical):
        out.append(DocumentNumber(text, canonical, DocumentKind.FR_PASSPORT, 0.8))
        out.append(DocumentNumber(text, canonical, DocumentKind.FR_LICENCE_CARD, 0.6))
    if m := _RE_CNI_1988.match(canonical):
        yy, mm = int(m.group(1)), int(m.group(2))
        if 1 <= mm <= 12:
            year = 1900 + yy if yy >= 88 else 2000 + yy
            if year <= 2021:
                out.append(
                    DocumentNumber(text, canonical, DocumentKind.FR_CNI_1988, 0.7, issued=f"{year:04d}-{mm:02d}")
                )
    if _RE_LICENCE.match(canonical):
        out.append(DocumentNumber(text, canonical, DocumentKind.FR_LICENCE, 0.5))
    if _RE_CNI_2021.match(canonical):
        out.append(DocumentNumber(text, canonical, DocumentKind.FR_CNI_2021, 0.5 if out else 0.7))
    out.sort(key=lambda d: -d.confidence)
    return tuple(out)


def document_score(query: str, candidate: str) -> float:
    """Similarity of two document or serial numbers in ``[0, 1]``.

    1.0 same normalised number; 0.9 same tolerant key (``O``/``0``, ``I``/``1``); 0.6 one
    edit apart (typo, transposition) for numbers of at least 6 characters; 0 otherwise.
    """
    a, b = normalize_serial(query), normalize_serial(candidate)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    ka, kb = serial_key(a), serial_key(b)
    if ka == kb:
        return 0.9
    if min(len(ka), len(kb)) >= 6 and damerau_levenshtein(ka, kb, max_distance=1) <= 1:
        return 0.6
    return 0.0
