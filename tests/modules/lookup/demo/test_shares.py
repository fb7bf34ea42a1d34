"""The hot files hold about the shares asked for."""

from __future__ import annotations

from neo.modules.lookup.demo import (
    DRIVING_LICENCES,
    MISSING_PERSONS,
    PERSONS,
    STOLEN_DOCUMENTS,
    STOLEN_OBJECTS,
    STOLEN_VEHICLES,
    VEHICLE_REGISTRATIONS,
    WANTED_PERSONS,
)


def test_shares_of_wanted_missing_and_stolen(sample) -> None:
    f = sample.files
    persons = f[PERSONS]
    assert persons == sample.persons
    assert 0.0040 < f[WANTED_PERSONS] / persons < 0.0060, f[WANTED_PERSONS]     # ~0.5 %
    assert 0.0014 < f[MISSING_PERSONS] / persons < 0.0026, f[MISSING_PERSONS]   # ~0.2 %
    assert 0.0080 < f[STOLEN_VEHICLES] / f[VEHICLE_REGISTRATIONS] < 0.0120      # ~1 % of vehicles
    assert 0.003 < f[STOLEN_DOCUMENTS] / persons < 0.007
    assert 0.005 < f[STOLEN_OBJECTS] / persons < 0.011
    assert 0.45 < f[VEHICLE_REGISTRATIONS] / persons < 0.80
    assert 0.50 < f[DRIVING_LICENCES] / persons < 0.75


def test_hot_records_say_what_to_do(sample) -> None:
    wanted = [r for r in sample.records if r.FILE == WANTED_PERSONS]
    assert wanted
    reasons = {r.reason for r in wanted}
    assert "Fiche de recherche (police judiciaire)" in reasons
    instructions = {r.instruction for r in wanted}
    assert "Interpeller et aviser le parquet" in instructions
    assert any(i.startswith("Signaler sans intervenir") for i in instructions)
    nationality = {r.id: r.nationality for r in sample.records if r.FILE == PERSONS}
    for r in wanted:
        assert r.reference.startswith("FPR ") and r.registered_on <= r.updated_at[:10]
        if r.category == "IT":          # only a foreigner can be banned from France
            assert nationality[r.person_id] != "française"
    for r in sample.records:
        if r.FILE in (MISSING_PERSONS, STOLEN_VEHICLES, STOLEN_OBJECTS, STOLEN_DOCUMENTS):
            assert r.instruction
