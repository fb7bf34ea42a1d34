"""The single search field: what was typed, and the structured fields."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neo.modules.lookup.match import (
    DocumentKind,
    Mrz,
    PersonName,
    PersonQuery,
    Plate,
    PlateFormat,
    Query,
    QueryKind,
    Vin,
    detect,
)

TODAY = date(2025, 6, 1)


def person(q: Query) -> PersonQuery:
    assert q.best is not None and q.best.kind is QueryKind.PERSON
    assert isinstance(q.best.value, PersonQuery)
    return q.best.value


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("AB-123-CD", QueryKind.PLATE),
        ("ab 123 cd", QueryKind.PLATE),
        ("123 ABC 45", QueryKind.PLATE),
        ("1234 AB 75", QueryKind.PLATE),
        ("12 ABC 2A", QueryKind.PLATE),
        ("WW-456-BC", QueryKind.PLATE),
        ("VF1AB000123456789", QueryKind.VIN),
        ("1M8GDM9AXKP042788", QueryKind.VIN),
        ("vf1 ab000 123456789", QueryKind.VIN),
        ("08CD50338", QueryKind.DOCUMENT),
        ("880692310285", QueryKind.DOCUMENT),
        ("X4RTBPFW4", QueryKind.DOCUMENT),
        ("dupont", QueryKind.PERSON),
        ("dupont jean 12/03/1985", QueryKind.PERSON),
        ("Jean-Pierre DE LA FONTAINE 1985", QueryKind.PERSON),
        ("martin 03/85", QueryKind.PERSON),
        ("D'ARTAGNAN Charles", QueryKind.PERSON),
        ("SN-4455-XZ99", QueryKind.SERIAL),
    ],
)
def test_best_reading(text: str, kind: QueryKind) -> None:
    q = detect(text, today=TODAY)
    assert q.problem is None
    assert q.kind is kind


def test_person_with_full_date() -> None:
    p = person(detect("dupont jean 12/03/1985", today=TODAY))
    assert p.name == "dupont jean"  # order unknown: left to the name scoring
    assert p.birth_date is not None and p.birth_date.value is not None
    assert p.birth_date.value.iso() == "1985-03-12"


def test_capitals_mark_the_surname() -> None:
    p = person(detect("Jean-Pierre DE LA FONTAINE 1985", today=TODAY))
    assert p.name == PersonName("DE LA FONTAINE", "Jean-Pierre")
    assert p.birth_date is not None and p.birth_date.value is not None and p.birth_date.value.iso() == "1985"
    p = person(detect("DUPONT Jean", today=TODAY))
    assert p.name == PersonName("DUPONT", "Jean")
    p = person(detect("DUPONT JEAN", today=TODAY))  # all capitals: order left open
    assert p.name == "DUPONT JEAN"


def test_partial_and_spaced_dates() -> None:
    p = person(detect("martin 03/85", today=TODAY))
    assert p.name == "martin"
    assert p.birth_date is not None and p.birth_date.value is not None and p.birth_date.value.iso() == "1985-03"
    p = person(detect("martin paul 12 03 1985", today=TODAY))
    assert p.name == "martin paul" and p.birth_date is not None and p.birth_date.ok
    p = person(detect("12/03/1985 martin", today=TODAY))
    assert p.name == "martin" and p.birth_date is not None and p.birth_date.ok
    p = person(detect("dupont née le 12/03/1985", today=TODAY))
    assert p.name == "dupont"
    p = person(detect("Martin, Paul, 1985", today=TODAY))
    assert p.name == "Martin Paul"


def test_particle_surname_le_is_kept_before_a_date() -> None:
    p = person(detect("nguyen van le 1990", today=TODAY))
    assert p.name == "nguyen van le"


def test_impossible_date_is_reported_on_the_person() -> None:
    q = detect("dupont 31/02/1985", today=TODAY)
    assert q.kind is QueryKind.PERSON
    assert q.best is not None and q.best.problem is not None and q.best.problem.code == "date_not_in_calendar"
    assert q.best.confidence < 0.9


def test_ambiguous_document_numbers_are_ranked() -> None:
    q = detect("08 CD 50338", today=TODAY)
    docs = q.of_kind(QueryKind.DOCUMENT)
    assert [d.value.kind for d in docs if not isinstance(d.value, str)] == [  # type: ignore[union-attr]
        DocumentKind.FR_PASSPORT, DocumentKind.FR_LICENCE_CARD, DocumentKind.FR_CNI_2021]
    assert q.ambiguous
    confidences = [a.confidence for a in q.alternatives]
    assert confidences == sorted(confidences, reverse=True)


def test_plate_comes_with_a_low_serial_fallback() -> None:
    q = detect("AB-123-CD", today=TODAY)
    assert [a.kind for a in q.alternatives] == [QueryKind.PLATE, QueryKind.SERIAL]
    assert not q.ambiguous
    plate = q.alternatives[0].value
    assert isinstance(plate, Plate) and plate.format is PlateFormat.SIV and plate.compact == "AB123CD"


def test_impossible_plate_still_detected_with_its_reason() -> None:
    q = detect("AB-123-SS", today=TODAY)
    assert q.kind is QueryKind.PLATE
    assert q.best is not None and q.best.problem is not None and q.best.problem.code == "siv_series_ss"
    assert q.best.confidence < 0.9


def test_vin_readings() -> None:
    q = detect("1M8GDM9AXKP042788", today=TODAY)
    assert isinstance(q.best.value, Vin) and q.best.confidence > 0.95  # type: ignore[union-attr]
    bad = detect("1M8GDM9A5KP042788", today=TODAY)
    assert bad.kind is QueryKind.VIN and bad.best is not None and bad.best.problem is not None


def test_mrz_pasted_or_typed() -> None:
    text = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
    q = detect(text, today=TODAY)
    assert q.kind is QueryKind.MRZ and len(q.alternatives) == 1
    m = q.best.value  # type: ignore[union-attr]
    assert isinstance(m, Mrz) and m.valid and m.document_number == "L898902C3"
    one_line = detect(text.replace("\n", ""), today=TODAY)
    assert one_line.kind is QueryKind.MRZ
    bad = detect(text.replace("7408122F", "7408123F"), today=TODAY)
    assert bad.kind is QueryKind.MRZ and bad.best is not None and bad.best.problem is not None
    assert "birth_date" in bad.best.problem.message_en
    td1 = detect("I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA", today=TODAY)
    assert td1.kind is QueryKind.MRZ


@pytest.mark.parametrize(("text", "code"), [("", "query_empty"), ("   ", "query_empty"), ("???", "query_empty"),
                                            ("12/03/1985", "query_date_only"), ("1985", "query_date_only")])
def test_nothing_to_search(text: str, code: str) -> None:
    q = detect(text, today=TODAY)
    assert q.problem is not None and q.problem.code == code
    assert q.problem.message_fr and q.problem.message_en


def test_person_with_year_is_not_also_a_serial() -> None:
    q = detect("dupont 1985", today=TODAY)
    assert [a.kind for a in q.alternatives] == [QueryKind.PERSON]


@given(st.text(max_size=60))
def test_detect_never_raises_and_ranks(text: str) -> None:
    q = detect(text, today=TODAY)
    confidences = [a.confidence for a in q.alternatives]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0.0 <= c <= 1.0 for c in confidences)
    assert q.alternatives or q.problem is not None


# --- structured fields ------------------------------------------------------------------------


def test_from_fields_person_and_vehicle() -> None:
    q = Query.from_fields(last_name="de La Fontaine", first_name="Jean-Pierre", birth_date="12/03/85",
                          plate="ab-123-cd", today=TODAY)
    assert q.structured and not q.ambiguous
    assert [a.kind for a in q.alternatives] == [QueryKind.PERSON, QueryKind.PLATE]
    assert all(a.confidence == 1.0 for a in q.alternatives)
    p = q.alternatives[0].value
    assert isinstance(p, PersonQuery) and p.name == PersonName("de La Fontaine", "Jean-Pierre")
    assert p.birth_date is not None and p.birth_date.value is not None and p.birth_date.value.iso() == "1985-03-12"


def test_from_fields_keeps_what_matches_no_french_format() -> None:
    q = Query.from_fields(plate="B-MW 1234", vin="VF1AB0001", document_number="ZZ-99", serial="imei 3556 7801")
    kinds = [a.kind for a in q.alternatives]
    assert kinds == [QueryKind.PLATE, QueryKind.VIN, QueryKind.DOCUMENT, QueryKind.SERIAL]
    plate, vin, doc, serial = q.alternatives
    assert isinstance(plate.value, Plate) and plate.value.format is PlateFormat.OTHER
    assert vin.value == "VF1AB0001" and vin.problem is not None and vin.problem.code == "vin_length"
    assert doc.value == "ZZ99" and doc.notices[0].code == "document_format_unknown"
    assert serial.value == "IMEI35567801"


def test_from_fields_birth_date_as_date_and_unreadable() -> None:
    q = Query.from_fields(last_name="Dupont", birth_date=date(1985, 3, 12))
    p = q.alternatives[0].value
    assert isinstance(p, PersonQuery) and p.birth_date is not None and p.birth_date.ok
    q = Query.from_fields(last_name="Dupont", birth_date="hier")
    assert q.alternatives[0].problem is not None and q.alternatives[0].problem.code == "date_unreadable"
    q = Query.from_fields(first_name="Jean")  # only a first name: searched as a name
    p = q.alternatives[0].value
    assert isinstance(p, PersonQuery) and p.name == PersonName("Jean", "")


def test_from_fields_mrz_and_empty() -> None:
    q = Query.from_fields(mrz="IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<\n8806923102858CORINNE<<<<<<<6512068F6")
    assert q.kind is QueryKind.MRZ
    empty = Query.from_fields(last_name="  ", plate="")
    assert empty.alternatives == () and empty.problem is not None


_SIV = st.tuples(
    st.text(alphabet="ABCDEFGHJKLMNPQRTVXYZ", min_size=2, max_size=2),
    st.integers(min_value=1, max_value=999),
    st.text(alphabet="ABCDEFGHJKLMNPQRTVXYZ", min_size=2, max_size=2),
).map(lambda t: f"{t[0]}-{t[1]:03d}-{t[2]}")


@given(_SIV)
def test_any_possible_siv_plate_is_detected_as_a_plate(plate: str) -> None:
    q = detect(plate, today=TODAY)
    assert q.kind is QueryKind.PLATE and q.best is not None and q.best.problem is None


@given(st.sampled_from(["Dupont", "Lefèvre", "de La Fontaine", "N'Diaye", "Le Gall", "Éloïse"]),
       st.sampled_from(["Jean", "Marie-Claire", "Chloé"]),
       st.dates(min_value=date(1930, 1, 1), max_value=TODAY))
def test_any_name_and_date_is_detected_as_a_person(last: str, first: str, born: date) -> None:
    q = detect(f"{last} {first} {born.strftime('%d/%m/%Y')}", today=TODAY)
    p = person(q)
    assert p.birth_date is not None and p.birth_date.ok
    assert born in {r.to_date() for r in p.birth_date.readings()}
