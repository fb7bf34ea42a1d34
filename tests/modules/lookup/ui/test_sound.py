"""The answer sound: the shipped WAV is the one the code makes, and the officer hears
something even without Qt Multimedia."""

from __future__ import annotations

import io
import wave
from typing import Any

import pytest

from neo.modules.lookup.ui import sound

pytestmark = pytest.mark.qt


def test_the_shipped_chime_is_what_the_generator_makes() -> None:
    assert sound.SOUND_FILE.read_bytes() == sound.chime_wav()
    with wave.open(io.BytesIO(sound.chime_wav())) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, sound.RATE)
        assert 0.3 < w.getnframes() / w.getframerate() < 0.5


def test_without_qt_multimedia_the_system_beep_is_used(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    beeps: list[bool] = []
    monkeypatch.setattr(sound, "_sound_effect_class", lambda: None)
    monkeypatch.setattr(sound.QApplication, "beep", staticmethod(lambda: beeps.append(True)))
    chime = sound.Chime()
    assert chime.method == "beep"
    chime.play()
    assert beeps == [True] and chime.played == 1


def test_with_qt_multimedia_the_chime_is_played(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    played: list[str] = []

    class Effect:
        def __init__(self, parent: Any) -> None:
            self.source = ""

        def setSource(self, url: Any) -> None:  # noqa: N802 - Qt API
            self.source = url.toLocalFile()

        def setVolume(self, v: float) -> None:  # noqa: N802 - Qt API
            pass

        def play(self) -> None:
            played.append(self.source)

    monkeypatch.setattr(sound, "_sound_effect_class", lambda: Effect)
    chime = sound.Chime()
    assert chime.method == "effect"
    chime.play()
    assert played == [str(sound.SOUND_FILE)]
