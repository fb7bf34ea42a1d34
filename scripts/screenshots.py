"""Render the shell's screens offscreen into docs/screenshots/ (``make screenshots``).

A real HQ runs on loopback (TLS, its own CA) in a temporary directory; a blank tablet
is enrolled through the enrolment screen with a one-time code, the officer's first
unlock is checked by HQ and the app syncs with it, exactly as in the field (cheap
Argon2, so this takes seconds). Each screen is shown in a 1280 x 800 window (800 x 1280
for the portrait shots) and captured with ``QWidget.grab()``. The sync in progress is
the real engine paused after its first push batch; the revoked screen follows a real
revocation at HQ.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NEO_KDF__MEMORY_KIB", "256")
os.environ.setdefault("NEO_KDF__TIME_COST", "1")
os.environ.setdefault("NEO_LOOKUP_KDF__MEMORY_KIB", "64")
os.environ.setdefault("NEO_LOOKUP_KDF__TIME_COST", "1")
os.environ.setdefault("NEO_HQ_ARGON2_MEMORY_KIB", "256")
os.environ.setdefault("NEO_HQ_ARGON2_TIME_COST", "1")
os.environ.setdefault("NEO_HQ_ARGON2_PARALLELISM", "1")
os.environ.setdefault("NEO_GPS_SOURCE", "off")  # the holiday watch's shots place the patrol themselves

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from neo.config import Settings  # noqa: E402
from neo.hq.config import HQConfig  # noqa: E402
from neo.hq.testing import LiveHQ  # noqa: E402
from neo.i18n import set_language  # noqa: E402
from neo.models import Officer  # noqa: E402
from neo.ui.app import MainWindow, configure_application  # noqa: E402
from neo.ui.collector import GarbageCollector  # noqa: E402
from neo.ui.qt import QApplication, QWidget  # noqa: E402
from neo.ui.sync import SyncProgress, SyncRunner  # noqa: E402
from neo.ui.sync_engine import EngineRunner  # noqa: E402
from neo.ui.tasks import wait_for_tasks  # noqa: E402
from neo.vault import Session, Vault  # noqa: E402

OFFICER = Officer(service_number="100001", name="Jeanne Martin", unit="BTA Menton", role="supervisor")
PIN = "482913"
UNIT_OFFICERS = [("100002", "Karim Benali", "739164"), ("100003", "Léa Rousseau", "275318")]
LANDSCAPE = (1280, 800)
PORTRAIT = (800, 1280)
ROUNDS = "holiday_watch.rounds"


class PausingRunner(EngineRunner):
    """The real engine, paused (when armed) once its first push batch is acknowledged,
    so the screen can be captured mid-sync."""

    def __init__(self) -> None:
        super().__init__(batch=150)
        self.armed = False
        self.paused = threading.Event()
        self.release = threading.Event()

    def run(self, session: Session, progress: Callable[[SyncProgress], None]) -> Any:
        def report(step: SyncProgress) -> None:
            progress(step)
            if self.armed and step.phase == "push" and step.done and step.total and step.done < step.total:
                self.armed = False
                self.paused.set()
                self.release.wait(60)

        return super().run(session, report)


def pump(until: Callable[[], bool], timeout: float = 20.0) -> None:
    app = QApplication.instance()
    deadline = time.monotonic() + timeout
    while not until():
        app.processEvents()
        if time.monotonic() > deadline:
            raise TimeoutError("the screen did not reach the expected state")
        time.sleep(0.01)
    for _ in range(5):
        app.processEvents()


def save(widget: QWidget, path: Path) -> None:
    QApplication.instance().processEvents()
    if not widget.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def unlock(window: MainWindow) -> None:
    screen = window.unlock_screen
    screen.number.setText(OFFICER.service_number)
    screen.pin.setText(PIN)
    screen.submit()
    pump(lambda: not window.locked)


def make_window(data_dir: Path, theme: str, size: tuple[int, int], lang: str = "fr",
                runner: SyncRunner | None = None, gps_source: str | None = None) -> MainWindow:
    settings = Settings.load(data_dir)
    settings.theme = theme  # type: ignore[assignment]
    settings.language = lang  # type: ignore[assignment]
    if gps_source is not None:
        settings.gps_source = gps_source
    window = MainWindow(data_dir, settings, sync_runner=runner or EngineRunner(timeout=10.0))
    window.resize(*size)
    window.show()
    pump(lambda: window.isVisible())
    return window


def synced(window: MainWindow) -> bool:
    """The sync started at unlock (HQ reachable) is over."""
    sync = window.view.sync if window.view is not None else None
    return sync is not None and sync.runs > 0 and not sync.running and window.status_model.sync_state == "idle"


def close(window: MainWindow) -> None:
    window.shutdown()
    window.close()
    window.deleteLater()


def start_hq(root: Path) -> LiveHQ:
    hq = LiveHQ(HQConfig(data_dir=root / "hq")).start()
    hq.hq.add_unit(OFFICER.unit)
    hq.hq.add_officer(OFFICER.service_number, OFFICER.name, OFFICER.unit, PIN, role="supervisor")
    for number, name, pin in UNIT_OFFICERS:
        hq.hq.add_officer(number, name, OFFICER.unit, pin)
    return hq


def shoot(out: Path, suffix: str, lang: str, root: Path, hq: LiveHQ) -> None:
    # A blank tablet: the enrolment screen with the code pasted, then enrolment.
    data_dir = root / "device"
    data_dir.mkdir()
    window = make_window(data_dir, "day", LANDSCAPE, lang)
    screen = window.enrol_screen
    screen.code.setText(hq.enrolment_code(OFFICER.unit))
    screen.code.setCursorPosition(0)
    screen.device_name.setText("Tablette BTA Menton 3")
    save(window, out / f"enrol-day{suffix}.png")
    screen.submit()
    pump(lambda: window.enrol_screen is None and window.current_screen() is window.unlock_screen)
    save(window, out / f"unlock-enrolled-day{suffix}.png")
    close(window)

    for theme in ("day", "night"):
        window = make_window(data_dir, theme, LANDSCAPE, lang)
        save(window, out / f"unlock-{theme}{suffix}.png")
        unlock(window)  # the first one is checked by HQ
        pump(lambda window=window: synced(window))
        save(window, out / f"home-{theme}{suffix}.png")
        window.open_settings()
        save(window, out / f"settings-{theme}{suffix}.png")
        window.go_home()
        if theme == "day":
            window.open_module("lookup")
            save(window, out / f"module-day{suffix}.png")
        close(window)

    # A sync in progress: 450 visits waiting, the real engine paused after 150 of them.
    runner = PausingRunner()
    window = make_window(data_dir, "day", LANDSCAPE, lang, runner)
    unlock(window)
    pump(lambda: synced(window))
    from neo.replica import Replica

    replica = Replica.for_session(window.session, {ROUNDS: "mutable_shared"})
    replica.put_many(ROUNDS, [(None, {"name": f"Ronde {n}", "stops": [f"{n} rue des Lilas"]})
                              for n in range(1, 451)])
    window.view.sync.check(probe=False)
    pump(lambda: window.status_model.pending == 450)
    runner.armed = True
    window.view.sync_now()
    pump(runner.paused.is_set)
    pump(lambda: "150/450" in window.status_bar.sync.text.text())
    save(window, out / f"home-syncing-day{suffix}.png")
    runner.release.set()
    pump(lambda: synced(window) and window.status_model.pending == 0)
    window.host.mark_failed("holiday_watch", "activate",
                            RuntimeError("basemap tile package not found: /data/basemap.mbtiles"))
    pump(lambda: window.home.tiles["holiday_watch"].state == "failed")
    window.home.show_error_details("holiday_watch")
    pump(lambda: window.home.dialog is not None and window.home.dialog.isVisible())
    save(window, out / f"home-failed-module-day{suffix}.png")
    save(window.home.dialog, out / f"module-error-dialog-day{suffix}.png")
    close(window)

    window = make_window(data_dir, "day", PORTRAIT, lang)
    save(window, out / f"unlock-portrait-day{suffix}.png")
    unlock(window)
    pump(lambda: synced(window))
    save(window, out / f"home-portrait-day{suffix}.png")
    close(window)

    # A refused PIN with its lock-out countdown, on a second (local-only) tablet so the
    # first one and HQ's per-officer PIN throttle stay out of it.
    other = root / "other"
    Vault(other, Settings.load(other)).initialize(OFFICER, PIN).lock()
    window = make_window(other, "day", LANDSCAPE, lang)
    screen = window.unlock_screen
    answers: list[bool] = []
    screen.sig_attempt_done.connect(lambda: answers.append(True))
    for n, wrong in enumerate(("111111", "222222", "333333"), start=1):
        screen.number.setText(OFFICER.service_number)
        screen.pin.setText(wrong)
        screen.submit()
        pump(lambda n=n: len(answers) == n)
    save(window, out / f"unlock-lockout-day{suffix}.png")
    close(window)

    # Last: HQ revokes the tablet; its next sync wipes it.
    window = make_window(data_dir, "day", LANDSCAPE, lang)
    unlock(window)
    pump(lambda: synced(window))
    hq.hq.revoke_device(window.session.device_id)
    window.view.sync_now()
    pump(lambda: window.revoked_screen is not None and window.revoked_screen.done)
    save(window, out / f"revoked-day{suffix}.png")
    close(window)


# -- the record lookup ---------------------------------------------------------------------------


class RestartableHQ(LiveHQ):
    """A LiveHQ that comes back on the same port after ``stop()`` (the tablet's link still
    points at it): the network "drops" and "returns" for the lookup's offline shots."""

    def start(self) -> LiveHQ:
        if not self.port:
            return super().start()
        import socket

        import uvicorn

        from neo.hq import tls
        from neo.hq.app import create_app

        files = tls.ensure_server_cert(self.config.tls_dir, tls.default_names(self.host))
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        app = create_app(self.config)
        self.hq = app.state.hq
        server = uvicorn.Server(uvicorn.Config(app, log_level=self.log_level, lifespan="on",
                                               ssl_certfile=str(files.cert_file), ssl_keyfile=str(files.key_file)))
        self._server = server
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="live-hq", daemon=True)
        self._thread.start()
        pump(lambda: server.started, timeout=30)
        return self


LOOKUP_PERSONS = 2000


def lookup_examples() -> tuple[dict[str, Any], dict[str, Any]]:
    """A wanted person to be arrested (if the demo has one) and a stolen vehicle, from the
    same demo records HQ was seeded with."""
    from neo.hq.reference import DEMO_SEED
    from neo.modules.lookup.demo import generate

    wanted: list[dict[str, Any]] = []
    stolen: list[dict[str, Any]] = []
    for r in generate(DEMO_SEED, LOOKUP_PERSONS, 0, LOOKUP_PERSONS):
        if r.FILE == "wanted_persons":
            wanted.append(r.to_dict())
        elif r.FILE == "stolen_vehicles":
            stolen.append(r.to_dict())
    wanted.sort(key=lambda w: not w["instruction"].startswith("Interpeller"))
    return wanted[0], stolen[0]


def lookup_search(window: MainWindow, text: str) -> Any:
    page = window.view.module_pages["lookup"].page
    page.search.field.setText(text)
    page.search.submit()
    pump(lambda: page.running is None and page.search.outcome is not None, timeout=60)
    return page


def shoot_lookup(out: Path, suffix: str, lang: str, root: Path) -> None:
    """The record lookup on a second tablet, against an HQ seeded with the demo's reference
    files: the search field with what it read, an alert at the top of merged results, its
    detail, and a query waiting for the network with the banner of an answer received."""
    from neo.hq.reference import seed_demo

    hq = RestartableHQ(HQConfig(data_dir=root / "hq-lookup"))
    hq.start()
    try:
        hq.hq.add_unit(OFFICER.unit)
        hq.hq.add_officer(OFFICER.service_number, OFFICER.name, OFFICER.unit, PIN, role="supervisor")
        seed_demo(hq.hq.db, LOOKUP_PERSONS)
        wanted, stolen = lookup_examples()
        data_dir = root / "lookup-device"
        data_dir.mkdir()
        window = make_window(data_dir, "day", LANDSCAPE, lang)
        window.enrol_screen.code.setText(hq.enrolment_code(OFFICER.unit))
        window.enrol_screen.device_name.setText("Tablette BTA Menton 4")
        window.enrol_screen.submit()
        pump(lambda: window.enrol_screen is None and window.current_screen() is window.unlock_screen, timeout=60)
        unlock(window)
        pump(lambda: synced(window), timeout=60)
        window.open_module("lookup")
        page = window.view.module_pages["lookup"].page
        page.chime.play = lambda: None  # no beep while shooting
        page.search.reasons.choose_reason("controle_routier")
        typed_plate = stolen["plate"].lower().replace("-", " ")
        page.search.field.setText(typed_plate)
        save(window, out / f"lookup-search{suffix}.png")

        birth = "/".join(reversed(wanted["birth_date"].split("-")))
        lookup_search(window, f"{wanted['surname'].lower()} {wanted['given_names'][0].lower()} {birth}")
        page.search.scroll.verticalScrollBar().setValue(0)
        save(window, out / f"lookup-results{suffix}.png")
        if lang == "fr":
            set_language("en")
            pump(lambda: page.search.search_button.text() == "Search")
            save(window, out / "lookup-results-en.png")
            set_language("fr")
            pump(lambda: page.search.search_button.text() == "Rechercher")
        page.open_hit(page.search.rows[0].hit)
        save(window, out / f"lookup-detail{suffix}.png")
        page.close_detail()

        # The network drops: the stolen car's plate waits (the hot-list flags it); HQ is
        # back, the answer is announced; it drops again and a second query waits.
        def network(up: bool) -> None:
            hq.start() if up else hq.stop()
            pump(lambda: not window.view.sync.running, timeout=60)
            window.view.sync_now()  # the sync learns it, and tells the modules when HQ is back
            pump(lambda: window.status_model.online is up and not window.view.sync.running, timeout=60)

        network(False)
        lookup_search(window, typed_plate)
        network(True)
        pump(lambda: page.banner.isVisible(), timeout=30)
        network(False)
        lookup_search(window, "martin lea 1988")
        page.show_tab("pending")
        pump(lambda: len(page.pending.rows) == 1)
        save(window, out / f"lookup-pending{suffix}.png")
        close(window)
    finally:
        hq.stop()


# -- statements ----------------------------------------------------------------------------------


def signature_strokes(seed: int) -> list[list[tuple[float, float]]]:
    """A handwritten-looking signature (a loop, a wave, an underline) for the pads."""
    import math

    loop = [(90 + 38 * math.cos(t / 9) + t * 0.9, 120 - 48 * math.sin(t / 9)) for t in range(0, 70)]
    wave = [(150 + t * 5.2, 128 - 26 * math.sin(t / (3.2 + seed * 0.4)) * (1 - t / 110)) for t in range(0, 90)]
    line = [(110 + t * 7, 172 + 4 * math.sin(t / 5)) for t in range(0, 60)]
    return [loop, wave, line]


def signature_png(seed: int) -> bytes:
    from neo.modules.statements.ui.signature import SignaturePad

    pad = SignaturePad()
    pad.resize(640, 240)
    pad.draw(signature_strokes(seed))
    png = pad.png()
    pad.deleteLater()
    assert png is not None
    return png


def sealed_statement(service: Any, template: str, identity: dict[str, Any], values: dict[str, Any]) -> str:
    """A statement filled and signed through the service (the list needs a few)."""
    draft = service.new_draft(template, identity)
    for path, value in values.items():
        service.update(draft, path, value)
    service.set_signature(draft, "declarant", signature_png(1))
    service.set_signature(draft, "officer", signature_png(2))
    return service.sign(draft)


def shoot_statements(out: Path, suffix: str, lang: str, root: Path) -> None:
    """Statements on an enrolled tablet with a real HQ: the list with sealed statements in
    their states (one received by HQ, its seal verified), the form of a complaint, the
    signature pads, and a PDF page."""
    from datetime import datetime, timedelta

    from neo.modules.statements.ui.page import render_first_page

    hq = LiveHQ(HQConfig(data_dir=root / "hq-statements")).start()
    try:
        hq.hq.add_unit(OFFICER.unit)
        hq.hq.add_officer(OFFICER.service_number, OFFICER.name, OFFICER.unit, PIN, role="supervisor")
        data_dir = root / "statements-device"
        data_dir.mkdir()
        window = make_window(data_dir, "day", LANDSCAPE, lang)
        window.enrol_screen.code.setText(hq.enrolment_code(OFFICER.unit))
        window.enrol_screen.device_name.setText("Tablette BTA Menton 2")
        window.enrol_screen.submit()
        pump(lambda: window.enrol_screen is None and window.current_screen() is window.unlock_screen, timeout=60)
        unlock(window)
        pump(lambda: synced(window), timeout=60)
        window.open_module("statements")
        page = window.view.module_pages["statements"].page
        pump(lambda: len(page.home.template_cards) == 5)
        service = page.service
        yesterday = datetime.now().astimezone().replace(second=0, microsecond=0) - timedelta(days=1)
        where = {"address": "12 avenue de Verdun, 06500 Menton",
                 "position": {"lat": 43.775412, "lon": 7.497531, "accuracy": 8.0}}
        first = sealed_statement(service, "perte_documents", {"surname": "Rossi", "given_names": "Giulia"}, {
            "details.documents_lost": ["cni"],
            "facts.when": {"from": (yesterday - timedelta(hours=5)).isoformat(), "to": yesterday.isoformat()},
            "narrative": "J'ai perdu mon portefeuille entre la gare et le marché."})
        window.view.sync_now()
        pump(lambda: not window.view.sync.running, timeout=60)
        sealed_statement(service, "main_courante", {"surname": "Bernard", "given_names": "Luc"}, {
            "details.subject": "voisinage",
            "facts.when": yesterday.isoformat(), "facts.where": where,
            "narrative": "Le voisin du dessus fait du bruit chaque nuit depuis une semaine."})
        service.new_draft("audition_temoin", {"surname": "Moreau", "given_names": "Inès"})
        page.show_home()
        pump(lambda: len(page.home.statement_rows) == 2 and page.home.statement_rows[-1].summary.id == first)
        save(window, out / f"statement-list{suffix}.png")

        # The form of a complaint against a person unknown, on its "Faits" step.
        card = next(c for c in page.home.template_cards if c.template.id == "plainte_x")
        card.sig_tapped.emit()
        pump(lambda: page.stack.currentWidget() is page.form and page.form.settled())
        form = page.form
        identity = form.steps[0].parties.cards[0].identity
        identity.editors["surname"].edit.setText("Dupont")
        identity.editors["given_names"].edit.setText("Jean")
        faits = next(i for i, st in enumerate(form.steps) if st.section is not None and st.section.id == "faits")
        form.go(faits)
        editors = {e.path: e for e in form.steps[faits].editors}
        when = editors["facts.when"]
        when.span_chip.click()
        when.start.set_moment((yesterday.replace(hour=22, minute=0)), emit=True)
        when.end.set_moment((yesterday.replace(hour=7, minute=30) + timedelta(days=1)), emit=True)
        editors["facts.where"].address.setText("12 avenue de Verdun, 06500 Menton")
        editors["facts.where"].position.set_position(where["position"], emit=True)
        offences = editors["facts.offences"]
        offences.query.setText("cambriolage")
        pump(lambda: len(offences.result_rows) > 0)
        offences.add(offences.result_rows[0].offence)
        offences.query.setText("dégradation")
        pump(lambda: len(offences.result_rows) > 0)
        pump(lambda: form.settled())
        form.go(faits)
        form.pages.currentWidget().verticalScrollBar().setValue(310)  # the place, the offences found by a word
        save(window, out / f"statement-form{suffix}.png")

        # The signatures: the declarant has signed, the officer is signing.
        offences.query.clear()
        recit = next(i for i, st in enumerate(form.steps) if st.section is not None and st.section.id == "recit")
        form.steps[recit].editors[0].edit.setPlainText(
            "En rentrant ce matin vers 7 h 30, j'ai trouvé la porte d'entrée fracturée. Mon ordinateur portable "
            "et des bijoux ont disparu.")
        sign_step = len(form.steps) - 1
        form.go(sign_step)
        pump(lambda: form.settled())
        form.signatures["declarant"].pad.draw(signature_strokes(1))
        officer = form.signatures["officer"].pad
        strokes = signature_strokes(2)
        officer.draw(strokes[:2])
        pump(lambda: form.settled())
        form.pages.currentWidget().verticalScrollBar().setValue(110)  # both pads in view
        save(window, out / f"statement-signature{suffix}.png")

        # A sealed statement's PDF: the page in the app, and the first page itself.
        page.open_statement(first)
        pump(lambda: page.stack.currentWidget() is page.statement_view)
        page.show_pdf()
        pump(lambda: page.pdf_view.data is not None, timeout=60)
        save(window, out / f"statement-pdf-view{suffix}.png")
        image, _pages = render_first_page(page.pdf_view.data, 1000)
        assert image is not None
        path = out / f"statement-pdf{suffix}.png"
        if not image.save(str(path)):
            raise OSError(f"could not write {path}")
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
        close(window)
    finally:
        hq.stop()


# -- the holiday watch ------------------------------------------------------------------------------


def static_nmea(path: Path, lat: float, lon: float, heading: float, seconds: int = 20) -> Path:
    """An NMEA log (GGA and RMC, one fix a second) of a patrol car standing at lat, lon."""

    def sentence(body: str) -> str:
        checksum = 0
        for ch in body:
            checksum ^= ord(ch)
        return f"${body}*{checksum:02X}"

    def dm(value: float, width: int) -> str:
        degrees = int(abs(value))
        return f"{degrees:0{width}d}{(abs(value) - degrees) * 60:07.4f}"

    lines = []
    for t in range(seconds):
        stamp = f"0700{t:02d}.00"
        where = f"{dm(lat, 2)},N,{dm(lon, 3)},E"
        lines.append(sentence(f"GPGGA,{stamp},{where},1,09,0.9,60.0,M,48.9,M,,"))
        lines.append(sentence(f"GPRMC,{stamp},A,{where},0.0,{heading:.1f},150725,,,A"))
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return path


def shoot_watch(out: Path, suffix: str, lang: str, root: Path) -> None:
    """The holiday watch on an enrolled tablet: HQ serves the demo basemap and holds the demo
    homes (real buildings of the demo towns); the tablet downloads the map, pulls the homes,
    some visited earlier; the patrol stands in Beausoleil. The map with a planned round, a
    home's card, and the visit form with an anomaly and a photo."""
    from datetime import UTC, datetime, timedelta

    from neo.hq.watch.demo_osm import ensure_demo_basemap
    from neo.hq.watch.seed import seed_demo_watch
    from neo.models import Position
    from neo.modules.holiday_watch.routing import haversine_m
    from neo.modules.holiday_watch.service import CHECK_KEYS, VisitDraft
    from neo.ui.qt import QColor, QImage, QPainter

    basemap = ensure_demo_basemap(say=lambda *_: None)
    hq = LiveHQ(HQConfig(data_dir=root / "hq-watch", basemap_path=basemap)).start()
    try:
        hq.hq.add_unit(OFFICER.unit)
        hq.hq.add_officer(OFFICER.service_number, OFFICER.name, OFFICER.unit, PIN, role="supervisor")
        seed_demo_watch(hq.hq, lambda *_: None)
        data_dir = root / "watch-device"
        data_dir.mkdir()
        window = make_window(data_dir, "day", LANDSCAPE, lang)
        window.enrol_screen.code.setText(hq.enrolment_code(OFFICER.unit))
        window.enrol_screen.device_name.setText("Tablette BTA Menton 3")
        window.enrol_screen.submit()
        pump(lambda: window.enrol_screen is None and window.current_screen() is window.unlock_screen, timeout=60)
        unlock(window)
        pump(lambda: synced(window), timeout=60)
        window.open_module("holiday_watch")
        page = window.view.module_pages["holiday_watch"].page
        pump(lambda: page.map.package is not None and len(page.homes) >= 20, timeout=180)
        service = page.service
        # The patrol in Beausoleil, 60 m from a home; the homes around visited at times.
        homes = sorted(page.homes, key=lambda h: (h.city != "Beausoleil", h.lat, h.lon))
        town = [h for h in homes if h.city == homes[0].city]
        here = town[len(town) // 2]
        patrol = Position(lat=here.lat + 0.00055, lon=here.lon + 0.0002)
        now = datetime.now(UTC)
        ages = [2, 5, 20, 30, 50, 80, 120, 200, 260]
        near = sorted(homes, key=lambda h: haversine_m(patrol.lat, patrol.lon, h.lat, h.lon))
        for home, hours in zip(near[1:len(ages) * 2:2], ages, strict=False):
            draft = VisitDraft(home.id, now - timedelta(hours=hours), None, None, False, 150.0)
            service.save_visit(draft, checklist=dict.fromkeys(CHECK_KEYS, "ok"), notice_left=hours > 100)
        close(window)
        # The app again, its GPS replaying a log of the car standing there.
        nmea = static_nmea(root / "patrol.nmea", patrol.lat, patrol.lon, 200.0)
        window = make_window(data_dir, "day", LANDSCAPE, lang, gps_source=str(nmea))
        unlock(window)
        pump(lambda: synced(window), timeout=60)
        window.open_module("holiday_watch")
        page = window.view.module_pages["holiday_watch"].page
        pump(lambda: page.map.package is not None and len(page.homes) >= 20 and page.position is not None
             and page.nearby_home is not None, timeout=60)
        here = page.nearby_home
        page.plan_round()
        pump(lambda: page.round is not None, timeout=60)
        pump(lambda: page.map.load_visible_tiles() >= 0 and page.map.tiles_idle(), timeout=60)
        save(window, out / f"watch-map-round{suffix}.png")

        page.open_home(here.id)
        pump(lambda: page.card.home is not None and page.card.home.id == here.id)
        page.map.center_on(here.lat, here.lon, 17)
        settle = time.monotonic() + 2.0  # the round is drawn again once the zoom rests
        pump(lambda: time.monotonic() > settle and page.map.load_visible_tiles() >= 0 and page.map.tiles_idle(),
             timeout=60)
        save(window, out / f"watch-card{suffix}.png")

        page.start_visit(here.id)
        pump(lambda: page.stack.currentWidget() is page.form)
        form = page.form
        next(r for r in form.rows if r.key == "windows_shutters").set_value("anomaly")
        next(r for r in form.rows if r.key == "garden").set_value("na")
        form.note.setPlainText("Volet roulant du salon relevé de force, traces sur l'appui de fenêtre.")
        image = QImage(640, 480, QImage.Format.Format_RGB32)
        image.fill(QColor("#b0a89a"))
        painter = QPainter(image)
        painter.fillRect(120, 90, 400, 300, QColor("#5d4037"))
        painter.fillRect(140, 110, 360, 150, QColor("#90a4ae"))
        painter.end()
        photo = root / "volet.jpg"
        image.save(str(photo), "JPG")
        form.add_photo(photo.read_bytes(), "image/jpeg")
        form.notice.setChecked(True)
        save(window, out / f"watch-visit{suffix}.png")
        close(window)
    finally:
        hq.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--lang", default="fr", choices=["fr", "en"])
    parser.add_argument("--only", choices=["shell", "lookup", "statements", "watch"],
                        help="only the shell's, the lookup's, the statements' or the holiday watch's screens")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_application(app)
    collector = GarbageCollector(app)  # never collect Qt objects from the unlock worker thread
    set_language(args.lang)
    suffix = "" if args.lang == "fr" else "-en"

    with tempfile.TemporaryDirectory(prefix="neo-shots-") as tmp:
        root = Path(tmp)
        if args.only in (None, "shell"):
            hq = start_hq(root)
            try:
                shoot(out, suffix, args.lang, root, hq)
            finally:
                hq.stop()
        if args.only in (None, "lookup"):
            shoot_lookup(out, suffix, args.lang, root)
        if args.only in (None, "statements"):
            shoot_statements(out, suffix, args.lang, root)
        if args.only in (None, "watch"):
            shoot_watch(out, suffix, args.lang, root)
    wait_for_tasks()
    collector.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
