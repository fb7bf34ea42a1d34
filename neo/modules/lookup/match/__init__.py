"""Normalisation and matching for the record lookup module: pure Python, no Qt, no SQL.

What the officer types (a name and a birth date, a plate, a VIN, a document number, an
MRZ) is read, normalised and scored against records here; HQ's indexes and the device's
hot-list share its canonical keys. Nothing here imports from ``neo``: HQ, the device
and tests use it alike.

Modules: :mod:`.names`, :mod:`.dates`, :mod:`.plates`, :mod:`.vin`, :mod:`.documents`,
:mod:`.mrz`, :mod:`.detect`, :mod:`.keys`; messages for the officer are
:class:`~.problems.Problem` and :class:`~.problems.Notice` values (French and English).
"""

from .dates import BirthDateQuery, DatePrecision, PartialDate, date_score, parse_birth_date
from .detect import Interpretation, PersonQuery, Query, QueryKind, detect
from .documents import (
    DocumentKind,
    DocumentNumber,
    document_score,
    normalize_serial,
    parse_document_number,
    serial_key,
)
from .keys import (
    KEY_VERSION,
    document_key,
    person_key,
    person_keys,
    person_query_keys,
    plate_key,
    serial_number_key,
    vin_key,
)
from .mrz import DocumentType, FieldCheck, Mrz, MrzFormat, looks_like_mrz, mrz_check_digit, parse_mrz
from .names import (
    PARTICLES,
    NameMatch,
    NameParts,
    PersonName,
    damerau_levenshtein,
    fold_text,
    name_match,
    name_parts,
    name_score,
    name_tokens,
    normalize_name,
    phonetic_key,
    phonetic_name_key,
    soundex2,
    token_similarity,
    trigram_similarity,
)
from .plates import Plate, PlateFormat, compact_plate, normalize_plate, parse_plate, plate_from_field, plate_score
from .problems import Notice, Problem
from .vin import CheckDigit, Region, Vin, normalize_vin, parse_vin, vin_check_digit, vin_score

__all__ = [
    "KEY_VERSION",
    "PARTICLES",
    "BirthDateQuery",
    "CheckDigit",
    "DatePrecision",
    "DocumentKind",
    "DocumentNumber",
    "DocumentType",
    "FieldCheck",
    "Interpretation",
    "Mrz",
    "MrzFormat",
    "NameMatch",
    "NameParts",
    "Notice",
    "PartialDate",
    "PersonName",
    "PersonQuery",
    "Plate",
    "PlateFormat",
    "Problem",
    "Query",
    "QueryKind",
    "Region",
    "Vin",
    "compact_plate",
    "damerau_levenshtein",
    "date_score",
    "detect",
    "document_key",
    "document_score",
    "fold_text",
    "looks_like_mrz",
    "mrz_check_digit",
    "name_match",
    "name_parts",
    "name_score",
    "name_tokens",
    "normalize_name",
    "normalize_plate",
    "normalize_serial",
    "normalize_vin",
    "parse_birth_date",
    "parse_document_number",
    "parse_mrz",
    "parse_plate",
    "parse_vin",
    "person_key",
    "person_keys",
    "person_query_keys",
    "phonetic_key",
    "phonetic_name_key",
    "plate_from_field",
    "plate_key",
    "plate_score",
    "serial_key",
    "serial_number_key",
    "soundex2",
    "token_similarity",
    "trigram_similarity",
    "vin_check_digit",
    "vin_key",
    "vin_score",
]
