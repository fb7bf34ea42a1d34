"""An enrolled device: no local officer until HQ verifies one; then offline unlocks;
HQ's roster removes access. HQ is replaced here by a verifier function (the real HQ
round trip is tested in tests/sync)."""

from __future__ import annotations

from pathlib import Path

import pytest

from neo.store import repos
from neo.vault import (
    PermissionDenied,
    PreparedEnrolment,
    Vault,
    VaultError,
    VerifiedOfficer,
    WrongCredentials,
)

ROSTER = [
    {"service_number": "100001", "name": "Jeanne Martin", "unit": "BTA Menton", "role": "supervisor"},
    {"service_number": "100002", "name": "Karim Benali", "unit": "BTA Menton", "role": "officer"},
]
PINS = {"100001": "482913", "100002": "739164"}


class FakeHq:
    def __init__(self, prep: PreparedEnrolment) -> None:
        self.share = prep.unlock_share
        self.calls: list[str] = []
        self.online = True
        self.disabled: set[str] = set()

    def __call__(self, sn: str, pin: str) -> VerifiedOfficer | None:
        self.calls.append(sn)
        if not self.online:
            raise VaultError("Le QG est injoignable.")
        if PINS.get(sn) != pin:
            return None
        entry = next(e for e in ROSTER if e["service_number"] == sn)
        return VerifiedOfficer({**entry, "disabled": sn in self.disabled}, self.share)


@pytest.fixture
def enrolled(vault: Vault) -> tuple[Vault, FakeHq]:
    prep = vault.prepare_enrolment()
    assert not vault.exists() and not any(vault.data_dir.iterdir())  # nothing written yet
    seen = []
    vault.complete_enrolment(prep, hq_url="https://127.0.0.1:8443", ca_pem=None, unlock_token="u-token",
                             unit="BTA Menton", roster=ROSTER, on_store=lambda store: seen.append(store))
    assert seen, "on_store was not called with the open store"
    return vault, FakeHq(prep)


def test_first_unlock_needs_hq_then_works_offline(enrolled):
    vault, hq = enrolled
    with pytest.raises(WrongCredentials):
        vault.unlock("100001", "482913")  # no verifier: no slot yet
    session = vault.unlock("100001", "482913", verifier=hq)
    assert session.officer.name == "Jeanne Martin" and hq.calls == ["100001"]
    actions = [e.action for e in session.audit.events()]
    assert "device.enrolled" in actions and "officer.first_unlock" in actions
    session.lock()
    hq.online = False
    session = vault.unlock("100001", "482913", verifier=hq)  # the slot exists now: offline
    assert hq.calls == ["100001"]
    session.lock()


def test_wrong_pin_at_first_unlock_counts_and_hq_down_does_not(enrolled):
    vault, hq = enrolled
    with pytest.raises(WrongCredentials):
        vault.unlock("100002", "000111", verifier=hq)
    hq.online = False
    with pytest.raises(VaultError) as info:
        vault.unlock("100002", "739164", verifier=hq)
    assert not isinstance(info.value, WrongCredentials)
    hq.online = True
    session = vault.unlock("100002", "739164", verifier=hq)
    assert session.officer.service_number == "100002"
    session.lock()


def test_disabled_at_hq_refused_at_first_unlock(enrolled):
    vault, hq = enrolled
    hq.disabled.add("100002")
    with pytest.raises(PermissionDenied):
        vault.unlock("100002", "739164", verifier=hq)


def test_roster_removes_access_of_disabled_officer(enrolled):
    vault, hq = enrolled
    vault.unlock("100002", "739164", verifier=hq).lock()
    session = vault.unlock("100001", "482913", verifier=hq)
    changes = vault.apply_roster(session, [ROSTER[0], {**ROSTER[1], "disabled": True}])
    assert changes["disabled"] == ["100002"]
    row = session.store.read(lambda c: repos.officer_get(c, "100002"))
    assert row["disabled"] is True
    assert [e.details["service_number"] for e in session.audit.events(action="officer.access_revoked")] == ["100002"]
    session.lock()
    with pytest.raises(WrongCredentials):  # the slot is gone: offline, the PIN opens nothing any more
        vault.unlock("100002", "739164")
    hq.disabled.add("100002")
    with pytest.raises(PermissionDenied):  # and HQ refuses a new first unlock
        vault.unlock("100002", "739164", verifier=hq)


def test_rekey_keeps_hq_first_unlock_working(enrolled):
    vault, hq = enrolled
    session = vault.unlock("100001", "482913", verifier=hq)
    vault.rekey(session)
    session.lock()
    session = vault.unlock("100002", "739164", verifier=hq)  # HQ share re-sealed to the new key
    assert session.officer.name == "Karim Benali"
    session.lock()


def test_locked_enrolled_device_reveals_no_roster(enrolled):
    vault, _ = enrolled
    for path in Path(vault.data_dir).rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            for secret in (b"Jeanne", b"Karim", b"100001", b"100002", b"BTA Menton"):
                assert secret not in blob, f"{secret!r} in {path.name}"
    assert vault.hq_unlock_info()["token"] == "u-token"
