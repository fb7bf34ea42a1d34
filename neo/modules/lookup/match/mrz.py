"""Machine-readable zones (MRZ) of passports, identity cards and visas, every check verified.

Formats (ICAO Doc 9303, 8th edition: Part 3 for the check digit, Part 4 for TD3, Part 5
for TD1, Part 6 for TD2, Part 7 for visas), plus the French national identity card
issued 1988-2021:

==================  ========  ===============================================================
format              lines     checks
==================  ========  ===============================================================
``td3`` passport    2 x 44    document number, birth, expiry, personal number, composite
``td1`` ID card     3 x 30    document number, birth, expiry, composite
``td2``             2 x 36    document number, birth, expiry, composite
``mrv_a`` visa      2 x 44    document number, birth, expiry (visas have no composite)
``mrv_b`` visa      2 x 36    document number, birth, expiry
``fr_cni_1988``     2 x 36    document number, birth, composite over both lines (no expiry)
==================  ========  ===============================================================

French 2x36 layout (the card's own, not ICAO TD2): line 1 ``ID`` ``FRA`` surname (25)
administrative code (6); line 2 card number (12: issue ``YYMM``, 3-character office
code, 5-digit sequence), its check digit, given names (14), birth date ``YYMMDD``, its
check digit, sex, and a composite check digit over line 1 and the first 35 characters
of line 2.

Check digits (9303 Part 3, 4.9): characters valued ``0``-``9`` as such, ``A``-``Z`` as
10-35, the filler ``<`` as 0, weighted 7, 3, 1 repeating; the sum modulo 10. A long
TD1/TD2 document number (more than 9 characters) sets ``<`` in the check digit position
and continues in the optional data, ending with its check digit; this is handled.

Reading tolerance:

* whitespace anywhere is noise and is removed; line breaks may be missing or misplaced
  when the total length is that of a format (88, 90 or 72 characters), and the lines
  are then cut at their fixed lengths;
* lines typed without their trailing fillers are padded with ``<``;
* case is ignored; the look-alikes ``‹``, ``＜`` and ``«`` (two fillers) are read ``<``.

``<`` read as ``K`` (an OCR classic): the check digits *cannot* decide it, because ``K``
is worth 20 and ``<`` 0, equal modulo 10, so swapping them never changes any check
digit. NEO therefore corrects ``K`` to ``<`` only where the format decides (a check-digit
position where ``<`` is allowed, the sex position), and otherwise leaves the text as read
and adds a notice when a checked field ends in ``K``, the likely misread filler.

Dates: ``YYMMDD``; a birth date takes the latest century that is not in the future, an
expiry date 20YY unless that is more than 50 years ahead. Unknown parts written ``<``
leave the date ``None`` (the raw text is kept).

Not covered: the French driving licence's one-line MRZ, the 2x36 TD2 variants of
national documents other than France's old card (read as plain TD2), the ICAO
transliteration tables (names come back as written in the MRZ), and validation of
state codes against the ICAO list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from .names import PersonName
from .problems import Notice

__all__ = [
    "DocumentType",
    "FieldCheck",
    "Mrz",
    "MrzFormat",
    "looks_like_mrz",
    "mrz_check_digit",
    "parse_mrz",
]


class MrzFormat(StrEnum):
    """The MRZ layouts read (see the module docstring)."""

    TD1 = "td1"
    TD2 = "td2"
    TD3 = "td3"
    MRV_A = "mrv_a"
    MRV_B = "mrv_b"
    FR_CNI_1988 = "fr_cni_1988"


class DocumentType(StrEnum):
    """What the document code says the document is (``P`` passport, ``I`` identity card, ``V`` visa)."""

    PASSPORT = "passport"
    IDENTITY_CARD = "identity_card"
    VISA = "visa"
    OTHER = "other"


def _char_value(ch: str) -> int:
    if ch.isdigit():
        return int(ch)
    if ch == "<":
        return 0
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A") + 10
    raise ValueError(f"not an MRZ character: {ch!r}")


def mrz_check_digit(data: str) -> str:
    """ICAO 9303 check digit of ``data`` (weights 7, 3, 1; ``<`` = 0, ``A`` = 10 … ``Z`` = 35).

    >>> mrz_check_digit("L898902C3"[:-1]), mrz_check_digit("740812")
    ('3', '2')
    """
    weights = (7, 3, 1)
    return str(sum(_char_value(ch) * weights[i % 3] for i, ch in enumerate(data)) % 10)


@dataclass(frozen=True, slots=True)
class FieldCheck:
    """One check digit: which field, what was read, what the data gives."""

    field: str
    read: str
    computed: str
    valid: bool


@dataclass(frozen=True, slots=True)
class Mrz:
    """A structured identity read from an MRZ, with the result of every check digit."""

    format: MrzFormat
    lines: tuple[str, ...]
    document_code: str
    document_type: DocumentType
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str | None
    birth_date: date | None
    birth_date_raw: str
    sex: str | None
    expiry_date: date | None
    expiry_date_raw: str | None
    optional_data: str
    optional_data_2: str
    checks: tuple[FieldCheck, ...]
    names_truncated: bool = False
    notices: tuple[Notice, ...] = field(default=())

    @property
    def valid(self) -> bool:
        """True when every check digit of the format is right."""
        return all(c.valid for c in self.checks)

    @property
    def failed_checks(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.checks if not c.valid)

    def check(self, name: str) -> FieldCheck | None:
        return next((c for c in self.checks if c.field == name), None)

    def person_name(self) -> PersonName:
        return PersonName(last=self.surname, first=self.given_names)


# ---------------------------------------------------------------------------------------
# Cleaning and shape

_LOOKALIKES = str.maketrans({"‹": "<", "＜": "<", "〈": "<", "⟨": "<"})
_WHITESPACE = re.compile(r"[ \t\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_MRZ_LINE = re.compile(r"^[A-Z0-9<]+$")
_LINE_SETS = {90: (30, 3), 88: (44, 2), 72: (36, 2)}


def _clean_lines(text: str) -> list[str]:
    text = text.upper().translate(_LOOKALIKES).replace("«", "<<")
    lines = [_WHITESPACE.sub("", line) for line in re.split(r"\r\n|\r|\n", text)]
    return [line for line in lines if line]


def _shape(text: str) -> list[str] | None:
    """The MRZ lines at their format's length, or None when the text is no MRZ."""
    lines = _clean_lines(text)
    if not lines or not all(_MRZ_LINE.match(line) for line in lines):
        return None
    joined = "".join(lines)
    if "<" not in joined:
        return None
    if len(joined) in _LINE_SETS and not (len(lines) in (2, 3) and _fits_padded(lines)):
        width, count = _LINE_SETS[len(joined)]
        return [joined[i * width:(i + 1) * width] for i in range(count)]
    if len(lines) == 3 and all(len(line) <= 30 for line in lines):
        return [line.ljust(30, "<") for line in lines]
    if len(lines) == 2:
        width = 36 if max(len(line) for line in lines) <= 36 else 44
        # The second line carries the data up to position 28 in every two-line format.
        if all(len(line) <= width for line in lines) and len(lines[1]) >= 28:
            return [line.ljust(width, "<") for line in lines]
    return None


def _fits_padded(lines: list[str]) -> bool:
    """True when the lines already have a format's exact lengths (no re-cutting needed)."""
    lengths = {len(line) for line in lines}
    return len(lengths) == 1 and lengths.pop() in (30, 36, 44)


def looks_like_mrz(text: str) -> bool:
    """True when ``text`` has the shape of one of the supported MRZ formats."""
    return _shape(text) is not None


# ---------------------------------------------------------------------------------------
# Field helpers

_N_CHECK_K = Notice(
    "mrz_k_read_as_filler",
    "« K » lu comme « < » à une position de chiffre de contrôle.",
    "'K' read as '<' in a check-digit position.",
)


def _k_notice(field_name: str) -> Notice:
    return Notice(
        "mrz_k_or_filler",
        f"Le champ {field_name} se termine par « K » : ce peut être un « < » mal lu ; les chiffres "
        "de contrôle ne permettent pas de trancher (K et < valent tous deux 0 modulo 10).",
        f"The {field_name} field ends in 'K': it may be a misread '<'; check digits cannot tell "
        "(K and < are both worth 0 modulo 10).",
    )


def _check(name: str, data: str, read: str, *, filler_ok: bool = False) -> FieldCheck:
    computed = mrz_check_digit(data)
    if read == "<" and filler_ok and set(data) <= {"<"}:
        return FieldCheck(name, read, computed, True)
    return FieldCheck(name, read, computed, read == computed)


def _names(field_text: str) -> tuple[str, str]:
    surname, _, given = field_text.partition("<<")
    return _words(surname), _words(given)


def _words(field_text: str) -> str:
    return " ".join(w for w in field_text.split("<") if w)


def _date(raw: str, today: date, *, birth: bool) -> date | None:
    if not raw.isdigit() or len(raw) != 6:
        return None
    yy, mm, dd = int(raw[:2]), int(raw[2:4]), int(raw[4:])
    if birth:
        year = 2000 + yy
        try:
            if date(year, mm, dd) > today:
                year -= 100
        except ValueError:
            return None
    else:
        year = 2000 + yy if 2000 + yy <= today.year + 50 else 1900 + yy
    try:
        return date(year, mm, dd)
    except ValueError:
        return None


def _sex(ch: str) -> str | None:
    return ch if ch in ("F", "M", "X") else None


def _document_type(code: str) -> DocumentType:
    first = code[:1]
    if first == "P":
        return DocumentType.PASSPORT
    if first == "V":
        return DocumentType.VISA
    if first == "I":
        return DocumentType.IDENTITY_CARD
    return DocumentType.OTHER


def _fix_k(ch: str, notices: list[Notice]) -> str:
    """A K where only a digit or a filler can stand is the filler misread."""
    if ch == "K":
        notices.append(_N_CHECK_K)
        return "<"
    return ch


def _trailing_k(value: str) -> bool:
    return bool(re.search(r"K<*$", value))


# ---------------------------------------------------------------------------------------
# Formats


def _parse_td3_like(lines: list[str], today: date, *, visa: bool) -> Mrz:
    l1, l2 = lines
    notices: list[Notice] = []
    code = l1[0:2].replace("<", "")
    surname, given = _names(l1[5:44])
    number_field = l2[0:9]
    checks = [
        _check("document_number", number_field, l2[9]),
        _check("birth_date", l2[13:19], l2[19]),
        _check("expiry_date", l2[21:27], l2[27]),
    ]
    sex_char = "<" if l2[20] == "K" else l2[20]
    if visa:
        optional = l2[28:44]
    else:
        optional = l2[28:42]
        optional_cd = l2[42]
        if optional_cd == "K":
            optional_cd = _fix_k(optional_cd, notices)
        checks.append(_check("optional_data", optional, optional_cd, filler_ok=True))
        composite_data = l2[0:10] + l2[13:20] + l2[21:43]
        checks.append(_check("composite", composite_data, l2[43]))
    if _trailing_k(number_field):
        notices.append(_k_notice("numéro de document / document number"))
    return Mrz(
        format=MrzFormat.MRV_A if visa else MrzFormat.TD3,
        lines=tuple(lines),
        document_code=code,
        document_type=_document_type(code),
        issuing_state=l1[2:5].replace("<", ""),
        surname=surname,
        given_names=given,
        document_number=number_field.replace("<", ""),
        nationality=l2[10:13].replace("<", "") or None,
        birth_date=_date(l2[13:19], today, birth=True),
        birth_date_raw=l2[13:19],
        sex=_sex(sex_char),
        expiry_date=_date(l2[21:27], today, birth=False),
        expiry_date_raw=l2[21:27],
        optional_data=optional.replace("<", " ").strip(),
        optional_data_2="",
        checks=tuple(checks),
        names_truncated=l1[43] != "<",
        notices=tuple(notices),
    )


def _long_number(head: str, check_char: str, optional: str) -> tuple[str, str, str, str]:
    """(number, check digit read, data the check covers, remaining optional data) for
    TD1/TD2, handling numbers longer than 9 characters (9303 Part 5, 4.2.2, note j)."""
    if check_char != "<" or not optional or optional[0] == "<":
        return head.replace("<", ""), check_char, head, optional
    extension = optional.split("<", 1)[0]
    number = head + extension[:-1]
    return number.replace("<", ""), extension[-1], number, optional[len(extension):]


def _parse_td1(lines: list[str], today: date) -> Mrz:
    l1, l2, l3 = lines
    notices: list[Notice] = []
    code = l1[0:2].replace("<", "")
    cd_char = _fix_k(l1[14], notices) if l1[14] == "K" else l1[14]
    number, number_cd, number_data, optional = _long_number(l1[5:14], cd_char, l1[15:30])
    surname, given = _names(l3)
    checks = [
        _check("document_number", number_data, number_cd),
        _check("birth_date", l2[0:6], l2[6]),
        _check("expiry_date", l2[8:14], l2[14]),
        _check("composite", l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29], l2[29]),
    ]
    if _trailing_k(l1[5:14]):
        notices.append(_k_notice("numéro de document / document number"))
    return Mrz(
        format=MrzFormat.TD1,
        lines=tuple(lines),
        document_code=code,
        document_type=_document_type(code),
        issuing_state=l1[2:5].replace("<", ""),
        surname=surname,
        given_names=given,
        document_number=number,
        nationality=l2[15:18].replace("<", "") or None,
        birth_date=_date(l2[0:6], today, birth=True),
        birth_date_raw=l2[0:6],
        sex=_sex("<" if l2[7] == "K" else l2[7]),
        expiry_date=_date(l2[8:14], today, birth=False),
        expiry_date_raw=l2[8:14],
        optional_data=optional.replace("<", " ").strip(),
        optional_data_2=l2[18:29].replace("<", " ").strip(),
        checks=tuple(checks),
        names_truncated=l3[29] != "<",
        notices=tuple(notices),
    )


def _parse_td2_like(lines: list[str], today: date, *, visa: bool) -> Mrz:
    l1, l2 = lines
    notices: list[Notice] = []
    code = l1[0:2].replace("<", "")
    surname, given = _names(l1[5:36])
    if visa:
        number, number_cd, number_data, optional = l2[0:9].replace("<", ""), l2[9], l2[0:9], l2[28:36]
    else:
        cd_char = _fix_k(l2[9], notices) if l2[9] == "K" else l2[9]
        number, number_cd, number_data, optional = _long_number(l2[0:9], cd_char, l2[28:35])
    checks = [
        _check("document_number", number_data, number_cd),
        _check("birth_date", l2[13:19], l2[19]),
        _check("expiry_date", l2[21:27], l2[27]),
    ]
    if not visa:
        checks.append(_check("composite", l2[0:10] + l2[13:20] + l2[21:35], l2[35]))
    if _trailing_k(l2[0:9]):
        notices.append(_k_notice("numéro de document / document number"))
    return Mrz(
        format=MrzFormat.MRV_B if visa else MrzFormat.TD2,
        lines=tuple(lines),
        document_code=code,
        document_type=_document_type(code),
        issuing_state=l1[2:5].replace("<", ""),
        surname=surname,
        given_names=given,
        document_number=number,
        nationality=l2[10:13].replace("<", "") or None,
        birth_date=_date(l2[13:19], today, birth=True),
        birth_date_raw=l2[13:19],
        sex=_sex("<" if l2[20] == "K" else l2[20]),
        expiry_date=_date(l2[21:27], today, birth=False),
        expiry_date_raw=l2[21:27],
        optional_data=optional.replace("<", " ").strip(),
        optional_data_2="",
        checks=tuple(checks),
        names_truncated=l1[35] != "<",
        notices=tuple(notices),
    )


def _parse_french_cni(lines: list[str], today: date) -> Mrz:
    l1, l2 = lines
    notices: list[Notice] = []
    checks = [
        _check("document_number", l2[0:12], l2[12]),
        _check("birth_date", l2[27:33], l2[33]),
        _check("composite", l1 + l2[0:35], l2[35]),
    ]
    if _trailing_k(l2[0:12]):
        notices.append(_k_notice("numéro de carte / card number"))
    return Mrz(
        format=MrzFormat.FR_CNI_1988,
        lines=tuple(lines),
        document_code="ID",
        document_type=DocumentType.IDENTITY_CARD,
        issuing_state="FRA",
        surname=_words(l1[5:30]),
        given_names=_words(l2[13:27]),
        document_number=l2[0:12].replace("<", ""),
        nationality=None,
        birth_date=_date(l2[27:33], today, birth=True),
        birth_date_raw=l2[27:33],
        sex=_sex("<" if l2[34] == "K" else l2[34]),
        expiry_date=None,
        expiry_date_raw=None,
        optional_data=l1[30:36].replace("<", " ").strip(),
        optional_data_2="",
        checks=tuple(checks),
        names_truncated=l1[29] != "<" or l2[26] != "<",
        notices=tuple(notices),
    )


def parse_mrz(text: str, *, today: date | None = None) -> Mrz | None:
    """Parse a pasted or typed MRZ; ``None`` when the text has no MRZ shape.

    The result always carries every check (``Mrz.checks``); ``Mrz.valid`` is True only
    when all pass. See the module docstring for formats and tolerance.
    """
    today = today or date.today()
    lines = _shape(text)
    if lines is None:
        return None
    width = len(lines[0])
    if len(lines) == 3:
        return _parse_td1(lines, today)
    visa = lines[0][0] == "V"
    if width == 44:
        return _parse_td3_like(lines, today, visa=visa)
    if visa:
        return _parse_td2_like(lines, today, visa=True)
    if lines[0].startswith("IDFRA"):
        french = _parse_french_cni(lines, today)
        if french.valid:
            return french
        td2 = _parse_td2_like(lines, today, visa=False)
        return td2 if td2.valid else french
    return _parse_td2_like(lines, today, visa=False)
