"""The enrolment screen, and an officer's first unlock verified by HQ, against a real HQ
on loopback (TLS pinned from the enrolment code, real HTTP)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from neo import protocol
from neo.config import Settings
from neo.ui.enrol import EnrolScreen, default_device_name
from neo.ui.qt import QGuiApplication, Qt
from neo.ui.unlock import UnlockScreen
from neo.vault import Vault
from tests.ui.conftest import OFFICER_NAME, PIN, SERVICE_NUMBER, attempt, shown, unlock
from tests.ui.hqkit import OTHER_NUMBER, OTHER_PIN, UNIT, enrol_through_the_screen

pytestmark = pytest.mark.qt


@pytest.fixture
def blank(tmp_path: Path) -> Path:
    d = tmp_path / "tablet"
    d.mkdir()
    return d


def files(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir())


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_screen_asks_for_a_code_and_names_the_device_after_the_machine(qtbot, blank, make_window):
    window = make_window(blank)
    screen = window.current_screen()
    assert isinstance(screen, EnrolScreen) and screen is window.enrol_screen
    assert screen.device_name.text() == default_device_name() != ""
    assert screen.enrol_button.text() == "Enrôler l'appareil"
    assert screen.enrol_button.height() >= 64
    assert not screen.wiped.isVisible()
    assert "make demo" in screen.demo_hint.text()
    # Officers paste the code: spaces and line breaks from a message or a PDF are dropped.
    QGuiApplication.clipboard().setText("  NEO1-abc\n def  ")
    click(qtbot, screen.paste_button)
    assert screen.code.text() == "NEO1-abcdef"


def test_a_code_without_the_prefix_is_refused_at_once_and_nothing_is_written(qtbot, blank, make_window):
    window = make_window(blank)
    screen = window.enrol_screen
    before = files(blank)
    qtbot.keyClicks(screen.code, "ABCD-1234")
    click(qtbot, screen.enrol_button)
    assert screen.error.isVisible()
    assert shown(screen.error) == ("Un code d'enrôlement commence par « NEO1- ». Vérifiez-le ou "
                                   "demandez-en un nouveau à votre unité.")
    assert not screen.busy.isVisible()
    screen.code.clear()
    click(qtbot, screen.enrol_button)
    assert shown(screen.error) == "Saisissez ou collez le code d'enrôlement."
    assert files(blank) == before


def test_a_damaged_code_shows_the_french_error_and_writes_nothing(qtbot, blank, make_window):
    window = make_window(blank)
    screen = window.enrol_screen
    before = files(blank)
    enrol_through_the_screen(qtbot, window, "NEO1-cecinestpasuncode")
    assert screen.error.isVisible()
    assert shown(screen.error) == "Code d'enrôlement invalide : vérifiez-le ou demandez-en un nouveau."
    assert files(blank) == before
    assert not Vault(blank, Settings.load(blank)).exists()
    assert window.current_screen() is screen
    # Ready for another try.
    assert screen.enrol_button.isEnabled() and screen.code.isEnabled() and not screen.busy.isVisible()
    assert screen.enrol_button.text() == "Enrôler l'appareil"


def test_an_unreachable_hq_says_so_and_writes_nothing(qtbot, blank, make_window):
    code = protocol.EnrolmentCode(url=f"https://127.0.0.1:{closed_port()}", ca_fingerprint="ab" * 32,
                                  secret="s" * 22, expires_at=int(time.time()) + 3600).encode()
    window = make_window(blank)
    before = files(blank)
    enrol_through_the_screen(qtbot, window, code)
    assert shown(window.enrol_screen.error).startswith("Le QG ne répond pas (")
    assert "Vérifiez le réseau puis réessayez." in shown(window.enrol_screen.error)
    assert files(blank) == before


def test_progress_messages_and_the_busy_indicator_while_enrolling(qtbot, blank, make_window):
    window = make_window(blank)
    screen = window.enrol_screen
    gate, reached = threading.Event(), threading.Event()
    calls = []

    def scripted_enrol(vault, code, name, report):
        calls.append((code, name))
        report("Vérification du certificat du QG…")
        reached.set()
        assert gate.wait(15)
        raise RuntimeError("boom")

    screen.enrol_fn = scripted_enrol
    screen.code.setText("NEO1-xyz")
    screen.device_name.setText("  Tablette   BTA 3 ")
    click(qtbot, screen.enrol_button)
    assert screen.busy.isVisible() and screen.progress.isVisible()
    assert screen.enrol_button.text() == "Enrôlement en cours…"
    assert not screen.enrol_button.isEnabled() and not screen.code.isEnabled()
    qtbot.waitUntil(lambda: shown(screen.progress) == "Vérification du certificat du QG…")
    click(qtbot, screen.enrol_button)  # a second tap does nothing
    with qtbot.waitSignal(screen.sig_attempt_done, timeout=10000):
        gate.set()
    assert calls == [("NEO1-xyz", "Tablette BTA 3")]
    assert not screen.busy.isVisible() and not screen.progress.isVisible()
    assert shown(screen.error) == "L'enrôlement a échoué sur une erreur inattendue : RuntimeError: boom"


def test_enrolment_with_hq_then_first_unlock_verified_by_hq_then_offline(qtbot, blank, make_window, hq):
    from neo.sync.link import load_link

    window = make_window(blank)
    enrol_through_the_screen(qtbot, window, hq.enrolment_code(UNIT))
    screen = window.current_screen()
    assert isinstance(screen, UnlockScreen), shown(window.enrol_screen.error)
    assert window.enrol_screen is None  # gone with the code that was typed
    assert screen.notice_banner.isVisible()
    assert shown(screen.notice_banner.text) == (
        "Appareil enrôlé auprès de l'unité BTA Menton. Au premier déverrouillage, le QG vérifie votre code : "
        "restez connecté.")
    # The unlock screen says plainly that a first unlock needs the network.
    assert screen.hq_hint.isVisible()
    assert "connectez l'appareil au réseau" in shown(screen.hq_hint_text)
    assert "hors ligne" in shown(screen.hq_hint_text)
    devices = hq.hq.list_devices()
    assert [d["name"] for d in devices] == ["Tablette BTA 3"]

    unlock(qtbot, window)  # no key slot yet: HQ checks the PIN and releases the device key
    assert window.session.officer.name == OFFICER_NAME
    assert window.session.device_id == devices[0]["device_id"]
    link = load_link(window.session.store)  # the HQ link, kept in the encrypted database
    assert link is not None and link.url == hq.url and link.unit == UNIT
    assert not screen.notice_banner.isVisible()
    window.lock()

    hq.stop()  # later unlocks work offline
    unlock(qtbot, window)
    assert window.session.officer.service_number == SERVICE_NUMBER
    window.lock()

    # Another officer's first unlock needs HQ, which is down: the screen says so.
    attempt(qtbot, window, OTHER_PIN, service_number=OTHER_NUMBER)
    assert window.locked
    assert shown(screen.error) == ("Premier déverrouillage sur cet appareil : le QG doit vérifier votre code, "
                                   "mais il est injoignable. Connectez l'appareil au réseau puis réessayez.")
    assert not screen.countdown.isVisible()  # HQ's silence is not a wrong PIN


def test_first_unlock_refusals_from_hq(qtbot, blank, make_window, hq):
    window = make_window(blank)
    enrol_through_the_screen(qtbot, window, hq.enrolment_code(UNIT))
    screen = window.unlock_screen
    attempt(qtbot, window, "918273", service_number=OTHER_NUMBER)
    assert shown(screen.error) == "Matricule ou code PIN incorrect."
    hq.hq.set_officer_disabled(OTHER_NUMBER, True)
    attempt(qtbot, window, OTHER_PIN, service_number=OTHER_NUMBER)
    assert shown(screen.error) == "Ce compte est désactivé. Contactez votre unité."
    assert window.locked
    unlock(qtbot, window, SERVICE_NUMBER, PIN)  # the others are not affected


def test_the_enrolment_screen_follows_the_language(qtbot, blank, make_window):
    from neo.i18n import set_language

    window = make_window(blank)
    screen = window.enrol_screen
    set_language("en")
    assert screen.title.text() == "Device enrolment"
    assert screen.enrol_button.text() == "Enrol the device"
    assert screen.paste_button.text() == "Paste"
    set_language("fr")
    assert screen.enrol_button.text() == "Enrôler l'appareil"
