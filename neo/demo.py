"""``make demo``: provision a demo device with demo officers, then open the app.

Until the headquarters server exists, the demo officers are provisioned locally. The
demo device lives in ``.demo/device`` at the top of the checkout (or ``--data-dir``).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from neo.config import Settings
from neo.models import Officer
from neo.vault import Vault

DEMO_OFFICERS: list[tuple[Officer, str]] = [
    (Officer(service_number="100001", name="Jeanne Martin", unit="BTA Menton", role="supervisor"), "482913"),
    (Officer(service_number="100002", name="Karim Benali", unit="BTA Menton"), "739164"),
    (Officer(service_number="100003", name="Élise Rousseau", unit="BTA Menton"), "265830"),
]

DEFAULT_DIR = Path(__file__).resolve().parent.parent / ".demo" / "device"


def provision(data_dir: Path, out=sys.stdout) -> bool:
    """Create the demo device if it does not exist yet; True when it was created."""
    vault = Vault(data_dir, Settings.load(data_dir))
    if vault.exists():
        return False
    first, first_pin = DEMO_OFFICERS[0]
    total = len(DEMO_OFFICERS)
    print(f"[1/{total}] {first.name} ({first.service_number})", file=out, flush=True)
    session = vault.initialize(first, first_pin)
    try:
        for i, (officer, pin) in enumerate(DEMO_OFFICERS[1:], start=2):
            print(f"[{i}/{total}] {officer.name} ({officer.service_number})", file=out, flush=True)
            vault.add_officer(session, officer, pin)
    finally:
        session.lock()
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m neo.demo", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--no-gui", action="store_true", help="only provision the demo device")
    parser.add_argument("--reset", action="store_true", help="erase the demo device first")
    args = parser.parse_args(argv)
    data_dir: Path = args.data_dir
    if args.reset and data_dir.exists():
        import shutil

        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    if provision(data_dir):
        print(f"Appareil de démonstration créé dans {data_dir}")
    print("Agents de démonstration (matricule / code PIN) :")
    for officer, pin in DEMO_OFFICERS:
        print(f"  {officer.service_number} / {pin}  {officer.name}")
    if args.no_gui:
        return 0
    app = importlib.import_module("neo.ui.app")
    return int(app.run_app(data_dir))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
