"""Birth dates: the forms officers type, century inference, swaps and scoring."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neo.modules.lookup.match import BirthDateQuery, DatePrecision, PartialDate, date_score, parse_birth_date

TODAY = date(2025, 6, 1)


def parse(text: str) -> BirthDateQuery:
    parsed = parse_birth_date(text, today=TODAY)
    assert parsed is not None, text
    return parsed


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("12/03/1985", "1985-03-12"),
        ("12-3-85", "1985-03-12"),
        ("12.03.85", "1985-03-12"),
        (" 12 03 1985 ", "1985-03-12"),
        ("1985-03-12", "1985-03-12"),
        ("1985/3/12", "1985-03-12"),
        ("12031985", "1985-03-12"),
        ("120385", "1985-03-12"),
        ("19850312", "1985-03-12"),  # YYYYMMDD when DDMMYYYY is no date
        ("1er mars 1985", "1985-03-01"),
        ("12 mars 1985", "1985-03-12"),
        ("12 MARS 85", "1985-03-12"),
        ("29 février 2000", "2000-02-29"),
        ("5 août 1990", "1990-08-05"),
        ("12 déc. 1985", "1985-12-12"),
        ("03/1985", "1985-03"),
        ("3/85", "1985-03"),
        ("03/85", "1985-03"),
        ("1985-03", "1985-03"),
        ("mars 1985", "1985-03"),
        ("0385", "1985-03"),
        ("1985", "1985"),
        ("29/02/2000", "2000-02-29"),
    ],
)
def test_accepted_forms(text: str, iso: str) -> None:
    parsed = parse(text)
    assert parsed.ok
    assert parsed.value is not None and parsed.value.iso() == iso


def test_precision() -> None:
    assert parse("12/03/1985").precision is DatePrecision.DAY
    assert parse("03/1985").precision is DatePrecision.MONTH
    assert parse("1985").precision is DatePrecision.YEAR


@pytest.mark.parametrize("text", ["", "abc", "dupont", "12", "123", "1234567", "12/03/1985/4", "12:03:1985"])
def test_not_date_shaped(text: str) -> None:
    assert parse_birth_date(text, today=TODAY) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("31/02/1985", "date_not_in_calendar"),
        ("29/02/1985", "date_not_in_calendar"),  # not a leap year
        ("32/01/1985", "date_not_in_calendar"),
        ("13/13/1985", "date_not_in_calendar"),
        ("00/01/1985", "date_not_in_calendar"),
        ("13/1985", "date_not_in_calendar"),
        ("01/01/2030", "date_in_future"),
        ("02/06/2025", "date_in_future"),  # tomorrow
        ("2026", "date_in_future"),
        ("1850", "date_too_old"),
    ],
)
def test_impossible_dates_carry_a_bilingual_problem(text: str, code: str) -> None:
    parsed = parse(text)
    assert not parsed.ok and parsed.value is None
    assert parsed.problem is not None and parsed.problem.code == code
    assert parsed.problem.message_fr and parsed.problem.message_en


def test_today_is_a_possible_birth_date() -> None:
    assert parse("01/06/2025").ok


def test_day_month_order() -> None:
    french = parse("12/03/1985")
    assert french.value == PartialDate(1985, 3, 12)
    assert french.day_month_ambiguous and not french.day_month_swapped
    american = parse("03/25/1985")
    assert american.value == PartialDate(1985, 3, 25)
    assert american.day_month_swapped and american.notices[0].code == "day_month_swapped"
    unambiguous = parse("25/03/1985")
    assert not unambiguous.day_month_ambiguous and not unambiguous.day_month_swapped
    same = parse("05/05/1985")
    assert not same.day_month_ambiguous  # swapping changes nothing


@pytest.mark.parametrize(
    ("text", "year", "alternatives"),
    [
        ("12/03/85", 1985, ()),
        ("12/03/24", 2024, (1924,)),
        ("01/06/25", 2025, (1925,)),  # today: not in the future
        ("02/06/25", 1925, ()),  # tomorrow in 2025: must be 1925
        ("12/09/25", 1925, ()),
        ("03/25", 2025, (1925,)),  # March 2025 has begun
        ("09/25", 1925, ()),
        ("12/03/00", 2000, ()),  # 1900 would be 125 years old: no alternative
        ("12/03/05", 2005, (1905,)),
    ],
)
def test_century_inference(text: str, year: int, alternatives: tuple[int, ...]) -> None:
    parsed = parse(text)
    assert parsed.two_digit_year
    assert parsed.value is not None and parsed.value.year == year
    assert tuple(a.year for a in parsed.alternatives) == alternatives


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY), st.sampled_from(["/", "-", ".", " "]))
def test_formatted_dates_round_trip(d: date, sep: str) -> None:
    for text in (f"{d.day:02d}{sep}{d.month:02d}{sep}{d.year}", f"{d.day}{sep}{d.month}{sep}{d.year}", d.isoformat()):
        parsed = parse(text)
        assert parsed.value is not None
        readings = {r.to_date() for r in parsed.readings()}
        assert d in readings


@given(st.dates(min_value=date(1926, 1, 1), max_value=TODAY))
def test_two_digit_years_never_in_the_future(d: date) -> None:
    parsed = parse(f"{d.day:02d}/{d.month:02d}/{d.year % 100:02d}")
    assert parsed.ok and parsed.value is not None
    full = parsed.value.to_date()
    assert full is not None and full <= TODAY
    assert full == d or d in {a.to_date() for a in parsed.alternatives}


# --- scoring ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "filed", "expected"),
    [
        ("12/03/1985", date(1985, 3, 12), 1.0),
        ("12/03/1985", date(1985, 12, 3), 0.85),  # day and month swapped
        ("12/03/1985", date(1985, 3, 13), 0.6),  # one digit of the day
        ("12/03/1985", date(1985, 3, 21), 0.6),  # day digits transposed
        ("12/03/1985", date(1986, 3, 12), 0.6),  # year one off
        ("12/03/1985", date(1958, 3, 12), 0.6),  # year digits transposed
        ("12/03/1985", date(1985, 4, 12), 0.55),  # one digit of the month
        ("12/03/1985", date(1985, 3, 28), 0.3),  # same month, other day
        ("12/03/1985", date(1985, 8, 28), 0.15),  # same year only
        ("12/03/1985", date(1990, 1, 1), 0.0),
        ("1985", date(1985, 7, 7), 1.0),  # partial query: exact at its precision
        ("1985", date(1986, 7, 7), 0.5),
        ("1985", date(1958, 7, 7), 0.4),
        ("1985", date(1995, 7, 7), 0.4),
        ("1985", date(2001, 7, 7), 0.0),
        ("03/1985", date(1985, 3, 30), 1.0),
        ("03/85", date(1985, 3, 30), 1.0),
        ("03/1985", date(1985, 4, 30), 0.45),
        ("03/1985", date(1985, 11, 30), 0.3),
        ("03/1985", date(1984, 3, 30), 0.45),
    ],
)
def test_date_score(typed: str, filed: date, expected: float) -> None:
    assert date_score(typed, filed, today=TODAY) == pytest.approx(expected)


def test_date_score_alternative_century_and_unknowns() -> None:
    assert date_score(parse("12/03/24"), date(2024, 3, 12)) == 1.0
    assert date_score(parse("12/03/24"), date(1924, 3, 12)) == pytest.approx(0.9)
    assert date_score("12/03/1985", None, today=TODAY) == 0.5  # record has no birth date
    assert date_score("not a date", date(1985, 3, 12), today=TODAY) == 0.0
    assert date_score(parse("31/02/1985"), date(1985, 3, 12)) == 0.0
    assert date_score(date(1985, 3, 12), PartialDate(1985)) == pytest.approx(0.9)  # record knows the year only
    assert date_score(PartialDate(1985, 3), date(1985, 3, 2)) == 1.0


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    st.one_of(st.none(), st.dates(min_value=date(1900, 1, 1), max_value=TODAY)),
)
def test_scores_in_unit_interval_and_exact_is_one(q: date, c: date | None) -> None:
    s = date_score(q, c)
    assert 0.0 <= s <= 1.0
    assert date_score(q, q) == 1.0


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
def test_swapped_day_month_scores_as_swap(d: date) -> None:
    if d.day > 12 or d.day == d.month:
        return
    swapped = date(d.year, d.day, d.month)
    assert date_score(d, swapped) == pytest.approx(0.85)
