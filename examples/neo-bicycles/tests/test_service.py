"""The service on a real encrypted device (``neo_context``): the shipped file, reports,
validation, search."""

from __future__ import annotations

from pathlib import Path

import pytest

from neo_bicycles import service as service_mod
from neo_bicycles.module import service_for
from neo_bicycles.service import ReportError

REPORT = {"frame": "XK 2024 771 B", "marking_number": "", "brand": "Cannondale", "model": "Quick 4",
          "colour": "jaune", "stolen_on": "14/09/2026", "stolen_in": "Menton, gare", "reference": "2026/01702"}


def test_the_shipped_file_is_loaded_once_and_searched_by_key(neo_context):
    service = service_for(neo_context)
    assert service.load_registry() == 0  # loaded at activation; unchanged since
    found = service.find({"WBK12345X"})
    assert [(b.source, b.brand, b.stolen_in) for b in found] == [("registry", "Peugeot", "Menton")]
    by_marking = service.find({"FC2K8HQ4P7"})
    assert [b.frame for b in by_marking] == ["FR778899Z"]
    assert service.find({"NOTHING123"}) == []
    assert len(service.bicycles()) == 8


def test_a_changed_file_replaces_the_old_one(neo_context, tmp_path: Path):
    service = service_for(neo_context)
    csv = tmp_path / "stolen.csv"
    csv.write_text("frame,marking,brand,model,colour,stolen_on,stolen_in,reference\n"
                   "ZZ9988776,,Lapierre,Shaper,vert,2026-05-01,Sospel,2026/00901\n"
                   ",,Sans numéro,,,2026-05-02,Sospel,2026/00902\n", encoding="utf-8")
    assert service.load_registry(csv) == 1  # the row without any number is skipped
    assert service.load_registry(csv) == 0
    assert [b.brand for b in service.bicycles()] == ["Lapierre"]
    assert service.load_registry(service_mod.REGISTRY_CSV) == 8


def test_a_report_is_validated_written_to_the_synced_collection_and_audited(neo_context, neo_session):
    service = service_for(neo_context)
    bike = service.report(**REPORT)
    assert bike.stolen_on == "2026-09-14" and bike.frame == "XK 2024 771 B"
    assert bike.reported_by == neo_session.officer.service_number
    collection = neo_context.sync.collection("bicycles.reports")
    assert collection.state(bike.id) == "pending"  # leaves with the next sync
    assert [b.id for b in service.reports()] == [bike.id]
    assert [b.id for b in service.find({"XK2024771B"})] == [bike.id]
    assert [b.id for b in service.bicycles("cannondale jaune")] == [bike.id]
    events = neo_session.audit.events(action="bicycles.report")
    assert [e.details["record"] for e in events] == [bike.id]


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"frame": "", "marking_number": ""}, "frame", "Indiquez le numéro de cadre ou le numéro de marquage."),
    ({"frame": "ABCDEF"}, "frame", "Numéro de cadre illisible : 5 à 25 lettres et chiffres, dont un chiffre."),
    ({"marking_number": "12"}, "marking",
     "Numéro de marquage illisible : 6 à 20 lettres et chiffres, dont un chiffre."),
    ({"stolen_on": "hier"}, "stolen_on", "Date du vol : JJ/MM/AAAA."),
    ({"stolen_on": "01/01/2999"}, "stolen_on", "La date du vol est dans le futur."),
    ({"stolen_in": "  "}, "stolen_in", "Indiquez le lieu du vol."),
    ({"reference": ""}, "reference", "Indiquez la référence de la plainte."),
    ({"brand": "x" * 61}, "brand", "60 caractères au plus."),
])
def test_a_bad_report_is_refused_and_nothing_is_written(neo_context, neo_session, change, field, message):
    service = service_for(neo_context)
    with pytest.raises(ReportError) as caught:
        service.report(**{**REPORT, **change})
    assert (caught.value.field, caught.value.message) == (field, message)
    assert service.reports() == []
    assert neo_session.audit.events(action="bicycles.report") == []
