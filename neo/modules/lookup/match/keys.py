"""Canonical identifier strings for HQ's indexes and the offline hot-list.

Every key is a plain ASCII string ``v1:<kind>:<canonical form>``. HQ stores them in its
indexes; for the hot-list it publishes ``HMAC(key_secret, key)`` of the keys of stolen
vehicles and wanted persons, and the device, computing the same keys from what the
officer typed, can say "probable hit, confirm online" without being able to list the
hot-list. The HMAC is the caller's business (it holds the secret); this module only
guarantees that both sides derive the same string from the same identity.

The ``v1`` prefix is the version of these rules: any change to a normalisation below
is a new version, and HQ rebuilds its indexes and republishes the hot-list.

Rules (v1):

``plate_key``
    ``v1:plate:`` + the compact plate (:func:`.plates.parse_plate`: upper case, no
    separators, FNI leading zeros dropped, ``O``/``I`` read as digits in an SIV number's
    digit block); a foreign or unrecognised plate keys on its upper-case letters and
    digits. Impossible French plates still key (a false plate may be on file).
``vin_key``
    ``v1:vin:`` + the 17-character VIN, ``I``/``O``/``Q`` read ``1``/``0``/``0``.
``document_key``, ``serial_number_key``
    ``v1:doc:`` / ``v1:serial:`` + the tolerant key (:func:`.documents.serial_key`:
    letters and digits, upper case, ``O`` → ``0``, ``I`` → ``1``). Document keys do not
    carry the document kind: a passport number typed as a licence number still meets.
``person_key``
    ``v1:person:`` + surname compact (all tokens, particles included) + ``:`` + given
    names compact + ``:`` + ISO birth date. Exact identity, for HQ's index.
``person_keys``
    The variants published in the hot-list for one person: surname with and without its
    particles x all given names or only the first one, plus a phonetic key
    ``v1:person-ph:`` + :func:`.names.phonetic_key` of the surname's core + of the first
    given name + birth date. Sorted, without duplicates.
``person_query_keys``
    The keys of what the officer typed: every reading of a free-text name (both orders,
    every split), the birth date as read, its other-century reading and, when day and
    month could be swapped, the swapped date. A hot-list hit is any intersection with
    :func:`person_keys` of a record. A full birth date is required (no keys otherwise).
"""

from __future__ import annotations

from datetime import date
from itertools import product

from .dates import BirthDateQuery, DatePrecision, PartialDate, parse_birth_date
from .documents import serial_key
from .names import PersonName, name_parts, name_tokens, phonetic_key
from .plates import plate_from_field
from .vin import normalize_vin

__all__ = [
    "KEY_VERSION",
    "document_key",
    "person_key",
    "person_keys",
    "person_query_keys",
    "plate_key",
    "serial_number_key",
    "vin_key",
]

KEY_VERSION = "v1"


def plate_key(plate: str) -> str | None:
    """``v1:plate:AB123CD`` for ``"ab-123 cd"``; ``None`` when nothing alphanumeric."""
    parsed = plate_from_field(plate)
    return f"{KEY_VERSION}:plate:{parsed.compact}" if parsed is not None else None


def vin_key(vin: str) -> str | None:
    """``v1:vin:<17 characters>``; ``None`` when the text is not a VIN."""
    canonical = normalize_vin(vin)
    return f"{KEY_VERSION}:vin:{canonical}" if canonical is not None else None


def document_key(number: str) -> str | None:
    """``v1:doc:<tolerant key>``; ``None`` when nothing alphanumeric."""
    key = serial_key(number)
    return f"{KEY_VERSION}:doc:{key}" if key else None


def serial_number_key(serial: str) -> str | None:
    """``v1:serial:<tolerant key>``; ``None`` when nothing alphanumeric."""
    key = serial_key(serial)
    return f"{KEY_VERSION}:serial:{key}" if key else None


def _iso_day(birth_date: date | PartialDate | str) -> str:
    if isinstance(birth_date, date):
        return birth_date.isoformat()
    if isinstance(birth_date, PartialDate):
        full = birth_date.to_date()
        if full is None:
            raise ValueError("a person key needs a full birth date")
        return full.isoformat()
    parsed = parse_birth_date(birth_date)
    if parsed is None or parsed.value is None or parsed.precision != DatePrecision.DAY:
        raise ValueError(f"a person key needs a full birth date, not {birth_date!r}")
    return parsed.value.iso()


def person_key(last: str, first: str, birth_date: date | PartialDate | str) -> str:
    """Exact identity key ``v1:person:delafontaine:jeanpierre:1985-03-12``.

    Raises ``ValueError`` when the birth date is not a full date or the surname is empty.
    """
    surname = "".join(name_tokens(last))
    if not surname:
        raise ValueError("a person key needs a surname")
    return f"{KEY_VERSION}:person:{surname}:{''.join(name_tokens(first))}:{_iso_day(birth_date)}"


def _variants(last: str, first: str, iso: str) -> set[str]:
    surname = name_parts(last)
    given = name_parts(first)
    if not surname:
        return set()
    surnames = {surname.full_compact, surname.compact}
    givens = {given.full_compact, given.tokens[0] if given.tokens else ""}
    keys = {f"{KEY_VERSION}:person:{s}:{g}:{iso}" for s, g in product(surnames, givens)}
    first_given = given.core[0] if given.core else ""
    keys.add(f"{KEY_VERSION}:person-ph:{phonetic_key(surname.compact)}:{phonetic_key(first_given)}:{iso}")
    return keys


def person_keys(last: str, first: str, birth_date: date | PartialDate | str) -> tuple[str, ...]:
    """The hot-list variants of one person's identity (see the module docstring)."""
    return tuple(sorted(_variants(last, first, _iso_day(birth_date))))


def _query_dates(birth: BirthDateQuery) -> list[str]:
    out: list[str] = []
    for reading in birth.readings():
        full = reading.to_date()
        if full is None:
            continue
        out.append(full.isoformat())
        if birth.day_month_ambiguous and reading.day is not None and reading.month is not None:
            try:
                out.append(date(reading.year, reading.day, reading.month).isoformat())
            except ValueError:
                pass
    return out


def _query_names(name: PersonName | str) -> list[tuple[str, str]]:
    if isinstance(name, PersonName):
        readings = [(name.last, name.first)]
        if name.first:
            readings.append((name.first, name.last))
        return readings
    tokens = name_tokens(name)
    readings = [(" ".join(tokens), "")]
    for k in range(1, len(tokens)):
        head, tail = " ".join(tokens[:k]), " ".join(tokens[k:])
        readings += [(head, tail), (tail, head)]
    return readings


def person_query_keys(name: PersonName | str, birth_date: BirthDateQuery | date | str | None) -> tuple[str, ...]:
    """Every key the typed name and birth date could match in the hot-list; empty when
    the birth date is missing or not a full date."""
    if birth_date is None:
        return ()
    if isinstance(birth_date, date):
        dates = [birth_date.isoformat()]
    else:
        birth = parse_birth_date(birth_date) if isinstance(birth_date, str) else birth_date
        if birth is None or not birth.ok or birth.precision != DatePrecision.DAY:
            return ()
        dates = _query_dates(birth)
    keys: set[str] = set()
    for (last, first), iso in product(_query_names(name), dates):
        keys |= _variants(last, first, iso)
    return tuple(sorted(keys))
