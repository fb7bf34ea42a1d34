"""The device's own enrolment client (neo.sync.enrolment) against the real HQ: pinned CA,
enrolment with the HQ-held unlock share, an officer's first unlock verified online, then
offline unlocks. This is the HQ half of that round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from neo.config import Settings
from neo.hq.testing import LiveHQ
from neo.vault import PermissionDenied, Vault, WrongCredentials

from .conftest import PIN, new_unit

enrolment = pytest.importorskip("neo.sync.enrolment")


def test_enrol_then_first_unlock_verified_by_hq(live: LiveHQ, tmp_path: Path) -> None:
    unit, _unit_id, (sn, other) = new_unit(live, officers=2)
    vault = Vault(tmp_path / "tablet", Settings.load(tmp_path / "tablet"))
    links: list[dict] = []
    result = enrolment.enroll(vault, live.enrolment_code(unit), "Tablette 7",
                              on_store=lambda _store, link: links.append(link))
    assert result.unit == unit and {o["service_number"] for o in result.roster} == {sn, other}
    assert links and links[0]["token"].startswith("neo_")
    assert any(d["device_id"] == result.device_id for d in live.hq.list_devices())
    verifier = enrolment.make_verifier(vault)
    assert verifier is not None
    with pytest.raises(WrongCredentials):
        vault.unlock(sn, "000000", verifier=verifier)
    session = vault.unlock(sn, PIN, verifier=verifier)  # HQ checked the PIN and released the share
    assert session.officer.service_number == sn
    session.lock()
    # Later unlocks of that officer need no HQ (no verifier given).
    session = vault.unlock(sn, PIN)
    session.lock()
    live.hq.set_officer_disabled(other, True)
    with pytest.raises(PermissionDenied):
        vault.unlock(other, PIN, verifier=verifier)
