"""Birth dates as officers type them: full, partial, swapped, two-digit years.

Accepted forms (any of ``/ . - _`` or spaces as separators, surrounding spaces ignored):

========================  =========================================================
``12/03/1985``            day, month, year (the French order)
``12-3-85``, ``12.03.85`` same with one-digit parts or a two-digit year
``1985-03-12``            ISO order (a four-digit year first)
``12031985``, ``120385``  run-together DDMMYYYY / DDMMYY (YYYYMMDD when DDMMYYYY
                          cannot be a date: ``19850312``)
``12 mars 1985``          French month names and their usual abbreviations
``03/1985``, ``3/85``     month and year; ``1985-03`` too; ``mars 1985``
``1985``                  year alone
========================  =========================================================

Day/month swap
    When both numbers are 12 or less, the French reading (day first) is taken and the
    swap stays possible (:attr:`BirthDateQuery.day_month_ambiguous`; :func:`date_score`
    gives a swapped match 0.85). When the first number cannot be a month's day order
    (``03/25/1985``: 25 is no month), it is read month-first and flagged
    :attr:`BirthDateQuery.day_month_swapped`.

Two-digit years (century inference)
    A birth date is never in the future. ``YY`` is read as ``20YY`` when that date is not
    after *today* (at the precision typed), otherwise as ``19YY``. When ``20YY`` was
    chosen, ``19YY`` is kept as an alternative (scored at 0.9) if the person would be at
    most 120 years old. Example, today being 2025-06-01: ``12/03/85`` → 1985-03-12;
    ``12/03/24`` → 2024-03-12, alternative 1924-03-12; ``12/09/25`` → 1925-09-12.

Rejected, with a :class:`~.problems.Problem` in French and English: a day or month out
of range (``31/02/1985``, ``12/13/1985`` when neither reading is a date), a date in the
future, a year more than 130 years back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum

from .names import fold_text
from .problems import Notice, Problem

__all__ = [
    "BirthDateQuery",
    "DatePrecision",
    "PartialDate",
    "date_score",
    "parse_birth_date",
]

_OLDEST_AGE = 130
_ALTERNATIVE_MAX_AGE = 120


class DatePrecision(IntEnum):
    """How much of a date is known (ordered: YEAR < MONTH < DAY)."""

    YEAR = 1
    MONTH = 2
    DAY = 3


@dataclass(frozen=True, slots=True, order=True)
class PartialDate:
    """A date known to the year, the month or the day."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> DatePrecision:
        if self.day is not None:
            return DatePrecision.DAY
        if self.month is not None:
            return DatePrecision.MONTH
        return DatePrecision.YEAR

    def iso(self) -> str:
        """``1985-03-12``, ``1985-03`` or ``1985``."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def to_date(self) -> date | None:
        """The full date, or None when only the year or month is known."""
        if self.month is None or self.day is None:
            return None
        return date(self.year, self.month, self.day)

    @classmethod
    def from_date(cls, d: date) -> PartialDate:
        return cls(d.year, d.month, d.day)

    def truncated(self, precision: DatePrecision) -> PartialDate:
        if precision >= self.precision:
            return self
        if precision == DatePrecision.YEAR:
            return PartialDate(self.year)
        return PartialDate(self.year, self.month)


@dataclass(frozen=True, slots=True)
class BirthDateQuery:
    """A birth date as parsed from what the officer typed.

    ``value`` is the preferred reading (``None`` when ``problem`` says why the text is
    date-shaped but no date); ``alternatives`` holds the other-century reading of a
    two-digit year.
    """

    text: str
    value: PartialDate | None
    alternatives: tuple[PartialDate, ...] = ()
    day_month_swapped: bool = False
    day_month_ambiguous: bool = False
    two_digit_year: bool = False
    problem: Problem | None = None
    notices: tuple[Notice, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.value is not None and self.problem is None

    @property
    def precision(self) -> DatePrecision | None:
        return self.value.precision if self.value is not None else None

    def readings(self) -> tuple[PartialDate, ...]:
        """The preferred reading then the alternatives."""
        if self.value is None:
            return ()
        return (self.value, *self.alternatives)


# ---------------------------------------------------------------------------------------
# Parsing

_MONTHS_FR = {
    "janvier": 1, "janv": 1, "jan": 1,
    "fevrier": 2, "fevr": 2, "fev": 2,
    "mars": 3, "mar": 3,
    "avril": 4, "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7, "juil": 7,
    "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9,
    "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}

_SEP = r"[\s/.\-_]+"
_RE_ISO = re.compile(rf"^(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})$")
_RE_ISO_MONTH = re.compile(rf"^(\d{{4}}){_SEP}(\d{{1,2}})$")
_RE_DMY = re.compile(rf"^(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{2}}|\d{{4}})$")
_RE_MY = re.compile(rf"^(\d{{1,2}}){_SEP}(\d{{2}}|\d{{4}})$")
_RE_DIGITS = re.compile(r"^\d+$")
_RE_NAMED = re.compile(rf"^(?:(\d{{1,2}}){_SEP})?([a-z]+)\.?{_SEP}(\d{{2}}|\d{{4}})$")
_RE_ER = re.compile(r"^1er\b")


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _valid_dm(year: int, month: int, day: int | None) -> bool:
    if not 1 <= month <= 12:
        return False
    return day is None or 1 <= day <= _days_in_month(year, month)


def _not_future(p: PartialDate, today: date) -> bool:
    return p.truncated(p.precision) <= PartialDate.from_date(today).truncated(p.precision)


_P_FUTURE = Problem(
    "date_in_future",
    "Une date de naissance ne peut pas être dans le futur.",
    "A birth date cannot be in the future.",
)
_P_TOO_OLD = Problem(
    "date_too_old",
    f"Date de naissance trop ancienne (plus de {_OLDEST_AGE} ans).",
    f"Birth date too far back (more than {_OLDEST_AGE} years).",
)
_P_CALENDAR = Problem(
    "date_not_in_calendar",
    "Ce jour n'existe pas dans le calendrier (jour ou mois hors limites).",
    "No such day in the calendar (day or month out of range).",
)
_N_SWAPPED = Notice(
    "day_month_swapped",
    "Date lue mois avant jour (le second nombre ne peut pas être un mois).",
    "Date read month first (the second number cannot be a month).",
)


def _century(yy: int, month: int | None, day: int | None, today: date) -> tuple[int, tuple[int, ...]]:
    """(preferred year, alternative years) for a two-digit year; see the module docstring."""
    recent = 2000 + yy
    candidate = PartialDate(recent, month, day if month is not None else None)
    if _not_future(candidate, today):
        older = 1900 + yy
        alternatives = (older,) if today.year - older <= _ALTERNATIVE_MAX_AGE else ()
        return recent, alternatives
    return 1900 + yy, ()


def _build(
    text: str,
    year_str: str,
    month: int | None,
    day: int | None,
    today: date,
    *,
    swapped: bool = False,
    ambiguous: bool = False,
) -> BirthDateQuery:
    two_digit = len(year_str) == 2
    if two_digit:
        year, alt_years = _century(int(year_str), month, day, today)
    else:
        year, alt_years = int(year_str), ()
    if month is not None and not _valid_dm(year, month, day):
        return BirthDateQuery(text, None, two_digit_year=two_digit, problem=_P_CALENDAR)
    value = PartialDate(year, month, day)
    if not _not_future(value, today):
        return BirthDateQuery(text, None, two_digit_year=two_digit, problem=_P_FUTURE)
    if today.year - year > _OLDEST_AGE:
        return BirthDateQuery(text, None, two_digit_year=two_digit, problem=_P_TOO_OLD)
    alternatives = tuple(
        PartialDate(y, month, day) for y in alt_years if month is None or _valid_dm(y, month, day)
    )
    return BirthDateQuery(
        text,
        value,
        alternatives=alternatives,
        day_month_swapped=swapped,
        day_month_ambiguous=ambiguous,
        two_digit_year=two_digit,
        notices=(_N_SWAPPED,) if swapped else (),
    )


def _day_month(text: str, a: int, b: int, year_str: str, today: date) -> BirthDateQuery:
    """Two numbers before a year: day/month (French), or month/day when only that fits."""
    if 1 <= b <= 12:
        return _build(text, year_str, b, a, today, ambiguous=1 <= a <= 12 and a != b)
    if 1 <= a <= 12 and 1 <= b <= 31:
        return _build(text, year_str, a, b, today, swapped=True)
    return BirthDateQuery(text, None, problem=_P_CALENDAR)


def parse_birth_date(text: str, *, today: date | None = None) -> BirthDateQuery | None:
    """Parse a typed birth date; ``None`` when the text is not date-shaped at all.

    Date-shaped text that is no possible birth date comes back with ``value=None`` and a
    ``problem`` (see the module docstring for the forms and the rules).
    """
    today = today or date.today()
    raw = text
    s = fold_text(text).strip()
    s = _RE_ER.sub("1", s)
    if not s:
        return None
    if m := _RE_ISO.match(s):
        y, mo, d = m.groups()
        return _build(raw, y, int(mo), int(d), today)
    if m := _RE_DMY.match(s):
        a, b, y = m.groups()
        return _day_month(raw, int(a), int(b), y, today)
    if m := _RE_ISO_MONTH.match(s):
        y, mo = m.groups()
        return _build(raw, y, int(mo), None, today)
    if m := _RE_MY.match(s):
        mo, y = m.groups()
        if 1 <= int(mo) <= 12:
            return _build(raw, y, int(mo), None, today)
        return BirthDateQuery(raw, None, problem=_P_CALENDAR)
    if m := _RE_NAMED.match(s):
        d, name, y = m.groups()
        month = _MONTHS_FR.get(name)
        if month is None:
            return None
        return _build(raw, y, month, int(d) if d else None, today)
    if _RE_DIGITS.match(s):
        return _parse_digits(raw, s, today)
    return None


def _parse_digits(raw: str, s: str, today: date) -> BirthDateQuery | None:
    if len(s) == 8:
        dd, mm, yyyy = int(s[:2]), int(s[2:4]), s[4:]
        if _valid_dm(int(yyyy), mm, dd):
            return _day_month(raw, dd, mm, yyyy, today)
        y2, m2, d2 = s[:4], int(s[4:6]), int(s[6:])
        if _valid_dm(int(y2), m2, d2):
            return _build(raw, y2, m2, d2, today)
        return _day_month(raw, dd, mm, yyyy, today)
    if len(s) == 6:
        return _day_month(raw, int(s[:2]), int(s[2:4]), s[4:], today)
    if len(s) == 4:
        year = int(s)
        if 1800 <= year <= 2199:
            return _build(raw, s, None, None, today)
        if 1 <= int(s[:2]) <= 12:
            return _build(raw, s[2:], int(s[:2]), None, today)
        return None
    return None


# ---------------------------------------------------------------------------------------
# Scoring


def _one_digit_apart(a: int, b: int, width: int) -> bool:
    """True when ``a`` and ``b`` (as ``width`` digits) differ in one digit or by a swap of
    two adjacent digits: the typing slips of a date."""
    sa, sb = f"{a:0{width}d}", f"{b:0{width}d}"
    if len(sa) != len(sb):
        return False
    diff = [i for i in range(len(sa)) if sa[i] != sb[i]]
    if len(diff) == 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and sa[diff[0]] == sb[diff[1]] and sa[diff[1]] == sb[diff[0]]


def _year_near(a: int, b: int) -> bool:
    return abs(a - b) == 1 or _one_digit_apart(a, b, 4)


def _score_readings(q: PartialDate, c: PartialDate) -> float:
    precision = min(q.precision, c.precision)
    factor = 0.9 if c.precision < q.precision else 1.0
    q, c = q.truncated(precision), c.truncated(precision)
    if q == c:
        return factor
    same_year = q.year == c.year
    if precision == DatePrecision.YEAR:
        return factor * (0.5 if abs(q.year - c.year) == 1 else 0.4 if _year_near(q.year, c.year) else 0.0)
    assert q.month is not None and c.month is not None
    if precision == DatePrecision.MONTH:
        if same_year:
            return factor * (0.45 if _one_digit_apart(q.month, c.month, 2) else 0.3)
        if q.month == c.month and _year_near(q.year, c.year):
            return factor * 0.45
        return 0.0
    assert q.day is not None and c.day is not None
    if same_year and q.day == c.month and q.month == c.day:
        return factor * 0.85
    if same_year and q.month == c.month:
        return factor * (0.6 if _one_digit_apart(q.day, c.day, 2) else 0.3)
    if q.day == c.day and q.month == c.month and _year_near(q.year, c.year):
        return factor * 0.6
    if same_year and q.day == c.day:
        return factor * (0.55 if _one_digit_apart(q.month, c.month, 2) else 0.2)
    if same_year:
        return factor * 0.15
    return 0.0


_ALTERNATIVE_WEIGHT = 0.9
_UNKNOWN_CANDIDATE = 0.5


def date_score(
    query: BirthDateQuery | PartialDate | date | str,
    candidate: date | PartialDate | None,
    *,
    today: date | None = None,
) -> float:
    """How well a typed birth date matches a record's, in ``[0, 1]``.

    1.0 exact (at the precision typed: ``1985`` matches every date in 1985); 0.85 day and
    month swapped; 0.6 one digit wrong in the day, or the year one off or one digit wrong;
    0.55 one digit wrong in the month; 0.5 or 0.4 for a year-only query one off; lower
    for partial agreement; 0 otherwise. A record known less precisely than the query
    (only the year) scores at most 0.9; an alternative century reading at most 0.9. A
    record without a birth date scores 0.5 (unknown is neither for nor against); a query
    that is not a date scores 0.
    """
    if isinstance(query, str):
        parsed = parse_birth_date(query, today=today)
        if parsed is None:
            return 0.0
        query = parsed
    if isinstance(query, date):
        readings: tuple[PartialDate, ...] = (PartialDate.from_date(query),)
    elif isinstance(query, PartialDate):
        readings = (query,)
    else:
        readings = query.readings()
        if not readings:
            return 0.0
    if candidate is None:
        return _UNKNOWN_CANDIDATE
    cand = PartialDate.from_date(candidate) if isinstance(candidate, date) else candidate
    best = 0.0
    for i, reading in enumerate(readings):
        s = _score_readings(reading, cand)
        if i:
            s *= _ALTERNATIVE_WEIGHT
        best = max(best, s)
    return min(1.0, max(0.0, best))
