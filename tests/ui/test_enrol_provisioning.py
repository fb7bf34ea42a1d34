"""The enrolment screen on a managed tablet: filled in from the fleet's provisioning file
(neo.provisioning), a code for another HQ refused, a broken file said at once; against a
real HQ on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from neo.provisioning import ENV_VAR
from neo.ui.enrol import default_device_name
from neo.ui.qt import Qt
from tests.ui.conftest import shown
from tests.ui.hqkit import UNIT

pytestmark = pytest.mark.qt


@pytest.fixture
def blank(tmp_path: Path) -> Path:
    d = tmp_path / "tablet"
    d.mkdir()
    return d


@pytest.fixture
def fleet_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "device.json"
    monkeypatch.setenv(ENV_VAR, str(path))
    return path


def test_the_screen_is_filled_in_and_enrols(qtbot, blank, make_window, hq, fleet_file: Path) -> None:
    enrolment_code = hq.enrolment_code(UNIT)
    fleet_file.write_text(json.dumps({"hq_url": hq.url, "ca_fingerprint": hq.hq.tls_fingerprint,
                                      "enrolment_code": enrolment_code, "device_name": "Tablette BTA 9"}))
    window = make_window(blank)
    screen = window.enrol_screen
    assert screen.code.text() == enrolment_code and screen.device_name.text() == "Tablette BTA 9"
    assert not screen.error.isVisible()
    with qtbot.waitSignal(screen.sig_attempt_done, timeout=30000):
        qtbot.mouseClick(screen.enrol_button, Qt.MouseButton.LeftButton)
    assert not screen.error.isVisible(), shown(screen.error)
    assert [d["name"] for d in hq.hq.list_devices()] == ["Tablette BTA 9"]


def test_a_code_for_another_hq_is_refused_on_the_screen(qtbot, blank, make_window, hq, fleet_file: Path) -> None:
    fleet_file.write_text(json.dumps({"hq_url": "https://hq.bta-menton.example", "ca_fingerprint": "ab" * 32}))
    window = make_window(blank)
    screen = window.enrol_screen
    assert screen.code.text() == "" and screen.device_name.text() == default_device_name()
    screen.code.setText(hq.enrolment_code(UNIT))
    with qtbot.waitSignal(screen.sig_attempt_done, timeout=30000):
        qtbot.mouseClick(screen.enrol_button, Qt.MouseButton.LeftButton)
    assert "réservée au QG https://hq.bta-menton.example" in shown(screen.error)
    assert hq.hq.list_devices() == [] and sorted(p.name for p in blank.iterdir()) == []


def test_a_broken_file_is_said_when_the_screen_opens(qtbot, blank, make_window, fleet_file: Path) -> None:
    fleet_file.write_text("{")
    window = make_window(blank)
    assert window.enrol_screen.error.isVisible()
    assert shown(window.enrol_screen.error).startswith(f"Fichier de provisionnement {fleet_file} : JSON invalide")
