"""The vault: key slots, unlock and lock, failed-unlock policy, officers, rekey, KDF policy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from neo import crypto
from neo.audit import verify_chain
from neo.config import KdfParams, LookupKdfParams, Settings
from neo.i18n import set_language
from neo.models import Officer
from neo.store import Store, WrongKey, repos
from neo.vault import (
    DB_FILE,
    PENDING_AUDIT_FILE,
    VAULT_FILE,
    WIPE_NOTICE_FILE,
    DeviceWiped,
    LockedOut,
    NotProvisioned,
    OfficerExists,
    PermissionDenied,
    Session,
    UnknownOfficer,
    Vault,
    VaultError,
    WrongCredentials,
)
from tests.core.helpers import FakeClock, db_files

REPO = Path(__file__).resolve().parents[2]

JEANNE = Officer(service_number="100001", name="Jeanne Martin", unit="BTA Menton", role="supervisor")
KARIM = Officer(service_number="100002", name="Karim Benali", unit="BTA Menton")
PIN_J = "482913"
PIN_K = "739164"
WRONG = "555123"
UNKNOWN_NUMBER = "314159"

WRONG_MESSAGE = "Matricule ou code PIN incorrect."
COUNTER_KEYS = ("failures", "locked_until")


def make_vault(data_dir: Path, clock: FakeClock | None = None, **overrides: Any) -> Vault:
    settings = Settings.load(data_dir, **overrides)
    if clock is None:
        return Vault(data_dir, settings)
    return Vault(data_dir, settings, clock=clock)


def read_header(data_dir: Path) -> dict[str, Any]:
    return json.loads((data_dir / VAULT_FILE).read_text(encoding="utf-8"))


def without_counters(header: dict[str, Any]) -> dict[str, Any]:
    """The vault header minus what a failed attempt may change: the failure counters
    (of the slots, and whatever the vault keeps for unknown numbers)."""
    h = json.loads(json.dumps(header))
    h.pop("unknown", None)
    for slot in h["slots"]:
        for k in COUNTER_KEYS:
            slot.pop(k, None)
    return h


def slot_of(vault: Vault, header: dict[str, Any], service_number: str) -> dict[str, Any]:
    slot_id = vault._slot_id(header, service_number)
    return next(s for s in header["slots"] if s["id"] == slot_id)


def provision(vault: Vault, *, with_karim: bool = False) -> None:
    s = vault.initialize(JEANNE, PIN_J)
    if with_karim:
        vault.add_officer(s, KARIM, PIN_K)
    s.lock()


def attempt(vault: Vault, number: str, pin: str) -> tuple[str, str, int | None, float | None]:
    """Try to unlock; returns what an observer of the unlock screen learns."""
    try:
        session = vault.unlock(number, pin)
    except (WrongCredentials, LockedOut, DeviceWiped) as exc:
        return (type(exc).__name__, exc.message, getattr(exc, "attempts_left", None),
                round(exc.retry_after, 3) if hasattr(exc, "retry_after") else None)
    session.lock()
    return ("Session", "", None, None)


# -- initialize, unlock, lock ----------------------------------------------------------------


def test_initialize_unlock_lock(data_dir: Path) -> None:
    vault = make_vault(data_dir)
    assert not vault.exists()
    session = vault.initialize(JEANNE, PIN_J)
    assert vault.exists()
    assert (data_dir / DB_FILE).is_file()
    assert session.officer == JEANNE
    device_id = session.device_id
    assert not session.locked
    key = session.master_key()
    assert len(key) == 32

    session.lock()
    assert session.locked
    assert session.store.closed
    with pytest.raises(VaultError):
        session.master_key()
    assert bytes(session._master_key) == bytes(32), "the master key is zeroed in memory at lock"
    session.lock()  # locking twice is harmless

    again = vault.unlock("100001", PIN_J)
    try:
        assert again.officer.name == "Jeanne Martin"
        assert again.officer.unit == "BTA Menton"
        assert again.device_id == device_id
        assert again.master_key() == key
        actions = [e.action for e in again.audit.events()]
        assert actions == ["device.initialized", "officer.added", "device.unlock", "device.lock", "device.unlock"]
    finally:
        again.lock()


@pytest.mark.parametrize("typed", ["100001", " 100 001 ", "100-001"])
def test_service_numbers_are_normalised_at_unlock(data_dir: Path, typed: str) -> None:
    vault = make_vault(data_dir)
    provision(vault)
    vault.unlock(typed, PIN_J).lock()


def test_initialize_twice_is_refused(data_dir: Path) -> None:
    vault = make_vault(data_dir)
    provision(vault)
    before = read_header(data_dir)
    with pytest.raises(VaultError):
        vault.initialize(KARIM, PIN_K)
    assert read_header(data_dir) == before


def test_unlock_before_provisioning(data_dir: Path) -> None:
    with pytest.raises(NotProvisioned):
        make_vault(data_dir).unlock("100001", PIN_J)


def test_a_new_vault_object_on_the_same_directory_unlocks(data_dir: Path) -> None:
    provision(make_vault(data_dir), with_karim=True)
    other = make_vault(data_dir)
    other.unlock("100002", PIN_K).lock()


# -- wrong PIN ----------------------------------------------------------------------------------


def test_wrong_pin_says_so_and_changes_nothing_but_the_counter(data_dir: Path, clock: FakeClock) -> None:
    vault = make_vault(data_dir, clock)
    provision(vault, with_karim=True)
    header_before = read_header(data_dir)
    db_before = db_files(data_dir / DB_FILE)
    files_before = {p.name for p in data_dir.iterdir()}

    with pytest.raises(WrongCredentials) as info:
        vault.unlock("100001", WRONG)
    assert info.value.message == WRONG_MESSAGE
    assert str(info.value) == WRONG_MESSAGE
    assert info.value.attempts_left == 9
    assert info.value.retry_after == 0

    header_after = read_header(data_dir)
    assert without_counters(header_after) == without_counters(header_before)
    assert slot_of(vault, header_after, "100001")["failures"] == 1
    assert slot_of(vault, header_after, "100002")["failures"] == 0
    assert db_files(data_dir / DB_FILE) == db_before, "a wrong PIN must not touch the database"
    assert {p.name for p in data_dir.iterdir()} - files_before == {PENDING_AUDIT_FILE}


def test_wrong_pin_message_is_translated(data_dir: Path) -> None:
    vault = make_vault(data_dir)
    provision(vault)
    set_language("en")
    with pytest.raises(WrongCredentials) as info:
        vault.unlock("100001", WRONG)
    assert info.value.message == "Wrong service number or PIN."


def test_unknown_service_number_behaves_like_a_wrong_pin(tmp_path: Path) -> None:
    """Two identical devices: a wrong PIN on an enrolled number on one, any PIN on an
    unknown number on the other. What the screen shows must be the same, step by step."""
    outcomes: dict[str, list[tuple]] = {}
    for label, number in (("enrolled", "100001"), ("unknown", UNKNOWN_NUMBER)):
        data_dir = tmp_path / label
        clock = FakeClock()
        vault = make_vault(data_dir, clock)
        provision(vault)
        header_before = read_header(data_dir)
        seen = []
        for _ in range(6):
            seen.append(attempt(vault, number, WRONG))
            seen.append(attempt(vault, number, WRONG))  # right away: locked out or not
            clock.advance(10_000)
        outcomes[label] = seen
        header_after = read_header(data_dir)
        assert len(header_after["slots"]) == 1, "a failed attempt never creates a slot"
        assert without_counters(header_after) == without_counters(header_before)
    assert outcomes["unknown"] == outcomes["enrolled"]
    assert outcomes["unknown"][0] == ("WrongCredentials", WRONG_MESSAGE, 9, 0.0)


def test_lockout_does_not_reveal_which_numbers_are_enrolled(data_dir: Path, clock: FakeClock) -> None:
    """A locked device reveals nothing about its officers. After three failures on some
    number, trying another number must look the same whether it is enrolled or not;
    otherwise the lockout is an oracle for the roster."""
    vault = make_vault(data_dir, clock)
    provision(vault, with_karim=True)
    for _ in range(3):
        attempt(vault, "900001", WRONG)  # not enrolled
    enrolled = attempt(vault, "100002", WRONG)
    not_enrolled = attempt(vault, "900002", WRONG)
    assert enrolled[0] == not_enrolled[0], (
        f"enrolled number answered {enrolled[0]}, unknown number answered {not_enrolled[0]}"
    )


# -- delays and wipe --------------------------------------------------------------------------


def test_growing_delay_after_three_failures(data_dir: Path, clock: FakeClock) -> None:
    vault = make_vault(data_dir, clock)
    provision(vault)
    assert attempt(vault, "100001", WRONG)[2:] == (9, 0.0)
    assert attempt(vault, "100001", WRONG)[2:] == (8, 0.0)
    # Third failure: 30 s before the next attempt.
    kind, message, left, retry = attempt(vault, "100001", WRONG)
    assert (kind, left, retry) == ("WrongCredentials", 7, 30.0)
    assert "30 s" in message

    # While locked out, even the right PIN is refused, and the refusal costs no attempt.
    with pytest.raises(LockedOut) as info:
        vault.unlock("100001", PIN_J)
    assert info.value.retry_after == pytest.approx(30)
    assert "30 s" in info.value.message
    clock.advance(29)
    with pytest.raises(LockedOut) as info:
        vault.unlock("100001", PIN_J)
    assert info.value.retry_after == pytest.approx(1)
    assert slot_of(vault, read_header(data_dir), "100001")["failures"] == 3

    # Each further failure doubles the delay.
    clock.advance(1.5)
    assert attempt(vault, "100001", WRONG)[2:] == (6, 60.0)
    clock.advance(60.5)
    assert attempt(vault, "100001", WRONG)[2:] == (5, 120.0)
    clock.advance(120.5)

    # The right PIN after the delay unlocks and resets the counter.
    vault.unlock("100001", PIN_J).lock()
    slot = slot_of(vault, read_header(data_dir), "100001")
    assert (slot["failures"], slot["locked_until"]) == (0, 0.0)
    assert attempt(vault, "100001", WRONG)[2:] == (9, 0.0)


def test_delay_is_capped(data_dir: Path, clock: FakeClock) -> None:
    vault = make_vault(data_dir, clock, unlock={"delay_after": 2, "base_delay_seconds": 10,
                                                 "max_delay_seconds": 25, "wipe_after": 20})
    provision(vault)
    retries = []
    for _ in range(6):
        retries.append(attempt(vault, "100001", WRONG)[3])
        clock.advance(1000)
    assert retries == [0.0, 10.0, 20.0, 25.0, 25.0, 25.0]


def _audit_private_key(vault: Vault) -> bytes:
    session = vault.unlock("100001", PIN_J)
    try:
        return session.store.read(lambda c: repos.device_get(c, "audit_private"))
    finally:
        session.lock()


def _pending_events(data_dir: Path, audit_private: bytes) -> list[dict[str, Any]]:
    path = data_dir / PENDING_AUDIT_FILE
    if not path.exists():
        return []
    return [json.loads(crypto.unseal(audit_private, crypto.b64d(line), b"audit"))
            for line in path.read_text(encoding="ascii").splitlines() if line.strip()]


@pytest.mark.parametrize(("limit", "number"), [(None, "100001"), (None, UNKNOWN_NUMBER), (4, "100001"), (4, UNKNOWN_NUMBER)])
def test_wipe_after_the_limit_with_the_audit_event_written_first(
    data_dir: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, limit: int | None, number: str
) -> None:
    overrides = {} if limit is None else {"unlock": {"wipe_after": limit}}
    vault = make_vault(data_dir, clock, **overrides)
    expected_limit = limit or 10
    assert vault.settings.unlock.wipe_after == expected_limit
    provision(vault)
    audit_private = _audit_private_key(vault)

    seen_at_wipe: list[list[dict[str, Any]]] = []
    real_wipe = vault.wipe

    def watching_wipe(*, reason: str) -> None:
        # What was durably recorded at the moment the wipe starts.
        seen_at_wipe.append(_pending_events(data_dir, audit_private))
        assert (data_dir / VAULT_FILE).exists()
        real_wipe(reason=reason)

    monkeypatch.setattr(vault, "wipe", watching_wipe)

    for i in range(1, expected_limit):
        kind, message, left, _ = attempt(vault, number, WRONG)
        assert (kind, left) == ("WrongCredentials", expected_limit - i)
        if left <= 3:
            assert f"encore {left} essai(s)" in message
        clock.advance(100_000)
    assert not seen_at_wipe

    with pytest.raises(DeviceWiped) as info:
        vault.unlock(number, WRONG)
    assert "effacées" in info.value.message

    assert len(seen_at_wipe) == 1
    recorded = [e["action"] for e in seen_at_wipe[0]]
    assert recorded == ["unlock.failed"] * expected_limit + ["device.wiped"]
    assert seen_at_wipe[0][-1]["details"]["failures"] == expected_limit

    remaining = {p.name for p in data_dir.iterdir()}
    assert VAULT_FILE not in remaining
    assert not any(name.startswith(DB_FILE) for name in remaining)
    assert WIPE_NOTICE_FILE in remaining
    assert vault.was_wiped()["reason"] == "failed_unlocks"
    assert not vault.exists()
    with pytest.raises(DeviceWiped):
        vault.unlock("100001", PIN_J)


def test_a_wiped_device_can_be_provisioned_again_cleanly(data_dir: Path, clock: FakeClock) -> None:
    vault = make_vault(data_dir, clock, unlock={"wipe_after": 2})
    provision(vault)
    attempt(vault, "100001", WRONG)
    clock.advance(1000)
    assert attempt(vault, "100001", WRONG)[0] == "DeviceWiped"

    session = vault.initialize(KARIM, PIN_K)
    assert not vault.was_wiped()
    session.lock()
    session = vault.unlock("100002", PIN_K)
    try:
        actions = [e.action for e in session.audit.events()]
        # The old device's sealed events cannot be read with the new device's key: they
        # must not turn into noise in the new device's trail.
        assert "audit.pending_unreadable" not in actions, actions
        assert session.audit.verify().ok
    finally:
        session.lock()


def test_a_failed_attempt_counts_even_when_its_audit_record_cannot_be_written(data_dir: Path) -> None:
    """If recording the failure fails (full disk, or the app killed at that moment), the
    attempt must still count: otherwise PINs can be tried without limit."""
    vault = make_vault(data_dir)
    provision(vault)
    (data_dir / PENDING_AUDIT_FILE).mkdir()  # any write to it now fails
    with pytest.raises(Exception):  # noqa: B017 - whatever the error, the attempt must count
        vault.unlock("100001", WRONG)
    assert slot_of(vault, read_header(data_dir), "100001")["failures"] == 1


# -- officers --------------------------------------------------------------------------------


def _pages(path: Path, page_size: int = 4096) -> list[bytes]:
    data = path.read_bytes()
    return [data[i:i + page_size] for i in range(0, len(data), page_size)]


def _fill(session: Session) -> None:
    rows = [(i, os.urandom(200).hex()) for i in range(1500)]
    session.store.write(lambda c: c.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, v TEXT)"))
    session.store.write(lambda c: c.executemany("INSERT INTO filler VALUES (?, ?)", rows))
    session.store.checkpoint()


@pytest.mark.parametrize("change", ["add", "remove"])
def test_adding_or_removing_an_officer_never_reencrypts_the_database(data_dir: Path, change: str) -> None:
    vault = make_vault(data_dir)
    session = vault.initialize(JEANNE, PIN_J)
    try:
        _fill(session)
        if change == "remove":
            vault.add_officer(session, KARIM, PIN_K)
            session.store.checkpoint()
        key_before = session.master_key()
        pages_before = _pages(data_dir / DB_FILE)
        assert len(pages_before) > 100

        if change == "add":
            vault.add_officer(session, KARIM, PIN_K)
        else:
            vault.remove_officer(session, "100002")
        session.store.checkpoint()

        pages_after = _pages(data_dir / DB_FILE)
        changed = [i for i, (a, b) in enumerate(zip(pages_before, pages_after, strict=False)) if a != b]
        # Re-encryption would rewrite every page (fresh IVs); an officer change touches a few.
        assert len(changed) <= 10, f"{len(changed)} of {len(pages_before)} pages changed"
        assert pages_after[0][:16] == pages_before[0][:16], "the database salt is unchanged"
        assert session.master_key() == key_before
    finally:
        session.lock()

    with Store(data_dir / DB_FILE, key_before):
        pass  # the same master key still opens it
    vault.unlock("100001", PIN_J).lock()
    if change == "add":
        vault.unlock("100002", PIN_K).lock()
    else:
        with pytest.raises(WrongCredentials):
            vault.unlock("100002", PIN_K)


def test_officer_management_errors(data_dir: Path) -> None:
    vault = make_vault(data_dir)
    session = vault.initialize(JEANNE, PIN_J)
    try:
        vault.add_officer(session, KARIM, PIN_K)
        header = read_header(data_dir)
        with pytest.raises(OfficerExists):
            vault.add_officer(session, KARIM, "918273")
        with pytest.raises(UnknownOfficer):
            vault.remove_officer(session, "999999")
        assert read_header(data_dir) == header
        names = [o["name"] for o in session.store.read(repos.officer_list)]
        assert names == ["Jeanne Martin", "Karim Benali"]
        actions = [e.action for e in session.audit.events()]
        assert actions.count("officer.added") == 2
    finally:
        session.lock()


def test_change_pin(data_dir: Path) -> None:
    vault = make_vault(data_dir)
    session = vault.initialize(JEANNE, PIN_J)
    vault.change_pin(session, "620418")
    session.lock()
    with pytest.raises(WrongCredentials):
        vault.unlock("100001", PIN_J)
    vault.unlock("100001", "620418").lock()


def test_a_disabled_officer_cannot_unlock(data_dir: Path) -> None:
    vault = make_vault(data_dir)
    session = vault.initialize(JEANNE, PIN_J)
    vault.add_officer(session, Officer(service_number="100003", name="Paul Girard", disabled=True), "271828")
    session.lock()
    with pytest.raises(PermissionDenied):
        vault.unlock("100003", "271828")
    session = vault.unlock("100001", PIN_J)
    try:
        refused = session.audit.events(action="unlock.refused")
        assert [e.officer for e in refused] == ["100003"]
    finally:
        session.lock()


# -- rekey ---------------------------------------------------------------------------------------


def _note(session: Session, text: str) -> None:
    session.store.write(lambda c: c.execute("CREATE TABLE IF NOT EXISTS notes (v TEXT)"))
    session.store.write(lambda c: c.execute("INSERT INTO notes VALUES (?)", (text,)))


def _notes(session: Session) -> list[str]:
    return [r[0] for r in session.store.read(lambda c: c.execute("SELECT v FROM notes").fetchall())]


def test_rekey_rotates_the_master_key(data_dir: Path) -> None:
    vault = make_vault(data_dir)
    session = vault.initialize(JEANNE, PIN_J)
    vault.add_officer(session, KARIM, PIN_K)
    _note(session, "avant")
    old_key = session.master_key()
    vault.rekey(session)
    new_key = session.master_key()
    assert new_key != old_key
    assert _notes(session) == ["avant"]
    _note(session, "après")
    assert session.audit.events(action="device.rekey")
    assert all("master_next" not in s for s in read_header(data_dir)["slots"])
    session.lock()

    with pytest.raises(WrongKey):
        Store(data_dir / DB_FILE, old_key)
    with Store(data_dir / DB_FILE, new_key):
        pass
    for number, pin in (("100001", PIN_J), ("100002", PIN_K)):
        s = vault.unlock(number, pin)
        try:
            assert s.master_key() == new_key
            assert _notes(s) == ["avant", "après"]
            assert s.audit.verify().ok
        finally:
            s.lock()


def test_a_crash_right_after_pragma_rekey_is_recovered_at_the_next_unlock(data_dir: Path) -> None:
    vault = make_vault(data_dir)
    session = vault.initialize(JEANNE, PIN_J)
    vault.add_officer(session, KARIM, PIN_K)
    _note(session, "avant")
    old_key = session.master_key()
    with pytest.raises(RuntimeError, match="simulated crash"):
        vault.rekey(session, _fail_after_pragma=True)
    assert all("master_next" in s for s in read_header(data_dir)["slots"])
    session.lock()
    with pytest.raises(WrongKey):
        Store(data_dir / DB_FILE, old_key)  # the database did switch keys

    s = vault.unlock("100002", PIN_K)
    try:
        assert s.master_key() != old_key
        assert _notes(s) == ["avant"]
        assert s.audit.verify().ok
    finally:
        s.lock()
    assert all("master_next" not in slot for slot in read_header(data_dir)["slots"])
    vault.unlock("100001", PIN_J).lock()  # every slot was switched, not only the unlocking one


def test_a_process_killed_right_after_pragma_rekey_is_recovered(data_dir: Path) -> None:
    """The same crash in a real process that dies without locking (no checkpoint, no close)."""
    vault = make_vault(data_dir)
    session = vault.initialize(JEANNE, PIN_J)
    vault.add_officer(session, KARIM, PIN_K)
    _note(session, "avant")
    session.lock()
    script = textwrap.dedent(
        f"""
        import os, sys
        from pathlib import Path
        from neo.config import Settings
        from neo.vault import Vault
        d = Path({str(data_dir)!r})
        vault = Vault(d, Settings.load(d))
        s = vault.unlock("100001", {PIN_J!r})
        s.store.write(lambda c: c.execute("INSERT INTO notes VALUES ('pendant')"))
        try:
            vault.rekey(s, _fail_after_pragma=True)
        except RuntimeError:
            os._exit(17)
        os._exit(0)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=os.environ.copy(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 17, proc.stderr
    for number, pin in (("100001", PIN_J), ("100002", PIN_K)):
        s = vault.unlock(number, pin)
        try:
            assert _notes(s) == ["avant", "pendant"]
            assert s.audit.verify().ok
        finally:
            s.lock()


# -- KDF parameters ------------------------------------------------------------------------------


def test_kdf_parameters_are_recorded_in_each_slot(data_dir: Path) -> None:
    vault = make_vault(data_dir, kdf={"time_cost": 1, "memory_kib": 256, "parallelism": 1})
    provision(vault, with_karim=True)
    header = read_header(data_dir)
    for slot in header["slots"]:
        kdf = slot["kdf"]
        assert kdf["alg"] == "argon2id"
        assert (kdf["time_cost"], kdf["memory_kib"], kdf["parallelism"]) == (1, 256, 1)
        assert len(crypto.b64d(kdf["salt"])) == 16
    salts = {s["kdf"]["salt"] for s in header["slots"]}
    assert len(salts) == 2, "every slot has its own salt"
    assert header["lookup"]["params"]["memory_kib"] == vault.settings.lookup_kdf.memory_kib


def test_slots_are_upgraded_at_unlock_when_the_policy_rises(data_dir: Path) -> None:
    low = {"time_cost": 1, "memory_kib": 256, "parallelism": 1}
    high = {"time_cost": 2, "memory_kib": 1024, "parallelism": 1}
    provision(make_vault(data_dir, kdf=low), with_karim=True)
    old = read_header(data_dir)

    raised = make_vault(data_dir, kdf=high)
    raised.unlock("100001", PIN_J).lock()
    header = read_header(data_dir)
    jeanne, karim = slot_of(raised, header, "100001"), slot_of(raised, header, "100002")
    assert (jeanne["kdf"]["time_cost"], jeanne["kdf"]["memory_kib"]) == (2, 1024)
    assert jeanne["kdf"]["salt"] != slot_of(raised, old, "100001")["kdf"]["salt"]
    assert karim == slot_of(raised, old, "100002"), "a slot is upgraded only at its officer's unlock"

    # The upgraded slot opens with the same PIN, under either policy; it is never downgraded.
    raised.unlock("100001", PIN_J).lock()
    make_vault(data_dir, kdf=low).unlock("100001", PIN_J).lock()
    assert slot_of(raised, read_header(data_dir), "100001")["kdf"]["memory_kib"] == 1024

    raised.unlock("100002", PIN_K).lock()
    assert slot_of(raised, read_header(data_dir), "100002")["kdf"]["time_cost"] == 2


@pytest.mark.slow
def test_real_default_argon2_parameters(data_dir: Path) -> None:
    """The suite uses cheap Argon2 settings; this test runs the production defaults."""
    vault = make_vault(data_dir, kdf=KdfParams().model_dump(), lookup_kdf=LookupKdfParams().model_dump())
    provision(vault)
    header = read_header(data_dir)
    kdf = header["slots"][0]["kdf"]
    assert (kdf["time_cost"], kdf["memory_kib"], kdf["parallelism"]) == (3, 64 * 1024, 2)
    assert header["lookup"]["params"] == {"time_cost": 2, "memory_kib": 19 * 1024, "parallelism": 1}
    with pytest.raises(WrongCredentials):
        vault.unlock("100001", WRONG)
    session = vault.unlock("100001", PIN_J)
    try:
        assert verify_chain(e.model_dump() for e in session.audit.events()).ok
    finally:
        session.lock()


def test_only_a_supervisor_adds_officers_and_the_last_one_stays(vault: Vault) -> None:
    from neo.vault import PermissionDenied

    session = vault.initialize(JEANNE, PIN_J)
    vault.add_officer(session, KARIM, PIN_K)
    session.lock()
    karim = vault.unlock("100002", PIN_K)
    with pytest.raises(PermissionDenied):
        vault.add_officer(karim, Officer(service_number="100003", name="Paul Girard"), "271828")
    vault.remove_officer(karim, "100001")
    with pytest.raises(PermissionDenied):
        vault.remove_officer(karim, "100002")
    karim.lock()
    assert vault.unlock("100002", PIN_K).officer.name == "Karim Benali"
