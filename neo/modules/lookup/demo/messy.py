"""Labelled messy queries for the lookup quality benchmark.

``messy_queries(seed, n, population)`` picks records of the demo data set
``generate(seed, population)`` and types their identifiers the way an officer does in the
rain: typos (one or two edits on an AZERTY keyboard), first and last names swapped, accents
dropped, all lower or upper case, a particle left out, compound names split, the usage name
instead of the birth name, a partial birth date (year only, month/year) or day and month
swapped; plates with any spacing, dashes or case and old FNI plates; VINs and document
numbers with a confusable character (O for 0, I for 1, Q for 0) or spaces; IMEIs in groups.

Each query carries the id of the record it must find (``record_id``, in ``file``) and the
ids of the other records that rightly match it too (``also``: the same person's other
files, the registration behind a stolen vehicle…). Deterministic: same arguments, same
list.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date

from .generator import REFERENCE_DATE, generate
from .records import (
    DRIVING_LICENCES,
    ID_DOCUMENTS,
    MISSING_PERSONS,
    PERSONS,
    STOLEN_DOCUMENTS,
    STOLEN_OBJECTS,
    STOLEN_VEHICLES,
    VEHICLE_REGISTRATIONS,
    WANTED_PERSONS,
    Person,
    _Record,
)

NAME, PLATE, VIN, DOCUMENT, SERIAL = "name", "plate", "vin", "document", "serial"


@dataclass(frozen=True, slots=True)
class MessyQuery:
    query: str                 # as typed
    kind: str                  # name, plate, vin, document, serial
    mess: tuple[str, ...]      # what was done to the clean value
    file: str                  # the file of the expected record
    record_id: str             # the record the query must find
    person_id: str             # whose record it is
    also: tuple[str, ...]      # other records that rightly match the same query
    clean: str                 # the value before it was messed up

    def to_dict(self) -> dict:
        return {"query": self.query, "kind": self.kind, "mess": list(self.mess), "file": self.file,
                "record_id": self.record_id, "person_id": self.person_id, "also": list(self.also),
                "clean": self.clean}


_AZERTY = ("azertyuiop", "qsdfghjklm", "wxcvbn")
_PARTICLES = ("de la ", "de ", "du ", "des ", "d'", "Le ", "La ")
_CONFUSABLE = {"0": "O", "1": "I", "8": "B", "5": "S"}
_VIN_CONFUSABLE = (("0", "O"), ("1", "I"), ("0", "Q"))
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")


def _neighbours() -> dict[str, str]:
    out: dict[str, str] = {}
    for r, row in enumerate(_AZERTY):
        for c, ch in enumerate(row):
            near = []
            for rr in (r - 1, r, r + 1):
                if 0 <= rr < len(_AZERTY):
                    for cc in (c - 1, c, c + 1):
                        if (rr, cc) != (r, c) and 0 <= cc < len(_AZERTY[rr]):
                            near.append(_AZERTY[rr][cc])
            out[ch] = "".join(near)
    return out


_NEAR = _neighbours()


class _Rng:
    """Choices from ``getrandbits`` only, so the output does not depend on ``random``'s helpers."""

    def __init__(self, key: str) -> None:
        self._r = random.Random(key)

    def below(self, n: int) -> int:
        return (self._r.getrandbits(32) * n) >> 32

    def choice(self, seq):
        return seq[self.below(len(seq))]

    def chance(self, per_mille: int) -> bool:
        return self.below(1000) < per_mille


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("œ", "oe").replace("Œ", "OE")


def typo(word: str, rng: _Rng) -> str:
    """One keyboard slip in ``word``: a neighbouring key, a dropped, doubled or swapped letter."""
    letters = [k for k, c in enumerate(word) if c.isalpha()]
    if len(letters) < 3:
        return word
    for _ in range(20):
        pos = rng.choice(letters[1:]) if not rng.chance(100) else letters[0]
        ch = word[pos]
        base = strip_accents(ch).lower()
        op = rng.below(100)
        if op < 40 and base in _NEAR:
            new = rng.choice(_NEAR[base])
            out = word[:pos] + (new.upper() if ch.isupper() else new) + word[pos + 1:]
        elif op < 65:
            out = word[:pos] + word[pos + 1:]
        elif op < 80:
            out = word[:pos] + ch + word[pos:]
        elif pos + 1 < len(word) and word[pos + 1].isalpha():
            out = word[:pos] + word[pos + 1] + ch + word[pos + 2:]
        else:
            continue
        if out.lower() != word.lower():
            return out
    return word


def _date_text(iso: str, style: str) -> str:
    y, m, d = iso[:4], iso[5:7], iso[8:]
    return {
        "slash": f"{d}/{m}/{y}", "compact": f"{d}{m}{y}", "short_year": f"{d}/{m}/{y[2:]}",
        "dots": f"{d}.{m}.{y}", "iso": iso, "words": f"{int(d)} {_MONTHS[int(m) - 1]} {y}",
        "year_only": y, "month_year": f"{m}/{y}", "swapped": f"{m}/{d}/{y}", "dashes": f"{d}-{m}-{y}",
    }[style]


def _drop_particle(surname: str) -> str | None:
    for p in _PARTICLES:
        if surname.startswith(p) and len(surname) > len(p) + 2:
            return surname[len(p):]
    return None


def _name_query(rng: _Rng, rec, person: Person) -> tuple[str, tuple[str, ...], str]:
    surname = rec.surname
    given = list(rec.given_names)
    first = given[0]
    mess: list[str] = []
    clean = f"{surname} {first} {_date_text(rec.birth_date, 'slash')}"

    # What the officer read or heard.
    if getattr(rec, "usage_name", None) and rng.chance(250):
        surname = rec.usage_name
        mess.append("usage_name")
    dropped = _drop_particle(surname)
    if dropped is not None and rng.chance(500):
        surname = dropped
        mess.append("no_particle")
    if ("-" in first) and rng.chance(400):
        first = first.replace("-", " ") if rng.chance(600) else first.split("-")[0]
        mess.append("compound_first_name")
    if "-" in surname and rng.chance(400):
        surname = surname.replace("--", " ").replace("-", " ")
        mess.append("compound_surname_split")
    if len(given) > 1 and rng.chance(80):
        first = " ".join(given)
        mess.append("all_given_names")

    # Slips of the keyboard.
    roll = rng.below(1000)
    if roll < 300:
        surname = typo(surname, rng)
        mess.append("typo1_surname")
    elif roll < 450:
        first = typo(first, rng)
        mess.append("typo1_first_name")
    elif roll < 580:
        surname = typo(typo(surname, rng), rng)
        mess.append("typo2_surname")
    elif roll < 640:
        surname = typo(surname, rng)
        first = typo(first, rng)
        mess.append("typo_both")

    # The birth date.
    d, m = int(rec.birth_date[8:]), int(rec.birth_date[5:7])
    roll = rng.below(1000)
    if roll < 180:
        style = "year_only"
    elif roll < 300:
        style = "month_year"
    elif roll < 380 and d <= 12 and d != m:
        style = "swapped"
    else:
        style = rng.choice(("slash", "slash", "compact", "short_year", "dots", "iso", "words", "dashes"))
    if style in ("year_only", "month_year", "swapped"):
        mess.append({"year_only": "year_only", "month_year": "month_year", "swapped": "day_month_swapped"}[style])
    elif style != "slash":
        mess.append("date_" + style)
    when = _date_text(rec.birth_date, style)

    # Order and case.
    if rng.chance(350):
        text = f"{first} {surname} {when}"
        mess.append("swapped_names")
    else:
        text = f"{surname} {first} {when}"
    roll = rng.below(1000)
    if roll < 350:
        text = strip_accents(text)
        mess.append("no_accents")
    roll = rng.below(1000)
    if roll < 400 or (not mess and roll < 700):
        text = text.lower()
        mess.append("lowercase")
    elif roll < 600 or not mess:
        text = text.upper()
        mess.append("uppercase")
    return text, tuple(mess), clean


def _spacing(rng: _Rng, parts: list[str]) -> tuple[str, str]:
    style = rng.choice(("none", "space", "dash", "mixed", "double", "dot"))
    if style == "none":
        return "".join(parts), "no_separators"
    if style == "space":
        return " ".join(parts), "spaces"
    if style == "dash":
        return "-".join(parts), "dashes"
    if style == "dot":
        return ".".join(parts), "dots"
    if style == "double":
        return "  ".join(parts), "double_spaces"
    seps = [rng.choice((" ", "-", "", " - ")) for _ in parts[1:]]
    return parts[0] + "".join(s + p for s, p in zip(seps, parts[1:], strict=True)), "mixed_separators"


def _case(rng: _Rng, text: str, mess: list[str]) -> str:
    roll = rng.below(1000)
    if roll < 450:
        out, tag = text.lower(), "lowercase"
    elif roll < 600:
        out, tag = "".join(c.lower() if rng.chance(500) else c for c in text), "mixed_case"
    else:
        return text
    if out != text:
        mess.append(tag)
    return out


def _plate_query(rng: _Rng, plate: str, fmt: str) -> tuple[str, tuple[str, ...]]:
    mess: list[str] = []
    if fmt == "SIV":
        parts = plate.split("-")
        mess.append("siv")
    else:
        parts = plate.split(" ")
        mess.append("fni")
    text, sep = _spacing(rng, parts)
    mess.append(sep)
    if rng.chance(150):
        digits = [k for k, c in enumerate(text) if c in "01"]
        if digits:
            k = rng.choice(digits)
            text = text[:k] + ("O" if text[k] == "0" else "I") + text[k + 1:]
            mess.append("confusable")
    text = _case(rng, text, mess)
    if rng.chance(100):
        text = " " + text + " "
        mess.append("padded")
    return text, tuple(mess)


def _vin_query(rng: _Rng, vin: str) -> tuple[str, tuple[str, ...]]:
    mess: list[str] = []
    candidates = [(k, c, bad) for k, c in enumerate(vin) for good, bad in _VIN_CONFUSABLE if c == good]
    if candidates and rng.chance(700):
        k, _c, bad = rng.choice(candidates)
        vin = vin[:k] + bad + vin[k + 1:]
        mess.append("confusable_" + bad)
    if rng.chance(300):
        vin = " ".join((vin[:3], vin[3:9], vin[9:]))
        mess.append("spaces")
    vin = _case(rng, vin, mess)
    if not mess:
        vin = vin.lower()
        mess.append("lowercase")
    return vin, tuple(mess)


def _document_query(rng: _Rng, number: str) -> tuple[str, tuple[str, ...]]:
    mess: list[str] = []
    if rng.chance(350):
        k = rng.choice((2, 3, 4, 6))
        number = number[:k] + " " + number[k:]
        mess.append("space")
    zeros = [k for k, c in enumerate(number) if c in _CONFUSABLE]
    if zeros and rng.chance(300):
        k = rng.choice(zeros)
        number = number[:k] + _CONFUSABLE[number[k]] + number[k + 1:]
        mess.append("confusable")
    number = _case(rng, number, mess)
    if not mess:
        number = number[:3] + "-" + number[3:]
        mess.append("dash")
    return number, tuple(mess)


def _serial_query(rng: _Rng, serial: str, kind: str) -> tuple[str, tuple[str, ...]]:
    mess: list[str] = []
    if kind == "IMEI" and rng.chance(600):
        serial = " ".join((serial[:2], serial[2:8], serial[8:14], serial[14:]))
        mess.append("imei_groups")
    elif kind == "plaque":
        return _plate_query(rng, serial, "SIV" if "-" in serial else "FNI")
    elif rng.chance(400):
        serial = serial[:4] + "-" + serial[4:]
        mess.append("dash")
    serial = _case(rng, serial, mess)
    if not mess:
        serial = " " + serial.lower()
        mess.append("lowercase")
    return serial, tuple(mess)


# Share of queries per target (per mille) and how many candidates of each to collect.
_MIX = (
    ("wanted_name", 160), ("missing_name", 60), ("person_name", 180),
    ("stolen_plate", 100), ("fni_plate", 50), ("plate", 100),
    ("stolen_vin", 40), ("vin", 60),
    ("id_document", 90), ("licence", 40), ("stolen_document", 40),
    ("stolen_object", 50),
)


def messy_queries(seed: int, n: int = 300, population: int = 10_000, *,
                  as_of: date = REFERENCE_DATE) -> list[MessyQuery]:
    """``n`` distinct labelled queries against ``generate(seed, population)`` (see the module doc)."""
    if n < 1 or population < 1:
        raise ValueError("n and population must be positive")
    rng = _Rng(f"neo-lookup-demo/{seed}/messy/{population}")
    pools: dict[str, list[tuple[_Record, list[_Record]]]] = {k: [] for k, _ in _MIX}
    want = {k: max(4, n * share // 1000 // 2) for k, share in _MIX}

    # Scan windows of persons until every pool has enough candidates (or the population is seen).
    window = 256
    starts = list(range(0, population, window))
    order = []
    while starts:
        order.append(starts.pop(rng.below(len(starts))))
    for start in order:
        if all(len(pools[k]) >= want[k] for k, _ in _MIX):
            break
        records = list(generate(seed, population, start, min(population, start + window), as_of=as_of))
        by_person: dict[str, list[_Record]] = {}
        for r in records:
            by_person.setdefault(_person_of(r), []).append(r)
        for group in by_person.values():
            for r in group:
                f = r.FILE
                if f == WANTED_PERSONS:
                    pools["wanted_name"].append((r, group))
                elif f == MISSING_PERSONS:
                    pools["missing_name"].append((r, group))
                elif f == PERSONS and len(pools["person_name"]) < 4 * want["person_name"]:
                    pools["person_name"].append((r, group))
                elif f == STOLEN_VEHICLES:
                    pools["stolen_plate"].append((r, group))
                    pools["stolen_vin"].append((r, group))
                elif f == VEHICLE_REGISTRATIONS:
                    if r.plate_format == "FNI":
                        pools["fni_plate"].append((r, group))
                    elif len(pools["plate"]) < 4 * want["plate"]:
                        pools["plate"].append((r, group))
                        pools["vin"].append((r, group))
                elif f == ID_DOCUMENTS and len(pools["id_document"]) < 4 * want["id_document"]:
                    pools["id_document"].append((r, group))
                elif f == DRIVING_LICENCES and len(pools["licence"]) < 4 * want["licence"]:
                    pools["licence"].append((r, group))
                elif f == STOLEN_DOCUMENTS:
                    pools["stolen_document"].append((r, group))
                elif f == STOLEN_OBJECTS:
                    pools["stolen_object"].append((r, group))

    kinds = [k for k, share in _MIX for _ in range(share) if pools[k]]
    if not kinds:
        raise ValueError("population too small for messy queries")
    out: list[MessyQuery] = []
    seen: set[str] = set()
    attempts = 0
    while len(out) < n:
        attempts += 1
        if attempts > 50 * n:
            raise ValueError(f"could not build {n} distinct queries from a population of {population}")
        kind = rng.choice(kinds)
        rec, group = rng.choice(pools[kind])
        q = _make(rng, kind, rec, group)
        if q is not None and q.query == q.clean:
            lower = q.query.lower()
            text, tag = (lower, "lowercase") if lower != q.query else (q.query + " ", "padded")
            q = MessyQuery(text, q.kind, (*q.mess, tag), q.file, q.record_id, q.person_id, q.also, q.clean)
        if q is not None and q.query.strip().lower() not in seen:
            seen.add(q.query.strip().lower())
            out.append(q)
    return out


def _person_of(r: _Record) -> str:
    return "P" + r.id[1:9]


def _make(rng: _Rng, kind: str, rec, group: list[_Record]) -> MessyQuery | None:
    person = group[0]
    pid = person.id
    if kind.endswith("_name"):
        text, mess, clean = _name_query(rng, rec, person)
        also = tuple(r.id for r in group if r.id != rec.id and r.FILE in (
            PERSONS, ID_DOCUMENTS, DRIVING_LICENCES, WANTED_PERSONS, MISSING_PERSONS))
        return MessyQuery(text, NAME, mess, rec.FILE, rec.id, pid, also, clean)
    if kind in ("stolen_plate", "fni_plate", "plate"):
        fmt = "FNI" if " " in rec.plate else "SIV"
        text, mess = _plate_query(rng, rec.plate, fmt)
        also = tuple(r.id for r in group if r.id != rec.id and getattr(r, "plate", None) == rec.plate) + tuple(
            r.id for r in group if r.FILE == STOLEN_OBJECTS and r.serial == rec.plate)
        return MessyQuery(text, PLATE, mess, rec.FILE, rec.id, pid, tuple(dict.fromkeys(also)), rec.plate)
    if kind in ("stolen_vin", "vin"):
        text, mess = _vin_query(rng, rec.vin)
        also = tuple(r.id for r in group if r.id != rec.id and getattr(r, "vin", None) == rec.vin)
        return MessyQuery(text, VIN, mess, rec.FILE, rec.id, pid, also, rec.vin)
    if kind in ("id_document", "licence", "stolen_document"):
        text, mess = _document_query(rng, rec.number)
        also = tuple(r.id for r in group if r.id != rec.id and getattr(r, "number", None) == rec.number)
        return MessyQuery(text, DOCUMENT, mess, rec.FILE, rec.id, pid, also, rec.number)
    if kind == "stolen_object":
        text, mess = _serial_query(rng, rec.serial, rec.serial_kind)
        also = tuple(r.id for r in group if r.id != rec.id and getattr(r, "plate", None) == rec.serial)
        return MessyQuery(text, PLATE if rec.serial_kind == "plaque" else SERIAL, mess, rec.FILE, rec.id, pid,
                          also, rec.serial)
    return None
