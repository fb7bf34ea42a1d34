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
VISITS = "holiday_watch.visits"


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
                runner: SyncRunner | None = None) -> MainWindow:
    settings = Settings.load(data_dir)
    settings.theme = theme  # type: ignore[assignment]
    settings.language = lang  # type: ignore[assignment]
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

    replica = Replica.for_session(window.session, {VISITS: "append_only"})
    replica.put_many(VISITS, [(None, {"home": f"{n} rue des Lilas", "checked": ["portail", "volets"]})
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--lang", default="fr", choices=["fr", "en"])
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
        hq = start_hq(root)
        try:
            shoot(out, suffix, args.lang, root, hq)
        finally:
            hq.stop()
    wait_for_tasks()
    collector.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
