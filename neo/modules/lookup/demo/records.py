"""The records the demo generator yields, one dataclass per reference file.

Every record has ``FILE`` (its reference file, also written as ``file`` by ``to_dict``),
``id`` (unique within the file and stable for a given seed), the identifiers and facts an
officer needs, and ``updated_at`` (UTC, ISO 8601, ``Z``). Dates are ISO strings
(``YYYY-MM-DD``) so that records go to JSON Lines or CSV as they are; tuples become lists.

Ids carry the index of the person they come from: ``P00000042`` (person 42), ``D00000042C``
(identity card), ``D00000042P`` (passport), ``L00000042`` (driving licence),
``V000000421`` (person 42's vehicle 1), ``W…`` wanted, ``M…`` missing, ``S…`` stolen
vehicle, ``O…`` stolen object, ``T…`` stolen or lost document.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

PERSONS = "persons"
ID_DOCUMENTS = "id_documents"
DRIVING_LICENCES = "driving_licences"
VEHICLE_REGISTRATIONS = "vehicle_registrations"
WANTED_PERSONS = "wanted_persons"
MISSING_PERSONS = "missing_persons"
STOLEN_VEHICLES = "stolen_vehicles"
STOLEN_OBJECTS = "stolen_objects"
STOLEN_DOCUMENTS = "stolen_documents"


class _Record:
    __slots__ = ()
    FILE: ClassVar[str]
    COLUMNS: ClassVar[tuple[str, ...]]

    def to_dict(self) -> dict[str, Any]:
        """``{"file": …, field: value…}`` with tuples as lists (JSON-ready)."""
        out: dict[str, Any] = {"file": self.FILE}
        for name in self.COLUMNS:
            v = getattr(self, name)
            out[name] = list(v) if type(v) is tuple else v
        return out


@dataclass(slots=True)
class Person(_Record):
    """A civil identity (the base the other files refer to)."""
    FILE: ClassVar[str] = PERSONS
    id: str
    surname: str                 # birth name, usual spelling (accents, particles, compounds)
    usage_name: str | None       # nom d'usage (e.g. a spouse's name), if any
    given_names: tuple[str, ...]  # in civil-status order; the first is the usual one
    sex: str                     # "M" or "F"
    birth_date: str
    birth_place: str             # commune (France) or city (abroad)
    birth_department: str        # département code, "99" when born abroad
    birth_country: str
    nationality: str             # "française", "portugaise"…
    address: str
    postal_code: str
    commune: str
    department: str
    updated_at: str


@dataclass(slots=True)
class IdDocument(_Record):
    """A national identity card (1995 12-character or 2021 9-character number) or a passport."""
    FILE: ClassVar[str] = ID_DOCUMENTS
    id: str
    document_type: str           # "carte nationale d'identité" or "passeport"
    format: str                  # "cni_1995", "cni_2021", "passeport"
    number: str
    person_id: str
    surname: str
    usage_name: str | None
    given_names: tuple[str, ...]
    sex: str
    birth_date: str
    birth_place: str
    issued_on: str
    expires_on: str
    issuing_authority: str
    updated_at: str


@dataclass(slots=True)
class DrivingLicence(_Record):
    """A driving licence: the pink paper one (before September 2013) or the card."""
    FILE: ClassVar[str] = DRIVING_LICENCES
    id: str
    number: str                  # the licence number, 12 digits (kept when a paper licence is exchanged)
    card_number: str | None      # the card's own number (NNLLNNNNN), None for a paper licence
    format: str                  # "permis_papier" or "permis_carte"
    person_id: str
    surname: str
    usage_name: str | None
    given_names: tuple[str, ...]
    birth_date: str
    birth_place: str
    categories: tuple[str, ...]
    first_issued_on: str         # category B obtained
    issued_on: str               # this document
    expires_on: str | None       # cards only (15 years)
    points: int
    probationary: bool
    status: str                  # "valide", "suspendu", "annulé", "invalidé (solde de points nul)"
    updated_at: str


@dataclass(slots=True)
class VehicleRegistration(_Record):
    """A registration (SIV plate AA-123-AA, or an older FNI plate 123 ABC 06 never re-registered)."""
    FILE: ClassVar[str] = VEHICLE_REGISTRATIONS
    id: str
    plate: str
    plate_format: str            # "SIV" or "FNI"
    vin: str
    make: str
    model: str
    category: str                # "VP", "CTTE", "MTL"
    energy: str
    colour: str
    first_registered_on: str
    certificate_issued_on: str
    holder_person_id: str
    holder_name: str             # "NOM Prénom" as on the certificate
    holder_address: str
    holder_postal_code: str
    holder_commune: str
    insurer: str
    insurance_valid_until: str
    inspection_valid_until: str | None  # None: not subject to the contrôle technique
    updated_at: str


@dataclass(slots=True)
class WantedPerson(_Record):
    """An entry of the wanted persons file (fiche de recherche)."""
    FILE: ClassVar[str] = WANTED_PERSONS
    id: str
    person_id: str
    surname: str
    usage_name: str | None
    given_names: tuple[str, ...]
    sex: str
    birth_date: str
    birth_place: str
    aliases: tuple[str, ...]
    reason: str
    category: str                # FPR-like letter: J, PJ, V, IT, T
    instruction: str             # the conduct to follow
    danger: str | None
    reference: str
    requested_by: str
    registered_on: str
    updated_at: str


@dataclass(slots=True)
class MissingPerson(_Record):
    """A missing person (runaway minor, worrying disappearance, vulnerable adult…)."""
    FILE: ClassVar[str] = MISSING_PERSONS
    id: str
    person_id: str
    surname: str
    given_names: tuple[str, ...]
    sex: str
    birth_date: str
    birth_place: str
    kind: str
    missing_since: str
    last_seen_commune: str
    description: str
    instruction: str
    reference: str
    requested_by: str
    updated_at: str


@dataclass(slots=True)
class StolenVehicle(_Record):
    """A vehicle reported stolen (its registration stays in ``vehicle_registrations``)."""
    FILE: ClassVar[str] = STOLEN_VEHICLES
    id: str
    registration_id: str
    plate: str
    vin: str
    make: str
    model: str
    colour: str
    stolen_on: str
    stolen_in: str
    circumstances: str
    instruction: str
    reference: str
    requested_by: str
    updated_at: str


@dataclass(slots=True)
class StolenObject(_Record):
    """A stolen object identified by a serial number (phone IMEI, bike frame, laptop, plate)."""
    FILE: ClassVar[str] = STOLEN_OBJECTS
    id: str
    object_type: str
    brand: str
    model: str
    serial_kind: str             # "IMEI", "numéro de cadre", "numéro de série", "plaque"
    serial: str
    owner_person_id: str
    stolen_on: str
    stolen_in: str
    instruction: str
    reference: str
    updated_at: str


@dataclass(slots=True)
class StolenDocument(_Record):
    """An identity document or licence declared lost or stolen."""
    FILE: ClassVar[str] = STOLEN_DOCUMENTS
    id: str
    document_id: str             # the id_documents / driving_licences record
    document_type: str
    number: str
    person_id: str
    holder_name: str
    holder_birth_date: str
    status: str                  # "volé" or "perdu"
    declared_on: str
    declared_to: str
    instruction: str
    updated_at: str


RECORD_TYPES: tuple[type[_Record], ...] = (
    Person, IdDocument, DrivingLicence, VehicleRegistration, WantedPerson, MissingPerson, StolenVehicle,
    StolenObject, StolenDocument,
)
for _t in RECORD_TYPES:
    _t.COLUMNS = tuple(f.name for f in fields(_t))  # type: ignore[arg-type]

FILES: tuple[str, ...] = tuple(t.FILE for t in RECORD_TYPES)
RECORD_TYPE: dict[str, type[_Record]] = {t.FILE: t for t in RECORD_TYPES}


def columns(file: str) -> tuple[str, ...]:
    """The documented columns of ``file`` (after ``file`` itself), in order."""
    return RECORD_TYPE[file].COLUMNS
