"""French registration plates: recognise, canonicalise, flag the impossible ones.

Input is forgiving: any case, any spaces, dashes, dots or underscores (``ab 123cd``,
``AB-123-CD``, ``123abc45``, ``12 ABC 2A``). :func:`parse_plate` returns a :class:`Plate`
with its format, a ``compact`` form for keys and indexes (``AB123CD``, ``123ABC45``) and
a ``display`` form (``AB-123-CD``, ``123 ABC 45``), or ``None`` when the text has no
plate's shape at all. A plate-shaped text that no plate can carry keeps its canonical
forms (so it can still be searched) and gets a :class:`~.problems.Problem` saying why.

SIV (since 15 April 2009): ``AA-123-AA``, a national series assigned in order from
``AA-001-AA``. Rules applied, from the numbering rules as reported by the
Interior ministry's public pages and the specialised press (lagazettedescommunes.com,
guide-carte-grise.info, sivpro.fr, inaxys.com):

* the letters I, O and U are never used (confusion with 1, 0 and V): impossible;
* the pair ``SS`` is never used, left or right (Code pénal, emblems of crimes against
  humanity): impossible;
* the number ``000`` is never used (numbering runs 001-999): impossible;
* ``WW`` on the left is the temporary series (``WW-123-AA``, certificat provisoire WW):
  possible, format :attr:`PlateFormat.SIV_TEMPORARY`;
* the territorial identifier on the plate's right band (a département number the owner
  chooses) is not part of the number: ``AB-123-CD 75`` is read as ``AB-123-CD``;
* ``W-123-AA`` is a *W garage* number (certificat W garage, a motor trade
  professional's plates, used on one vehicle at a time): format
  :attr:`PlateFormat.SIV_W_GARAGE` (this shape is reported by trade sources, not by the
  regulation text NEO could read: treat as best knowledge).

FNI (1950-2009): ``123 ABC 45``: a number 1-9999, one to three letters, the département
(two digits 01-95, ``2A``/``2B`` for Corsica since 1976, ``20`` before it, three digits
971-976 overseas). Rules applied:

* département outside that list: impossible;
* the letters I and O were not used: impossible;
* number 0: impossible; leading zeros are dropped (a notice says so);
* the series ``W`` is a *W garage* plate (``1234 W 75``) and ``WW`` a temporary one.

Not covered: diplomatic (``CD``, ``C``, ``K``), military, *TT* (transit temporaire) and
collection plates, the FNI series some prefectures avoided (``SS`` after 1986, ``AL``,
``MA``, ``CD``, ``TT``, ``TU``: older plates with them may still exist, so they are not
flagged), overseas collectivities' own plates (New Caledonia, Polynesia, Wallis, Saint
Pierre and Miquelon after 2009), and the total-length limits of FNI numbers, which NEO
could not source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from .problems import Notice, Problem

__all__ = [
    "Plate",
    "PlateFormat",
    "compact_plate",
    "normalize_plate",
    "parse_plate",
    "plate_from_field",
    "plate_score",
]


class PlateFormat(StrEnum):
    """Which numbering system a plate belongs to."""

    SIV = "siv"
    SIV_TEMPORARY = "siv_ww"
    SIV_W_GARAGE = "siv_w_garage"
    FNI = "fni"
    FNI_TEMPORARY = "fni_ww"
    FNI_W_GARAGE = "fni_w_garage"
    OTHER = "other"

    @property
    def is_siv(self) -> bool:
        return self.value.startswith("siv")


@dataclass(frozen=True, slots=True)
class Plate:
    """A plate read from typed text.

    ``compact`` (upper case, no separators) is the form for keys and indexes; ``display``
    the form printed on the plate. ``problem`` is set when no real plate can carry this
    number; ``notices`` carry what the officer should know (temporary series, W garage,
    corrected characters).
    """

    text: str
    compact: str
    display: str
    format: PlateFormat
    department: str | None = None
    problem: Problem | None = None
    notices: tuple[Notice, ...] = field(default=())

    @property
    def possible(self) -> bool:
        return self.problem is None


_SEPARATORS = re.compile(r"[\s\-_.·/]+")
_RE_SIV = re.compile(r"^([A-Z]{2})(\d{3})([A-Z]{2})$")
_RE_SIV_LOOSE = re.compile(r"^([A-Z]{2})([0-9OIQ]{3})([A-Z]{2})$")
_RE_SIV_W = re.compile(r"^W(\d{3})([A-Z]{2})$")
_RE_FNI = re.compile(r"^(\d{1,4})([A-Z]{1,3})(\d{2,3}|2[AB])$")
# An SIV number followed by the territorial identifier printed on the plate's right band.
_RE_SIV_WITH_DEPT = re.compile(r"^([A-Z]{2}[0-9OIQ]{3}[A-Z]{2})(\d{2}|2[AB]|97\d)$")

_SIV_EXCLUDED = {"I": "1", "O": "0", "U": "V"}
_OVERSEAS = {"971", "972", "973", "974", "975", "976"}


def compact_plate(text: str) -> str:
    """Upper case with spaces, dashes, dots and underscores removed (no validation)."""
    return _SEPARATORS.sub("", text.strip().upper())


def _excluded_letter_problem(letters: str, system: str) -> Problem | None:
    for letter, lookalike in _SIV_EXCLUDED.items():
        if letter in letters:
            return Problem(
                f"{system}_letter_{letter.lower()}",
                f"La lettre « {letter} » n'est jamais utilisée sur les plaques "
                f"{'SIV' if system == 'siv' else 'FNI'} (confusion avec « {lookalike} »).",
                f"The letter '{letter}' is never used on {'SIV' if system == 'siv' else 'FNI'} "
                f"plates (it looks like '{lookalike}').",
            )
    return None


_P_SS = Problem(
    "siv_series_ss",
    "La série « SS » n'est jamais attribuée.",
    "The 'SS' series is never issued.",
)
_P_000 = Problem(
    "siv_number_000",
    "Le numéro 000 n'est jamais attribué (la numérotation commence à 001).",
    "Number 000 is never issued (numbering starts at 001).",
)
_P_FNI_ZERO = Problem(
    "fni_number_zero",
    "Le numéro 0 n'existe pas dans l'ancien système (FNI).",
    "Number 0 does not exist in the old (FNI) system.",
)
_N_WW = Notice(
    "temporary_ww",
    "Immatriculation provisoire WW (véhicule en attente de son certificat définitif).",
    "Temporary WW registration (vehicle awaiting its definitive certificate).",
)
_N_W_GARAGE = Notice(
    "w_garage",
    "Numéro W garage : plaques d'un professionnel de l'automobile, posées sur un seul "
    "véhicule à la fois, certificat à bord.",
    "W garage number: a motor trade professional's plates, on one vehicle at a time, "
    "certificate on board.",
)
_N_CORSICA_20 = Notice(
    "fni_department_20",
    "Département 20 : Corse, numéros attribués avant 1976.",
    "Département 20: Corsica, numbers issued before 1976.",
)
_N_LEADING_ZERO = Notice(
    "fni_leading_zero",
    "Zéros en tête du numéro ignorés.",
    "Leading zeros of the number ignored.",
)


def _digit_fix_notice(original: str, fixed: str) -> Notice:
    return Notice(
        "plate_digit_read",
        f"Lu « {fixed} » pour « {original} » (les lettres O, I et Q ne figurent pas à la "
        "place des chiffres).",
        f"Read '{fixed}' for '{original}' (O, I and Q cannot stand where digits go).",
    )


def _parse_siv(text: str, compact: str) -> Plate | None:
    notices: list[Notice] = []
    m = _RE_SIV.match(compact)
    if m is None:
        loose = _RE_SIV_LOOSE.match(compact)
        if loose is None:
            return None
        left, digits, right = loose.groups()
        fixed = digits.replace("O", "0").replace("Q", "0").replace("I", "1")
        notices.append(_digit_fix_notice(digits, fixed))
        compact = f"{left}{fixed}{right}"
        m = _RE_SIV.match(compact)
        assert m is not None
    left, digits, right = m.groups()
    display = f"{left}-{digits}-{right}"
    fmt = PlateFormat.SIV_TEMPORARY if left == "WW" else PlateFormat.SIV
    if fmt is PlateFormat.SIV_TEMPORARY:
        notices.append(_N_WW)
    problem = _excluded_letter_problem(left + right, "siv")
    if problem is None and "SS" in (left, right):
        problem = _P_SS
    if problem is None and digits == "000":
        problem = _P_000
    return Plate(text, compact, display, fmt, problem=problem, notices=tuple(notices))


def _parse_siv_w(text: str, compact: str) -> Plate | None:
    m = _RE_SIV_W.match(compact)
    if m is None:
        return None
    digits, right = m.groups()
    problem = _excluded_letter_problem(right, "siv")
    if problem is None and right == "SS":
        problem = _P_SS
    return Plate(
        text, compact, f"W-{digits}-{right}", PlateFormat.SIV_W_GARAGE, problem=problem, notices=(_N_W_GARAGE,)
    )


def _department_problem(dept: str) -> Problem | None:
    if dept in ("2A", "2B") or dept in _OVERSEAS:
        return None
    if len(dept) == 2 and 1 <= int(dept) <= 95:
        return None
    return Problem(
        "fni_department",
        f"« {dept} » n'est pas un département d'immatriculation (01 à 95, 2A, 2B, 971 à 976).",
        f"'{dept}' is not a registration département (01 to 95, 2A, 2B, 971 to 976).",
    )


def _parse_fni(text: str, compact: str) -> Plate | None:
    m = _RE_FNI.match(compact)
    if m is None:
        return None
    number, letters, dept = m.groups()
    notices: list[Notice] = []
    stripped = number.lstrip("0")
    problem: Problem | None = None
    if not stripped:
        problem = _P_FNI_ZERO
        stripped = "0"
    elif stripped != number:
        notices.append(_N_LEADING_ZERO)
    compact = f"{stripped}{letters}{dept}"
    display = f"{stripped} {letters} {dept}"
    if letters == "W":
        fmt = PlateFormat.FNI_W_GARAGE
        notices.append(_N_W_GARAGE)
    elif letters == "WW":
        fmt = PlateFormat.FNI_TEMPORARY
        notices.append(_N_WW)
    else:
        fmt = PlateFormat.FNI
    if problem is None:
        problem = _department_problem(dept)
    if problem is None:
        for letter in ("I", "O"):
            if letter in letters:
                problem = Problem(
                    f"fni_letter_{letter.lower()}",
                    f"La lettre « {letter} » n'était pas utilisée dans l'ancien système (FNI).",
                    f"The letter '{letter}' was not used in the old (FNI) system.",
                )
                break
    if dept == "20":
        notices.append(_N_CORSICA_20)
    return Plate(text, compact, display, fmt, department=dept, problem=problem, notices=tuple(notices))


def parse_plate(text: str) -> Plate | None:
    """Read a French plate from typed text; ``None`` when it has no plate's shape.

    >>> parse_plate("ab 123-cd").display
    'AB-123-CD'
    >>> parse_plate("12abc2a").display
    '12 ABC 2A'
    >>> parse_plate("AB-123-SS").problem.code
    'siv_series_ss'
    """
    compact = compact_plate(text)
    if not compact or not compact.isalnum() or not compact.isascii():
        return None
    for parser in (_parse_siv, _parse_siv_w, _parse_fni):
        plate = parser(text, compact)
        if plate is not None:
            return plate
    m = _RE_SIV_WITH_DEPT.match(compact)
    if m is not None:
        plate = _parse_siv(text, m.group(1))
        if plate is not None:
            notice = Notice(
                "siv_territorial_identifier",
                f"« {m.group(2)} » (identifiant territorial de la plaque) ne fait pas partie du numéro SIV : ignoré.",
                f"'{m.group(2)}' (the plate's territorial identifier) is not part of the SIV number: ignored.",
            )
            return Plate(
                plate.text, plate.compact, plate.display, plate.format,
                problem=plate.problem, notices=(*plate.notices, notice),
            )
    return None


_N_OTHER = Notice(
    "plate_not_french",
    "Format non reconnu comme français (plaque étrangère ?) : recherche sur les caractères tels quels.",
    "Not a French format (a foreign plate?): searched on the characters as typed.",
)


def plate_from_field(text: str) -> Plate | None:
    """A plate typed in the structured *plate* field: a French plate when it is one,
    otherwise (a foreign plate) its compact characters with format ``OTHER``.
    ``None`` only when nothing alphanumeric was typed."""
    plate = parse_plate(text)
    if plate is not None:
        return plate
    compact = compact_plate(text)
    compact = "".join(ch for ch in compact if ch.isascii() and ch.isalnum())
    if not compact:
        return None
    return Plate(text, compact, compact, PlateFormat.OTHER, notices=(_N_OTHER,))


def normalize_plate(text: str) -> str | None:
    """The compact canonical form of a possible plate (``AB123CD``), else ``None``."""
    plate = parse_plate(text)
    return plate.compact if plate is not None and plate.possible else None


# Characters a witness or a camera confuses on a plate.
_CONFUSABLE = [set("0ODQ"), set("1IL7"), set("8B"), set("5S"), set("2Z"), set("6G"), set("UV"), set("MN"), set("KX")]


def _confusable(a: str, b: str) -> bool:
    return any(a in group and b in group for group in _CONFUSABLE)


def plate_score(query: str | Plate, candidate: str | Plate) -> float:
    """Similarity of two plates in ``[0, 1]``, forgiving the classic misreadings.

    1.0 same compact form; 0.85 one look-alike character (``0``/``O``/``D``, ``8``/``B``,
    ``1``/``I``/``L``, ``5``/``S``…); 0.6 one other substitution or two adjacent
    characters swapped; 0.5 two look-alikes; 0 otherwise.
    """
    a = query.compact if isinstance(query, Plate) else _canonical_or_compact(query)
    b = candidate.compact if isinstance(candidate, Plate) else _canonical_or_compact(candidate)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    if len(a) != len(b):
        return 0.0
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diff) == 1:
        i = diff[0]
        return 0.85 if _confusable(a[i], b[i]) else 0.6
    if len(diff) == 2:
        i, j = diff
        if j == i + 1 and a[i] == b[j] and a[j] == b[i]:
            return 0.6
        if _confusable(a[i], b[i]) and _confusable(a[j], b[j]):
            return 0.5
    return 0.0


def _canonical_or_compact(text: str) -> str:
    plate = parse_plate(text)
    return plate.compact if plate is not None else compact_plate(text)
