"""The lookup page on the real service: an enrolled device (real SQLCipher store), the real
``ctx.hq`` and a real HQ on loopback (uvicorn, TLS) holding reference records. The officer
picks a reason, types a name and birth date as typed in the field, and the wanted person
comes first in red with the conduct to follow; offline, the query waits in the list and
the answer is announced (banner, sound) when HQ is back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from neo.sync.remote import HqRemote
from tests.hq.lookup_data import import_records, plate, record, surname, vin
from tests.modules.lookup.device import start_host
from tests.modules.lookup.test_end_to_end import RestartableHQ
from tests.modules.lookup.test_end_to_end import device as device  # the fixtures
from tests.modules.lookup.test_end_to_end import hq as hq
from tests.modules.lookup.ui.conftest import Chime, show

pytestmark = pytest.mark.qt


@pytest.fixture
def records(hq: RestartableHQ, tmp_path: Any) -> dict[str, dict[str, Any]]:
    name = surname()
    person = record("persons", surname=name, usage_name=None, given_names=["Mathis"], birth_date="1991-07-14")
    wanted = record("wanted_persons", person_id=person["id"], surname=name, usage_name=None, given_names=["Mathis"],
                    birth_date="1991-07-14", aliases=[],
                    instruction="Interpeller ; aviser l'OPJ de permanence ; individu dangereux")
    p, v = plate(), vin()
    stolen = record("stolen_vehicles", plate=p, vin=v)
    import_records(hq, tmp_path, person, wanted, stolen)
    return {"person": person, "wanted": wanted, "stolen": stolen}


@dataclass
class Opened:
    page: Any
    host: Any
    service: Any


@pytest.fixture
def opened(qtbot: Any, device: Any) -> Iterator[Opened]:
    from neo.modules.lookup.ui.page import Page

    host = start_host(device.session, HqRemote.for_session(device.session, timeout=5.0))
    factory, ctx = host.open_page("lookup")
    assert factory is Page
    page = show(qtbot, Page(ctx, chime=Chime()))
    yield Opened(page, host, page.service)
    host.stop()


def tap(qtbot: Any, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def plain(widget: Any) -> str:
    return widget.text().replace("\u00a0", " ")


def run(qtbot: Any, page: Any, text: str) -> Any:
    view = page.search
    view.field.setText(text)
    tap(qtbot, view.search_button)
    qtbot.waitUntil(lambda: page.running is None and view.outcome is not None, timeout=30000)
    return view.outcome


class UseInStatement:
    """What the statements module would contribute to ``lookup.result_action``."""

    label = {"fr": "Utiliser dans une déposition", "en": "Use in a statement"}

    def __init__(self) -> None:
        self.used: list[Any] = []

    def accepts(self, hit: Any) -> bool:
        return hit.file in ("persons", "wanted_persons")

    def run(self, hit: Any) -> None:
        self.used.append(hit.record_id)


def test_a_wanted_person_comes_first_in_red_with_the_conduct_to_follow(qtbot: Any, opened: Opened,
                                                                       records: dict[str, Any]) -> None:
    page, wanted = opened.page, records["wanted"]
    action = UseInStatement()
    opened.host.registry.register("lookup.result_action", "statements", "use_in_statement", action)
    view = page.search
    assert not view.search_button.isEnabled()
    tap(qtbot, view.reasons.chips["controle_identite"])
    typed = f"{wanted['surname'].lower()} mathis 14/07/1991"
    qtbot.keyClicks(view.field, typed)
    assert view.preview.isVisible() and view.preview.text()  # what the service read, live
    outcome = run(qtbot, page, typed)
    assert outcome.status == "answered", outcome.message
    first = view.rows[0]
    assert (first.hit.file, first.hit.severity, first.hit.source) == ("wanted_persons", "alert", "hq")
    assert first.property("kind") == "error" and first.badge.text() == "INDIVIDU RECHERCHÉ"
    assert plain(first.instruction) == f"Conduite à tenir : {wanted['instruction']}"
    assert "persons" in [r.hit.file for r in view.rows[1:]]
    assert first.card.source_label and first.card.updated_label and first.card.file_label in plain(first.file)

    tap(qtbot, first)
    detail = page.detail
    assert page.stack.currentWidget() is detail
    assert detail.instruction.isVisible() and wanted["instruction"] in plain(detail.instruction)
    assert detail.lines.count() >= 4
    assert [b.text() for b in detail.action_buttons] == ["Utiliser dans une déposition"]
    tap(qtbot, detail.action_buttons[0])
    assert action.used == [wanted["id"]]
    tap(qtbot, detail.back_button)

    # the history has it, with its reason; a tap shows the answer again without a new query
    tap(qtbot, page.tab_buttons["history"])
    qtbot.waitUntil(lambda: len(page.history.rows) == 1)
    row = page.history.rows[0]
    assert row.entry.text() == typed and "Contrôle d'identité" in plain(row.meta)
    view.clear_results()
    tap(qtbot, row)
    assert view.rows and view.rows[0].hit.file == "wanted_persons"


def test_offline_the_query_waits_and_its_answer_is_announced(qtbot: Any, opened: Opened, hq: RestartableHQ,
                                                             records: dict[str, Any]) -> None:
    page, service, stolen = opened.page, opened.service, records["stolen"]
    assert service.refresh_hotlist(force=True)  # fetched while online, as after a sync
    page.search.reasons.choose_reason("recherche")
    hq.stop()
    outcome = run(qtbot, page, stolen["plate"].lower())
    assert outcome.status == "queued" and outcome.hotlist == ["plate"]
    results = page.search.results
    assert results.findChild(QWidget, "Waiting") is not None
    assert plain(results.findChild(QWidget, "HotlistText")) == (
        "Correspondance probable dans le fichier des véhicules volés — à confirmer en ligne")
    qtbot.waitUntil(lambda: page.tab_buttons["pending"].text() == "En attente (1)")
    tap(qtbot, page.tab_buttons["pending"])
    qtbot.waitUntil(lambda: len(page.pending.rows) == 1)
    assert page.pending.rows[0].status.text() == "En attente de réseau"

    hq.start()
    assert opened.host.notify_reachable().result(timeout=60) >= 1  # as after a sync: drained on a worker
    qtbot.waitUntil(lambda: page.banner.isVisible(), timeout=10000)
    assert plain(page.banner_text) == f"Réponse reçue pour {stolen['plate'].lower()} — 1 correspondance"
    assert page.banner.property("kind") == "error"  # a stolen vehicle: red
    assert page.chime.played == 1
    qtbot.waitUntil(lambda: page.pending.rows == [])
    tap(qtbot, page.banner_open)
    assert page.search.rows[0].hit.file == "stolen_vehicles"
    assert page.search.rows[0].badge.text() == "VÉHICULE VOLÉ"
