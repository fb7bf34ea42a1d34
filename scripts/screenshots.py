"""Render the shell's screens offscreen into docs/screenshots/ (``make screenshots``).

A throw-away device is provisioned in a temporary directory (cheap Argon2 so this
takes seconds), then each screen is shown in a 1280 x 800 window (800 x 1280 for the
portrait shot) and captured with ``QWidget.grab()``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NEO_KDF__MEMORY_KIB", "256")
os.environ.setdefault("NEO_KDF__TIME_COST", "1")
os.environ.setdefault("NEO_LOOKUP_KDF__MEMORY_KIB", "64")
os.environ.setdefault("NEO_LOOKUP_KDF__TIME_COST", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from neo.config import Settings  # noqa: E402
from neo.i18n import set_language  # noqa: E402
from neo.models import Officer  # noqa: E402
from neo.ui.app import MainWindow, configure_application  # noqa: E402
from neo.ui.collector import GarbageCollector  # noqa: E402
from neo.ui.qt import QApplication, QWidget  # noqa: E402
from neo.ui.tasks import wait_for_tasks  # noqa: E402
from neo.vault import Vault  # noqa: E402

OFFICER = Officer(service_number="100001", name="Jeanne Martin", unit="BTA Menton", role="supervisor")
PIN = "482913"
LANDSCAPE = (1280, 800)
PORTRAIT = (800, 1280)


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


def make_window(data_dir: Path, theme: str, size: tuple[int, int], lang: str = "fr") -> MainWindow:
    settings = Settings.load(data_dir)
    settings.theme = theme  # type: ignore[assignment]
    settings.language = lang  # type: ignore[assignment]
    window = MainWindow(data_dir, settings)
    window.resize(*size)
    window.show()
    pump(lambda: window.isVisible())
    return window


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
        data_dir = Path(tmp) / "device"
        vault = Vault(data_dir, Settings.load(data_dir))
        vault.initialize(OFFICER, PIN).lock()

        for theme in ("day", "night"):
            window = make_window(data_dir, theme, LANDSCAPE, args.lang)
            save(window, out / f"unlock-{theme}{suffix}.png")
            unlock(window)
            save(window, out / f"home-{theme}{suffix}.png")
            window.open_settings()
            save(window, out / f"settings-{theme}{suffix}.png")
            window.go_home()
            if theme == "day":
                window.open_module("lookup")
                save(window, out / f"module-day{suffix}.png")
            window.shutdown()
            window.close()
            window.deleteLater()

        # Failure states: a refused PIN with its lock-out countdown (on a second device, so
        # the first one stays usable), and a module in failure.
        other = Path(tmp) / "other"
        Vault(other, Settings.load(other)).initialize(OFFICER, PIN).lock()
        window = make_window(other, "day", LANDSCAPE, args.lang)
        screen = window.unlock_screen
        answers: list[bool] = []
        screen.sig_attempt_done.connect(lambda: answers.append(True))
        for n, wrong in enumerate(("111111", "222222", "333333"), start=1):
            screen.number.setText(OFFICER.service_number)
            screen.pin.setText(wrong)
            screen.submit()
            pump(lambda n=n: len(answers) == n)
        save(window, out / f"unlock-lockout-day{suffix}.png")
        window.shutdown()
        window.close()

        window = make_window(data_dir, "day", LANDSCAPE, args.lang)
        unlock(window)
        window.host.mark_failed("holiday_watch", "activate",
                                RuntimeError("basemap tile package not found: /data/basemap.mbtiles"))
        pump(lambda: window.home.tiles["holiday_watch"].state == "failed")
        window.home.show_error_details("holiday_watch")
        pump(lambda: window.home.dialog is not None and window.home.dialog.isVisible())
        save(window, out / f"home-failed-module-day{suffix}.png")
        dialog = window.home.dialog
        save(dialog, out / f"module-error-dialog-day{suffix}.png")
        window.shutdown()
        window.close()

        window = make_window(data_dir, "day", PORTRAIT, args.lang)
        save(window, out / f"unlock-portrait-day{suffix}.png")
        unlock(window)
        save(window, out / f"home-portrait-day{suffix}.png")
        window.shutdown()
        window.close()

        empty = Path(tmp) / "blank"
        empty.mkdir()
        window = make_window(empty, "day", LANDSCAPE, args.lang)
        save(window, out / f"not-enrolled-day{suffix}.png")
        window.shutdown()
        window.close()
    wait_for_tasks()
    collector.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
