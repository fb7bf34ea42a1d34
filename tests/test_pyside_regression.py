"""Guard against the PySide6 6.12.0 / CPython 3.11 crash.

PySide6 6.12.0 on Python 3.11 drops a reference to ``None`` on every call of a
void-returning method; ``None`` is not immortal before 3.12, so after enough calls its
count reaches zero and the interpreter aborts ("Fatal Python error: none_dealloc").
pyproject.toml pins PySide6 below 6.12 on Python < 3.12. These tests check the pin and
hammer void-returning calls in a child process, so a crash fails the test instead of
killing pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

CALLS = 100_000

CHILD = textwrap.dedent(
    f"""
    import sys
    from PySide6.QtCore import QObject, QPointF
    from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPen

    app = QGuiApplication([])
    image = QImage(64, 64, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    pens = [QPen(QColor("black")), QPen(QColor("red"))]
    obj = QObject()
    point = QPointF()

    none_refs_before = sys.getrefcount(None)
    calls = 0
    i = 0
    while calls < {CALLS}:
        painter.setPen(pens[i % 2])          # void
        painter.drawLine(0, 0, i % 64, 63)   # void
        obj.setObjectName("unite")           # void
        point.setX(float(i))                 # void
        calls += 4
        i += 1
    painter.end()
    drift = none_refs_before - sys.getrefcount(None)
    print("calls", calls, "none_drift", drift, flush=True)
    """
)


def _installed(dist: str) -> Version | None:
    try:
        return Version(metadata.version(dist))
    except metadata.PackageNotFoundError:
        return None


def test_many_void_calls_do_not_crash_the_interpreter() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (
        f"the child process died (exit {proc.returncode}) after void-returning PySide6 calls:\n{proc.stderr[-2000:]}"
    )
    words = proc.stdout.split()
    assert words[:2] == ["calls", str(CALLS)], proc.stdout
    drift = int(words[words.index("none_drift") + 1])
    if sys.version_info < (3, 12):  # None is immortal (constant refcount) from 3.12 on
        assert abs(drift) < 1000, f"the refcount of None drifted by {drift} over {CALLS} calls"


def test_installed_pyside6_respects_the_pin_for_this_python() -> None:
    requirements = [Requirement(r) for r in metadata.requires("neo-field") or []]
    pyside = [r for r in requirements if r.name.lower().startswith("pyside6") and (r.marker is None or r.marker.evaluate())]
    assert pyside, "neo-field declares no PySide6 requirement for this Python"
    for req in pyside:
        installed = _installed(req.name)
        assert installed is not None, f"{req.name} is not installed"
        assert req.specifier.contains(installed, prereleases=True), f"{req.name} {installed} violates {req}"
        if sys.version_info < (3, 12):
            assert not req.specifier.contains("6.12.0", prereleases=True), f"{req} lets the broken 6.12.0 in"

    import PySide6
    import shiboken6

    version = Version(PySide6.__version__)
    assert Version(shiboken6.__version__) == version, "PySide6 and shiboken6 must be the same release"
    if sys.version_info < (3, 12):
        assert version < Version("6.12"), f"PySide6 {version} on Python 3.11 aborts with none_dealloc"


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the pin only concerns Python < 3.12")
def test_the_pin_is_declared_for_python_3_11() -> None:
    env = {"python_version": "3.11", "python_full_version": "3.11.7"}
    reqs = [Requirement(r) for r in metadata.requires("neo-field") or []]
    active = [r for r in reqs if r.name in ("PySide6-Essentials", "PySide6-Addons") and r.marker and r.marker.evaluate(env)]
    assert {r.name for r in active} == {"PySide6-Essentials", "PySide6-Addons"}
    assert all(not r.specifier.contains("6.12.0") and r.specifier.contains("6.11.3") for r in active)
