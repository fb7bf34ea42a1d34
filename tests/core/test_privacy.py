"""A locked device reveals nothing: no file in its data directory holds a name, a service
number, a PIN, a stored value or a key in the clear, in any common encoding."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from neo.config import Settings
from neo.models import Officer, Position
from neo.store import repos
from neo.vault import Vault, WrongCredentials

OFFICERS = [
    (Officer(service_number="100001", name="Jeanne Martin", unit="BTA Menton", role="supervisor"), "482913"),
    (Officer(service_number="100002", name="Karim Benali", unit="BTA Menton"), "739164"),
    (Officer(service_number="GN4821937", name="Élodie Lefèvre-Nguyễn", unit="PSIG Sarreguemines"), "Vélo-2031!"),
]
STORED_VALUES = [
    "AB-123-CD",  # a plate
    "Mme Sophie Durand, née le 14/07/1962, 12 rue des Lilas",  # a person in a statement
    "Cambriolage résidence secondaire, volets forcés",
]
UNKNOWN_NUMBER = "777042"  # tried at the lock screen, never enrolled


def _encodings(text: str) -> list[bytes]:
    out = []
    for variant in {text, text.upper(), text.lower()}:
        for enc in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "latin-1"):
            try:
                out.append(variant.encode(enc))
            except UnicodeEncodeError:
                pass
    return out


def _key_forms(key: bytes) -> list[bytes]:
    return [
        key,
        key.hex().encode(),
        key.hex().upper().encode(),
        base64.b64encode(key),
        base64.urlsafe_b64encode(key).rstrip(b"="),
        key[:16],  # half a key is already too much
    ]


@pytest.fixture
def provisioned(data_dir: Path) -> dict[str, list[bytes]]:
    """A device provisioned through the Python API, used, then locked. Returns the secrets."""
    vault = Vault(data_dir, Settings.load(data_dir))
    (first, first_pin), *others = OFFICERS
    session = vault.initialize(first, first_pin)
    for officer, pin in others:
        vault.add_officer(session, officer, pin)
    session.store.write(lambda c: c.execute("CREATE TABLE records (id INTEGER PRIMARY KEY, v TEXT)"))
    session.store.write(lambda c: c.executemany("INSERT INTO records(v) VALUES (?)", [(v,) for v in STORED_VALUES]))
    session.store.write(lambda c: repos.setting_set(c, "lookup", "last_query", STORED_VALUES[0]))
    session.audit.append("lookup.query", officer="100001", reason="Contrôle routier RN7",
                         details={"plate": STORED_VALUES[0], "person": STORED_VALUES[1]},
                         position=Position(lat=43.7765, lon=7.5048, accuracy=8.0))
    master = session.master_key()
    audit_private = session.store.read(lambda c: repos.device_get(c, "audit_private"))
    device_id = session.device_id
    session.lock()

    # Failed attempts while locked: an enrolled number with a wrong PIN, an unknown number.
    for number, pin in (("100002", "000111"), (UNKNOWN_NUMBER, "482913")):
        with pytest.raises(WrongCredentials):
            vault.unlock(number, pin)
    # And one full unlock/lock cycle, as at the start of a shift.
    vault.unlock("GN4821937", "Vélo-2031!").lock()

    needles: dict[str, list[bytes]] = {}
    for officer, pin in OFFICERS:
        for label, text in (("name", officer.name), ("service number", officer.service_number),
                            ("PIN", pin), ("unit", officer.unit)):
            needles[f"{label} {text!r}"] = _encodings(text)
        for part in officer.name.replace("-", " ").split():
            needles[f"name part {part!r}"] = _encodings(part)
    needles[f"unknown number {UNKNOWN_NUMBER!r}"] = _encodings(UNKNOWN_NUMBER)
    for value in STORED_VALUES:
        needles[f"stored value {value!r}"] = _encodings(value)
    needles["reason"] = _encodings("Contrôle routier RN7")
    needles["device id"] = _encodings(device_id)
    needles["master key"] = _key_forms(master)
    needles["audit private key"] = _key_forms(audit_private)
    return needles


def _all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_no_file_of_a_locked_device_holds_plaintext(data_dir: Path, provisioned: dict[str, list[bytes]]) -> None:
    files = _all_files(data_dir)
    assert files, "the device wrote nothing?"
    leaks = []
    for path in files:
        data = path.read_bytes()
        for label, forms in provisioned.items():
            if any(form and form in data for form in forms):
                leaks.append(f"{path.name}: {label}")
    assert not leaks, "plaintext found:\n" + "\n".join(leaks)


def test_file_names_reveal_nothing(data_dir: Path, provisioned: dict[str, list[bytes]]) -> None:
    names = " ".join(str(p.relative_to(data_dir)) for p in data_dir.rglob("*"))
    leaks = [label for label, forms in provisioned.items() if any(f.decode("latin-1") in names for f in forms[:1])]
    assert not leaks, leaks
