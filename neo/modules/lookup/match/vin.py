"""Vehicle identification numbers (VIN, ISO 3779), the number stamped on the chassis.

Structure (ISO 3779): 17 characters from ``0-9`` and ``A-Z`` without ``I``, ``O`` and
``Q``; the WMI (world manufacturer identifier, positions 1-3, ISO 3780), the VDS
(vehicle descriptor section, 4-9) and the VIS (vehicle indicator section, 10-17). When
the third character is ``9`` the maker builds fewer vehicles a year than a full WMI
allows and positions 12-14 complete its identifier.

Typing tolerance: since ``I``, ``O`` and ``Q`` cannot occur, they are read as ``1``,
``0`` and ``0`` (with a notice); spaces and dashes are ignored; case is ignored.

Check digit: position 9 is a check digit computed with the North-American rule (49 CFR
565.15: letters transliterated A=1 … H=8, J=1 … N=5, P=7, R=9, S=2 … Z=9; weights
8 7 6 5 4 3 2 10 0 9 8 7 6 5 4 3 2; remainder of the weighted sum by 11, 10 written
``X``). It is mandatory for vehicles built for North America (first character ``1`` to
``5``), where a wrong digit makes the VIN impossible as typed. ISO 3779 leaves it
optional elsewhere and European makers mostly do not use it: for those the result is
:attr:`CheckDigit.NOT_CHECKABLE`, never a failure (``computed_check_digit`` is still
given, for information).

Not covered: decoding model years, plants, or maker names from the WMI (no table of
makers is shipped), and the pre-1981 short serials of old vehicles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from .problems import Notice, Problem

__all__ = [
    "CheckDigit",
    "Region",
    "Vin",
    "normalize_vin",
    "parse_vin",
    "vin_check_digit",
    "vin_score",
]

_TRANSLIT = {
    **{str(d): d for d in range(10)},
    "A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6, "G": 7, "H": 8,
    "J": 1, "K": 2, "L": 3, "M": 4, "N": 5, "P": 7, "R": 9,
    "S": 2, "T": 3, "U": 4, "V": 5, "W": 6, "X": 7, "Y": 8, "Z": 9,
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_CHARS = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_SEPARATORS = re.compile(r"[\s\-_.]+")
_FORBIDDEN_READ_AS = {"I": "1", "O": "0", "Q": "0"}


class CheckDigit(StrEnum):
    """Outcome of the position-9 check digit: right, wrong, or not applicable (outside North America)."""

    VALID = "valid"
    INVALID = "invalid"
    NOT_CHECKABLE = "not_checkable"


class Region(StrEnum):
    """Where the WMI's first character places the maker (ISO 3780)."""

    AFRICA = "africa"
    ASIA = "asia"
    EUROPE = "europe"
    NORTH_AMERICA = "north_america"
    OCEANIA = "oceania"
    SOUTH_AMERICA = "south_america"


def _region(first: str) -> Region:
    if "A" <= first <= "H":
        return Region.AFRICA
    if "J" <= first <= "R":
        return Region.ASIA
    if "S" <= first <= "Z":
        return Region.EUROPE
    if "1" <= first <= "5":
        return Region.NORTH_AMERICA
    if first in "67":
        return Region.OCEANIA
    return Region.SOUTH_AMERICA


def vin_check_digit(vin: str) -> str:
    """The North-American check digit of a 17-character VIN (``0``-``9`` or ``X``)."""
    total = sum(_TRANSLIT[ch] * w for ch, w in zip(vin, _WEIGHTS, strict=True))
    r = total % 11
    return "X" if r == 10 else str(r)


@dataclass(frozen=True, slots=True)
class Vin:
    """A VIN read from typed text (``canonical`` is the 17 characters after correction)."""

    text: str
    canonical: str
    wmi: str
    vds: str
    vis: str
    region: Region
    check_digit: CheckDigit
    computed_check_digit: str
    small_manufacturer: bool
    problem: Problem | None = None
    notices: tuple[Notice, ...] = field(default=())

    @property
    def manufacturer_code(self) -> str:
        """The WMI, extended by positions 12-14 for a small manufacturer."""
        return self.wmi + self.canonical[11:14] if self.small_manufacturer else self.wmi

    @property
    def possible(self) -> bool:
        return self.problem is None


def parse_vin(text: str) -> Vin | None:
    """Read a VIN; ``None`` when the text is not 17 letters and digits once spaces and
    dashes are removed.

    >>> v = parse_vin("1M8GDM9AXKP042788")
    >>> v.wmi, v.check_digit.value
    ('1M8', 'valid')
    >>> parse_vin("VF1 AB000 123456789").check_digit.value
    'not_checkable'
    """
    raw = _SEPARATORS.sub("", text.strip().upper())
    if len(raw) != 17 or not raw.isascii() or not raw.isalnum():
        return None
    notices: list[Notice] = []
    canonical = raw
    if any(ch in _FORBIDDEN_READ_AS for ch in raw):
        canonical = "".join(_FORBIDDEN_READ_AS.get(ch, ch) for ch in raw)
        read = ", ".join(sorted({f"{ch}→{_FORBIDDEN_READ_AS[ch]}" for ch in raw if ch in _FORBIDDEN_READ_AS}))
        notices.append(
            Notice(
                "vin_letters_read_as_digits",
                f"Les lettres I, O et Q n'existent pas dans un VIN : lu {read}.",
                f"The letters I, O and Q do not exist in a VIN: read {read}.",
            )
        )
    assert _VIN_CHARS.match(canonical)
    computed = vin_check_digit(canonical)
    region = _region(canonical[0])
    problem: Problem | None = None
    if region is Region.NORTH_AMERICA:
        if canonical[8] == computed:
            status = CheckDigit.VALID
        else:
            status = CheckDigit.INVALID
            problem = Problem(
                "vin_check_digit",
                f"Chiffre de contrôle incorrect en 9e position : « {canonical[8]} » au lieu de « {computed} » "
                "(obligatoire pour un véhicule nord-américain).",
                f"Wrong check digit in position 9: '{canonical[8]}' instead of '{computed}' "
                "(mandatory for a North-American vehicle).",
            )
    else:
        status = CheckDigit.NOT_CHECKABLE
    return Vin(
        text=text,
        canonical=canonical,
        wmi=canonical[:3],
        vds=canonical[3:9],
        vis=canonical[9:],
        region=region,
        check_digit=status,
        computed_check_digit=computed,
        small_manufacturer=canonical[2] == "9",
        problem=problem,
        notices=tuple(notices),
    )


def normalize_vin(text: str) -> str | None:
    """The 17-character canonical VIN (after I/O/Q correction), or ``None`` when the text
    is no VIN. A North-American VIN with a wrong check digit still normalises: the check
    is reported by :func:`parse_vin`, and a misread digit must stay searchable."""
    vin = parse_vin(text)
    return vin.canonical if vin is not None else None


def vin_score(query: str | Vin, candidate: str | Vin) -> float:
    """Similarity of two VINs in ``[0, 1]``: 1.0 equal (after normalisation), 0.8 one
    character wrong or two adjacent characters swapped, 0.5 two characters wrong, else 0."""
    a = query.canonical if isinstance(query, Vin) else (normalize_vin(query) or "")
    b = candidate.canonical if isinstance(candidate, Vin) else (normalize_vin(candidate) or "")
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    diff = [i for i in range(17) if a[i] != b[i]]
    if len(diff) == 1:
        return 0.8
    if len(diff) == 2:
        i, j = diff
        if j == i + 1 and a[i] == b[j] and a[j] == b[i]:
            return 0.8
        return 0.5
    return 0.0
