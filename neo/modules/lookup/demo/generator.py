"""Deterministic, streaming generation of the demo reference files.

``generate(seed, persons)`` yields, person by person, the person's identity and the records
that hang on it: identity card and passport, driving licence, vehicle registrations, and
when drawn, the hot-file entries (wanted, missing, stolen vehicle, stolen object, lost or
stolen document).

Randomness: person ``i`` reads a fixed block of ``WORDS`` 32-bit words, taken from a
Mersenne Twister seeded with ``(seed, i // BLOCK)``; each fact reads fixed words of that
block (the slot numbers below). So person ``i`` depends only on ``seed``, ``i`` and
``as_of``, never on the persons before it nor on the total: any slice ``[start, stop)``
can be generated on its own, in parallel, and equals the same part of a full run.
Identifiers that must be unique (plates, VINs, document numbers) are bijections of the
person's index (affine permutations keyed by the seed), so they never collide up to
``MAX_PERSONS`` persons. Only integer arithmetic decides anything: the output is the same
on every platform and Python version that keeps ``random.Random``'s byte stream.

The per-person recipe is one closure over its tables (``_build``): that is what makes it
fast enough to write millions of records.
"""

from __future__ import annotations

import random
import sys
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterator
from datetime import date
from functools import cache
from math import gcd
from typing import Any

from .records import (
    DrivingLicence,
    IdDocument,
    MissingPerson,
    Person,
    StolenDocument,
    StolenObject,
    StolenVehicle,
    VehicleRegistration,
    WantedPerson,
    _Record,
)
from .tables import DOC_LETTERS, ONE, PLATE_LETTERS, VIN_CHARS, VIN_WEIGHTS, VIN_YEAR, flat, tables, vin_value, weighted

Record = _Record

#: The fixed reference day of the demo (the "today" of the data), unless ``as_of`` is given.
REFERENCE_DATE = date(2026, 11, 1)
#: Up to this many persons every plate, VIN and document number is unique.
MAX_PERSONS = 16_000_000
#: Most vehicles one person holds.
MAX_VEHICLES = 3

BLOCK = 1024
WORDS = 112
_BYTES = WORDS * 4


def _pm(p: int) -> int:
    """Threshold on a 32-bit word for a probability of p per million."""
    return p * ONE // 1_000_000


# Age pyramid (France, 2020s, approximate): per mille in 5-year bands 0-4 … 95-99, then 100.
_AGE_BANDS = (53, 58, 62, 62, 57, 55, 59, 63, 63, 64, 66, 65, 63, 58, 55, 43, 29, 21, 11, 4, 1)

_SIV_START = date(2009, 4, 15)
_SIV_PER_DAY = 13_600          # plates issued per day, roughly (AA in 2009, around HA by 2026)
_CARD_LICENCE_START = date(2013, 9, 16)
_CNIE_START = date(2021, 8, 2)
_OLD_CNI_FIRST_MONTH = 2006 * 12 + 7   # August 2006 (months counted from year 0)
_OLD_CNI_MONTHS = 180
_LICENCE_Q = 16                # issue-month residue that keeps paper licence numbers unique
_FNI_SPACE = 999 * 23 ** 3 + 9000 * 23 ** 2 + 999 * 23 ** 2
_ADULT_DAYS = 6575             # 18 years

# Shares (per million) and thresholds.
_FEMALE = _pm(515_000)
_PARTICLE = _pm(5_000)
_COMPOUND_OLD = _pm(6_000)
_COMPOUND_YOUNG = _pm(60_000)
_TOP_SHARE = _pm(130_000)      # the ranked table's share among French-named persons
_G1, _G2, _G3 = _pm(120_000), _pm(570_000), _pm(950_000)   # 1, 2, 3, else 4 given names
_OWN_FIRST_NAME = 190          # /256: first names from one's origin list rather than the French table
_USAGE = _pm(450_000)
_LOCAL = _pm(250_000)
_SAME_BIRTH_COMMUNE = _pm(400_000)
_PIED_NOIR = _pm(30_000)
_MONACO = _pm(850_000)         # above this, a resident of Monaco's neighbours was born there (its hospital)
_MONACO_NEIGHBOURS = frozenset(("Beausoleil", "Cap-d'Ail", "La Turbie", "Roquebrune-Cap-Martin", "Menton",
                                "Èze", "Gorbio", "Sainte-Agnès", "Castellar", "Castillon"))
_BORN_HERE_FOREIGN = _pm(80_000)
_CNI_ADULT, _CNI_MINOR = _pm(920_000), _pm(550_000)
_CNIE_SHARE = _pm(350_000)
_PASSPORT_ADULT, _PASSPORT_MINOR = _pm(300_000), _pm(150_000)
_LICENCE, _LICENCE_OLD = _pm(860_000), _pm(700_000)
_LIC_SOON, _LIC_LATER = _pm(550_000), _pm(850_000)
_PTS_FULL, _PTS_MOST, _PTS_LOW = _pm(820_000), _pm(970_000), _pm(995_000)
_SUSPENDED, _CANCELLED = _pm(6_000), _pm(9_000)
_OWNER_WITHOUT_LICENCE = _pm(150_000)
_V0, _V1, _V2 = _pm(350_000), _pm(800_000), _pm(960_000)
_FNI_SHARE = _pm(80_000)
_NEW_CAR = _pm(450_000)
_UNINSURED = _pm(25_000)
_CT_OVERDUE = _pm(50_000)
_STOLEN_VEHICLE = _pm(10_000)
_STOLEN_DOC = _pm(6_000)
_STOLEN_OBJECT = _pm(8_000)
# Wanted: per million by sex, scaled by age (16-25, 26-45, 46-65, 66-75, over 75).
_WANTED = {"M": 12_500, "F": 3_100}
_WANTED_AGE = ((26, 16), (46, 13), (66, 6), (76, 1), (200, 0))   # (below this age, factor / 10)
_MISSING = {"child": _pm(150), "minor": _pm(12_000), "adult": _pm(1_000), "elderly": _pm(6_000)}

_WANTED_REASONS = (
    ("Mandat d'arrêt", "J", "Interpeller et aviser le parquet", 20),
    ("Mandat d'amener", "J", "Conduire devant le magistrat mandant ; aviser le parquet", 8),
    ("Fiche de recherche (police judiciaire)", "PJ", "Signaler sans intervenir ; aviser le service demandeur", 25),
    ("Extrait de jugement : peine d'emprisonnement à exécuter", "J", "Interpeller et aviser le parquet", 15),
    ("Évasion ou non-réintégration", "V", "Interpeller ; aviser l'établissement pénitentiaire et le parquet", 4),
    ("Interdiction du territoire français", "IT", "Interpeller et aviser la préfecture", 6),
    ("Débiteur envers le Trésor", "T", "Notifier la dette ; aviser le comptable public, ne pas interpeller", 8),
    ("Contrôle judiciaire : interdiction de paraître", "J", "Relever l'identité et le lieu ; aviser le juge", 6),
    ("Fiche de recherche : témoin à entendre", "PJ", "Inviter à se présenter au service demandeur", 8),
)
_WANTED_BY = ("Parquet du tribunal judiciaire de ", "Juge d'instruction, tribunal judiciaire de ",
              "Brigade de recherches de ", "Service de police judiciaire de ")
_DANGER = "Individu susceptible d'être armé et dangereux"
_MISSING_KINDS = {
    "child": ("Enlèvement parental présumé",
              "Retenir l'enfant et l'adulte qui l'accompagne ; aviser immédiatement le parquet"),
    "minor": ("Fugue de mineur", "Recueillir le mineur, le mettre en sécurité ; aviser le service demandeur"),
    "adult": ("Disparition inquiétante",
              "S'assurer de son état ; aviser le service demandeur. Ne pas révéler le lieu de découverte "
              "sans l'accord de la personne"),
    "elderly": ("Disparition inquiétante : personne vulnérable",
                "Prendre en charge (troubles cognitifs possibles) ; aviser le service demandeur"),
}
_THEFTS = (
    ("Vol simple", "Saisir le véhicule ; aviser le service enquêteur et le propriétaire", 45),
    ("Vol avec effraction", "Saisir le véhicule ; aviser le service enquêteur et le propriétaire", 35),
    ("Vol avec violence (car-jacking)",
     "Prudence : occupants susceptibles d'être dangereux. Interpeller les occupants ; aviser le service enquêteur",
     8),
    ("Véhicule de location non restitué", "Immobiliser le véhicule ; aviser le service enquêteur", 7),
    ("Vol par ruse (fausse vente)", "Saisir le véhicule ; aviser le service enquêteur", 5),
)
_HAIR = ("bruns", "châtains", "noirs", "blonds", "roux", "gris", "blancs")
_EYES = ("marron", "bleus", "verts", "noisette", "gris")
_DOC_INSTRUCTION = "Retenir le document ; vérifier l'identité du porteur (usurpation possible) ; aviser le service"
_OBJECT_INSTRUCTION = "Saisir l'objet ; aviser le service enquêteur"
_PLATE_INSTRUCTION = "Plaques volées : contrôler le véhicule (doublette possible) ; aviser le service enquêteur"


# --- public API -------------------------------------------------------------------------------

def generate(seed: int, persons: int, start: int = 0, stop: int | None = None, *,
             as_of: date = REFERENCE_DATE) -> Iterator[Record]:
    """Yield the records of persons ``start`` to ``stop - 1`` (of ``persons``), in order.

    For each person: the ``Person``, then its identity documents, driving licence, vehicle
    registrations and hot-file entries. Same arguments, same records, byte for byte; a
    person's records do not depend on ``persons`` (it only bounds the range).
    """
    if stop is None:
        stop = persons
    if not (0 <= start <= stop <= persons <= MAX_PERSONS):
        raise ValueError(f"need 0 <= start <= stop <= persons <= {MAX_PERSONS:,}")
    person = _build(seed, as_of)
    for i, u in _words(seed, start, stop):
        yield from person(i, u)


def person_records(seed: int, index: int, *, as_of: date = REFERENCE_DATE) -> list[Record]:
    """The records of person ``index`` alone (exactly what ``generate`` yields for it)."""
    if not 0 <= index < MAX_PERSONS:
        raise ValueError("person index out of range")
    person = _build(seed, as_of)
    return [r for i, u in _words(seed, index, index + 1) for r in person(i, u)]


# --- randomness -------------------------------------------------------------------------------

def _words(seed: int, start: int, stop: int) -> Iterator[tuple[int, array]]:
    """``(i, words of person i)`` for i in [start, stop): little-endian 32-bit words."""
    i = start
    while i < stop:
        block, off = divmod(i, BLOCK)
        rng = random.Random(f"neo-lookup-demo/{seed}/block/{block}")
        if off:
            rng.randbytes(off * _BYTES)
        end = min(stop, (block + 1) * BLOCK)
        words = array(_TYPECODE)
        words.frombytes(rng.randbytes((end - i) * _BYTES))
        if sys.byteorder == "big":
            words.byteswap()
        for j in range(end - i):
            yield i + j, words[j * WORDS:(j + 1) * WORDS]
        i = end


_TYPECODE = "I" if array("I").itemsize == 4 else "L"


def _affine(seed: int, salt: str, space: int) -> tuple[int, int, int]:
    """A seeded affine permutation of ``range(space)``: ``x -> (a*x + b) % space``."""
    rng = random.Random(f"neo-lookup-demo/{seed}/perm/{salt}")
    a = (space // 3 + rng.getrandbits(64) % (space // 2)) | 1
    while gcd(a, space) != 1:
        a += 2
    return a, rng.getrandbits(64) % space, space


def _by_last(items: tuple) -> tuple[list[int], list]:
    """A weighted table of tuples whose last element is the weight."""
    return weighted([x[-1] for x in items], [x[:-1] for x in items])


def _base33(n: int, width: int) -> str:
    """``n`` in base 33 over ``VIN_CHARS`` (no I, O, Q), ``width`` characters (8 or 9)."""
    t3 = _b33_triples()
    if width == 9:
        return t3[n // 1291467969] + t3[n // 35937 % 35937] + t3[n % 35937]
    return t3[n // 1291467969][1:] + t3[n // 35937 % 35937] + t3[n % 35937]


@cache
def _b33_triples() -> list[str]:
    return [a + b + c for a in VIN_CHARS for b in VIN_CHARS for c in VIN_CHARS]


def _luhn(digits: str) -> str:
    total = 0
    for k, c in enumerate(reversed(digits)):
        d = ord(c) - 48
        if k % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def _feminine(surname: str) -> str:
    """Polish and Russian surnames take their feminine form."""
    if surname.endswith(("ski", "cki")):
        return surname[:-1] + "a"
    if surname.endswith(("ov", "ev")):
        return surname + "a"
    return surname


def fni_plate(p: int, dept: str) -> str:
    """The ``p``-th plate of the FNI series of ``dept`` (123 ABC 06, 1234 AB 06, 12 AB 06)."""
    letters = PLATE_LETTERS
    a = 999 * 23 ** 3
    if p < a:
        num, s = divmod(p, 23 ** 3)
        return f"{num + 1} {letters[s // 529]}{letters[s // 23 % 23]}{letters[s % 23]} {dept}"
    p -= a
    b = 9000 * 23 ** 2
    if p < b:
        num, s = divmod(p, 529)
        return f"{num + 1000} {letters[s // 23]}{letters[s % 23]} {dept}"
    num, s = divmod(p - b, 529)
    return f"{num + 1} {letters[s // 23]}{letters[s % 23]} {dept}"


# --- the recipe -------------------------------------------------------------------------------

@cache
def _calendar() -> tuple[list[int], list[int], dict[int, int], dict[int, list[int]]]:
    """Day-number tables from 1900-01-01: year, month (y * 12 + m - 1), first day of each month,
    and for n in 4, 5, 10, 15 the last day of an n-year validity starting that day."""
    epoch = date(1900, 1, 1).toordinal()
    years = list(range(1900, 2062))
    year_start = {y: date(y, 1, 1).toordinal() - epoch for y in years}
    leap = {y: (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 for y in years}
    year_of: list[int] = []
    month_of: list[int] = []
    for y in years[:-1]:
        year_of.extend([y] * (year_start[y + 1] - year_start[y]))
        for m in range(12):
            nxt = date(y + (m == 11), (m + 1) % 12 + 1, 1).toordinal() - epoch
            month_of.extend([y * 12 + m] * (nxt - (date(y, m + 1, 1).toordinal() - epoch)))
    month_start = {y * 12 + m: date(y, m + 1, 1).toordinal() - epoch for y in years for m in range(12)}
    plus: dict[int, list[int]] = {}
    for n in (4, 5, 10, 15):
        ends = []
        for dn in range(year_start[2061 - n]):
            y = year_of[dn]
            doy = dn - year_start[y]
            if doy >= 59 and leap[y] != leap[y + n]:
                doy += -1 if leap[y] else 1
            ends.append(year_start[y + n] + doy - 1)
        plus[n] = ends
    return year_of, month_of, month_start, plus


@cache
def _flat_tables() -> dict[str, Any]:
    """The sampling tables expanded for direct indexing (seed-independent, built once)."""
    t = tables()
    era_of = {y: min(max((y - 1900) // 5, 0), 26) for y in range(1800, 2100)}
    era_flat = {key: flat(table, 14) for key, table in t.first_names.items()}
    return {
        "eras": {sex: {y: era_flat[(sex, era_of[y])] for y in range(1800, 2100)} for sex in ("M", "F")},
        "band": flat(weighted(_AGE_BANDS, range(len(_AGE_BANDS))), 14),
        "origin": flat(t.origin_table, 14),
        "own": {(key, sex): flat(o.male if sex == "M" else o.female, 12) for key, o in t.origins.items()
                for sex in ("M", "F")},
        "surnames": {key: flat(o.surnames, 12) for key, o in t.origins.items()},
        "top": flat(t.top_surnames, 16),
        "bucket": flat(t.tail_buckets, 12),
        "local": flat(t.local_communes, 16),
        "all": flat(t.all_communes, 16),
        "kind": flat(t.street_kinds, 12),
        "models": {year: flat(table, 12) for year, table in t.models_by_year.items()},
        "colour": flat(t.colours, 12),
        "insurer": flat(t.insurers, 12),
    }


@cache
def _build(seed: int, as_of_date: date) -> Callable[[int, array], list[Record]]:
    t = tables()
    epoch = t.epoch
    as_of = as_of_date.toordinal() - epoch          # day numbers count from 1900-01-01
    if not (_CNIE_START.toordinal() - epoch < as_of < date(2045, 1, 1).toordinal() - epoch):
        raise ValueError("as_of must be after 2 August 2021 and before 2045")
    iso = t.iso
    times = t.times

    year_of, month_of, month_start, plus = _calendar()
    ft = _flat_tables()
    eras = ft["eras"]
    plus4, plus5, plus10, plus15 = plus[4], plus[5], plus[10], plus[15]

    def stamp(dn: int, r: int) -> str:
        return iso[dn] + times[r & 4095]

    band_flat = ft["band"]

    siv_start = _SIV_START.toordinal() - epoch
    card_start = _CARD_LICENCE_START.toordinal() - epoch
    cnie_start = _CNIE_START.toordinal() - epoch
    fni_lo = date(1990, 1, 1).toordinal() - epoch
    siv_a, siv_b, siv_m = _affine(seed, "siv", (as_of - siv_start) * _SIV_PER_DAY)
    fni_a, fni_b, fni_m = _affine(seed, "fni", _FNI_SPACE)
    vin_a, vin_b, vin_m = _affine(seed, "vin", 33 * 33 * 1_000_000)
    cni_a, cni_b, cni_m = _affine(seed, "cni", _OLD_CNI_MONTHS * 100_000)
    cnie_a, cnie_b, cnie_m = _affine(seed, "cnie", 23 * 33 ** 7 * 10)
    pas_a, pas_b, pas_m = _affine(seed, "passport", 12 * 24 * 100_000)
    lic_a, lic_b, lic_m = _affine(seed, "licence", _LICENCE_Q * 1_000_000)
    card_a, card_b, card_m = _affine(seed, "licence-card", 12 * 24 * 100_000)
    ref_a, ref_b, ref_m = _affine(seed, "refs", 1_000_000)
    imei_a, imei_b, imei_m = _affine(seed, "imei", len(t.phones) * 1_000_000)
    frame_a, frame_b, frame_m = _affine(seed, "frames", 33 ** 8)

    origin_flat = ft["origin"]
    origins = t.origins
    own_flat = ft["own"]
    surnames_flat = ft["surnames"]
    top_flat = ft["top"]
    part_cum, part_vals = t.particles
    bucket_flat = ft["bucket"]
    roots, endings, forms = t.tail_roots, t.tail_endings, t.tail_forms
    n_endings, tail_base = len(endings), t.tail_base
    local_flat = ft["local"]
    all_flat = ft["all"]
    all_cum, all_vals = t.all_communes
    kind_flat = ft["kind"]
    street_names = t.street_names
    n_streets = len(street_names)
    departments = t.departments
    prefecture = {code: "Préfecture " + d.de_form for code, d in departments.items()}
    models_flat = ft["models"]
    colour_flat = ft["colour"]
    insurer_flat = ft["insurer"]
    diesel, hybrid = t.diesel_by_year, t.hybrid_by_year
    siv_left_dash = [p + "-" for p in t.siv_left]
    siv_dash_right = ["-" + p for p in t.siv_right]
    d3 = [f"{k:03d}" for k in range(1000)]
    # Licence numbers are all digits: Corsica counts as 20, overseas as 97.
    licence_dept = {code: "20" if code in ("2A", "2B") else code[:2] for code in t.departments}
    yymm = {m: f"{m // 12 % 100:02d}{m % 12 + 1:02d}" for m in range(1900 * 12, 2062 * 12)}
    n_right = len(siv_dash_right)
    serial_hi, serial_lo = t.vin_serial_hi, t.vin_serial_lo
    vin_fixed = {m.index: sum(vin_value(c) * w for c, w in zip(m.wmi + m.code, VIN_WEIGHTS[:6], strict=True))
                 + vin_value(m.plant) * 8 for m in t.models}
    var_str = [a + b for a in VIN_CHARS for b in VIN_CHARS]                       # VIN positions 7-8
    var_sum = [vin_value(a) * 2 + vin_value(b) * 10 for a in VIN_CHARS for b in VIN_CHARS]
    vin_year_sum = {c: vin_value(c) * 9 for c in VIN_YEAR}
    check_char = [str(k) for k in range(10)] + ["X"]
    wanted_cum, wanted_vals = _by_last(_WANTED_REASONS)
    theft_cum, theft_vals = _by_last(_THEFTS)
    wanted_thr = {}
    for sex, base in _WANTED.items():
        wanted_thr[sex] = [_pm(base * f // 10) for _, f in _WANTED_AGE]

    def tail_surname(r1: int, r2: int) -> str:
        lo, hi = bucket_flat[r1 >> 20]
        form, rest = divmod(lo + ((r2 * (hi - lo)) >> 32), tail_base)
        root, ending = divmod((rest * 7919 + 13) % tail_base, n_endings)
        base = roots[root] + endings[ending]
        prefix = forms[form]
        if not prefix or prefix[-1] in " -":
            return prefix + base
        return prefix + base.lower()

    def french_surname(u0: int, u1: int, u2: int, born: int) -> str:
        if u0 >= _TOP_SHARE:
            return tail_surname(u1, u2)
        if u0 < _PARTICLE:
            particle, names = part_vals[bisect_right(part_cum, u1)]
            return particle + names[(u2 * len(names)) >> 32]
        if u0 < _PARTICLE + (_COMPOUND_YOUNG if born >= 2005 else _COMPOUND_OLD):
            a = top_flat[u1 >> 16] if u1 & 1 else tail_surname(u1, u2)
            b = top_flat[u2 >> 16]
            if a == b:
                return a
            return a + ("--" if 2005 <= born <= 2010 else "-") + b
        return top_flat[u1 >> 16]

    def service(commune: str, dept: str, r: int) -> str:
        kind = r & 3
        if kind == 0:
            return "Commissariat de police de " + commune
        if kind == 1:
            return "Brigade de gendarmerie de " + commune
        if kind == 2:
            return "Brigade de recherches de " + departments[dept].chef_lieu
        return "Sûreté départementale " + departments[dept].de_form

    def person(i: int, u: array) -> list[Record]:
        # Slots: 0 sex, 1-2 birth, 3 origin, 4-6 surname, 7-11 given names, 12-15 birth place and
        # nationality, 16-21 residence, 22-24 + 97 usage name, 25-26 update, 27-30 identity card,
        # 31-33 passport, 34-40 licence, 41 + 98 vehicle count, 42-77 vehicles (12 each),
        # 78-82 wanted, 83-86 missing, 87-91 lost/stolen document, 92-96 stolen object.
        ident = f"{i:08d}"
        pid = "P" + ident

        sex = "F" if u[0] < _FEMALE else "M"
        band = band_flat[u[1] >> 18]
        age_days = band * 1826 + ((u[2] * (366 if band == 20 else 1826)) >> 32)
        birth = as_of - age_days
        birth_iso = iso[birth]
        year = year_of[birth]
        age = age_days * 100 // 36525

        # Names.
        okey = origin_flat[u[3] >> 18]
        if okey == "fr":
            origin = None
            surname = french_surname(u[4], u[5], u[6], year)
        else:
            origin = origins[okey]
            r = u[4]
            if r < origin.synth_share:
                surname = origin.synth[(u[5] * len(origin.synth)) >> 32]
            elif r < origin.compound_share:
                listed = surnames_flat[okey]
                a, b = listed[u[5] >> 20], listed[u[6] >> 20]
                surname = a if a == b else a + " " + b
            else:
                surname = surnames_flat[okey][u[5] >> 20]
            if sex == "F":
                surname = _feminine(surname)
        r = u[7]
        n = 1 if r < _G1 else 2 if r < _G2 else 3 if r < _G3 else 4
        own = None if origin is None else own_flat[(okey, sex)]
        sex_eras = eras[sex]
        era = sex_eras[year]
        w = u[8]
        if own is not None and (w & 0xFF) < _OWN_FIRST_NAME:
            first_given = own[w >> 20]
        else:
            first_given = era[w >> 18]
        given_list = [first_given]
        if n > 1:
            era = sex_eras[year - 30]     # later given names: often the grandparents'
            for k in range(9, 8 + n):
                w = u[k]
                if own is not None and (w & 0xFF) < _OWN_FIRST_NAME:
                    name = own[w >> 20]
                else:
                    name = era[w >> 18]
                if name not in given_list:
                    given_list.append(name)
        given = tuple(given_list)
        usage = None
        if sex == "F" and age >= 25 and u[22] < _USAGE:
            usage = french_surname(u[97], u[23], u[24], year - 2)
            if usage == surname:
                usage = None

        # Residence.
        home = local_flat[u[17] >> 16] if u[16] < _LOCAL else all_flat[u[17] >> 16]
        commune = home.name
        dept = home.department
        postal = home.postal_code
        if home.arrondissements:
            postal = f"{int(postal) + ((u[21] * home.arrondissements) >> 32):05d}"
        address = (f"{1 + ((u[18] * 140) >> 32)} {kind_flat[u[19] >> 20]} "
                   f"{street_names[(u[20] * n_streets) >> 32]}")

        # Birth place, nationality.
        r = u[12]
        nationality = "française"
        if origin is not None and r < origin.abroad:
            country, cities, nat = origin.countries[1][bisect_right(origin.countries[0], u[13])]
            birth_place, birth_dept, birth_country = cities[(u[14] * len(cities)) >> 32], "99", country
            if u[15] < origin.foreign:
                nationality = nat
        elif origin is None and year <= 1962 and r < _PIED_NOIR:
            birth_place, birth_dept, birth_country = ("Alger", "Oran", "Constantine", "Bône")[u[14] & 3], "99", \
                "Algérie"
        elif r > _MONACO and commune in _MONACO_NEIGHBOURS:
            birth_place, birth_dept, birth_country = "Monaco", "99", "Monaco"
        else:
            bc = home if u[13] < _SAME_BIRTH_COMMUNE else all_flat[u[14] >> 16]
            birth_place, birth_dept, birth_country = bc.name, bc.department, "France"
            if origin is not None and u[15] < _BORN_HERE_FOREIGN:
                nationality = origin.countries[1][0][2]

        out: list[Record] = [Person(pid, surname, usage, given, sex, birth_iso, birth_place, birth_dept,
                                    birth_country, nationality, address, postal, commune, dept,
                                    stamp(as_of - ((u[25] * 1800) >> 32), u[26]))]

        # Identity card: the 1995 model (YYMM of issue, département and office, 5-digit counter),
        # unless it was renewed or first issued since August 2021 (9 characters).
        if age >= 2 and u[27] < (_CNI_ADULT if age >= 18 else _CNI_MINOR):
            r = u[28]
            number = None
            if r >= _CNIE_SHARE:
                month_idx, counter = divmod((cni_a * i + cni_b) % cni_m, 100_000)
                m_abs = _OLD_CNI_FIRST_MONTH + month_idx
                issued = month_start[m_abs] + ((u[29] * 28) >> 32)
                if issued > birth + 30:
                    adult = issued - birth >= _ADULT_DAYS
                    y = m_abs // 12
                    expires = (plus15 if adult and y >= 2004 else plus10)[issued]
                    if expires >= as_of or (r & 0xFF) < 80:
                        office = d3[r % 10][2] if len(dept) == 2 else ""
                        number = yymm[m_abs] + dept + office + d3[counter // 1000][1:] + d3[counter % 1000]
                        fmt = "cni_1995"
            if number is None:
                lo = max(cnie_start, birth + 30)
                if lo < as_of:
                    issued = lo + (((u[29] >> 1) * (as_of - lo)) >> 31)
                        # A letter, 7 letters or digits, a digit (never all letters nor all digits).
                    head, digit = divmod((cnie_a * i + cnie_b) % cnie_m, 10)
                    first_letter, rest = divmod(head, 33 ** 7)
                    number = PLATE_LETTERS[first_letter] + _base33(rest, 8)[1:] + d3[digit][2]
                    fmt = "cni_2021"
                    expires = plus10[issued]
            if number is not None:
                did = "D" + ident + "C"
                out.append(IdDocument(did, "carte nationale d'identité", fmt, number, pid, surname, usage, given, sex,
                                      birth_iso, birth_place, iso[issued], iso[expires], prefecture[dept],
                                      stamp(issued + ((u[30] * (as_of - issued + 1)) >> 32), u[30] >> 3)))

        # Passport: NNLLNNNNN, the first two digits being the year of issue.
        if u[31] < (_PASSPORT_ADULT if age >= 18 else _PASSPORT_MINOR):
            lo = max(as_of - 3650, birth + 30)
            if lo < as_of:
                issued = lo + ((u[32] * (as_of - lo)) >> 32)
                di = iso[issued]
                letters, digits = divmod((pas_a * i + pas_b) % pas_m, 100_000)
                number = f"{di[2:4]}{DOC_LETTERS[letters // 24]}{DOC_LETTERS[letters % 24]}{digits:05d}"
                did = "D" + ident + "P"
                out.append(IdDocument(did, "passeport", "passeport", number, pid, surname, usage, given, sex,
                                      birth_iso, birth_place, di,
                                      iso[(plus10 if issued - birth >= _ADULT_DAYS else plus5)[issued]],
                                      prefecture[dept],
                                      stamp(issued + ((u[33] * (as_of - issued + 1)) >> 32), u[33] >> 3)))

        # Driving licence: category B obtained at 18 or later. The licence number (12 digits: YYMM
        # of first issue, département, 6-digit counter) stays when a pink paper licence is
        # exchanged for a card (since September 2013); a card also has its own title number
        # (2 digits of the year of issue, 2 letters, 5 digits, like a passport).
        licence = None
        if age >= 18 and u[34] < (_LICENCE if age < 80 else _LICENCE_OLD):
            r = u[35]
            offset = ((u[36] * 24) >> 32) if r < _LIC_SOON else \
                24 + ((u[36] * 96) >> 32) if r < _LIC_LATER else 120 + ((u[36] * 240) >> 32)
            m_abs = month_of[birth] + 216 + offset
            q, counter = divmod((lic_a * i + lic_b) % lic_m, 1_000_000)
            m_abs += (q - m_abs) % _LICENCE_Q
            first = month_start.get(m_abs, as_of) + ((u[37] * 28) >> 32)
            if first <= as_of - 7:
                rc = u[38]
                number = yymm[m_abs] + licence_dept[dept] + d3[counter // 1000] + d3[counter % 1000]
                if first < card_start and (u[37] & 0xFF) < 140:
                    fmt, issued, expires, card_number = "permis_papier", first, None, None
                else:
                    issued = first if first >= card_start else card_start + ((rc * (as_of - card_start)) >> 32)
                    di = iso[issued]
                    letters, digits = divmod((card_a * i + card_b) % card_m, 100_000)
                    letters += 288          # passports use the first half of the letter pairs
                    card_number = di[2:4] + DOC_LETTERS[letters // 24] + DOC_LETTERS[letters % 24] + \
                        d3[digits // 1000][1:] + d3[digits % 1000]
                    fmt, expires = "permis_carte", iso[plus15[issued]]
                cats = ["B"]
                if (rc >> 8 & 0xFF) < (28 if sex == "M" else 8):
                    cats.insert(0, "A")
                if (rc >> 16 & 0xFF) < 15:
                    cats.append("BE")
                if sex == "M" and (rc >> 24) < 10:
                    cats.append("C")
                held = (as_of - first) // 365
                probationary = held < 3
                rp = u[39]
                if probationary:
                    points = 6 + 2 * held
                elif rp < _PTS_FULL:
                    points = 12
                elif rp < _PTS_MOST:
                    points = 8 + (rp & 3)
                elif rp < _PTS_LOW:
                    points = 1 + rp % 7
                else:
                    points = 0
                rs = u[40]
                status = "invalidé (solde de points nul)" if points == 0 else "suspendu" if rs < _SUSPENDED else \
                    "annulé" if rs < _CANCELLED else "valide"
                since = issued if issued > as_of - 3650 else as_of - 3650
                licence = DrivingLicence("L" + ident, number, card_number, fmt, pid, surname, usage, given, birth_iso, birth_place,
                                         tuple(cats), iso[first], iso[issued], expires, points, probationary, status,
                                         stamp(since + (((rs >> 1) * (as_of - since + 1)) >> 31), rs >> 9))
                out.append(licence)

        # Vehicles (held by licence holders, and by a few people without one).
        nveh = 0
        if age >= 18 and (licence is not None or u[98] < _OWNER_WITHOUT_LICENCE):
            r = u[41]
            nveh = 0 if r < _V0 else 1 if r < _V1 else 2 if r < _V2 else 3
        if nveh:
            holder = (usage or surname).upper() + " " + first_given
            for k in range(nveh):
                b = 42 + 12 * k
                x = MAX_VEHICLES * i + k
                if k == 0 and age >= 30 and u[b] < _FNI_SHARE:
                    # Never re-registered since before the SIV: an FNI plate of the holder's département.
                    first = fni_lo + ((u[b + 4] * (siv_start - fni_lo)) >> 32)
                    cert = first
                    plate = fni_plate((fni_a * i + fni_b) % fni_m, dept)
                    plate_format = "FNI"
                else:
                    seq = (siv_a * x + siv_b) % siv_m
                    cert = siv_start + seq // _SIV_PER_DAY
                    nn, num = divmod(seq, 999)
                    left, right = divmod(nn, n_right)
                    plate = siv_left_dash[left] + d3[num + 1] + siv_dash_right[right]
                    plate_format = "SIV"
                    rf = u[b + 4]
                    first = cert if rf < _NEW_CAR else max(cert - 180 - ((rf * 5000) >> 32), fni_lo)
                first_iso = iso[first]
                vyear = year_of[first]
                m = models_flat[vyear][u[b + 1] >> 20]
                energy = m.energy
                if energy == "*":
                    re = u[b + 3]
                    if re < (3865470566 if m.category == "CTTE" else diesel[vyear]):   # 90 % of vans
                        energy = "gazole"
                    elif re > ONE - 1 - hybrid[vyear]:
                        energy = "hybride"
                    else:
                        energy = "essence"
                colour = colour_flat[u[b + 2] >> 20]

                # VIN: WMI, model code, 2 variable characters, check digit, year, plant, serial.
                var, serial = divmod((vin_a * x + vin_b) % vin_m, 1_000_000)
                hi, lo = divmod(serial, 1000)
                ycode = VIN_YEAR[(vyear - 1980) % 30]
                check = (vin_fixed[m.index] + var_sum[var] + vin_year_sum[ycode] + serial_hi[hi] + serial_lo[lo]) % 11
                vin = m.head + var_str[var] + check_char[check] + ycode + m.plant + d3[hi] + d3[lo]

                ri = u[b + 6]
                insured = as_of - 1 - ri % 400 if ri < _UNINSURED else as_of + 1 + ((ri * 364) >> 32)
                inspection = None
                if m.category != "MTL":
                    due = plus4[first]
                    if due < as_of:
                        due += ((as_of - due) // 730 + 1) * 730
                        if u[b + 7] < _CT_OVERDUE:
                            due -= 730
                    inspection = iso[due]
                vid = "V" + ident + str(k)
                ru = u[b + 9]
                since = cert if cert > as_of - 3650 else as_of - 3650
                out.append(VehicleRegistration(vid, plate, plate_format, vin, m.make, m.model, m.category, energy,
                                               colour, first_iso, iso[cert], pid, holder, address, postal, commune,
                                               insurer_flat[u[b + 5] >> 20], iso[insured],
                                               inspection, stamp(since + ((ru * (as_of - since + 1)) >> 32), ru >> 4)))
                if u[b + 8] < _STOLEN_VEHICLE:
                    rd, rp = u[b + 10], u[b + 11]
                    stolen = max(cert, as_of - ((rd * 540) >> 32))
                    circ, instruction = theft_vals[bisect_right(theft_cum, rp)]
                    place = home if (rd & 0xF) < 11 else all_vals[bisect_right(all_cum, (rd << 4) & 0xFFFFFFFF)]
                    ref = (ref_a * x + ref_b) % ref_m
                    out.append(StolenVehicle("S" + ident + str(k), vid, plate, vin, m.make, m.model, colour,
                                             iso[stolen], place.name, circ, instruction,
                                             f"PV {iso[stolen][:4]}/{ref:06d}",
                                             service(place.name, place.department, rp >> 8),
                                             stamp(stolen + (((ru >> 2) * (as_of - stolen + 1)) >> 30), rp >> 9)))

        # Hot files.
        if age >= 16 and u[78] < wanted_thr[sex][0 if age < 26 else 1 if age < 46 else 2 if age < 66 else 3 if age < 76 else 4]:
            out.append(wanted(i, u, ident, pid, surname, usage, given, sex, birth_iso, birth_place, year, dept,
                              nationality))
        mkind = "child" if age < 13 else "minor" if age < 18 else "adult" if age < 75 else "elderly"
        if u[83] < _MISSING[mkind]:
            out.append(missing(i, u, ident, pid, surname, given, sex, birth_iso, birth_place, age, home, mkind))
        if u[87] < _STOLEN_DOC:      # one of the person's documents declared lost or stolen
            docs = [(r.id, r.document_type, r.number) for r in out if type(r) is IdDocument]
            if licence is not None:
                docs.append((licence.id, "permis de conduire", licence.number))
            if docs:
                did, dtype, number = docs[(u[88] * len(docs)) >> 32]
                declared = as_of - ((u[89] * 720) >> 32)
                out.append(StolenDocument("T" + ident + "0", did, dtype, number, pid,
                                          (usage or surname).upper() + " " + first_given, birth_iso,
                                          "volé" if (u[88] & 0xFF) < 100 else "perdu", iso[declared],
                                          service(commune, dept, u[90]), _DOC_INSTRUCTION,
                                          stamp(declared + ((u[91] * (as_of - declared + 1)) >> 32), u[91] >> 5)))
        if u[92] < _STOLEN_OBJECT:
            out.append(stolen_object(i, u, ident, pid, commune, out))
        return out

    def wanted(i, u, ident, pid, surname, usage, given, sex, birth_iso, birth_place, year, dept,
               nationality) -> WantedPerson:
        reason, category, instruction = wanted_vals[bisect_right(wanted_cum, u[79])]
        if category == "IT" and nationality == "française":     # a ban from France is for foreigners
            reason, category, instruction = wanted_vals[2]
        danger = _DANGER if (u[80] & 0xFF) < 20 else None
        registered = as_of - ((u[81] * 1500) >> 32)
        aliases: tuple[str, ...] = ()
        ra = u[82]
        if (u[80] >> 8 & 0xFF) < 40:
            if ra & 1:   # another surname, same first name
                aliases = (f"{tail_surname(ra, u[80]).upper()} {given[0]}",)
            else:        # same surname, another first name
                other = eras[sex][year][ra >> 18]
                if other != given[0]:
                    aliases = (f"{surname.upper()} {other}",)
        ref = (ref_a * i + ref_b) % ref_m
        day = iso[registered]
        return WantedPerson("W" + ident, pid, surname, usage, given, sex, birth_iso, birth_place, aliases, reason,
                            category, instruction, danger, f"FPR {day[:4]}-{ref:06d}",
                            _WANTED_BY[u[80] >> 30] + departments[dept].chef_lieu, day,
                            stamp(registered + ((u[81] >> 3) % (as_of - registered + 1)), ra >> 7))

    def missing(i, u, ident, pid, surname, given, sex, birth_iso, birth_place, age, home, mkind) -> MissingPerson:
        kind, instruction = _MISSING_KINDS[mkind]
        since = as_of - ((u[84] * (60 if mkind == "minor" else 900)) >> 32)
        r = u[85]
        if age < 13:
            height = 80 + 6 * age + r % 15
        elif age < 18:
            height = (150 if sex == "M" else 145) + r % 35
        else:
            height = (160 if sex == "M" else 150) + r % 32
        hair = _HAIR[(r >> 8) % (5 if age < 50 else len(_HAIR))]
        eyes = _EYES[(r >> 12) % len(_EYES)]
        ref = (ref_a * (i + 7) + ref_b) % ref_m
        day = iso[since]
        return MissingPerson("M" + ident, pid, surname, given, sex, birth_iso, birth_place, kind, day, home.name,
                             f"{height} cm, cheveux {hair}, yeux {eyes}", instruction, f"DISP {day[:4]}-{ref:06d}",
                             service(home.name, home.department, r >> 16),
                             stamp(since + ((u[86] * (as_of - since + 1)) >> 32), u[86] >> 5))

    def stolen_object(i, u, ident, pid, commune, out) -> StolenObject:
        r = u[93]
        stolen = as_of - ((u[94] * 720) >> 32)
        kind = r % 20
        reg = next((x for x in out if type(x) is VehicleRegistration), None)
        if kind < 10:
            tac_i, serial = divmod((imei_a * i + imei_b) % imei_m, 1_000_000)
            brand, model, tac = t.phones[tac_i]
            body = f"{tac}{serial:06d}"
            obj = ("téléphone portable", brand, model, "IMEI", body + _luhn(body))
        elif kind < 15:
            brand, model = t.bikes[(r >> 8) % len(t.bikes)]
            obj = ("vélo", brand, model, "numéro de cadre", "WBK" + _base33((frame_a * i + frame_b) % frame_m, 8))
        elif kind < 18:
            brand, model = t.laptops[(r >> 8) % len(t.laptops)]
            serial = _base33((frame_a * (i + MAX_PERSONS) + frame_b) % frame_m, 8)
            obj = ("ordinateur portable", brand, model, "numéro de série", "C0" + serial + "J")
        elif kind < 19 or reg is None:
            brand, model = t.tablets[(r >> 8) % len(t.tablets)]
            serial = _base33((frame_a * (i + 2 * MAX_PERSONS) + frame_b) % frame_m, 8)
            obj = ("tablette", brand, model, "numéro de série", "DMP" + serial)
        else:
            obj = ("plaques d'immatriculation", reg.make, reg.model, "plaque", reg.plate)
        instruction = _PLATE_INSTRUCTION if obj[3] == "plaque" else _OBJECT_INSTRUCTION
        ref = (ref_a * (i + 13) + ref_b) % ref_m
        return StolenObject("O" + ident + "0", *obj, pid, iso[stolen], commune, instruction,
                            f"PV {iso[stolen][:4]}/{ref:06d}",
                            stamp(stolen + ((u[95] * (as_of - stolen + 1)) >> 32), u[95] >> 5))

    return person
