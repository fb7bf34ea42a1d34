"""The curated NATINF list: its shape, unique codes, its recorded source, search, and HQ's updates."""

from __future__ import annotations

import json

import pytest

from neo.modules.statements import offences as off

ESSENTIAL = {7151: "VOL", 7154: "VOL PAR EFFRACTION DANS UN LOCAL D'HABITATION OU UN LIEU D'ENTREPOT",
             7875: "ESCROQUERIE", 7886: "OUTRAGE A UNE PERSONNE DEPOSITAIRE DE L'AUTORITE PUBLIQUE",
             7887: "REBELLION"}


def test_the_shipped_list_has_its_shape_unique_codes_and_its_source() -> None:
    raw = json.loads(off.OFFENCES_FILE.read_text(encoding="utf-8"))
    assert set(raw) == {"source", "version", "categories", "offences"}
    checked = raw["source"]["checked_against"]
    assert checked["repository"] and checked["path"].endswith("natinf.json") and len(checked["commit"]) == 40
    assert raw["source"]["dataset_url"].startswith("https://www.data.gouv.fr/")
    listed = off.load()
    codes = [o.natinf for o in listed.offences]
    assert len(codes) == len(set(codes))
    assert 40 <= len(codes) <= 80
    for o in listed.offences:
        assert o.label == o.label.upper() and o.label.strip() == o.label  # the official qualification, as published
        assert o.nature in ("Crime", "Délit") or o.nature.startswith("Contravention de classe ")
        assert o.defined_by and o.punished_by
        assert o.category in listed.categories
    for code, label in ESSENTIAL.items():
        assert next(o for o in listed.offences if o.natinf == code).label == label


def test_a_duplicated_code_or_a_bad_entry_is_refused(tmp_path) -> None:
    raw = json.loads(off.OFFENCES_FILE.read_text(encoding="utf-8"))
    raw["offences"].append(dict(raw["offences"][0]))
    with pytest.raises(off.OffenceListError, match="NATINF listed twice: 23"):
        off.parse(raw)
    raw = json.loads(off.OFFENCES_FILE.read_text(encoding="utf-8"))
    raw["offences"][1]["natinf"] = "douze"
    raw["offences"][2]["category"] = "inconnue"
    with pytest.raises(off.OffenceListError) as caught:
        off.parse(raw)
    assert "offences.1.natinf" in str(caught.value) and "unknown category 'inconnue'" in str(caught.value)


def test_search_by_everyday_words_accents_ignored_or_by_code() -> None:
    offences = off.load().offences
    assert [o.natinf for o in off.search(offences, "cambriolage")] == [7154]
    assert 7875 in [o.natinf for o in off.search(offences, "ESCROQUERIE")]
    assert next(o.natinf for o in off.search(offences, "rebellion")) == 7887  # "rébellion" typed without accent
    assert [o.natinf for o in off.search(offences, "7151")] == [7151]
    assert all(str(o.natinf).startswith("78") for o in off.search(offences, "78"))
    assert {o.natinf for o in off.search(offences, "vol violence")} >= {7861, 7862, 7863}
    assert off.search(offences, "") == offences
    assert off.search(offences, "zzz") == []


def test_hq_replaces_adds_and_withdraws_entries() -> None:
    shipped = off.load().offences
    merged = off.merge(shipped, [
        {"natinf": 7151, "label": "VOL", "short": "Vol simple (liste du QG)", "category": "biens"},
        {"natinf": 999999, "label": "INFRACTION DE TEST", "short": "Infraction de test", "category": "biens"},
        {"natinf": 7902, "withdrawn": True},
        {"natinf": "bad"},
    ])
    by_code = {o.natinf: o for o in merged}
    assert by_code[7151].short == "Vol simple (liste du QG)"
    assert 999999 in by_code and 7902 not in by_code
    assert len(merged) == len(shipped)  # one added, one withdrawn, the bad one ignored
