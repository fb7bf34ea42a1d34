"""Holiday-watch registrations ("Opération Tranquillité Vacances", OTV) at HQ: what a
registration holds, how it is validated, how its access details are sealed, and how an
import file is read.

A registration comes in as :class:`RegistrationIn` (the API's body, one line of an import
file) and leaves for the tablets as the payload of a ``holiday_watch.registrations``
record (:func:`to_payload`), where the access details and codes are never in clear: they
are sealed under a key of the registration's own (:func:`seal_access`), which HQ keeps
wrapped with its key file and releases on demand, audited. docs/holiday-watch.md
describes every field.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from neo.hq.errors import AdminError
from neo.i18n import tr

COLLECTION = "holiday_watch.registrations"
VISITS = "holiday_watch.visits"
HOME_TYPES = ("maison", "appartement", "autre")
MAX_WATCH_DAYS = 120
"""The longest absence one registration covers (a longer one is registered again)."""
MAX_LEAD_DAYS = 365
"""How far ahead an absence may start."""
DEFAULT_VISIT_POLICY = {"min_visits_per_week": 3}
MAX_ERRORS = 20

# -- field types ---------------------------------------------------------------------------------

# Bidi embeddings, overrides and isolates too: one in a name would make a screen or the
# citizen's report show other text than the one stored.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_CONTROL_NO_NEWLINE = re.compile(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def _no_control(text: str) -> str:
    if _CONTROL_NO_NEWLINE.search(text):
        raise ValueError(tr("caractères de contrôle interdits"))
    return text


def _no_control_multiline(text: str) -> str:
    if _CONTROL.search(text):
        raise ValueError(tr("caractères de contrôle interdits"))
    return text


_PHONE_RE = re.compile(r"(?:\+|00)(33|262|269|590|594|596)(\d{9})|0(\d{9})")


def normalize_phone(text: str) -> str:
    """A French phone number (``06 12 34 56 78``, ``+33 6 12 34 56 78``, ``0612345678``…) in
    its national form ``06 12 34 56 78``; ``ValueError`` for anything else."""
    compact = re.sub(r"[\s.\-()]", "", text)
    m = _PHONE_RE.fullmatch(compact)
    if not m:
        raise ValueError(tr("numéro de téléphone français attendu (exemple : 06 12 34 56 78)"))
    digits = "0" + (m.group(2) or m.group(3))
    if digits[1] == "0":
        raise ValueError(tr("numéro de téléphone français attendu (exemple : 06 12 34 56 78)"))
    return " ".join(digits[i:i + 2] for i in range(0, 10, 2))


def is_mobile(phone: str) -> bool:
    """Whether a normalized number can receive an SMS (06 and 07)."""
    return phone[:2] in ("06", "07")


_EMAIL_RE = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+")


def _email(text: str) -> str:
    if not _EMAIL_RE.fullmatch(text) or len(text) > 200:
        raise ValueError(tr("adresse électronique invalide"))
    return text


_POSTCODE_RE = re.compile(r"(?:0[1-9]|[1-8]\d|9[0-5])\d{3}|97[1-6]\d{2}")


def _postcode(text: str) -> str:
    if not _POSTCODE_RE.fullmatch(text):
        raise ValueError(tr("code postal français à 5 chiffres attendu"))
    return text


def _plate(text: str) -> str:
    compact = re.sub(r"\s+", " ", text.strip().upper())
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9 -]{1,11}", compact):
        raise ValueError(tr("immatriculation invalide"))
    return compact


# Territories a position may lie in: (lat min, lat max, lon min, lon max), by postcode prefix.
TERRITORIES: dict[str, tuple[float, float, float, float]] = {
    "": (41.3, 51.2, -5.3, 9.7),          # metropolitan France and Corsica
    "971": (15.8, 16.6, -61.9, -60.9),    # Guadeloupe
    "972": (14.35, 14.9, -61.25, -60.8),  # Martinique
    "973": (2.1, 5.8, -54.7, -51.5),      # Guyane
    "974": (-21.4, -20.85, 55.2, 55.85),  # La Réunion
    "976": (-13.05, -12.6, 45.0, 45.3),   # Mayotte
}


def territory_box(postcode: str) -> tuple[float, float, float, float]:
    return TERRITORIES.get(postcode[:3], TERRITORIES[""]) if postcode.startswith("97") else TERRITORIES[""]


Name = Annotated[str, Field(min_length=1, max_length=120), AfterValidator(_no_control)]
Phone = Annotated[str, Field(max_length=40), AfterValidator(normalize_phone)]
Email = Annotated[str, Field(max_length=200), AfterValidator(_email)]
Postcode = Annotated[str, Field(max_length=10), AfterValidator(_postcode)]
Plate = Annotated[str, Field(max_length=20), AfterValidator(_plate)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Citizen(_Strict):
    name: Name
    phone: Phone
    email: Email | None = None


class Address(_Strict):
    line: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_no_control)]
    postcode: Postcode
    city: Name


class Position(_Strict):
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)


class Alarm(_Strict):
    present: bool = False
    monitored_by: Annotated[str, Field(max_length=120), AfterValidator(_no_control)] | None = None


class AuthorisedPerson(_Strict):
    name: Name
    vehicles: list[Plate] = Field(default_factory=list, max_length=5)


class Contact(_Strict):
    name: Name
    phone: Phone


class VisitPolicy(_Strict):
    """How often the home is to be visited: at least N times a week, or every N days."""

    min_visits_per_week: int | None = Field(default=None, ge=1, le=21)
    every_n_days: int | None = Field(default=None, ge=1, le=14)

    @model_validator(mode="after")
    def _one(self) -> VisitPolicy:
        if (self.min_visits_per_week is None) == (self.every_n_days is None):
            raise ValueError(tr("donnez soit min_visits_per_week, soit every_n_days"))
        return self

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


def _uuid(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise ValueError(tr("identifiant UUID attendu")) from None


class RegistrationIn(_Strict):
    """A registration as HQ receives it (API body, import line). ``access`` is the access
    details and codes in clear: HQ seals them and never stores or sends them in clear.
    ``id`` is made by HQ when absent (give it to make a re-import replace the record);
    ``unit`` forces the unit (by name), else the unit whose area holds the postcode."""

    id: Annotated[str, AfterValidator(_uuid)] | None = None
    citizen: Citizen
    address: Address
    position: Position
    start_date: date
    end_date: date
    home_type: Literal["maison", "appartement", "autre"]
    alarm: Alarm = Field(default_factory=Alarm)
    access: Annotated[str, Field(max_length=500), AfterValidator(_no_control_multiline)] | None = None
    authorised_people: list[AuthorisedPerson] = Field(default_factory=list, max_length=10)
    contact: Contact | None = None
    notes: Annotated[str, Field(max_length=1000), AfterValidator(_no_control_multiline)] = ""
    unit: Name | None = None
    visit_policy: VisitPolicy = Field(default_factory=lambda: VisitPolicy(**DEFAULT_VISIT_POLICY))

    @model_validator(mode="after")
    def _coherent(self) -> RegistrationIn:
        if self.end_date < self.start_date:
            raise ValueError(tr("la date de fin précède la date de début"))
        if (self.end_date - self.start_date).days + 1 > MAX_WATCH_DAYS:
            raise ValueError(tr("absence de plus de {n} jours : enregistrez-la en plusieurs fois", n=MAX_WATCH_DAYS))
        lat0, lat1, lon0, lon1 = territory_box(self.address.postcode)
        if not (lat0 <= self.position.lat <= lat1 and lon0 <= self.position.lon <= lon1):
            raise ValueError(tr("la position n'est pas sur le territoire du code postal {cp}",
                                cp=self.address.postcode))
        return self


def check_dates(reg: RegistrationIn, today: date, grace_days: int) -> None:
    """Refuse an absence already over (past its grace) or starting more than a year ahead."""
    if (reg.end_date - today).days < -grace_days:
        raise ValueError(tr("cette absence est déjà terminée ({d})", d=reg.end_date.isoformat()))
    if (reg.start_date - today).days > MAX_LEAD_DAYS:
        raise ValueError(tr("l'absence commence dans plus d'un an"))


def describe(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors():
        where = ".".join(str(x) for x in e["loc"])
        msg = str(e["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {msg}" if where else msg)
    return "; ".join(parts)


# -- the synced payload -----------------------------------------------------------------------------


def to_payload(reg: RegistrationIn, registration_id: str, unit: str, access_sealed: str | None) -> dict[str, Any]:
    """The ``holiday_watch.registrations`` payload the tablets receive (no access in clear)."""
    return {
        "id": registration_id,
        "citizen": reg.citizen.model_dump(),
        "address": reg.address.model_dump(),
        "position": reg.position.model_dump(),
        "start_date": reg.start_date.isoformat(),
        "end_date": reg.end_date.isoformat(),
        "home_type": reg.home_type,
        "alarm": reg.alarm.model_dump(),
        "access_sealed": access_sealed,
        "authorised_people": [p.model_dump() for p in reg.authorised_people],
        "contact": reg.contact.model_dump() if reg.contact is not None else None,
        "notes": reg.notes,
        "unit": unit,
        "visit_policy": reg.visit_policy.as_dict(),
    }


# -- access details ----------------------------------------------------------------------------------

ACCESS_VERSION = "v1"
_AAD = b"neo.holiday_watch.access:"


def access_aad(registration_id: str) -> bytes:
    return _AAD + registration_id.encode("ascii")


def seal_access(key: bytes, registration_id: str, text: str) -> str:
    """``"v1:" + base64(nonce ‖ AES-256-GCM ciphertext)``, the registration id as associated
    data. The nonce is derived from the key and the text (HMAC-SHA256), so sealing the same
    text again gives the same value (a re-import changes nothing) and two different texts
    never share a nonce under one key."""
    data = text.encode("utf-8")
    nonce = hmac.new(key, b"nonce\0" + registration_id.encode("ascii") + b"\0" + data, hashlib.sha256).digest()[:12]
    blob = nonce + AESGCM(key).encrypt(nonce, data, access_aad(registration_id))
    return f"{ACCESS_VERSION}:" + base64.b64encode(blob).decode("ascii")


def open_access(key: bytes, registration_id: str, sealed: str) -> str:
    from neo import crypto

    version, _, body = sealed.partition(":")
    if version != ACCESS_VERSION:
        raise ValueError(f"unknown access format {version!r}")
    return crypto.decrypt(key, base64.b64decode(body), access_aad(registration_id)).decode("utf-8")


# -- import files -------------------------------------------------------------------------------------


class RowError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"{line}: {message}")
        self.line = line
        self.message = message


class ImportFailed(AdminError):
    """Bad lines in an import (nothing was written)."""

    def __init__(self, path: Path, errors: list[RowError], more: bool) -> None:
        lines = "\n".join(tr("  ligne {n} : {msg}", n=e.line, msg=e.message) for e in errors)
        super().__init__(tr("{p} : ligne(s) invalide(s), rien n'a été importé :\n{lines}", p=path, lines=lines)
                         + ("\n  …" if more else ""))
        self.errors = errors


CSV_COLUMNS = (
    "id", "citizen_name", "citizen_phone", "citizen_email", "address_line", "postcode", "city", "lat", "lon",
    "start_date", "end_date", "home_type", "alarm", "alarm_monitored_by", "access", "authorised_people",
    "contact_name", "contact_phone", "notes", "unit", "min_visits_per_week", "every_n_days",
)
"""The columns of a CSV import (``citizen_name`` … ``end_date`` and ``home_type`` required)."""

_TRUE = {"oui", "o", "yes", "y", "true", "vrai", "1", "x"}
_FALSE = {"non", "n", "no", "false", "faux", "0", ""}


def _people(text: str) -> list[dict[str, Any]]:
    """``Nom : PLAQUE1, PLAQUE2 | Autre nom`` or a JSON list of objects."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        data = json.loads(text)
        if not isinstance(data, list):
            raise ValueError
        return data
    people = []
    for part in text.split("|"):
        name, _, plates = part.partition(":")
        people.append({"name": name.strip(), "vehicles": [p.strip() for p in plates.split(",") if p.strip()]})
    return people


def csv_row_to_data(raw: dict[str, str]) -> dict[str, Any]:
    """A CSV row (flat columns) as the nested object :class:`RegistrationIn` validates."""
    def get(name: str) -> str:
        return (raw.get(name) or "").strip()

    def opt(name: str) -> str | None:
        return get(name) or None

    alarm_text = get("alarm").lower()
    if alarm_text not in _TRUE | _FALSE:
        raise RowError(0, tr("alarm : oui ou non attendu"))
    try:
        people = _people(get("authorised_people"))
    except ValueError:
        raise RowError(0, tr("authorised_people : « Nom : PLAQUE, PLAQUE | Nom » ou liste JSON attendu")) from None
    data: dict[str, Any] = {
        "citizen": {"name": get("citizen_name"), "phone": get("citizen_phone"), "email": opt("citizen_email")},
        "address": {"line": get("address_line"), "postcode": get("postcode"), "city": get("city")},
        "position": {"lat": get("lat"), "lon": get("lon")},
        "start_date": get("start_date"), "end_date": get("end_date"), "home_type": get("home_type"),
        "alarm": {"present": alarm_text in _TRUE, "monitored_by": opt("alarm_monitored_by")},
        "access": opt("access"), "authorised_people": people, "notes": get("notes"),
    }
    if opt("id"):
        data["id"] = get("id")
    if opt("unit"):
        data["unit"] = get("unit")
    if opt("contact_name") or opt("contact_phone"):
        data["contact"] = {"name": get("contact_name"), "phone": get("contact_phone")}
    policy = {k: get(k) for k in ("min_visits_per_week", "every_n_days") if get(k)}
    if policy:
        data["visit_policy"] = policy
    return data


def _csv_rows(text: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    reader = csv.DictReader(text)
    unknown = [c for c in (reader.fieldnames or []) if c not in CSV_COLUMNS]
    if unknown:
        yield 1, RowError(1, tr("colonne(s) inconnue(s) : {cols}", cols=", ".join(unknown)))
        return
    for raw in reader:
        line = reader.line_num
        if None in raw:
            yield line, RowError(line, tr("plus de valeurs que de colonnes"))
            continue
        try:
            yield line, csv_row_to_data(raw)
        except RowError as exc:
            yield line, RowError(line, exc.message)


def _jsonl_rows(text: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    for line, raw in enumerate(text, 1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            yield line, RowError(line, tr("JSON illisible : {e}", e=str(exc)))
            continue
        if not isinstance(data, dict):
            yield line, RowError(line, tr("un objet JSON est attendu"))
            continue
        yield line, data


def read_file(path: Path) -> Iterator[tuple[int, RegistrationIn | RowError]]:
    """Every line of a CSV or JSON Lines file, validated (or the error with its line)."""
    name = path.name.lower()
    if name.endswith(".csv"):
        fmt = "csv"
    elif name.endswith((".jsonl", ".ndjson", ".json")):
        fmt = "jsonl"
    else:
        raise AdminError(tr("Format de fichier inconnu : {p} (attendu : .csv ou .jsonl).", p=path))
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = _csv_rows(fh) if fmt == "csv" else _jsonl_rows(fh)
        for line, row in rows:
            if isinstance(row, RowError):
                yield line, row
                continue
            try:
                yield line, RegistrationIn.model_validate(row)
            except ValidationError as exc:
                yield line, RowError(line, describe(exc))
