"""The PIN policy: 6 to 64 printable characters, not one repeated character, not a run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from neo.config import Settings
from neo.i18n import set_language
from neo.models import Officer
from neo.vault import MAX_PIN_LEN, MIN_PIN_LEN, VAULT_FILE, InvalidPin, Vault, WrongCredentials, check_pin

ASCENDING = "01234567890"
DESCENDING = "98765432109"
printable = st.characters(codec="utf-8").filter(str.isprintable)


def _is_run(pin: str) -> bool:
    return pin in ASCENDING or pin in DESCENDING


@given(st.text(alphabet=printable, max_size=MIN_PIN_LEN - 1))
def test_too_short_is_refused(pin: str) -> None:
    with pytest.raises(InvalidPin):
        check_pin(pin)


@given(st.text(alphabet=printable, min_size=1, max_size=20), st.integers(MAX_PIN_LEN + 1, MAX_PIN_LEN + 100))
def test_too_long_is_refused(chunk: str, n: int) -> None:
    pin = (chunk * n)[:n]
    with pytest.raises(InvalidPin):
        check_pin(pin)


@given(st.text(alphabet=printable, min_size=MIN_PIN_LEN - 1, max_size=MAX_PIN_LEN - 1),
       st.sampled_from(["\n", "\t", "\x00", "\x1b", "\u200b", "\u2028"]), st.data())
def test_non_printable_characters_are_refused(base: str, bad: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(base)))
    with pytest.raises(InvalidPin):
        check_pin(base[:i] + bad + base[i:])


@given(printable, st.integers(MIN_PIN_LEN, MAX_PIN_LEN))
def test_one_repeated_character_is_refused(ch: str, n: int) -> None:
    with pytest.raises(InvalidPin):
        check_pin(ch * n)


@given(st.sampled_from([ASCENDING, DESCENDING]), st.data())
def test_digit_runs_are_refused(seq: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(seq) - MIN_PIN_LEN))
    end = data.draw(st.integers(start + MIN_PIN_LEN, len(seq)))
    with pytest.raises(InvalidPin):
        check_pin(seq[start:end])


@given(st.text(alphabet=printable, min_size=MIN_PIN_LEN, max_size=MAX_PIN_LEN))
def test_everything_else_is_accepted_unchanged(pin: str) -> None:
    assume(len(set(pin)) > 1 and not _is_run(pin))
    assert check_pin(pin) == pin


@pytest.mark.parametrize("pin", ["482913", "739164", "Vélo-2031!", "correct horse battery", "123123", "000001"])
def test_typical_pins_are_accepted(pin: str) -> None:
    assert check_pin(pin) == pin


@pytest.mark.parametrize("pin", ["12345", "123456", "987654", "000000", "aaaaaaa", "1234567890", "12\n3456"])
def test_typical_weak_pins_are_refused(pin: str) -> None:
    with pytest.raises(InvalidPin):
        check_pin(pin)


def test_non_strings_are_refused() -> None:
    with pytest.raises(InvalidPin):
        check_pin(482913)  # type: ignore[arg-type]


def test_the_refusal_is_explained_in_the_officers_language() -> None:
    with pytest.raises(InvalidPin) as info:
        check_pin("123")
    assert info.value.message == "Le code PIN doit compter de 6 à 64 caractères."
    set_language("en")
    with pytest.raises(InvalidPin) as info:
        check_pin("111111")
    assert info.value.message == "This PIN is too simple (all digits the same or in sequence)."


def test_the_vault_applies_the_policy_everywhere(data_dir: Path) -> None:
    vault = Vault(data_dir, Settings.load(data_dir))
    jeanne = Officer(service_number="100001", name="Jeanne Martin", role="supervisor")
    with pytest.raises(InvalidPin):
        vault.initialize(jeanne, "123456")
    assert not vault.exists()

    session = vault.initialize(jeanne, "482913")
    header = (data_dir / VAULT_FILE).read_text(encoding="utf-8")
    with pytest.raises(InvalidPin):
        vault.add_officer(session, Officer(service_number="100002", name="Karim Benali"), "222222")
    with pytest.raises(InvalidPin):
        vault.change_pin(session, "654321")
    assert json.loads((data_dir / VAULT_FILE).read_text(encoding="utf-8")) == json.loads(header)
    session.lock()
    vault.unlock("100001", "482913").lock()
    with pytest.raises(WrongCredentials):
        vault.unlock("100002", "222222")
