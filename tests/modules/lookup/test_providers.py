"""Reference-file providers: the built-in files' cards and severities, the plain query a
provider receives, and a provider contributed by another module (stolen bicycles with
frame numbers, searched on the device) whose hits merge into the results with its card,
and which goes away with its module."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from neo import i18n
from neo.modules.lookup import providers as prov
from neo.modules.lookup import service as service_mod
from neo.modules.lookup.demo import FILES, generate
from neo.modules.lookup.match import Query, detect, plate_key
from tests.host.modkit import activate_path, deactivate_path, write_module
from tests.modules.lookup.device import LOOKUP, REGISTRATION, FakeRemote, hq_hit, lookup_service, start_host

BIKES_PACKAGE = "neo_ext_bikes"

BIKES_MODULE = '''
BIKES = [
    {"frame": "WBK 12345 X", "brand": "Peugeot", "model": "LR01", "colour": "bleu", "stolen_on": "2026-10-01",
     "stolen_in": "Menton"},
    {"frame": "FR-778899-Z", "brand": "Decathlon", "model": "Riverside", "colour": "vert", "stolen_on": "2026-09-12",
     "stolen_in": "Nice"},
]


class StolenBikes:
    id = "stolen_bikes"
    label = {"fr": "Vélos volés", "en": "Stolen bicycles"}
    remote = False

    def __init__(self, ctx):
        self.ctx = ctx

    def search(self, query):
        key = query.serial_key
        if not key:
            return []
        return [{"record_id": b["frame"], "payload": b, "score": 1.0, "severity": "warning",
                 "matched": ["serial"], "instruction": "Saisir le vélo", "updated_at": "2026-10-02T08:00:00Z"}
                for b in BIKES if query.serial_key_of(b["frame"]) == key]

    def card(self, payload):
        return {"title": payload["frame"], "subtitle": payload["brand"] + " " + payload["model"],
                "lines": [("Couleur", payload["colour"]), ("Volé à", payload["stolen_in"])]}


class HqBoats:
    id = "stolen_boats"
    label = {"fr": "Bateaux volés", "en": "Stolen boats"}
    remote = True

    def card(self, payload):
        return {"title": payload["name"], "subtitle": "", "lines": [("Port", payload["port"])]}


class UseInStatement:
    label = {"fr": "Utiliser dans un procès-verbal", "en": "Use in a statement"}

    def __init__(self, sink):
        self.sink = sink

    def accepts(self, hit):
        return hit.file == "vehicle_registrations"

    def run(self, hit):
        self.sink.append(hit.record_id)


USED = []
'''

BIKES_ACTIVATE = '''
from neo_ext_bikes import bikes
ctx.register("lookup.reference_file", "bikes", bikes.StolenBikes(ctx))
ctx.register("lookup.reference_file", "boats", bikes.HqBoats())
ctx.register("lookup.reference_file", "junk", {"label": "not a provider"})
ctx.register("lookup.result_action", "statement", bikes.UseInStatement(bikes.USED))
'''


@pytest.fixture(autouse=True)
def _french() -> Iterator[None]:
    i18n.set_language("fr")
    yield
    i18n.set_language("fr")


@pytest.fixture
def ext_root(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "site"
    root.mkdir()
    pkg = write_module(root, BIKES_PACKAGE, "bikes_ext", activate_body=BIKES_ACTIVATE)
    (pkg / "bikes.py").write_text(BIKES_MODULE)
    activate_path(root)
    yield root
    deactivate_path(root, [BIKES_PACKAGE])


def test_a_provider_from_another_module_merges_its_hits_and_goes_away_with_it(session: Any, ext_root: Path) -> None:
    remote = FakeRemote()
    remote.answers[plate_key("AB-123-CD") or ""] = [
        hq_hit("stolen_boats", "B1", {"name": "Belle-Île", "port": "Menton"}, severity="alert")]
    host = start_host(session, remote, builtins=(LOOKUP, BIKES_PACKAGE))
    try:
        assert str(host.get("bikes_ext").state) == "active"
        _, service = lookup_service(host)
        assert ("stolen_bikes", "Vélos volés") in service.files()
        assert ("stolen_boats", "Bateaux volés") in service.files()
        # typed differently from the provider's data: same key
        out = service.search(text="wbk-12345x", reason="recherche")
        assert out.status == "answered"
        bikes = [h for h in out.hits if h.file == "stolen_bikes"]
        assert [(h.record_id, h.source, h.severity, h.file_label) for h in bikes] == [
            ("WBK 12345 X", "device", "warning", "Vélos volés")]
        card = service.card(bikes[0])
        assert card.title == "WBK 12345 X" and card.subtitle == "Peugeot LR01"
        assert ("Volé à", "Menton") in card.lines and card.source_label == "Données de l'appareil"
        assert card.instruction == "Saisir le vélo"
        # an HQ-searched file of another module: HQ's hit, shown with the module's label and card
        boat = service.search(text="AB-123-CD", reason="recherche").hits[0]
        assert (boat.file, boat.file_label, boat.source) == ("stolen_boats", "Bateaux volés", "hq")
        assert service.card(boat).lines == (("Port", "Menton"),)
        i18n.set_language("en")
        assert service.get(out.query_id).hits[0].file_label == "Stolen bicycles"  # type: ignore[union-attr]
        i18n.set_language("fr")
        # offline, the device's providers still answer
        remote.online = False
        queued = service.search(text="FR 778899 Z", reason="recherche")
        assert queued.status == "queued" and [h.record_id for h in queued.hits] == ["FR-778899-Z"]
        # the module goes: so does its file
        host.set_enabled("bikes_ext", False)
        assert "stolen_bikes" not in dict(service.files())
        assert service.search(text="FR 778899 Z", reason="recherche").hits == []
    finally:
        host.stop()


def test_result_actions_from_other_modules(session: Any, ext_root: Path) -> None:
    remote = FakeRemote()
    remote.answers[plate_key("AB-123-CD") or ""] = [hq_hit("vehicle_registrations", "V1", REGISTRATION)]
    host = start_host(session, remote, builtins=(LOOKUP, BIKES_PACKAGE))
    try:
        _, service = lookup_service(host)
        hit = service.search(text="AB-123-CD", reason="controle_routier").hits[0]
        actions = service.actions(hit)
        assert [(a.key, a.module_id, a.label) for a in actions] == [
            ("statement", "bikes_ext", "Utiliser dans un procès-verbal")]
        actions[0].run()
        import neo_ext_bikes.bikes as bikes  # type: ignore[import-not-found]

        assert bikes.USED == ["V1"]
        i18n.set_language("en")
        assert service.actions(hit)[0].label == "Use in a statement"
    finally:
        host.stop()


def test_a_failing_provider_is_skipped(session: Any, tmp_path: Path) -> None:
    root = tmp_path / "site2"
    root.mkdir()
    write_module(root, "neo_ext_broken_provider", "broken_provider", activate_body='''
class Broken:
    id = "broken"
    label = {"fr": "Cassé"}
    remote = False
    def search(self, query):
        raise RuntimeError("boom")
    def card(self, payload):
        return {}
ctx.register("lookup.reference_file", "broken", Broken())
''')
    activate_path(root)
    try:
        remote = FakeRemote()
        remote.answers[plate_key("AB-123-CD") or ""] = [hq_hit("vehicle_registrations", "V1", REGISTRATION)]
        host = start_host(session, remote, builtins=(LOOKUP, "neo_ext_broken_provider"))
        try:
            _, service = lookup_service(host)
            out = service.search(text="AB-123-CD", reason="controle_routier")
            assert [h.record_id for h in out.hits] == ["V1"]
        finally:
            host.stop()
    finally:
        deactivate_path(root, ["neo_ext_broken_provider"])


# -- the plain query ------------------------------------------------------------------------------


def test_provider_query_from_free_text_and_fields() -> None:
    q = prov.provider_query(detect("ab 123 cd"))
    assert (q.kind, q.plate_key) == ("plate", "AB123CD")
    q = prov.provider_query(detect("Jean-Pierre DE LA FONTAINE 12/03/1985"))
    assert (q.kind, q.surname, q.given_names, q.birth_date) == ("person", "DE LA FONTAINE", "Jean-Pierre",
                                                                "1985-03-12")
    q = prov.provider_query(Query.from_fields(serial="35-209900-176148-1"))
    assert q.serial_key == "352099001761481" and q.kinds == ("serial",)
    q = prov.provider_query(Query.from_fields(last_name="Dupont", birth_date="1985"))
    assert q.surname == "Dupont" and q.birth_date is None
    assert prov.ProviderQuery.serial_key_of("wbk-12345x") == prov.ProviderQuery.serial_key_of("WBK 12345 X")
    assert prov.ProviderQuery.plate_key_of("ab-123-cd") == "AB123CD"
    assert prov.ProviderQuery.name_tokens_of("De la Fontaine") == ("de", "la", "fontaine")
    json.dumps(q.as_dict())  # plain values only


# -- the built-in files ---------------------------------------------------------------------------


def test_every_file_of_hq_has_a_builtin_card_showing_its_columns() -> None:
    assert set(prov.BUILTIN) == set(FILES)
    seen: set[str] = set()
    for record in generate(7, 400):
        payload = record.to_dict()
        spec = prov.BUILTIN[payload["file"]]
        card = spec.card(payload)
        assert card["title"].strip(), payload["file"]
        labels = [label for label, _ in card["lines"]]
        assert len(labels) == len(set(labels)), payload["file"]
        shown = {c for c, _, _ in spec.columns}
        documented = set(record.COLUMNS) - {"id", "updated_at", "person_id", "holder_person_id", "owner_person_id",
                                            "registration_id", "document_id", "format", "plate_format", "instruction"}
        assert documented <= shown, (payload["file"], documented - shown)
        seen.add(payload["file"])
    assert seen == set(FILES)


@pytest.mark.parametrize(("file", "payload", "severity"), [
    ("wanted_persons", {}, "alert"),
    ("missing_persons", {}, "alert"),
    ("stolen_vehicles", {}, "alert"),
    ("stolen_documents", {}, "alert"),
    ("stolen_objects", {}, "warning"),
    ("vehicle_registrations", {"insurance_valid_until": "2030-01-01", "inspection_valid_until": None}, "info"),
    ("vehicle_registrations", {"insurance_valid_until": "2026-01-01", "inspection_valid_until": None}, "warning"),
    ("vehicle_registrations", {"insurance_valid_until": "2030-01-01", "inspection_valid_until": "2025-01-01"},
     "warning"),
    ("driving_licences", {"status": "valide", "expires_on": None}, "info"),
    ("driving_licences", {"status": "suspendu", "expires_on": None}, "warning"),
    ("id_documents", {"expires_on": "2020-01-01"}, "warning"),
    ("persons", {}, "info"),
])
def test_severity_rules_for_display(file: str, payload: dict[str, Any], severity: str) -> None:
    assert prov.BUILTIN[file].severity(payload, date(2026, 11, 28)) == severity


def test_every_label_shown_from_data_has_an_english_translation() -> None:
    catalog = json.loads((Path(prov.__file__).parent / "translations" / "en.json").read_text(encoding="utf-8"))
    texts = prov.all_labels() | {label for _, label in service_mod.REASON_LABELS}
    texts |= {service_mod._QUEUED, service_mod._NOT_ENROLLED, service_mod._REFUSED, service_mod.HOTLIST_MESSAGE}
    missing = sorted(t for t in texts if t not in catalog)
    assert not missing, missing
