"""Device settings: defaults, settings.json, NEO_ environment variables, explicit values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from neo.config import SETTINGS_FILE, Settings, UnlockPolicy, default_data_dir


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NEO_LANGUAGE", "NEO_THEME", "NEO_IDLE_LOCK_SECONDS", "NEO_FULLSCREEN",
                 "NEO_UNLOCK__WIPE_AFTER", "NEO_UNLOCK__DELAY_AFTER", "NEO_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)


def write_file(data_dir: Path, content: dict | str) -> None:
    text = content if isinstance(content, str) else json.dumps(content)
    (data_dir / SETTINGS_FILE).write_text(text, encoding="utf-8")


def test_defaults(data_dir: Path) -> None:
    s = Settings.load(data_dir)
    assert (s.language, s.theme, s.idle_lock_seconds, s.fullscreen) == ("fr", "day", 300, False)
    assert s.unlock == UnlockPolicy()
    assert (s.unlock.delay_after, s.unlock.wipe_after) == (3, 10)


def test_the_file_source(data_dir: Path) -> None:
    write_file(data_dir, {"language": "en", "theme": "night", "idle_lock_seconds": 120,
                          "unlock": {"wipe_after": 6}, "unknown_key": "ignored"})
    s = Settings.load(data_dir)
    assert (s.language, s.theme, s.idle_lock_seconds) == ("en", "night", 120)
    assert s.unlock.wipe_after == 6
    assert s.unlock.delay_after == 3


def test_environment_overrides_the_file(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_file(data_dir, {"language": "fr", "theme": "night", "unlock": {"wipe_after": 6}})
    monkeypatch.setenv("NEO_LANGUAGE", "en")
    monkeypatch.setenv("NEO_UNLOCK__WIPE_AFTER", "5")
    monkeypatch.setenv("NEO_FULLSCREEN", "true")
    s = Settings.load(data_dir)
    assert s.language == "en"
    assert s.theme == "night"  # from the file, untouched by the environment
    assert s.fullscreen is True
    assert s.unlock.wipe_after == 5


def test_nested_values_merge_across_sources(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_file(data_dir, {"unlock": {"delay_after": 5}})
    monkeypatch.setenv("NEO_UNLOCK__WIPE_AFTER", "7")
    s = Settings.load(data_dir)
    assert (s.unlock.delay_after, s.unlock.wipe_after) == (5, 7)


def test_explicit_values_override_everything(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_file(data_dir, {"language": "en"})
    monkeypatch.setenv("NEO_LANGUAGE", "en")
    assert Settings.load(data_dir, language="fr").language == "fr"


@pytest.mark.parametrize("content", ["{not json", "[1, 2, 3]", ""])
def test_an_unreadable_file_falls_back_to_defaults(data_dir: Path, content: str) -> None:
    write_file(data_dir, content)
    assert Settings.load(data_dir).language == "fr"


def test_the_file_belongs_to_its_own_data_directory(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    write_file(a, {"language": "en"})
    assert Settings.load(a).language == "en"
    assert Settings.load(b).language == "fr"
    assert Settings().language == "fr"  # no data directory, no file


@pytest.mark.parametrize(
    "bad",
    [{"language": "de"}, {"theme": "pink"}, {"idle_lock_seconds": 1}, {"unlock": {"wipe_after": 1}},
     {"unlock": {"delay_after": 0}}, {"kdf": {"memory_kib": 1}}],
)
def test_invalid_values_are_rejected(data_dir: Path, bad: dict) -> None:
    with pytest.raises(ValidationError):
        Settings.load(data_dir, **bad)


def test_invalid_environment_is_rejected(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO_UNLOCK__WIPE_AFTER", "0")
    with pytest.raises(ValidationError):
        Settings.load(data_dir)


def test_save_keeps_preferences_but_not_environment_policy(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_file(data_dir, {"theme": "day", "unlock": {"wipe_after": 6}, "kept": 1})
    monkeypatch.setenv("NEO_UNLOCK__WIPE_AFTER", "4")
    s = Settings.load(data_dir, language="en", theme="night", idle_lock_seconds=60)
    s.save()
    saved = json.loads((data_dir / SETTINGS_FILE).read_text(encoding="utf-8"))
    assert saved["language"] == "en" and saved["theme"] == "night" and saved["idle_lock_seconds"] == 60
    assert saved["unlock"] == {"wipe_after": 6}, "policy in the file is kept; the environment's is not written"
    assert saved["kept"] == 1
    assert not list(data_dir.glob("*.tmp"))
    monkeypatch.delenv("NEO_UNLOCK__WIPE_AFTER")
    again = Settings.load(data_dir)
    assert (again.language, again.theme, again.unlock.wipe_after) == ("en", "night", 6)


def test_save_needs_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Settings().save()
    Settings(theme="night").save(tmp_path / "new")
    assert Settings.load(tmp_path / "new").theme == "night"


def test_default_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEO_DATA_DIR", str(tmp_path / "field"))
    assert default_data_dir() == tmp_path / "field"
    monkeypatch.delenv("NEO_DATA_DIR")
    assert default_data_dir().name == "neo"
