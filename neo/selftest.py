"""``neo self-test``: exercise the store, the vault, the audit trail, the host and a
headless window in a temporary directory. Used after installation and on a frozen build."""

from __future__ import annotations

import importlib
import os
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from neo import crypto
from neo.audit import verify_chain
from neo.config import KdfParams, LookupKdfParams, Settings
from neo.models import Officer
from neo.store.selfcheck import check_encrypted_store
from neo.vault import Vault, WrongCredentials

PIN_A, PIN_B = "582064", "913725"


def _settings(data_dir: Path) -> Settings:
    # Light key derivation: the self-test checks behaviour, not the cost of Argon2.
    return Settings.load(data_dir, kdf=KdfParams(time_cost=1, memory_kib=1024, parallelism=1),
                         lookup_kdf=LookupKdfParams(time_cost=1, memory_kib=256, parallelism=1))


def check_crypto(tmp: Path) -> None:
    priv, pub = crypto.generate_keypair()
    assert crypto.unseal(priv, crypto.seal(pub, b"secret", b"aad"), b"aad") == b"secret"
    key = crypto.derive_key("123456", b"s" * 16, crypto.Argon2Params(1, 1024, 1))
    assert len(key) == 32


def check_store(tmp: Path) -> None:
    check_encrypted_store(tmp / "store.db")


def check_vault(tmp: Path) -> None:
    data_dir = tmp / "vault"
    vault = Vault(data_dir, _settings(data_dir))
    session = vault.initialize(Officer(service_number="900001", name="Test Un", role="admin"), PIN_A)
    vault.add_officer(session, Officer(service_number="900002", name="Test Deux"), PIN_B)
    vault.rekey(session)
    session.lock()
    try:
        vault.unlock("900002", "000111")
    except WrongCredentials:
        pass
    else:
        raise AssertionError("a wrong PIN unlocked the device")
    session = vault.unlock("900002", PIN_B)
    assert session.officer.name == "Test Deux"
    verdict = session.audit.verify()
    assert verdict.ok, verdict
    events = [e.model_dump() for e in session.audit.events()]
    assert any(e["action"] == "unlock.failed" for e in events), "failed unlock was not audited"
    tampered = [dict(e) for e in events]
    tampered[1]["action"] = "forged"
    assert verify_chain(tampered).first_broken_seq == tampered[1]["seq"]
    session.lock()
    for f in data_dir.iterdir():
        blob = f.read_bytes()
        for secret in (b"Test Deux", b"900002"):
            assert secret not in blob, f"{secret!r} readable in {f.name}"


def check_host(tmp: Path) -> None:
    from neo.host import ModuleHost, ModuleState

    data_dir = tmp / "host"
    vault = Vault(data_dir, _settings(data_dir))
    session = vault.initialize(Officer(service_number="900003", name="Test Trois"), PIN_A)
    try:
        host = ModuleHost(session, entry_points=False)
        host.discover()
        host.activate_all()
        bad = [r.as_dict() for r in host.records() if r.state is not ModuleState.ACTIVE]
        assert not bad, f"built-in modules not active: {bad}"
        host.stop()
    finally:
        session.lock()


def check_gui(tmp: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    ui_check = importlib.import_module("neo.ui.selftest")
    data_dir = tmp / "gui"
    vault = Vault(data_dir, _settings(data_dir))
    vault.initialize(Officer(service_number="900004", name="Test Quatre"), PIN_A).lock()
    ui_check.check(data_dir, _settings(data_dir), "900004", PIN_A)


CHECKS: list[tuple[str, Callable[[Path], None]]] = [
    ("crypto", check_crypto),
    ("store", check_store),
    ("vault", check_vault),
    ("host", check_host),
]


def run_self_test(gui: bool = True) -> list[dict[str, Any]]:
    results = []
    checks = list(CHECKS) + ([("gui", check_gui)] if gui else [])
    with tempfile.TemporaryDirectory(prefix="neo-selftest-") as tmp:
        for name, fn in checks:
            sub = Path(tmp) / name
            sub.mkdir()
            try:
                fn(sub)
                results.append({"name": name, "ok": True})
            except Exception as exc:
                results.append({"name": name, "ok": False, "error": f"{type(exc).__name__}: {exc}",
                                "trace": traceback.format_exc(limit=5)})
    return results
