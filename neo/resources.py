"""Where NEO's resources (translations, themes, icons, demo seeds) are found.

From a source checkout or an editable install they are in ``resources/`` at the top of
the repository; in a frozen (PyInstaller) build they are in the bundle's ``resources``.
``NEO_RESOURCES`` overrides both.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    override = os.environ.get("NEO_RESOURCES")
    if override:
        return Path(override)
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
