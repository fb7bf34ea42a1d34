"""The sound that announces a queued query's answer.

``answer.wav`` (next to this file) is a short two-note chime made by :func:`chime_wav`
(``python -m neo.modules.lookup.ui.sound`` writes it again; a test checks the shipped
file is what the function makes). It is played with ``QSoundEffect`` when Qt Multimedia
is available; without it (a tablet image without the multimedia libraries) the system
beep is used instead: the officer must hear that an answer arrived.
"""

from __future__ import annotations

import io
import logging
import math
import struct
import sys
import wave
from pathlib import Path

from PySide6.QtCore import QObject, QUrl
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

SOUND_FILE = Path(__file__).with_name("answer.wav")
RATE = 16000
NOTES = ((880.0, 0.14), (1318.5, 0.22))  # A5 then E6: rising, short, easy to tell from a phone ring


def chime_wav() -> bytes:
    """A 16-bit mono WAV of two soft notes (deterministic bytes)."""
    frames = bytearray()
    for freq, seconds in NOTES:
        n = int(RATE * seconds)
        for i in range(n):
            t = i / RATE
            envelope = min(1.0, i / (RATE * 0.01)) * math.exp(-4.0 * t / seconds)
            sample = 0.55 * envelope * math.sin(2 * math.pi * freq * t)
            frames += struct.pack("<h", round(sample * 32767))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))
    return out.getvalue()


def _sound_effect_class() -> type | None:
    try:
        from PySide6.QtMultimedia import QSoundEffect
    except (ImportError, OSError) as exc:  # missing shared libraries (libpulse…) on this image
        log.info("Qt Multimedia is not available (%s): answers are announced with the system beep", exc)
        return None
    return QSoundEffect


class Chime(QObject):
    """Plays the answer sound; ``played`` counts the plays and ``method`` says how
    (``"effect"`` or ``"beep"``)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.played = 0
        self.method = "beep"
        self._effect = None
        cls = _sound_effect_class() if SOUND_FILE.is_file() else None
        if cls is not None:
            try:
                effect = cls(self)
                effect.setSource(QUrl.fromLocalFile(str(SOUND_FILE)))
                effect.setVolume(0.8)
                self._effect = effect
                self.method = "effect"
            except Exception:  # no audio device: fall back to the beep
                log.warning("the answer sound could not be prepared", exc_info=True)

    def play(self) -> None:
        self.played += 1
        if self._effect is not None:
            self._effect.play()
        else:
            QApplication.beep()


if __name__ == "__main__":  # pragma: no cover - regenerates the shipped file
    SOUND_FILE.write_bytes(chime_wav())
    sys.stdout.write(f"{SOUND_FILE} ({SOUND_FILE.stat().st_size} bytes)\n")
