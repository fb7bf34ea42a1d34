"""Document numbers and serial numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neo.modules.lookup.match import DocumentKind, document_score, normalize_serial, parse_document_number, serial_key


def kinds(text: str) -> list[DocumentKind]:
    return [d.kind for d in parse_document_number(text)]


def test_passport_number_is_also_a_licence_card_number() -> None:
    readings = parse_document_number("08 CD 50338")
    assert [d.kind for d in readings] == [DocumentKind.FR_PASSPORT, DocumentKind.FR_LICENCE_CARD, DocumentKind.FR_CNI_2021]
    assert all(d.canonical == "08CD50338" for d in readings)
    assert readings[0].confidence > readings[1].confidence


def test_old_identity_card_number() -> None:
    readings = parse_document_number("8806 923 10285")
    assert readings[0].kind is DocumentKind.FR_CNI_1988
    assert readings[0].issued == "1988-06"
    assert DocumentKind.FR_LICENCE in [d.kind for d in readings]  # 12 digits: also a licence number
    assert parse_document_number("1501 2A1 12345")[0].issued == "2015-01"  # letters in the office code


def test_old_identity_card_needs_a_real_issue_month() -> None:
    assert DocumentKind.FR_CNI_1988 not in kinds("881392310285")  # month 13
    assert DocumentKind.FR_CNI_1988 not in kinds("250692310285")  # issued 2025: the old card had stopped
    assert kinds("881392310285") == [DocumentKind.FR_LICENCE]


def test_new_identity_card_and_licences() -> None:
    assert kinds("X4RTBPFW4") == [DocumentKind.FR_CNI_2021]
    assert kinds("13AA00002") == [DocumentKind.FR_PASSPORT, DocumentKind.FR_LICENCE_CARD, DocumentKind.FR_CNI_2021]
    assert kinds("123456789012") == [DocumentKind.FR_LICENCE]


@pytest.mark.parametrize("text", ["", "ABCDEFGHI", "123456789", "12345", "AB-123-CD", "dupont"])
def test_not_document_numbers(text: str) -> None:
    assert parse_document_number(text) == ()


def test_serial_normalisation_and_tolerant_key() -> None:
    assert normalize_serial(" sn 45-ab/é ") == "SN45ABE"
    assert serial_key("AB-1O2-I3") == serial_key("ab 102 13") == "AB10213"
    assert serial_key("") == ""


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=16), st.data())
def test_o_zero_and_i_one_confusions_meet_in_the_key(serial: str, data: st.DataObject) -> None:
    swap = {"O": "0", "0": "O", "I": "1", "1": "I"}
    mask = data.draw(st.lists(st.booleans(), min_size=len(serial), max_size=len(serial)))
    confused = "".join(swap.get(ch, ch) if m else ch for ch, m in zip(serial, mask, strict=True))
    assert serial_key(confused) == serial_key(serial)
    assert document_score(confused, serial) >= 0.9


@given(st.text(max_size=20))
def test_serial_key_is_idempotent(text: str) -> None:
    assert serial_key(serial_key(text)) == serial_key(text)


@pytest.mark.parametrize(
    ("a", "b", "score"),
    [
        ("08CD50338", "08 cd 50338", 1.0),
        ("SN-A1O2", "SN-A102", 0.9),
        ("08CD50338", "08CD50383", 0.6),  # transposed
        ("08CD50338", "08CD50339", 0.6),
        ("08CD50338", "19XY12345", 0.0),
        ("AB12", "AB13", 0.0),  # too short for typo tolerance
        ("", "AB12", 0.0),
    ],
)
def test_document_score(a: str, b: str, score: float) -> None:
    assert document_score(a, b) == score


@given(st.text(max_size=20), st.text(max_size=20))
def test_document_score_in_unit_interval_and_symmetric(a: str, b: str) -> None:
    s = document_score(a, b)
    assert 0.0 <= s <= 1.0
    assert s == document_score(b, a)
