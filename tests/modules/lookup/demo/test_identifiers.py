"""Plates, VINs, document and serial numbers: valid formats, and unique."""

from __future__ import annotations

import re
from collections import Counter

from neo.modules.lookup.demo import (
    DRIVING_LICENCES,
    ID_DOCUMENTS,
    STOLEN_DOCUMENTS,
    STOLEN_OBJECTS,
    STOLEN_VEHICLES,
    VEHICLE_REGISTRATIONS,
)
from neo.modules.lookup.demo.tables import tables, vin_check_digit

L = "[A-HJ-NP-TV-Z]"   # plate letters: no I, O, U
SIV = re.compile(rf"^({L}{{2}})-(\d{{3}})-({L}{{2}})$")
DEPT = r"(0[1-9]|[1-8]\d|9[0-5]|2A|2B|97[1-6])"
FNI = re.compile(rf"^(\d{{1,3}} {L}{{2,3}}|\d{{4}} {L}{{2}}) {DEPT}$")
VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
CNI_1995 = re.compile(rf"^\d{{2}}(0[1-9]|1[0-2]){DEPT}\d?\d{{5}}$")
CNI_2021 = re.compile(r"^[A-HJ-NP-TV-Z][0-9A-HJ-NPR-Z]{7}\d$")      # a letter first, a digit last
PASSPORT = re.compile(r"^\d{2}[A-Z]{2}\d{5}$")
LICENCE = re.compile(r"^\d{2}(0[1-9]|1[0-2])\d{8}$")                 # YYMM, département, counter


def _of(sample, file):
    return [r for r in sample.records if r.FILE == file]


def test_every_plate_is_siv_or_fni(sample) -> None:
    regs = _of(sample, VEHICLE_REGISTRATIONS)
    assert len(regs) > 10_000
    formats = Counter()
    for r in regs:
        formats[r.plate_format] += 1
        if r.plate_format == "SIV":
            m = SIV.match(r.plate)
            assert m, r.plate
            left, number, right = m.groups()
            assert left not in ("SS", "WW") and right != "SS" and number != "000", r.plate
            assert not set(left + right) & set("IOU"), r.plate
            assert r.certificate_issued_on >= "2009-04-15"
        else:
            assert r.plate_format == "FNI"
            assert FNI.match(r.plate), r.plate
            assert r.plate.rsplit(" ", 1)[1] == r.holder_postal_code[:2] or r.plate.endswith(
                (" 2A", " 2B", " 971", " 972", " 973", " 974", " 975", " 976")), r.plate
            assert r.first_registered_on < "2009-04-15"
    assert 0.02 < formats["FNI"] / len(regs) < 0.10, formats


def test_siv_plates_follow_the_issue_date(sample) -> None:
    # The SIV series is issued in order: a later certificate never has an earlier series.
    regs = sorted((r for r in _of(sample, VEHICLE_REGISTRATIONS) if r.plate_format == "SIV"),
                  key=lambda r: r.certificate_issued_on)
    firsts = [r.plate[:2] for r in regs]
    assert firsts[0] <= firsts[len(firsts) // 2] <= firsts[-1]
    assert regs[-1].plate[:1] in "GH", regs[-1].plate   # around GA-HA in 2026


def test_every_vin_is_valid_and_from_a_real_maker(sample) -> None:
    wmis = {m.wmi for m in tables().models}
    for r in _of(sample, VEHICLE_REGISTRATIONS):
        assert VIN.match(r.vin), r.vin
        assert len(r.vin) == 17 and not set(r.vin) & set("IOQ")
        assert r.vin[:3] in wmis
        assert r.vin[8] == vin_check_digit(r.vin), r.vin
    assert {"VF1", "VF3", "VF7", "UU1", "WVW"} <= wmis


def test_identifiers_are_unique(sample) -> None:
    regs = _of(sample, VEHICLE_REGISTRATIONS)
    assert len({r.plate for r in regs}) == len(regs)
    assert len({r.vin for r in regs}) == len(regs)
    docs = [r.number for r in _of(sample, ID_DOCUMENTS) + _of(sample, DRIVING_LICENCES)]
    docs += [r.card_number for r in _of(sample, DRIVING_LICENCES) if r.card_number]
    assert len(set(docs)) == len(docs)
    objects = _of(sample, STOLEN_OBJECTS)
    serials = [r.serial for r in objects if r.serial_kind != "plaque"]
    assert len(set(serials)) == len(serials)


def test_document_numbers_have_their_format(sample) -> None:
    formats = Counter()
    for r in _of(sample, ID_DOCUMENTS):
        formats[r.format] += 1
        pattern = {"cni_1995": CNI_1995, "cni_2021": CNI_2021, "passeport": PASSPORT}[r.format]
        assert pattern.match(r.number), (r.format, r.number)
        assert r.birth_date < r.issued_on < r.expires_on, r
        if r.format == "cni_1995":
            assert r.number[:4] == r.issued_on[2:4] + r.issued_on[5:7]
            assert "2006-08-01" <= r.issued_on < "2021-08-01"
        else:
            assert r.issued_on >= ("2021-08-02" if r.format == "cni_2021" else "2016-11-01")
        if r.format == "passeport":
            assert r.number[:2] == r.issued_on[2:4]
    assert formats["cni_1995"] > 1000 and formats["cni_2021"] > 1000 and formats["passeport"] > 1000
    for r in _of(sample, DRIVING_LICENCES):
        assert LICENCE.match(r.number), r.number
        assert r.number[:4] == r.first_issued_on[2:4] + r.first_issued_on[5:7]
        if r.format == "permis_carte":
            assert PASSPORT.match(r.card_number) and r.card_number[:2] == r.issued_on[2:4], r.card_number
            assert r.expires_on > r.issued_on >= "2013-09-16"
        else:
            assert r.card_number is None and r.expires_on is None and r.first_issued_on < "2013-09-16"
        assert "B" in r.categories and 0 <= r.points <= 12


def test_hot_files_point_at_existing_records(sample) -> None:
    ids = {r.id: r for r in sample.records}
    for r in _of(sample, STOLEN_VEHICLES):
        reg = ids[r.registration_id]
        assert (reg.plate, reg.vin, reg.make) == (r.plate, r.vin, r.make)
        assert reg.certificate_issued_on <= r.stolen_on
    for r in _of(sample, STOLEN_DOCUMENTS):
        assert ids[r.document_id].number == r.number and r.status in ("volé", "perdu")
    for r in _of(sample, STOLEN_OBJECTS):
        if r.serial_kind == "IMEI":
            assert len(r.serial) == 15 and _luhn_ok(r.serial), r.serial
        elif r.serial_kind == "plaque":
            assert SIV.match(r.serial) or FNI.match(r.serial)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for k, c in enumerate(reversed(digits)):
        d = int(c) * (2 if k % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0
