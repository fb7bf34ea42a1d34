"""The rows of HQ's name index for one reference record (pure: no SQL).

Every record that names a person gets one row per name it carries: the birth name, the
usage name (nom d'usage) and, for a wanted person, each alias; a lost or stolen document
gets its holder's. Names are folded (:func:`~neo.modules.lookup.match.normalize_name`:
lower case, accents and punctuation dropped, particles kept as tokens); the phonetic keys
(:func:`~neo.modules.lookup.match.phonetic_key`) are those of the surname's core (particles
left out, compound surnames glued) and of the first given name's first word, so that the
search can find a candidate by sound with one index probe per key, whatever the typo that
left the sound alone.
"""

from __future__ import annotations

import functools
from typing import Any

from neo.modules.lookup.demo import records as demo_records
from neo.modules.lookup.match import name_parts, normalize_name, phonetic_key

__all__ = ["NAMED_FILES", "holder_name_parts", "name_rows"]

# Files whose records name a person (and so are searched by name).
NAMED_FILES: tuple[str, ...] = (
    demo_records.PERSONS, demo_records.ID_DOCUMENTS, demo_records.DRIVING_LICENCES, demo_records.WANTED_PERSONS,
    demo_records.MISSING_PERSONS, demo_records.STOLEN_DOCUMENTS,
)
_WITH_PARTS = NAMED_FILES[:5]


def holder_name_parts(text: str) -> tuple[str, str]:
    """``"DE LA FONTAINE Jean-Pierre"`` → ``("DE LA FONTAINE", "Jean-Pierre")``: the leading
    words in capitals are the surname (the French convention on certificates and files);
    without any, the first word is."""
    words = text.split()
    k = 0
    while k < len(words) and any(ch.isalpha() for ch in words[k]) and words[k].isupper():
        k += 1
    if k == 0 or k == len(words):
        k = min(1, len(words)) if k == 0 else k
    return " ".join(words[:k]), " ".join(words[k:])


def _birth(value: Any) -> tuple[str | None, int | None]:
    if not isinstance(value, str) or len(value) < 4 or not value[:4].isdigit():
        return None, None
    iso = value[:10] if len(value) >= 10 and value[4] == "-" else None
    return iso, int(value[:4])


@functools.lru_cache(maxsize=1 << 16)
def _surname(text: str) -> tuple[str, str]:
    """(folded surname, phonetic key of its core); cached, as names repeat."""
    last = normalize_name(text)
    return last, phonetic_key(name_parts(last).compact) if last else ""


@functools.lru_cache(maxsize=1 << 16)
def _given(text: str) -> tuple[str, str]:
    """(folded given names, phonetic key of the first one's first word); cached."""
    first = normalize_name(text)
    core = name_parts(first).core
    return first, phonetic_key(core[0]) if core else ""


def _row(file: str, record_id: str, surname: str, given: str, birth: str | None, year: int | None) -> dict[str, Any] | None:
    last, surname_ph = _surname(surname)
    if not last:
        return None
    first, given_ph = _given(given)
    return {
        "file": file, "record_id": record_id, "surname": last[:200], "given": first[:200],
        "surname_ph": surname_ph[:64], "given_ph": given_ph[:64],
        "birth_date": birth, "birth_year": year, "full_name": f"{last} {first}".strip()[:400],
    }


def name_rows(file: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The name-index rows of one record (empty for a file that names nobody)."""
    record_id = payload.get("id") or ""
    names: list[tuple[str, str]] = []
    if file in _WITH_PARTS:
        given = " ".join(payload.get("given_names") or ())
        names.append((payload.get("surname") or "", given))
        if payload.get("usage_name"):
            names.append((payload["usage_name"], given))
        for alias in payload.get("aliases") or ():
            names.append(holder_name_parts(alias))
        birth, year = _birth(payload.get("birth_date"))
    elif file == demo_records.STOLEN_DOCUMENTS:
        names.append(holder_name_parts(payload.get("holder_name") or ""))
        birth, year = _birth(payload.get("holder_birth_date"))
    else:
        return []
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for surname, given in names:
        row = _row(file, record_id, surname, given, birth, year)
        if row is not None and (row["surname"], row["given"]) not in seen:
            seen.add((row["surname"], row["given"]))
            out.append(row)
    return out
