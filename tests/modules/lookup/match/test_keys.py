"""Canonical keys shared by HQ's indexes and the offline hot-list."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neo.modules.lookup.match import (
    KEY_VERSION,
    PartialDate,
    PersonName,
    detect,
    document_key,
    person_key,
    person_keys,
    person_query_keys,
    plate_key,
    serial_number_key,
    vin_key,
)

TODAY = date(2025, 6, 1)


def test_key_version() -> None:
    assert KEY_VERSION == "v1"


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("AB-123-CD", "v1:plate:AB123CD"),
        ("ab 123cd", "v1:plate:AB123CD"),
        ("AB-123-CD 75", "v1:plate:AB123CD"),
        ("0123 ab 75", "v1:plate:123AB75"),
        ("12 ABC 2A", "v1:plate:12ABC2A"),
        ("AB-000-CD", "v1:plate:AB000CD"),  # impossible, still keyed
        ("B-MW 1234", "v1:plate:BMW1234"),  # foreign
        ("  ", None),
    ],
)
def test_plate_key(typed: str, key: str | None) -> None:
    assert plate_key(typed) == key


def test_vin_document_and_serial_keys() -> None:
    assert vin_key("vf1-ab0O0-123456789") == "v1:vin:VF1AB000123456789"
    assert vin_key("too short") is None
    assert document_key("08 cd 5O338") == document_key("08CD50338") == "v1:doc:08CD50338"
    assert document_key("--") is None
    assert serial_number_key("imei 3556-78O1") == "v1:serial:1ME135567801"


def test_person_key_is_exact_and_deterministic() -> None:
    key = person_key("de La Fontaine", "Jean-Pierre", date(1985, 3, 12))
    assert key == "v1:person:delafontaine:jeanpierre:1985-03-12"
    assert person_key("DE LA FONTAINE", "jean pierre", "12/03/1985") == key
    assert person_key("de la Fontaine", "Jean-Pierre", PartialDate(1985, 3, 12)) == key
    with pytest.raises(ValueError):
        person_key("Dupont", "Jean", "1985")
    with pytest.raises(ValueError):
        person_key("Dupont", "Jean", PartialDate(1985, 3))
    with pytest.raises(ValueError):
        person_key("  ", "Jean", date(1985, 3, 12))


def test_person_keys_variants() -> None:
    keys = person_keys("de La Fontaine", "Jean-Pierre", date(1985, 3, 12))
    assert keys == tuple(sorted(set(keys)))
    assert set(keys) == {
        "v1:person:delafontaine:jeanpierre:1985-03-12",
        "v1:person:delafontaine:jean:1985-03-12",
        "v1:person:fontaine:jeanpierre:1985-03-12",
        "v1:person:fontaine:jean:1985-03-12",
        "v1:person-ph:FNTN:JN:1985-03-12",
    }


def hot_list(records: list[tuple[str, str, date]], secret: bytes) -> set[bytes]:
    return {hmac.new(secret, k.encode(), hashlib.sha256).digest() for r in records for k in person_keys(*r)}


def probable_hit(text: str, hot: set[bytes], secret: bytes) -> bool:
    q = detect(text, today=TODAY)
    assert q.best is not None
    p = q.best.value
    keys = person_query_keys(p.name, p.birth_date)  # type: ignore[union-attr]
    return any(hmac.new(secret, k.encode(), hashlib.sha256).digest() in hot for k in keys)


@pytest.mark.parametrize(
    ("typed", "hit"),
    [
        ("Jean-Pierre DE LA FONTAINE 12/03/1985", True),
        ("fontaine jean 12/03/1985", True),  # particles and second given name dropped
        ("jean pierre lafontaine 12.03.85", False),  # glued particle with one dropped: not a variant
        ("delafontaine jean-pierre 12031985", True),
        ("lefevre jean 01/02/1970", True),  # phonetic, Lefebvre on file
        ("jean lefebvre 01/02/1970", True),  # order swapped
        ("lefebvre jean 02/01/1970", True),  # day and month swapped
        ("lefebvre jean 01/02/1971", False),  # another date
        ("lefebvre paul 01/02/1970", False),  # another given name
        ("dupont jean 1970", False),  # no full date, no hot-list check
    ],
)
def test_hot_list_probable_hits(typed: str, hit: bool) -> None:
    secret = b"k" * 32
    hot = hot_list([("de La Fontaine", "Jean-Pierre", date(1985, 3, 12)), ("Lefebvre", "Jean", date(1970, 2, 1))], secret)
    assert probable_hit(typed, hot, secret) is hit


def test_person_query_keys_with_structured_names() -> None:
    keys = person_query_keys(PersonName("Dupont", "Jean"), date(1985, 3, 12))
    assert "v1:person:dupont:jean:1985-03-12" in keys
    assert "v1:person:jean:dupont:1985-03-12" in keys  # fields swapped
    assert person_query_keys(PersonName("Dupont", "Jean"), None) == ()
    assert person_query_keys("dupont", "1985") == ()


_NAMES = st.sampled_from(["Dupont", "de La Fontaine", "Jean-Pierre", "Nguyên", "Le", "d'Artagnan", "Lefèvre", "Éloïse"])


@given(_NAMES, _NAMES, st.dates(min_value=date(1920, 1, 1), max_value=TODAY))
def test_a_record_always_hits_itself(last: str, first: str, born: date) -> None:
    record = set(person_keys(last, first, born))
    typed = set(person_query_keys(f"{last} {first}", born.strftime("%d/%m/%Y")))
    assert record & typed
    structured = set(person_query_keys(PersonName(last.upper(), first.lower()), born))
    assert record & structured


@given(st.text(max_size=30))
def test_keys_are_deterministic_ascii(text: str) -> None:
    for f in (plate_key, vin_key, document_key, serial_number_key):
        k1, k2 = f(text), f(text)
        assert k1 == k2
        assert k1 is None or (k1.isascii() and k1.startswith("v1:"))
