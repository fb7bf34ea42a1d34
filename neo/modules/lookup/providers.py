"""Reference-file providers: HQ's built-in files, and the contract for other modules.

A **provider** describes one reference file: how it is named, where it is searched and
how one of its records is shown. The lookup's own files live at HQ (searched there, one
request for all); another module contributes a provider to the extension point
``lookup.reference_file`` (``ctx.register("lookup.reference_file", key, provider)``)::

    class StolenBikes:
        id = "stolen_bikes"                       # the file id (a-z, 0-9, _)
        label = {"fr": "Vélos volés", "en": "Stolen bicycles"}
        remote = False                            # True: HQ searches it (the device only shows it)

        def search(self, query) -> list[dict]:    # remote = False only; runs on the device
            ...

        def card(self, payload: dict) -> dict:    # the detail view, texts already translated
            return {"title": ..., "subtitle": ..., "lines": [(label, value), ...],
                    "instruction": None}

``search(query)`` gets a plain :class:`ProviderQuery` (no import of the lookup's packages
needed) and returns hits as dicts: ``record_id`` and ``payload`` (required), ``score``
(0..1, default 1), ``severity`` (``alert``, ``warning``, ``info``; default ``info``),
``matched`` (list of what matched), ``instruction`` (the conduct to follow) and
``updated_at`` (ISO 8601 text, epoch milliseconds or a datetime). A provider that raises
is skipped (logged); the others' results still come back. Deactivating the contributing
module removes its provider.

The built-in files (:data:`BUILTIN_FILES`) are those of ``neo.modules.lookup.demo.records``,
searched at HQ; their cards show the documented columns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from neo.modules.lookup.match import (
    PersonName,
    Query,
    QueryKind,
    document_key,
    name_tokens,
    plate_key,
    serial_key,
    vin_key,
)

Tr = Callable[..., str]
POINT = "lookup.reference_file"
ACTION_POINT = "lookup.result_action"
SEVERITIES: tuple[str, ...] = ("alert", "warning", "info")

# Display of the severities (label in French for ctx.tr, and a colour role for the page).
SEVERITY_LABELS: dict[str, str] = {"alert": "Alerte", "warning": "Attention", "info": "Information"}


def _identity(text: str, **kw: object) -> str:
    return text.format(**kw) if kw else text


# -- the query a provider receives ---------------------------------------------------------------


def _compact(key: str | None) -> str | None:
    """``v1:plate:AB123CD`` -> ``AB123CD``."""
    return key.split(":", 2)[2] if key else None


@dataclass(frozen=True)
class ProviderQuery:
    """What the officer asked, for a provider searching on the device.

    ``kind`` is the best reading (``person``, ``plate``, ``vin``, ``document``, ``mrz``,
    ``serial``), ``kinds`` every reading. Keys are canonical forms, or None when the entry
    has no such reading: ``plate_key`` (upper case, no separators: ``AB123CD``),
    ``vin_key`` (17 characters), ``document_key`` and ``serial_key`` (letters and digits,
    upper case, ``O`` read 0 and ``I`` read 1). ``surname`` and ``given_names`` when the
    entry names a person (``given_names`` may be empty when the order is unknown: then
    ``surname`` holds every word), ``birth_date`` ISO (``1985-03-12``) when a full date
    was given. Use the ``*_key_of`` methods to put the provider's own data in the same
    form."""

    text: str
    kind: str | None
    kinds: tuple[str, ...] = ()
    plate_key: str | None = None
    vin_key: str | None = None
    document_key: str | None = None
    serial_key: str | None = None
    surname: str | None = None
    given_names: str | None = None
    birth_date: str | None = None

    @staticmethod
    def plate_key_of(value: str) -> str | None:
        return _compact(plate_key(value))

    @staticmethod
    def vin_key_of(value: str) -> str | None:
        return _compact(vin_key(value))

    @staticmethod
    def serial_key_of(value: str) -> str | None:
        return serial_key(value) or None

    document_key_of = serial_key_of

    @staticmethod
    def name_tokens_of(value: str) -> tuple[str, ...]:
        """Lower case, accents and punctuation dropped, one token per word (``De la Fontaine``
        -> ``("de", "la", "fontaine")``)."""
        return tuple(name_tokens(value))

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def provider_query(query: Query) -> ProviderQuery:
    """The plain query of :class:`ProviderQuery` from a parsed :class:`match.Query`."""
    out: dict[str, Any] = {}
    kinds: list[str] = []
    for alt in query.alternatives:
        kind = alt.kind
        if kind.value not in kinds:
            kinds.append(kind.value)
        value = alt.value
        if kind is QueryKind.PLATE and "plate_key" not in out:
            out["plate_key"] = getattr(value, "compact", None) or _compact(plate_key(str(value)))
        elif kind is QueryKind.VIN and "vin_key" not in out:
            out["vin_key"] = getattr(value, "canonical", None) or serial_key(str(value)) or None
        elif kind is QueryKind.DOCUMENT and "document_key" not in out:
            out["document_key"] = _compact(document_key(getattr(value, "canonical", None) or str(value)))
        elif kind is QueryKind.SERIAL and "serial_key" not in out:
            out["serial_key"] = serial_key(str(value)) or None
        elif kind is QueryKind.MRZ:
            out.setdefault("document_key", _compact(document_key(value.document_number)))  # type: ignore[union-attr]
            out.setdefault("surname", value.surname)  # type: ignore[union-attr]
            out.setdefault("given_names", value.given_names)  # type: ignore[union-attr]
            birth = value.birth_date  # type: ignore[union-attr]
            out.setdefault("birth_date", birth.isoformat() if isinstance(birth, date) else None)
        elif kind is QueryKind.PERSON and "surname" not in out:
            name = value.name  # type: ignore[union-attr]
            if isinstance(name, PersonName):
                out["surname"], out["given_names"] = name.last, name.first
            else:
                out["surname"], out["given_names"] = name, ""
            birth = value.birth_date  # type: ignore[union-attr]
            full = birth.value.to_date() if birth is not None and birth.ok and birth.value is not None else None
            out["birth_date"] = full.isoformat() if full is not None else None
    if "serial_key" not in out and not query.structured:
        # A frame or serial number may be read as a document or a VIN first: give its key too.
        for key in ("document_key", "vin_key", "plate_key"):
            if out.get(key):
                out["serial_key"] = serial_key(str(out[key])) or None
                break
    return ProviderQuery(text=query.text, kind=query.kind.value if query.kind else None, kinds=tuple(kinds), **out)


# -- the built-in files ------------------------------------------------------------------------


def fr_date(value: Any) -> str:
    """``1985-03-12`` -> ``12/03/1985``; anything else as given."""
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        return f"{value[8:10]}/{value[5:7]}/{value[:4]}"
    return "" if value is None else str(value)


def _names(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _person_title(p: Mapping[str, Any]) -> str:
    surname = str(p.get("surname") or "").upper()
    usage = p.get("usage_name")
    given = _names(p.get("given_names"))
    title = f"{surname} {given}".strip()
    return f"{title} ({usage})" if usage else title


@dataclass(frozen=True)
class BuiltinFile:
    """One of HQ's reference files, as the device shows it."""

    id: str
    label_fr: str
    label_en: str
    columns: tuple[tuple[str, str, str], ...]  # (column, French label, format: "", "date", "list", "bool")
    title: Callable[[Mapping[str, Any]], str]
    subtitle: Callable[[Mapping[str, Any]], str]
    severity_rule: Callable[[Mapping[str, Any], date], str] = field(default=lambda p, today: "info")
    remote: bool = True

    @property
    def label(self) -> dict[str, str]:
        return {"fr": self.label_fr, "en": self.label_en}

    def severity(self, payload: Mapping[str, Any], today: date) -> str:
        """HQ's severity rule for a record of this file (for display when none is given)."""
        return self.severity_rule(payload, today)

    def card(self, payload: Mapping[str, Any], tr: Tr = _identity) -> dict[str, Any]:
        lines: list[tuple[str, str]] = []
        for column, label, fmt in self.columns:
            value = payload.get(column)
            if value is None or value == "" or value == []:
                continue
            if fmt == "date":
                text = fr_date(value)
            elif fmt == "list":
                text = ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
            elif fmt == "bool":
                text = tr("oui") if value else tr("non")
            else:
                text = str(value)
            lines.append((tr(label), text))
        return {"title": self.title(payload), "subtitle": self.subtitle(payload), "lines": lines,
                "instruction": payload.get("instruction")}


def _expired(value: Any, today: date) -> bool:
    try:
        return isinstance(value, str) and date.fromisoformat(value[:10]) < today
    except ValueError:
        return False


def _registration_severity(p: Mapping[str, Any], today: date) -> str:
    return "warning" if _expired(p.get("insurance_valid_until"), today) or _expired(
        p.get("inspection_valid_until"), today) else "info"


def _licence_severity(p: Mapping[str, Any], today: date) -> str:
    return "info" if str(p.get("status") or "valide") == "valide" and not _expired(p.get("expires_on"), today) \
        else "warning"


def _document_severity(p: Mapping[str, Any], today: date) -> str:
    return "warning" if _expired(p.get("expires_on"), today) else "info"


def _alert(p: Mapping[str, Any], today: date) -> str:
    return "alert"


def _warning(p: Mapping[str, Any], today: date) -> str:
    return "warning"


def _born(p: Mapping[str, Any], key: str = "birth_date") -> str:
    bits = [fr_date(p.get(key))] if p.get(key) else []
    if p.get("birth_place"):
        bits.append(str(p["birth_place"]))
    return " — ".join(bits)


_PERSON_COLUMNS = (
    ("surname", "Nom de naissance", ""),
    ("usage_name", "Nom d'usage", ""),
    ("given_names", "Prénoms", "list"),
    ("sex", "Sexe", ""),
    ("birth_date", "Date de naissance", "date"),
    ("birth_place", "Lieu de naissance", ""),
)

BUILTIN_FILES: tuple[BuiltinFile, ...] = (
    BuiltinFile(
        "wanted_persons", "Personnes recherchées", "Wanted persons",
        (("reason", "Motif", ""), ("category", "Catégorie", ""), ("danger", "Dangerosité", ""),
         *_PERSON_COLUMNS, ("aliases", "Alias", "list"), ("reference", "Référence", ""),
         ("requested_by", "Service demandeur", ""), ("registered_on", "Inscrit le", "date")),
        _person_title, lambda p: str(p.get("reason") or ""), _alert),
    BuiltinFile(
        "missing_persons", "Personnes disparues", "Missing persons",
        (("kind", "Type de disparition", ""), ("missing_since", "Disparu(e) depuis le", "date"),
         ("last_seen_commune", "Vu(e) pour la dernière fois à", ""), ("description", "Signalement", ""),
         *_PERSON_COLUMNS, ("reference", "Référence", ""), ("requested_by", "Service demandeur", "")),
        _person_title, lambda p: str(p.get("kind") or ""), _alert),
    BuiltinFile(
        "stolen_vehicles", "Véhicules volés", "Stolen vehicles",
        (("plate", "Immatriculation", ""), ("vin", "Numéro VIN", ""), ("make", "Marque", ""),
         ("model", "Modèle", ""), ("colour", "Couleur", ""), ("stolen_on", "Volé le", "date"),
         ("stolen_in", "Volé à", ""), ("circumstances", "Circonstances", ""), ("reference", "Référence", ""),
         ("requested_by", "Service demandeur", "")),
        lambda p: str(p.get("plate") or p.get("vin") or ""),
        lambda p: " ".join(str(p.get(k) or "") for k in ("make", "model", "colour")).strip(), _alert),
    BuiltinFile(
        "stolen_documents", "Documents perdus ou volés", "Lost or stolen documents",
        (("status", "Statut", ""), ("document_type", "Document", ""), ("number", "Numéro", ""),
         ("holder_name", "Titulaire", ""), ("holder_birth_date", "Date de naissance du titulaire", "date"),
         ("declared_on", "Déclaré le", "date"), ("declared_to", "Déclaré à", "")),
        lambda p: str(p.get("number") or ""),
        lambda p: f"{p.get('document_type') or ''} — {p.get('holder_name') or ''}".strip(" —"), _alert),
    BuiltinFile(
        "stolen_objects", "Objets volés", "Stolen objects",
        (("object_type", "Objet", ""), ("brand", "Marque", ""), ("model", "Modèle", ""),
         ("serial_kind", "Type de numéro", ""), ("serial", "Numéro", ""), ("stolen_on", "Volé le", "date"),
         ("stolen_in", "Volé à", ""), ("reference", "Référence", "")),
        lambda p: str(p.get("serial") or ""),
        lambda p: " ".join(str(p.get(k) or "") for k in ("object_type", "brand", "model")).strip(), _warning),
    BuiltinFile(
        "vehicle_registrations", "Immatriculations", "Vehicle registrations",
        (("plate", "Immatriculation", ""), ("vin", "Numéro VIN", ""), ("make", "Marque", ""),
         ("model", "Modèle", ""), ("category", "Genre", ""), ("energy", "Énergie", ""), ("colour", "Couleur", ""),
         ("first_registered_on", "Première immatriculation", "date"),
         ("certificate_issued_on", "Certificat délivré le", "date"), ("holder_name", "Titulaire", ""),
         ("holder_address", "Adresse", ""), ("holder_postal_code", "Code postal", ""),
         ("holder_commune", "Commune", ""), ("insurer", "Assureur", ""),
         ("insurance_valid_until", "Assurance valable jusqu'au", "date"),
         ("inspection_valid_until", "Contrôle technique valable jusqu'au", "date")),
        lambda p: str(p.get("plate") or ""),
        lambda p: " ".join(str(p.get(k) or "") for k in ("make", "model", "colour")).strip(),
        _registration_severity),
    BuiltinFile(
        "driving_licences", "Permis de conduire", "Driving licences",
        (("status", "Statut", ""), ("points", "Points", ""), ("probationary", "Permis probatoire", "bool"),
         ("categories", "Catégories", "list"), ("number", "Numéro de permis", ""),
         ("card_number", "Numéro de titre", ""), *_PERSON_COLUMNS[:3], _PERSON_COLUMNS[4], _PERSON_COLUMNS[5],
         ("first_issued_on", "Permis B obtenu le", "date"), ("issued_on", "Délivré le", "date"),
         ("expires_on", "Valable jusqu'au", "date")),
        _person_title, lambda p: f"{p.get('status') or ''} — {p.get('number') or ''}".strip(" —"),
        _licence_severity),
    BuiltinFile(
        "id_documents", "Titres d'identité", "Identity documents",
        (("document_type", "Document", ""), ("number", "Numéro", ""), *_PERSON_COLUMNS,
         ("issued_on", "Délivré le", "date"), ("expires_on", "Valable jusqu'au", "date"),
         ("issuing_authority", "Autorité de délivrance", "")),
        _person_title, lambda p: f"{p.get('document_type') or ''} {p.get('number') or ''}".strip(),
        _document_severity),
    BuiltinFile(
        "persons", "État civil", "Civil register",
        (*_PERSON_COLUMNS, ("birth_department", "Département de naissance", ""),
         ("birth_country", "Pays de naissance", ""), ("nationality", "Nationalité", ""),
         ("address", "Adresse", ""), ("postal_code", "Code postal", ""), ("commune", "Commune", ""),
         ("department", "Département", "")),
        _person_title, _born),
)
BUILTIN: dict[str, BuiltinFile] = {f.id: f for f in BUILTIN_FILES}


# -- contributed providers ---------------------------------------------------------------------


def is_provider(value: Any) -> bool:
    """Does ``value`` honour the provider contract (see the module docstring)?"""
    try:
        ok = isinstance(value.id, str) and isinstance(value.label, Mapping) and isinstance(value.remote, bool)
        ok = ok and callable(value.card) and (value.remote or callable(value.search))
    except AttributeError:
        return False
    return bool(ok)


def provider_label(provider: Any, language: str) -> str:
    label = provider.label
    return str(label.get(language) or label.get("fr") or provider.id)


def all_labels() -> set[str]:
    """Every French text this module shows from data (for the translation test)."""
    out = {f.label_fr for f in BUILTIN_FILES} | set(SEVERITY_LABELS.values()) | {"oui", "non"}
    for f in BUILTIN_FILES:
        out |= {label for _, label, _ in f.columns}
    return out
