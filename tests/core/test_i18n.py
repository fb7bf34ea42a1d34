"""Translations: French source strings, JSON catalogs, fallback, live language changes,
and a check that every ``tr("...")`` literal in the code has an English translation."""

from __future__ import annotations

import ast
import json
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from neo import i18n
from neo.i18n import on_language_changed, set_language, tr, translate

REPO = Path(__file__).resolve().parents[2]
NEO = REPO / "neo"
CORE_CATALOGS = REPO / "resources" / "translations"


# -- behaviour -------------------------------------------------------------------------------


def test_french_is_the_source_language() -> None:
    assert i18n.language() == "fr"
    assert tr("Matricule ou code PIN incorrect.") == "Matricule ou code PIN incorrect."


def test_english_comes_from_the_catalog() -> None:
    set_language("en")
    assert i18n.language() == "en"
    assert tr("Matricule ou code PIN incorrect.") == "Wrong service number or PIN."
    assert translate("Matricule ou code PIN incorrect.", lang="fr") == "Matricule ou code PIN incorrect."


def test_a_missing_translation_falls_back_to_the_french_text() -> None:
    set_language("en")
    assert tr("Une phrase que personne n'a traduite.") == "Une phrase que personne n'a traduite."
    assert tr("Il reste {n} visite(s).", n=2) == "Il reste 2 visite(s)."


def test_format_arguments_in_both_languages() -> None:
    assert tr("Prochain essai possible dans {s} s.", s=30) == "Prochain essai possible dans 30 s."
    set_language("en")
    assert tr("Prochain essai possible dans {s} s.", s=30) == "Next attempt possible in 30 s."
    assert tr("Le code PIN doit compter de {a} à {b} caractères.", a=6, b=64) == "The PIN must be 6 to 64 characters long."


def test_module_catalogs(tmp_path: Path) -> None:
    (tmp_path / "en.json").write_text(json.dumps({
        "Passage enregistré": "Visit logged",
        "Il reste {n} maison(s)": "{n} house(s) left",
        "Traduction cassée {n}": "Broken translation {count}",
        "Vide": "",
    }), encoding="utf-8")
    i18n.register_domain("test_module_catalogs", tmp_path)
    set_language("en")
    assert translate("Passage enregistré", "test_module_catalogs") == "Visit logged"
    assert translate("Il reste {n} maison(s)", "test_module_catalogs", n=3) == "3 house(s) left"
    # A translation with the wrong placeholder, or an empty one, falls back to the French.
    assert translate("Traduction cassée {n}", "test_module_catalogs", n=3) == "Traduction cassée 3"
    assert translate("Vide", "test_module_catalogs") == "Vide"
    assert translate("Passage enregistré", "test_module_catalogs", lang="fr") == "Passage enregistré"
    # The core catalog is not consulted for a module with its own catalogs.
    assert translate("Matricule ou code PIN incorrect.", "test_module_catalogs") == "Matricule ou code PIN incorrect."


def test_live_language_listeners() -> None:
    heard: list[str] = []
    remove = on_language_changed(heard.append)

    def broken(lang: str) -> None:
        raise RuntimeError("a broken listener")

    remove_broken = on_language_changed(broken)
    also: list[str] = []
    remove_also = on_language_changed(also.append)
    try:
        set_language("en")
        set_language("en")  # no change, no call
        set_language("fr")
        assert heard == ["en", "fr"]
        assert also == ["en", "fr"], "a failing listener does not stop the others"
        remove()
        set_language("en")
        assert heard == ["en", "fr"]
        assert also == ["en", "fr", "en"]
        remove()  # removing twice is harmless
    finally:
        remove_broken()
        remove_also()


def test_unknown_languages_are_refused() -> None:
    with pytest.raises(ValueError):
        set_language("de")
    assert i18n.language() == "fr"


# -- the catalogs and the code -----------------------------------------------------------------


def _catalog_files() -> list[Path]:
    files = sorted(CORE_CATALOGS.glob("*/*.json"))
    files += sorted(NEO.glob("modules/*/translations/*.json"))
    return files


def _load(path: Path) -> dict[str, str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path}: a catalog is a JSON object"
    return data


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("path", _catalog_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_catalogs_are_well_formed(path: Path) -> None:
    catalog = _load(path)
    problems = []
    for source, target in catalog.items():
        if not isinstance(target, str) or not target.strip():
            problems.append(f"{source!r}: empty translation")
        elif _fields(source) != _fields(target):
            problems.append(f"{source!r}: placeholders {_fields(source)} vs {_fields(target)}")
    assert not problems, "\n".join(problems)


def _is_tr(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id == "tr") or (isinstance(func, ast.Attribute) and func.attr == "tr")


def _tr_calls() -> Iterator[tuple[Path, int, ast.expr]]:
    for path in sorted(NEO.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _is_tr(node.func) and node.args:
                yield path, node.lineno, node.args[0]


def _core_english() -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((CORE_CATALOGS / "en").glob("*.json")):
        merged.update(_load(path))
    return merged


def _module_english(path: Path) -> dict[str, str]:
    """A module's own English catalog (``neo/modules/<id>/translations/en.json``), if any."""
    rel = path.relative_to(NEO).parts
    if len(rel) >= 3 and rel[0] == "modules":
        catalog = NEO / "modules" / rel[1] / "translations" / "en.json"
        if catalog.is_file():
            return _load(catalog)
    return {}


def test_every_tr_literal_has_an_english_translation() -> None:
    """``tr("...")`` (and ``ctx.tr("...")`` in modules) with a literal French string must
    have an entry in resources/translations/en/*.json, or, for a module, in its own
    translations/en.json. This fails while new strings are waiting for a translation."""
    core = _core_english()
    missing = []
    for path, line, arg in _tr_calls():
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            if arg.value not in core and arg.value not in _module_english(path):
                missing.append(f"{path.relative_to(REPO)}:{line}: {arg.value!r}")
    assert not missing, f"{len(missing)} string(s) without an English translation:\n" + "\n".join(missing)


def test_tr_is_never_given_an_f_string() -> None:
    """An f-string cannot be looked up in a catalog: pass the values as keyword arguments."""
    bad = [f"{p.relative_to(REPO)}:{line}" for p, line, arg in _tr_calls() if isinstance(arg, ast.JoinedStr)]
    assert not bad, "tr(f'...') found at:\n" + "\n".join(bad)


def test_the_extractor_finds_the_core_strings() -> None:
    found = {arg.value for _, _, arg in _tr_calls() if isinstance(arg, ast.Constant)}
    assert "Matricule ou code PIN incorrect." in found
    assert "Prochain essai possible dans {s} s." in found
