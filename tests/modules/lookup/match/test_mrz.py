"""MRZ: ICAO 9303 specimens, the French 2x36 card, every check digit, reading tolerance."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neo.modules.lookup.match import DocumentType, MrzFormat, looks_like_mrz, mrz_check_digit, parse_mrz

TODAY = date(2025, 6, 1)

# ICAO Doc 9303 specimens (Part 4, TD3 passport; Part 5, TD1 card; Part 7, visas).
TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
TD1 = ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]
MRV_A = ["V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L8988901C4XXX4009078F96121096ZE184226B<<<<<<"]
MRV_B = ["V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<", "L8988901C4XXX4009078F9612109<<<<<<<<"]
# The French identity card's 2x36 specimen (card issued June 1988, Corinne Berthier).
FR_CNI = ["IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<", "8806923102858CORINNE<<<<<<<6512068F6"]


def mrz(lines: list[str]) -> str:
    return "\n".join(lines)


def test_check_digit_examples() -> None:
    assert mrz_check_digit("L898902C3") == "6"
    assert mrz_check_digit("740812") == "2"
    assert mrz_check_digit("120415") == "9"
    assert mrz_check_digit("ZE184226B<<<<<") == "1"
    assert mrz_check_digit("<<<<<<") == "0"
    assert mrz_check_digit("") == "0"


def test_td3_specimen() -> None:
    m = parse_mrz(mrz(TD3), today=TODAY)
    assert m is not None and m.valid
    assert m.format is MrzFormat.TD3 and m.document_type is DocumentType.PASSPORT
    assert (m.document_code, m.issuing_state, m.nationality) == ("P", "UTO", "UTO")
    assert (m.surname, m.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert m.document_number == "L898902C3"
    assert m.birth_date == date(1974, 8, 12) and m.sex == "F"
    assert m.expiry_date == date(2012, 4, 15)
    assert m.optional_data == "ZE184226B"
    assert [c.field for c in m.checks] == ["document_number", "birth_date", "expiry_date", "optional_data", "composite"]
    assert all(c.valid for c in m.checks)
    assert not m.names_truncated
    assert m.person_name().last == "ERIKSSON"


def test_td1_specimen() -> None:
    m = parse_mrz(mrz(TD1), today=TODAY)
    assert m is not None and m.valid
    assert m.format is MrzFormat.TD1 and m.document_type is DocumentType.IDENTITY_CARD
    assert m.document_number == "D23145890"
    assert (m.surname, m.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert m.birth_date == date(1974, 8, 12) and m.expiry_date == date(2012, 4, 15)
    assert m.nationality == "UTO"
    assert [c.field for c in m.checks] == ["document_number", "birth_date", "expiry_date", "composite"]


def test_french_2x36_specimen() -> None:
    m = parse_mrz(mrz(FR_CNI), today=TODAY)
    assert m is not None and m.valid
    assert m.format is MrzFormat.FR_CNI_1988 and m.document_type is DocumentType.IDENTITY_CARD
    assert (m.issuing_state, m.surname, m.given_names) == ("FRA", "BERTHIER", "CORINNE")
    assert m.document_number == "880692310285"
    assert m.birth_date == date(1965, 12, 6) and m.sex == "F"
    assert m.expiry_date is None  # the old card's MRZ has none
    assert [c.field for c in m.checks] == ["document_number", "birth_date", "composite"]


def test_french_card_reissued_specimen() -> None:
    m = parse_mrz("IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<\n9409923102854CORINNE<<<<<<<6512068F4", today=TODAY)
    assert m is not None and m.valid and m.document_number == "940992310285"


def test_visa_specimens() -> None:
    a = parse_mrz(mrz(MRV_A), today=TODAY)
    assert a is not None and a.valid and a.format is MrzFormat.MRV_A and a.document_type is DocumentType.VISA
    assert a.document_number == "L8988901C" and a.nationality == "XXX" and a.birth_date == date(1940, 9, 7)
    assert a.expiry_date == date(1996, 12, 10)
    assert "composite" not in [c.field for c in a.checks]  # visas have no composite check digit
    b = parse_mrz(mrz(MRV_B), today=TODAY)
    assert b is not None and b.valid and b.format is MrzFormat.MRV_B
    assert (b.surname, b.given_names, b.document_number) == ("ERIKSSON", "ANNA MARIA", "L8988901C")


def test_other_published_samples() -> None:
    fin = parse_mrz("V<FINSMITH<JONES<<SUSIE<MARGARET<<<<\nL898902C<3USA6908061F9406236ZE184226", today=TODAY)
    assert fin is not None and fin.valid
    assert (fin.issuing_state, fin.surname, fin.given_names, fin.document_number) == (
        "FIN", "SMITH JONES", "SUSIE MARGARET", "L898902C")
    gbr = parse_mrz("VBGBROCONNOR<<ENYA<SIOBHAN<<<<<<<<<<<<<<<<<<\n5114278475DOM7510223M150611808<<<<<<<<<<<<<<",
                    today=TODAY)
    assert gbr is not None and gbr.valid and gbr.document_code == "VB" and gbr.sex == "M"
    che = parse_mrz("IDCHEA1234567<6<<<<<<<<<<<<<<<\n7510256M2009018CHE<<<<<<<<<<<8\nSMITH<<JOHN<ALBERT<<<<<<<<<<<<",
                    today=TODAY)
    assert che is not None and che.valid and che.document_number == "A1234567" and che.given_names == "JOHN ALBERT"


# --- failing check digits ----------------------------------------------------------------


def test_td3_wrong_document_number_check() -> None:
    bad = TD3[1][:9] + "7" + TD3[1][10:]
    m = parse_mrz(mrz([TD3[0], bad]), today=TODAY)
    assert m is not None and not m.valid
    assert m.failed_checks == ("document_number", "composite")
    check = m.check("document_number")
    assert check is not None and (check.read, check.computed) == ("7", "6")


def test_td3_mistyped_birth_date_is_caught_twice() -> None:
    bad = TD3[1].replace("7408122", "7408132")
    m = parse_mrz(mrz([TD3[0], bad]), today=TODAY)
    assert m is not None and m.failed_checks == ("birth_date", "composite")


def test_td1_wrong_composite_only() -> None:
    m = parse_mrz(mrz([TD1[0], TD1[1][:29] + "7", TD1[2]]), today=TODAY)
    assert m is not None and m.failed_checks == ("composite",)


def test_french_wrong_check_digits() -> None:
    m = parse_mrz(mrz([FR_CNI[0], "8806923102859CORINNE<<<<<<<6512068F6"]), today=TODAY)
    assert m is not None and m.format is MrzFormat.FR_CNI_1988
    assert m.failed_checks == ("document_number", "composite")
    m = parse_mrz(mrz(["IDFRABERTHIEZ<<<<<<<<<<<<<<<<<<<<<<<", FR_CNI[1]]), today=TODAY)
    assert m is not None and m.failed_checks == ("composite",)  # the surname is covered too


def test_visa_wrong_expiry_check() -> None:
    m = parse_mrz(mrz([MRV_B[0], MRV_B[1][:27] + "0" + MRV_B[1][28:]]), today=TODAY)
    assert m is not None and m.failed_checks == ("expiry_date",)


def test_non_digit_check_character_fails() -> None:
    m = parse_mrz(mrz([TD3[0], TD3[1][:19] + "A" + TD3[1][20:]]), today=TODAY)
    assert m is not None and "birth_date" in m.failed_checks


# --- reading tolerance --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        mrz(TD3),
        "  " + TD3[0] + "  \n\n  " + TD3[1] + "  ",  # blank lines, surrounding spaces
        TD3[0] + TD3[1],  # no line break
        TD3[0][:20] + "\n" + TD3[0][20:] + TD3[1][:10] + "\n" + TD3[1][10:],  # breaks in the wrong places
        TD3[0].lower() + "\r\n" + TD3[1].lower(),  # lower case, CRLF
        "P<UTOERIKSSON<<ANNA<MARIA\n" + TD3[1],  # trailing fillers not typed
        "P < UTO ERIKSSON << ANNA < MARIA\n" + " ".join(TD3[1][i:i + 4] for i in range(0, 44, 4)),  # OCR spaces
        TD3[0].replace("<<", "«") + "\n" + TD3[1],  # « for two fillers
        TD3[0].replace("<", "‹") + "\n" + TD3[1],
    ],
)
def test_whitespace_and_line_break_noise(text: str) -> None:
    m = parse_mrz(text, today=TODAY)
    assert m is not None and m.valid, text
    assert m.lines == tuple(TD3)


def test_td1_typed_without_trailing_fillers() -> None:
    m = parse_mrz("I<UTOD231458907\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA", today=TODAY)
    assert m is not None and m.valid and m.lines == tuple(TD1)


def test_k_for_filler_is_fixed_only_where_the_format_decides() -> None:
    # The personal-number check digit of an empty field may be '<': a K there is a misread '<'.
    line2 = "L898902C36UTO7408122F1204159<<<<<<<<<<<<<<K0"
    composite = mrz_check_digit(line2[0:10] + line2[13:20] + line2[21:42] + "<")
    line2 = line2[:43] + composite
    m = parse_mrz(mrz([TD3[0], line2]), today=TODAY)
    assert m is not None and m.valid
    assert "mrz_k_read_as_filler" in [n.code for n in m.notices]


def test_k_and_filler_are_indistinguishable_by_check_digits() -> None:
    # 'K' is worth 20 and '<' 0: equal modulo 10, so no check digit can tell them apart.
    assert mrz_check_digit("L898902C<") == mrz_check_digit("L898902CK")
    fin = "V<FINSMITH<JONES<<SUSIE<MARGARET<<<<\nL898902CK3USA6908061F9406236ZE184226"
    m = parse_mrz(fin, today=TODAY)
    assert m is not None and m.valid  # so the K stays as read...
    assert m.document_number == "L898902CK"
    assert "mrz_k_or_filler" in [n.code for n in m.notices]  # ...and the officer is told


def test_sex_k_is_unspecified() -> None:
    m = parse_mrz(mrz([TD3[0], TD3[1][:20] + "K" + TD3[1][21:]]), today=TODAY)
    assert m is not None and m.sex is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "dupont jean",
        "AB-123-CD",
        "P<UTOERIKSSON",  # one line, no data line
        TD3[0] + "\n" + TD3[1][:20],  # data line cut short
        TD3[0] + "\n" + TD3[1] + "\n" + TD3[1],  # 3 lines of 44
        "X" * 88,  # no fillers
        TD3[0] + "\n" + TD3[1].replace("L", "é"),
    ],
)
def test_not_mrz(text: str) -> None:
    assert parse_mrz(text, today=TODAY) is None
    assert not looks_like_mrz(text)


def test_truncated_names_flagged() -> None:
    line1 = "P<UTOVANDERBERGHE<<ALEXANDRA<MARIE<CHRISTINE"
    assert len(line1) == 44
    m = parse_mrz(mrz([line1, TD3[1]]), today=TODAY)
    assert m is not None and m.names_truncated
    assert m.given_names == "ALEXANDRA MARIE CHRISTINE"


def test_dates_centuries() -> None:
    m = parse_mrz(mrz([TD3[0], TD3[1]]), today=date(1990, 1, 1))
    assert m is not None and m.birth_date == date(1974, 8, 12) and m.expiry_date == date(2012, 4, 15)
    young = "I<UTOD231458907<<<<<<<<<<<<<<<\n1508122F3004159UTO<<<<<<<<<<<X\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
    m = parse_mrz(young, today=TODAY)
    assert m is not None and m.birth_date == date(2015, 8, 12) and m.expiry_date == date(2030, 4, 15)


def test_unknown_birth_date_parts() -> None:
    line2 = TD3[1][:13] + "74<<<<" + TD3[1][19:]
    m = parse_mrz(mrz([TD3[0], line2]), today=TODAY)
    assert m is not None and m.birth_date is None and m.birth_date_raw == "74<<<<"


# --- generated MRZs: round trip and check-digit sensitivity ----------------------------------

_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_letters = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=10)
_number = st.text(alphabet=_ALNUM, min_size=1, max_size=9)
_state = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3)
_dates = st.dates(min_value=date(1930, 1, 1), max_value=date(2024, 12, 31))
_expiry = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))


def _yymmdd(d: date) -> str:
    return d.strftime("%y%m%d")


def _pad(s: str, n: int) -> str:
    return (s + "<" * n)[:n]


def make_td3(surname: str, given: str, number: str, state: str, birth: date, sex: str, expiry: date, personal: str) -> list[str]:
    line1 = _pad(f"P<{state}{surname}<<{given}", 44)
    doc = _pad(number, 9)
    pers = _pad(personal, 14)
    part1 = doc + mrz_check_digit(doc) + state
    b, e = _yymmdd(birth), _yymmdd(expiry)
    part2 = b + mrz_check_digit(b) + sex + e + mrz_check_digit(e) + pers + mrz_check_digit(pers)
    composite = mrz_check_digit(doc + mrz_check_digit(doc) + b + mrz_check_digit(b) + e + mrz_check_digit(e) + pers + mrz_check_digit(pers))
    return [line1, part1 + part2 + composite]


def make_td1(surname: str, given: str, number: str, state: str, birth: date, sex: str, expiry: date, optional: str) -> list[str]:
    doc = _pad(number, 9)
    line1 = f"I<{state}{doc}{mrz_check_digit(doc)}{_pad(optional, 15)}"
    b, e = _yymmdd(birth), _yymmdd(expiry)
    body = b + mrz_check_digit(b) + sex + e + mrz_check_digit(e) + state + "<" * 11
    composite = mrz_check_digit(line1[5:30] + body[0:7] + body[8:15] + body[18:29])
    return [line1, body + composite, _pad(f"{surname}<<{given}", 30)]


def make_fr_cni(surname: str, given: str, number12: str, birth: date, sex: str) -> list[str]:
    line1 = _pad(f"IDFRA{surname}", 30) + "<" * 6
    b = _yymmdd(birth)
    body = number12 + mrz_check_digit(number12) + _pad(given, 14) + b + mrz_check_digit(b) + sex
    return [line1, body + mrz_check_digit(line1 + body)]


_td3 = st.builds(make_td3, _letters, _letters, _number, _state, _dates, st.sampled_from("MF<"), _expiry,
                 st.text(alphabet=_ALNUM, max_size=14))
_td1 = st.builds(make_td1, _letters, _letters, _number, _state, _dates, st.sampled_from("MF<"), _expiry,
                 st.text(alphabet=_ALNUM, max_size=15))
_fr = st.builds(make_fr_cni, _letters, _letters, st.text(alphabet="0123456789", min_size=12, max_size=12), _dates,
                st.sampled_from("MF"))


@given(_td3)
def test_generated_td3_round_trips(lines: list[str]) -> None:
    m = parse_mrz(mrz(lines), today=TODAY)
    assert m is not None and m.valid and m.format is MrzFormat.TD3
    assert m.document_number == lines[1][:9].replace("<", "")
    assert m.birth_date_raw == lines[1][13:19]


@given(_td1)
def test_generated_td1_round_trips(lines: list[str]) -> None:
    m = parse_mrz(mrz(lines), today=TODAY)
    assert m is not None and m.valid and m.format is MrzFormat.TD1
    assert m.surname == lines[2].split("<<")[0]


@given(_fr)
def test_generated_french_card_round_trips(lines: list[str]) -> None:
    m = parse_mrz(mrz(lines), today=TODAY)
    assert m is not None and m.valid and m.format is MrzFormat.FR_CNI_1988
    assert m.document_number == lines[1][:12]


@given(st.one_of(_td3, _td1, _fr), st.data())
def test_changing_any_digit_breaks_a_check(lines: list[str], data: st.DataObject) -> None:
    # Every digit of these formats sits in a field covered by a check digit (or is one),
    # and the weights 7, 3, 1 are prime to 10: any single digit change is caught.
    positions = [(i, j) for i, line in enumerate(lines) for j, ch in enumerate(line) if ch.isdigit()]
    i, j = data.draw(st.sampled_from(positions))
    old = lines[i][j]
    new = data.draw(st.sampled_from([d for d in "0123456789" if d != old]))
    changed = list(lines)
    changed[i] = lines[i][:j] + new + lines[i][j + 1:]
    m = parse_mrz(mrz(changed), today=TODAY)
    assert m is not None
    assert not m.valid


@given(_td3)
def test_joined_or_respaced_generated_mrz_still_reads(lines: list[str]) -> None:
    assert parse_mrz("".join(lines), today=TODAY) == parse_mrz(mrz(lines), today=TODAY)
    spaced = " ".join(lines[0][i:i + 5] for i in range(0, 44, 5)) + "\n" + lines[1]
    assert parse_mrz(spaced, today=TODAY) == parse_mrz(mrz(lines), today=TODAY)


def test_long_td1_document_number() -> None:
    # ICAO 9303 Part 5: a number over 9 characters puts '<' in the check position and
    # continues in the optional data, ending with its check digit.
    number = "D23145890123"
    check = mrz_check_digit(number)
    line1 = _pad(f"I<UTO{number[:9]}<{number[9:]}{check}", 30)
    body = "7408122F1204159UTO" + "<" * 11
    lines = [line1, body + mrz_check_digit(line1[5:30] + body[0:7] + body[8:15] + body[18:29]), TD1[2]]
    m = parse_mrz(mrz(lines), today=TODAY)
    assert m is not None and m.valid
    assert m.document_number == number
    doc_check = m.check("document_number")
    assert doc_check is not None and doc_check.read == check


def test_td2_specimen() -> None:
    # ICAO 9303 Part 6 specimen.
    m = parse_mrz("I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6", today=TODAY)
    assert m is not None and m.valid and m.format is MrzFormat.TD2
    assert (m.document_number, m.surname, m.birth_date) == ("D23145890", "ERIKSSON", date(1974, 8, 12))
    assert [c.field for c in m.checks] == ["document_number", "birth_date", "expiry_date", "composite"]


def test_idfra_in_td2_layout_is_read_as_td2_when_only_td2_checks_pass() -> None:
    line2 = "D231458907FRA7408122F1204159<<<<<<<"
    line2 += mrz_check_digit(line2[0:10] + line2[13:20] + line2[21:35])
    m = parse_mrz("IDFRAERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n" + line2, today=TODAY)
    assert m is not None and m.format is MrzFormat.TD2 and m.valid
    assert m.given_names == "ANNA MARIA"


def test_idfra_failing_both_layouts_is_reported_as_the_french_card() -> None:
    m = parse_mrz("IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<\n8806923102858CORINNE<<<<<<<6512078F6", today=TODAY)
    assert m is not None and m.format is MrzFormat.FR_CNI_1988 and not m.valid
    assert m.failed_checks == ("birth_date", "composite")
