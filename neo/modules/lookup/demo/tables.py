"""The embedded data turned into sampling tables (built once, on first use).

A weighted table is ``(cum, values)`` where ``cum`` holds cumulative weights scaled to
2**32: the value for a uniform 32-bit word ``r`` is ``values[bisect_right(cum, r)]``.
Everything is integer arithmetic, hence identical on every platform.
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from . import data_names as names
from . import data_places as places
from . import data_vehicles as vehicles

ONE = 1 << 32
TAIL_OFFSET = 1100

# Letters of SIV plates and FNI series: no I, O, U.
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTVWXYZ"
# VIN characters: no I, O, Q.
VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
# Letters of passport and licence-card numbers (no I, O).
DOC_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
VIN_YEAR = "ABCDEFGHJKLMNPRSTVWXY123456789"  # 1980 + k (mod 30)
_VIN_VALUE = {**{str(d): d for d in range(10)},
              **dict(zip("ABCDEFGH", range(1, 9), strict=True)), **dict(zip("JKLMN", range(1, 6), strict=True)),
              "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10), strict=True))}
VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_value(c: str) -> int:
    return _VIN_VALUE[c]


def vin_check_digit(vin: str) -> str:
    """ISO 3779 / North-American check digit (position 9) of a 17-character VIN."""
    total = sum(_VIN_VALUE[c] * w for c, w in zip(vin, VIN_WEIGHTS, strict=True))
    r = total % 11
    return "X" if r == 10 else str(r)


def weighted(weights: Sequence[int], values: Sequence[Any]) -> tuple[list[int], list[Any]]:
    total = sum(weights)
    if total <= 0:
        raise ValueError("empty weighted table")
    cum, acc = [], 0
    for w in weights:
        acc += w
        cum.append(acc * ONE // total)
    cum[-1] = ONE
    return cum, list(values)


def flat(table: tuple[list[int], list[Any]], bits: int) -> list[Any]:
    """The table expanded to ``2**bits`` cells: ``flat[r >> (32 - bits)]`` picks a value for a
    uniform 32-bit word ``r`` like ``values[bisect_right(cum, r)]``, up to a rounding of the
    weights to ``2**-bits`` (and faster than a bisection)."""
    cum, values = table
    shift = 32 - bits
    return [values[bisect_right(cum, j << shift)] for j in range(1 << bits)]


@dataclass(frozen=True)
class Commune:
    name: str
    department: str
    postal_code: str
    population: int
    arrondissements: int


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    de_form: str
    chef_lieu: str


@dataclass(frozen=True)
class Origin:
    key: str
    surnames: tuple[list[int], list[str]]
    male: tuple[list[int], list[str]]
    female: tuple[list[int], list[str]]
    countries: tuple[list[int], list[tuple[str, tuple[str, ...], str]]]
    abroad: int          # threshold: born abroad
    foreign: int         # threshold: foreign nationality when born abroad
    synth: list[str]     # further surnames built from parts (empty: none)
    synth_share: int     # threshold: a built surname rather than one of the list
    compound_share: int  # threshold (after synth): two surnames of the list ("Ferreira Da Costa")


@dataclass(frozen=True)
class Model:
    index: int
    make: str
    wmi: str
    model: str
    category: str
    first: int
    last: int
    weight: int
    energy: str
    code: str            # VIN positions 4-6
    plant: str           # VIN position 11
    head: str            # VIN positions 1-6


class Tables:
    def __init__(self) -> None:
        self.departments = {}
        for line in places.DEPARTMENTS.strip().splitlines():
            code, name, de_form, chef = line.split("|")
            self.departments[code] = Department(code, name, de_form, chef)
        self.communes: list[Commune] = []
        for line in places.COMMUNES.strip().splitlines():
            parts = line.split("|")
            arr = int(parts[4]) if len(parts) > 4 else 0
            self.communes.append(Commune(parts[0], parts[1], parts[2], int(parts[3]), arr))
        self.all_communes = weighted([c.population for c in self.communes], self.communes)
        local = [c for c in self.communes if c.department == "06" and c.name in places.LOCAL_COMMUNES]
        self.local_communes = weighted([c.population for c in local], local)
        self.street_kinds = weighted([w for _, w in places.STREET_KINDS], [k for k, _ in places.STREET_KINDS])
        self.street_names = places.STREET_NAMES

        # Surnames: the ranked table, particles, the synthetic tail.
        sw, sn = [], []
        for tok in names.SURNAMES.split():
            name, w = tok.rsplit(":", 1)
            sn.append(name.replace("_", " "))
            sw.append(int(w))
        self.top_surnames = weighted(sw, sn)
        self.top_surname_list = sn
        self.particles = weighted(
            [45, 10, 20, 20, 5],
            [("de ", names.PARTICLE_DE), ("d'", names.PARTICLE_D), ("du ", names.PARTICLE_DU), ("de la ", names.PARTICLE_DE_LA),
             ("des ", names.PARTICLE_DES)])
        self.tail_roots = names.TAIL_ROOTS
        self.tail_endings = names.TAIL_ENDINGS
        self.tail_forms = names.TAIL_FORMS
        self.tail_base = len(self.tail_roots) * len(self.tail_endings)
        self.tail_size = self.tail_base * len(self.tail_forms)
        # Zipf-like tail: rank r has weight ~ 1 / (r + TAIL_OFFSET), so that the most frequent tail
        # name is about as frequent as the last of the ranked table and the rarest ones are
        # seen once in a few hundred thousand persons. Sampled by half-octave buckets of
        # (r + TAIL_OFFSET), uniform inside a bucket; the bucket weight is its integral of 1/x.
        bounds = []
        k = 0
        while True:
            lo = TAIL_OFFSET * math.isqrt(2 ** k * 10 ** 12) // 10 ** 6
            if lo >= self.tail_size + TAIL_OFFSET:
                break
            bounds.append(lo)
            k += 1
        bounds.append(self.tail_size + TAIL_OFFSET)
        buckets = [(a - TAIL_OFFSET, b - TAIL_OFFSET) for a, b in itertools.pairwise(bounds)]
        self.tail_buckets = weighted([(b - a) * (1 << 20) // ((a + b) // 2 + TAIL_OFFSET) for a, b in buckets],
                                     buckets)

        # First names by (sex, 5-year bucket of birth).
        self.first_names: dict[tuple[str, int], tuple[list[int], list[str]]] = {}
        for sex, text in (("M", names.MALE_FIRST_NAMES), ("F", names.FEMALE_FIRST_NAMES)):
            entries = []
            for line in text.strip().splitlines():
                parts = line.split()
                if not parts:
                    continue
                floor = int(parts[4]) if len(parts) > 4 else 0
                entries.append((parts[0], int(parts[1]), int(parts[2]) * 100, int(parts[3]), floor * 100))
            for bucket in range(0, 27):
                year = 1900 + 5 * bucket + 2
                ws, vs = [], []
                for name, peak, height, width, floor in entries:
                    d = year - peak
                    bump = height * (width * width - d * d) // (width * width) if abs(d) < width else 0
                    w = max(bump, floor)
                    if w > 0:
                        ws.append(w)
                        vs.append(name)
                self.first_names[(sex, bucket)] = weighted(ws, vs)

        # Other origins.
        self.origins: dict[str, Origin] = {}
        shares, keys = [], []
        for key, (share, surnames, male, female, countries, abroad) in names.ORIGINS.items():
            def zipf(words: str) -> tuple[list[int], list[str]]:
                items = [w.replace("_", " ") for w in words.split()]
                return weighted([10_000 // (r + 25) for r in range(len(items))], items)
            ctab = weighted([c[3] for c in countries],
                            [(c[0], tuple(x.replace("_", " ") for x in c[1].split()), c[2]) for c in countries])
            foreign = 8500 if key == "britain" else 5000
            synth: list[str] = []
            if key == "maghreb":
                for prefix in names.MAGHREB_PREFIXES:
                    for root in names.MAGHREB_ROOTS:
                        if prefix == "-i":
                            if root[-1] not in "aeiouïy":
                                synth.append(root + "i")
                        elif prefix and prefix[-1] != " ":
                            synth.append(prefix + root.lower())
                        else:
                            synth.append(prefix + root)
            synth_share = 700 if synth else 0
            compound = 350 if key == "iberia" else 0
            self.origins[key] = Origin(key, zipf(surnames), zipf(male), zipf(female), ctab,
                                       abroad * ONE // 10_000, foreign * ONE // 10_000, synth,
                                       synth_share * ONE // 1000, (synth_share + compound) * ONE // 1000)
            shares.append(share)
            keys.append(key)
        shares.insert(0, 10_000 - sum(shares))
        keys.insert(0, "fr")
        self.origin_table = weighted(shares, keys)

        # Vehicles.
        self.models: list[Model] = []
        for k, line in enumerate(vehicles.MODELS.strip().splitlines()):
            make, wmi, model, cat, first, last, weight, energy = line.split("|")
            code = VIN_CHARS[10 + (k * 7) % 23] + VIN_CHARS[(k * 3 + 1) % 33] + VIN_CHARS[10 + (k * 11 + 5) % 23]
            plant = VIN_CHARS[10 + (k * 5) % 23]
            self.models.append(Model(k, make, wmi, model, cat, int(first), int(last), int(weight), energy, code, plant,
                                     wmi + code))
        self.models_by_year = {}
        for year in range(1985, 2046):
            y = min(max(year, 1990), 2026)
            ms = [m for m in self.models if m.first <= y <= m.last]
            self.models_by_year[year] = weighted([m.weight for m in ms], ms)
        self.colours = weighted([w for _, w in vehicles.COLOURS], [c for c, _ in vehicles.COLOURS])
        self.insurers = weighted([w for _, w in vehicles.INSURERS], [n for n, _ in vehicles.INSURERS])

        def by_year(points: tuple[tuple[int, int], ...]) -> dict[int, int]:
            out = {}
            for year in range(1985, 2046):
                v = 0
                for y, pm in points:
                    if year >= y:
                        v = pm
                out[year] = pm_threshold(v)
            return out

        def pm_threshold(pm: int) -> int:
            return pm * ONE // 1000

        self.diesel_by_year = by_year(vehicles.DIESEL_BY_YEAR)
        self.hybrid_by_year = by_year(vehicles.HYBRID_BY_YEAR)
        self.phones = vehicles.PHONES
        self.bikes = vehicles.BIKES
        self.laptops = vehicles.LAPTOPS
        self.tablets = vehicles.TABLETS

        # Plates.
        pairs = [a + b for a in PLATE_LETTERS for b in PLATE_LETTERS]
        self.siv_left = [p for p in pairs if p not in ("SS", "WW")]
        self.siv_right = [p for p in pairs if p != "SS"]
        # VIN serial check-digit partial sums (positions 12-14 and 15-17).
        self.vin_serial_hi = [7 * (n // 100) + 6 * (n // 10 % 10) + 5 * (n % 10) for n in range(1000)]
        self.vin_serial_lo = [4 * (n // 100) + 3 * (n // 10 % 10) + 2 * (n % 10) for n in range(1000)]

        # Dates: ISO strings and years for every day in [EPOCH, END).
        self.epoch = date(1900, 1, 1).toordinal()
        end = date(2061, 1, 1).toordinal()
        self.iso = [date.fromordinal(o).isoformat() for o in range(self.epoch, end)]
        # 4096 times of day, spread over the day: "Thh:mm:ssZ".
        self.times = [f"T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}Z"
                      for s in ((k * 86400 + (k * 7919) % 21) // 4096 for k in range(4096))]


@cache
def tables() -> Tables:
    return Tables()
