"""VINs: shape, forbidden letters, the North-American check digit, WMI."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neo.modules.lookup.match import CheckDigit, Region, normalize_vin, parse_vin, vin_check_digit, vin_score

VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"


@pytest.mark.parametrize(
    ("vin", "digit"),
    [
        ("1M8GDM9AXKP042788", "X"),  # the NHTSA example (49 CFR 565), check digit X
        ("1HGCM82633A004352", "3"),
        ("11111111111111111", "1"),
    ],
)
def test_known_north_american_check_digits(vin: str, digit: str) -> None:
    assert vin_check_digit(vin) == digit
    parsed = parse_vin(vin)
    assert parsed is not None
    assert parsed.check_digit is CheckDigit.VALID and parsed.possible
    assert parsed.region is Region.NORTH_AMERICA


def test_wrong_north_american_check_digit_is_impossible() -> None:
    parsed = parse_vin("1HGCM82643A004352")  # position 9 typed 4
    assert parsed is not None
    assert parsed.check_digit is CheckDigit.INVALID and not parsed.possible
    assert parsed.problem is not None and parsed.problem.code == "vin_check_digit"
    assert "« 4 » au lieu de « 3 »" in parsed.problem.message_fr
    assert normalize_vin("1HGCM82643A004352") == "1HGCM82643A004352"  # still searchable


@pytest.mark.parametrize("vin", ["VF1AB000123456789", "VF3ABCDEF12345678", "WVWZZZ1JZXW000001", "ZFA31200000123456"])
def test_european_vins_are_not_checkable_rather_than_failed(vin: str) -> None:
    parsed = parse_vin(vin)
    assert parsed is not None
    assert parsed.check_digit is CheckDigit.NOT_CHECKABLE
    assert parsed.possible and parsed.region is Region.EUROPE
    assert parsed.computed_check_digit in "0123456789X"


def test_structure_and_wmi() -> None:
    parsed = parse_vin("vf1-ab000 123456789")
    assert parsed is not None
    assert parsed.canonical == "VF1AB000123456789"
    assert (parsed.wmi, parsed.vds, parsed.vis) == ("VF1", "AB0001", "23456789")
    assert not parsed.small_manufacturer and parsed.manufacturer_code == "VF1"
    small = parse_vin("VF9AB000123456789")
    assert small is not None and small.small_manufacturer and small.manufacturer_code == "VF9456"


@pytest.mark.parametrize(
    ("first", "region"),
    [("A", Region.AFRICA), ("J", Region.ASIA), ("L", Region.ASIA), ("S", Region.EUROPE), ("V", Region.EUROPE),
     ("Z", Region.EUROPE), ("1", Region.NORTH_AMERICA), ("5", Region.NORTH_AMERICA), ("6", Region.OCEANIA),
     ("9", Region.SOUTH_AMERICA), ("0", Region.SOUTH_AMERICA)],
)
def test_regions(first: str, region: Region) -> None:
    parsed = parse_vin(first + "F1AB000123456789")
    assert parsed is not None and parsed.region is region


def test_forbidden_letters_are_read_as_digits_with_a_notice() -> None:
    parsed = parse_vin("VF1AB0OO12345678I")
    assert parsed is not None
    assert parsed.canonical == "VF1AB000123456781"
    assert parsed.notices[0].code == "vin_letters_read_as_digits"
    assert "I→1" in parsed.notices[0].message_fr and "O→0" in parsed.notices[0].message_fr
    q = parse_vin("1M8GDM9AXKPQ42788")  # Q for 0: corrected, then the check digit passes
    assert q is not None and q.canonical == "1M8GDM9AXKP042788" and q.check_digit is CheckDigit.VALID


@pytest.mark.parametrize("text", ["", "VF1AB00012345678", "VF1AB0001234567890", "VF1AB00012345678*", "dupont"])
def test_not_vins(text: str) -> None:
    assert parse_vin(text) is None
    assert normalize_vin(text) is None


_vin17 = st.text(alphabet=VIN_CHARS, min_size=17, max_size=17)


@given(_vin17)
def test_a_north_american_vin_with_its_check_digit_verifies(body: str) -> None:
    vin = "1" + body[1:8] + "0" + body[9:]
    vin = vin[:8] + vin_check_digit(vin) + vin[9:]
    parsed = parse_vin(vin)
    assert parsed is not None and parsed.check_digit is CheckDigit.VALID


@given(_vin17, st.integers(min_value=0, max_value=16), st.sampled_from(VIN_CHARS))
def test_any_single_change_outside_position_9_breaks_a_valid_vin_mostly(body: str, pos: int, ch: str) -> None:
    vin = "1" + body[1:]
    vin = vin[:8] + vin_check_digit(vin) + vin[9:]
    if pos in (0, 8) or vin[pos] == ch:
        return
    changed = vin[:pos] + ch + vin[pos + 1:]
    # Weight 0 at position 9 aside, a change is caught unless the weighted values collide
    # modulo 11 (possible: transliteration maps several letters to one value).
    same_value = vin_check_digit(changed) == vin[8]
    parsed = parse_vin(changed)
    assert parsed is not None
    assert (parsed.check_digit is CheckDigit.VALID) == same_value


@given(_vin17)
def test_normalisation_is_idempotent(vin: str) -> None:
    canonical = normalize_vin(vin)
    assert canonical is not None and normalize_vin(canonical) == canonical
    assert normalize_vin(" - ".join([vin[:5], vin[5:11].lower(), vin[11:]])) == canonical


def test_vin_score() -> None:
    assert vin_score("VF1AB000123456789", "vf1ab000123456789") == 1.0
    assert vin_score("VF1AB000123456789", "VF1AB000123456788") == 0.8
    assert vin_score("VF1AB000123456789", "VF1AB000123456798") == 0.8
    assert vin_score("VF1AB000123456789", "VF1AB000123457788") == 0.5
    assert vin_score("VF1AB000123456789", "WVWZZZ1JZXW000001") == 0.0
    assert vin_score("VF1AB000123456789", "short") == 0.0


@given(_vin17, _vin17)
def test_vin_score_in_unit_interval_and_symmetric(a: str, b: str) -> None:
    s = vin_score(a, b)
    assert 0.0 <= s <= 1.0
    assert s == vin_score(b, a)
