"""Translations, decided on day one and used everywhere (core, UI and modules).

The source language is French: every user-facing string is written in French in the
code and wrapped in :func:`tr`. Other languages are JSON catalogs mapping the French
text to its translation. The shell and the core use every ``*.json`` file in
``resources/translations/<lang>/`` (one file per area: ``core.json``, ``ui.json``,
``hq.json``...), merged; a module uses ``<module>/translations/<lang>.json``.

A missing translation falls back to the French text, never to an empty string. A test
extracts every ``tr("...")`` literal from the code and checks the English catalog has
it, so a new string cannot ship untranslated. Listeners registered with
:func:`on_language_changed` let the UI re-translate live.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from neo.resources import resource_path

log = logging.getLogger(__name__)

SOURCE_LANGUAGE = "fr"
LANGUAGES = {"fr": "Français", "en": "English"}

_lock = threading.Lock()
_language = SOURCE_LANGUAGE
_catalogs: dict[tuple[str, str], dict[str, str]] = {}  # (domain, lang) -> catalog
_domain_dirs: dict[str, Path] = {}
_listeners: list[Callable[[str], None]] = []


def register_domain(domain: str, directory: Path) -> None:
    """Declare where the catalogs of ``domain`` (a module id) live."""
    with _lock:
        _domain_dirs[domain] = Path(directory)
        for key in [k for k in _catalogs if k[0] == domain]:
            del _catalogs[key]


def _catalog(domain: str, lang: str) -> dict[str, str]:
    key = (domain, lang)
    cat = _catalogs.get(key)
    if cat is None:
        cat = {}
        if domain in _domain_dirs:
            paths = [_domain_dirs[domain] / f"{lang}.json"]
        else:
            paths = sorted((resource_path("translations") / lang).glob("*.json"))
        for path in paths:
            if path.is_file():
                try:
                    cat.update(json.loads(path.read_text(encoding="utf-8")))
                except (OSError, ValueError):
                    log.exception("translation catalog %s is unreadable", path)
        _catalogs[key] = cat
    return cat


def translate(text: str, domain: str = "neo", lang: str | None = None, **kwargs: object) -> str:
    lang = lang or _language
    result = text
    if lang != SOURCE_LANGUAGE:
        result = _catalog(domain, lang).get(text) or text
    if kwargs:
        try:
            result = result.format(**kwargs)
        except (KeyError, IndexError, ValueError):
            result = text.format(**kwargs)
    return result


def tr(text: str, **kwargs: object) -> str:
    """Translate a French UI string of the shell or the core into the current language."""
    return translate(text, "neo", **kwargs)


def language() -> str:
    return _language


def set_language(lang: str) -> None:
    global _language
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r} (known: {', '.join(LANGUAGES)})")
    if lang == _language:
        return
    _language = lang
    for listener in list(_listeners):
        try:
            listener(lang)
        except Exception:
            log.exception("language listener failed")


def on_language_changed(listener: Callable[[str], None]) -> Callable[[], None]:
    _listeners.append(listener)

    def remove() -> None:
        if listener in _listeners:
            _listeners.remove(listener)

    return remove
