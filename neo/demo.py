"""``make demo``: an embedded HQ with demo data, an enrolled demo tablet, and the app.

1. ``neo-hq seed-demo`` fills HQ's SQLite database in ``.demo/hq`` (idempotent);
2. ``neo-hq serve`` runs HQ on https://127.0.0.1:18443 (its own CA) in a child process;
3. the first time, the demo tablet (``.demo/device``) is enrolled with a one-time code,
   exactly as a real tablet is (pinned CA, HQ-held unlock share);
4. the app opens; an officer's first unlock is checked by HQ online, later ones work
   offline. Closing the app stops HQ.

``--local`` keeps the older local-only provisioning (no HQ): officers are created on
the device itself.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from neo.config import Settings
from neo.models import Officer
from neo.resources import resource_path
from neo.sync.errors import SyncError
from neo.sync.transport import HqClient
from neo.vault import Vault

ROOT = Path(__file__).resolve().parent.parent / ".demo"
DEFAULT_DIR = ROOT / "device"
HQ_DIR = ROOT / "hq"
HQ_PORT = 18443
UNIT = "BTA Menton"

DEMO_OFFICERS: list[tuple[Officer, str]] = [
    (Officer(service_number="100001", name="Jeanne Martin", unit=UNIT), "482913"),
    (Officer(service_number="100002", name="Karim Benali", unit=UNIT), "739164"),
    (Officer(service_number="100003", name="Sophie Laurent", unit=UNIT, role="supervisor"), "615287"),
]


class DemoError(Exception):
    pass


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: HQ gets SIGTERM if the demo process dies, however it dies."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def _hq_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "neo.hq.cli", *args]


def provision_local(data_dir: Path, out=sys.stdout) -> bool:
    """Local-only demo device (no HQ): the officers are created on the device."""
    vault = Vault(data_dir, Settings.load(data_dir))
    if vault.exists():
        return False
    ordered = sorted(DEMO_OFFICERS, key=lambda item: item[0].role != "supervisor")
    (first, first_pin), rest = ordered[0], ordered[1:]
    print(f"[1/{len(ordered)}] {first.name} ({first.service_number})", file=out, flush=True)
    session = vault.initialize(first, first_pin)
    try:
        for i, (officer, pin) in enumerate(rest, start=2):
            print(f"[{i}/{len(ordered)}] {officer.name} ({officer.service_number})", file=out, flush=True)
            vault.add_officer(session, officer, pin)
    finally:
        session.lock()
    return True


class EmbeddedHQ:
    """HQ in a child process, stopped with the demo."""

    def __init__(self, data_dir: Path, port: int = HQ_PORT) -> None:
        self.data_dir = data_dir
        self.port = port
        self.url = f"https://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def seed(self) -> None:
        subprocess.run(_hq_cmd("seed-demo", "--data-dir", str(self.data_dir)), check=True)

    def start(self, timeout: float = 60.0) -> None:
        log = open(self.data_dir / "serve.log", "ab")
        self.proc = subprocess.Popen(
            _hq_cmd("serve", "--data-dir", str(self.data_dir), "--port", str(self.port), "--log-level", "warning"),
            stdout=log, stderr=log, preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        ca_file = self.data_dir / "tls" / "ca.pem"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise DemoError(
                    f"le QG de démonstration s'est arrêté (le port {self.port} est-il déjà pris ?) : "
                    f"voir {self.data_dir / 'serve.log'}"
                )
            if ca_file.is_file():
                try:
                    with HqClient(self.url, ca_file=ca_file, retries=0, timeout=2) as client:
                        client.health()
                    return
                except (SyncError, ValueError, OSError):  # not answering yet
                    pass
            time.sleep(0.2)
        self.stop()
        raise DemoError(f"le QG de démonstration n'a pas démarré à temps : voir {self.data_dir / 'serve.log'}")

    def enrolment_code(self) -> str:
        out = subprocess.run(
            _hq_cmd("enroll-code", "--data-dir", str(self.data_dir), "--unit", UNIT, "--url", self.url, "--json"),
            check=True, capture_output=True, text=True,
        ).stdout
        return str(json.loads(out)["code"])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def enrol_demo_device(data_dir: Path, hq: EmbeddedHQ) -> bool:
    """Enrol the demo tablet if it is not enrolled yet; True when it was."""
    from neo.cli import save_hq_link
    from neo.sync.enrolment import enroll

    vault = Vault(data_dir, Settings.load(data_dir))
    if vault.exists() and vault.hq_unlock_info():
        return False
    if data_dir.exists():  # a local-only or wiped demo device: start afresh
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    vault = Vault(data_dir, Settings.load(data_dir))
    result = enroll(vault, hq.enrolment_code(), "Tablette de démonstration",
                    progress=lambda m: print(m, flush=True), on_store=save_hq_link)
    print(f"Appareil enrôlé auprès de l'unité {result.unit} ({len(result.roster)} agents).")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m neo.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DIR, help="the demo tablet's data directory")
    parser.add_argument("--hq-dir", type=Path, default=HQ_DIR, help="the embedded HQ's data directory")
    parser.add_argument("--port", type=int, default=HQ_PORT)
    parser.add_argument("--no-gui", action="store_true", help="set everything up, then stop")
    parser.add_argument("--reset", action="store_true", help="erase the demo tablet and HQ first")
    parser.add_argument("--local", action="store_true", help="no HQ: provision the officers on the device")
    args = parser.parse_args(argv)
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup below (HQ stops)
    data_dir: Path = args.data_dir
    if args.reset:
        for d in (data_dir, args.hq_dir):
            if d.exists():
                shutil.rmtree(d)
    data_dir.mkdir(parents=True, exist_ok=True)

    hq: EmbeddedHQ | None = None
    try:
        if args.local:
            if provision_local(data_dir):
                print(f"Appareil de démonstration (local, sans QG) créé dans {data_dir}")
        else:
            args.hq_dir.mkdir(parents=True, exist_ok=True)
            hq = EmbeddedHQ(args.hq_dir, args.port)
            print("QG de démonstration : données…", flush=True)
            hq.seed()
            print(f"QG de démonstration : démarrage sur {hq.url}…", flush=True)
            hq.start()
            enrol_demo_device(data_dir, hq)
        print("Agents de démonstration (matricule / code PIN) :")
        for officer, pin in DEMO_OFFICERS:
            print(f"  {officer.service_number} / {pin}  {officer.name}")
        if not args.local:
            print("Premier déverrouillage d'un agent sur la tablette : le QG vérifie son code en ligne.")
        if args.no_gui:
            return 0
        # the demo tablet's GPS replays a patrol car's drive through Beausoleil and Cap-d'Ail
        os.environ.setdefault("NEO_GPS_SOURCE", str(resource_path("gps", "demo-patrol.nmea")))
        app = importlib.import_module("neo.ui.app")
        return int(app.run_app(data_dir))
    except DemoError as exc:
        print(f"Démo impossible : {exc}", file=sys.stderr)
        return 1
    finally:
        if hq is not None:
            hq.stop()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
