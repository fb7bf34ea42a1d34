"""Plates: SIV and FNI recognition, canonical forms, impossible plates."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neo.modules.lookup.match import (
    PlateFormat,
    normalize_plate,
    parse_plate,
    plate_from_field,
    plate_score,
)

SIV_LETTERS = "ABCDEFGHJKLMNPQRSTVWXYZ"  # no I, O, U


@pytest.mark.parametrize(
    ("typed", "compact", "display", "fmt"),
    [
        ("AB-123-CD", "AB123CD", "AB-123-CD", PlateFormat.SIV),
        ("ab 123 cd", "AB123CD", "AB-123-CD", PlateFormat.SIV),
        ("ab123cd", "AB123CD", "AB-123-CD", PlateFormat.SIV),
        (" Ab-123 cD ", "AB123CD", "AB-123-CD", PlateFormat.SIV),
        ("AB.123.CD", "AB123CD", "AB-123-CD", PlateFormat.SIV),
        ("GH-001-ZZ", "GH001ZZ", "GH-001-ZZ", PlateFormat.SIV),
        ("AB-123-WW", "AB123WW", "AB-123-WW", PlateFormat.SIV),  # WW only reserved on the left
        ("WW-123-AB", "WW123AB", "WW-123-AB", PlateFormat.SIV_TEMPORARY),
        ("W-123-AB", "W123AB", "W-123-AB", PlateFormat.SIV_W_GARAGE),
        ("123 ABC 45", "123ABC45", "123 ABC 45", PlateFormat.FNI),
        ("1234 AB 75", "1234AB75", "1234 AB 75", PlateFormat.FNI),
        ("1234-ab-75", "1234AB75", "1234 AB 75", PlateFormat.FNI),
        ("1 A 33", "1A33", "1 A 33", PlateFormat.FNI),
        ("12 ABC 2A", "12ABC2A", "12 ABC 2A", PlateFormat.FNI),
        ("12abc2b", "12ABC2B", "12 ABC 2B", PlateFormat.FNI),
        ("123 AB 971", "123AB971", "123 AB 971", PlateFormat.FNI),
        ("123 AB 974", "123AB974", "123 AB 974", PlateFormat.FNI),
        ("123 AB 976", "123AB976", "123 AB 976", PlateFormat.FNI),
        ("9999 ZZ 95", "9999ZZ95", "9999 ZZ 95", PlateFormat.FNI),
        ("123 W 75", "123W75", "123 W 75", PlateFormat.FNI_W_GARAGE),
        ("23 W 2A", "23W2A", "23 W 2A", PlateFormat.FNI_W_GARAGE),
        ("123 WW 13", "123WW13", "123 WW 13", PlateFormat.FNI_TEMPORARY),
    ],
)
def test_possible_plates(typed: str, compact: str, display: str, fmt: PlateFormat) -> None:
    plate = parse_plate(typed)
    assert plate is not None
    assert (plate.compact, plate.display, plate.format) == (compact, display, fmt)
    assert plate.possible and plate.problem is None
    assert normalize_plate(typed) == compact


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("AI-123-CD", "siv_letter_i"),
        ("AB-123-CO", "siv_letter_o"),
        ("UB-123-CD", "siv_letter_u"),
        ("SS-123-AB", "siv_series_ss"),
        ("AB-123-SS", "siv_series_ss"),
        ("AB-000-CD", "siv_number_000"),
        ("W-123-SS", "siv_series_ss"),
        ("123 AB 00", "fni_department"),
        ("123 AB 96", "fni_department"),
        ("123 AB 99", "fni_department"),
        ("123 AB 970", "fni_department"),
        ("123 AB 977", "fni_department"),
        ("123 AB 2C", None),  # not plate-shaped at all
        ("123 AI 75", "fni_letter_i"),
        ("123 OB 75", "fni_letter_o"),
        ("0 AB 75", "fni_number_zero"),
        ("0000 AB 75", "fni_number_zero"),
    ],
)
def test_impossible_plates_say_why_in_french_and_english(typed: str, code: str | None) -> None:
    plate = parse_plate(typed)
    if code is None:
        assert plate is None
        return
    assert plate is not None
    assert not plate.possible
    assert plate.problem is not None and plate.problem.code == code
    assert plate.problem.message_fr and plate.problem.message_en
    assert normalize_plate(typed) is None
    # Still canonical, so it can be searched (a false plate may be on file).
    assert plate.compact.isalnum() and plate.compact.isupper() and plate.display


def test_french_reasons_read_naturally() -> None:
    plate = parse_plate("AB-123-CO")
    assert plate is not None and plate.problem is not None
    assert plate.problem.message_fr == "La lettre « O » n'est jamais utilisée sur les plaques SIV (confusion avec « 0 »)."
    plate = parse_plate("123 AB 96")
    assert plate is not None and plate.problem is not None
    assert "96" in plate.problem.message_fr and "département" in plate.problem.message_fr


@pytest.mark.parametrize(
    "typed", ["", "dupont", "AB-1234-CD", "ABC-123-DE", "A-123-BC", "12345 AB 75", "123 ABCD 75", "AB123C", "AB-123-CD-XY", "1985"]
)
def test_not_plates(typed: str) -> None:
    assert parse_plate(typed) is None
    assert normalize_plate(typed) is None


def test_notices() -> None:
    ww = parse_plate("WW-123-AB")
    assert ww is not None and [n.code for n in ww.notices] == ["temporary_ww"]
    garage = parse_plate("w 123 ab")
    assert garage is not None and [n.code for n in garage.notices] == ["w_garage"]
    zeros = parse_plate("0123 AB 75")
    assert zeros is not None and zeros.compact == "123AB75" and zeros.notices[0].code == "fni_leading_zero"
    corsica = parse_plate("12 AB 20")
    assert corsica is not None and corsica.possible and corsica.notices[0].code == "fni_department_20"
    digits = parse_plate("AB-1O3-CD")
    assert digits is not None and digits.compact == "AB103CD" and digits.notices[0].code == "plate_digit_read"
    with_dept = parse_plate("AB-123-CD 75")
    assert with_dept is not None and with_dept.compact == "AB123CD"
    assert with_dept.notices[-1].code == "siv_territorial_identifier"


def test_fni_department_recorded() -> None:
    plate = parse_plate("12 ABC 2A")
    assert plate is not None and plate.department == "2A"
    assert parse_plate("AB-123-CD").department is None  # type: ignore[union-attr]


def test_foreign_plate_from_the_structured_field() -> None:
    plate = plate_from_field("B-MW 1234")
    assert plate is not None and plate.format is PlateFormat.OTHER and plate.compact == "BMW1234"
    assert plate.notices[0].code == "plate_not_french"
    assert plate_from_field("  ") is None
    assert plate_from_field("ab-123-cd").format is PlateFormat.SIV  # type: ignore[union-attr]


# --- property tests --------------------------------------------------------------------------

_siv = st.tuples(
    st.text(alphabet=SIV_LETTERS, min_size=2, max_size=2).filter(lambda s: s not in ("SS", "WW")),
    st.integers(min_value=1, max_value=999),
    st.text(alphabet=SIV_LETTERS, min_size=2, max_size=2).filter(lambda s: s != "SS"),
).map(lambda t: f"{t[0]}{t[1]:03d}{t[2]}")

_departments = st.one_of(
    st.integers(min_value=1, max_value=95).map(lambda d: f"{d:02d}"),
    st.sampled_from(["2A", "2B", "971", "972", "973", "974", "975", "976"]),
)
_fni = st.tuples(
    st.integers(min_value=1, max_value=9999),
    st.text(alphabet="ABCDEFGHJKLMNPQRSTUVXYZ", min_size=1, max_size=3),
    _departments,
).map(lambda t: f"{t[0]}{t[1]}{t[2]}")


def _messy(compact: str, draw_seps: list[str], lower: list[bool]) -> str:
    out = []
    for i, ch in enumerate(compact):
        out.append(ch.lower() if lower[i % len(lower)] else ch)
        out.append(draw_seps[i % len(draw_seps)])
    return "".join(out)


_seps = st.lists(st.sampled_from(["", "", " ", "-", "  ", " - ", "."]), min_size=1, max_size=8)
_case = st.lists(st.booleans(), min_size=1, max_size=8)


@given(_siv, _seps, _case)
def test_siv_with_random_spacing_dashes_and_case_normalises_the_same(compact: str, seps: list[str], case: list[bool]) -> None:
    plate = parse_plate(_messy(compact, seps, case))
    assert plate is not None and plate.possible
    assert plate.compact == compact
    assert plate.format in (PlateFormat.SIV, PlateFormat.SIV_TEMPORARY)
    assert plate.display == f"{compact[:2]}-{compact[2:5]}-{compact[5:]}"


@given(_fni, _seps, _case)
def test_fni_with_random_spacing_dashes_and_case_normalises_the_same(compact: str, seps: list[str], case: list[bool]) -> None:
    plate = parse_plate(_messy(compact, seps, case))
    assert plate is not None and plate.possible, compact
    assert plate.compact == compact
    assert plate.format.value.startswith("fni")


@given(st.one_of(_siv, _fni))
def test_canonical_forms_are_fixed_points(compact: str) -> None:
    plate = parse_plate(compact)
    assert plate is not None
    again = parse_plate(plate.display)
    assert again is not None and again.compact == plate.compact and again.display == plate.display


@given(st.text(max_size=20))
def test_parse_never_raises(text: str) -> None:
    plate = parse_plate(text)
    assert plate is None or plate.compact.isalnum()


# --- similarity ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "score"),
    [
        ("AB-123-CD", "ab123cd", 1.0),
        ("AB-123-CD", "A8-123-CD", 0.85),  # 8 for B
        ("AB-123-CD", "AB-123-C0", 0.85),  # 0 for D
        ("AB-123-CD", "AB-128-CD", 0.6),
        ("AB-123-CD", "AB-213-CD", 0.6),  # transposed
        ("AB-123-CD", "A8-123-C0", 0.5),
        ("AB-123-CD", "ZZ-999-ZZ", 0.0),
        ("AB-123-CD", "123 ABC 45", 0.0),
        ("", "AB-123-CD", 0.0),
    ],
)
def test_plate_score(a: str, b: str, score: float) -> None:
    assert plate_score(a, b) == pytest.approx(score)
    assert plate_score(b, a) == pytest.approx(score)


@given(st.text(max_size=12), st.text(max_size=12))
def test_plate_score_in_unit_interval_and_symmetric(a: str, b: str) -> None:
    s = plate_score(a, b)
    assert 0.0 <= s <= 1.0
    assert s == plate_score(b, a)
