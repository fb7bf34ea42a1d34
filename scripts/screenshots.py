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
from neo.ui.qt import QApplication, QWidget  # noqa: E402
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


def make_window(data_dir: Path, theme: str, size: tuple[int, int]) -> MainWindow:
    settings = Settings.load(data_dir)
    settings.theme = theme  # type: ignore[assignment]
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
    set_language(args.lang)
    suffix = "" if args.lang == "fr" else "-en"

    with tempfile.TemporaryDirectory(prefix="neo-shots-") as tmp:
        data_dir = Path(tmp) / "device"
        vault = Vault(data_dir, Settings.load(data_dir))
        vault.initialize(OFFICER, PIN).lock()

        for theme in ("day", "night"):
            window = make_window(data_dir, theme, LANDSCAPE)
            save(window, out / f"unlock-{theme}{suffix}.png")
            unlock(window)
            save(window, out / f"home-{theme}{suffix}.png")
            if theme == "day":
                window.open_settings()
                save(window, out / f"settings-day{suffix}.png")
                window.go_home()
                window.open_module("lookup")
                save(window, out / f"module-day{suffix}.png")
            window.shutdown()
            window.close()
            window.deleteLater()

        window = make_window(data_dir, "day", PORTRAIT)
        save(window, out / f"unlock-portrait-day{suffix}.png")
        unlock(window)
        save(window, out / f"home-portrait-day{suffix}.png")
        window.shutdown()
        window.close()

        empty = Path(tmp) / "blank"
        empty.mkdir()
        window = make_window(empty, "day", LANDSCAPE)
        save(window, out / f"not-enrolled-day{suffix}.png")
        window.shutdown()
        window.close()
    from neo.ui.tasks import wait_for_tasks

    wait_for_tasks()
    return 0


if __name__ == "__main__":
    sys.exit(main())
