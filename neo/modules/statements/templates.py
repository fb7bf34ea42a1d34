"""Statement templates: validated data files, not code.

A template says what a statement of one kind holds: its sections, the parties each
section asks for (declarant, victim, witnesses, suspect, unknown author), its fields and
their types, the legal mentions printed on the statement and who must sign. The five
shipped templates are JSON files in ``shipped_templates/``; HQ may publish new or updated ones
through the ``statements.templates`` collection (one record per template and version,
payload = the template), and another module may contribute some through the
``statements.template`` extension point (value = a template dict or a
:class:`Template`). They merge by ``id`` and ``version``: shipped < HQ-published <
contributed, and a statement keeps the template id and version it was written with.

Field ids are paths in the statement's content (see ``service.py``):

* ``facts.when`` (``datetime`` or ``span``), ``facts.where`` (``address`` or ``position``),
  ``facts.offences`` (``offence``), ``facts.items`` (``items``), ``narrative`` (``longtext``);
* ``details.<name>`` for anything else the template asks (stored in the statement's
  ``details`` member, e.g. ``details.documents_lost``).

Parties are not fields: a section lists the party roles it asks for in ``parts``, each
with how many are required and allowed; every party has the same identity fields.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

TEMPLATES_DIR = Path(__file__).parent / "shipped_templates"

Kind = Literal["plainte_x", "plainte_auteur", "audition_temoin", "main_courante", "perte_documents", "autre"]
Role = Literal["declarant", "victim", "witness", "suspect", "unknown_author"]
ROLES: tuple[str, ...] = ("declarant", "victim", "witness", "suspect", "unknown_author")
SignatureRole = Literal["declarant", "officer"]
FieldType = Literal["text", "longtext", "date", "datetime", "span", "choice", "multichoice", "address",
                    "position", "offence", "items", "money", "bool", "identity"]

# Where a field may live in a statement's content, and which types fit there.
FIXED_PATHS: dict[str, frozenset[str]] = {
    "facts.when": frozenset({"datetime", "span", "date"}),
    "facts.where": frozenset({"address", "position"}),
    "facts.offences": frozenset({"offence"}),
    "facts.items": frozenset({"items"}),
    "narrative": frozenset({"longtext"}),
}
DETAIL_PATH = re.compile(r"^details\.[a-z][a-z0-9_]{0,40}$")
ID_PATTERN = r"^[a-z][a-z0-9_]{1,60}$"


class Text(BaseModel):
    """A text in French (the source language) and English."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fr: str = Field(min_length=1, max_length=2000)
    en: str = Field(default="", max_length=2000)

    def get(self, lang: str) -> str:
        return (self.en if lang == "en" else self.fr) or self.fr


class Choice(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    value: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    label: Text


class FieldSpec(BaseModel):
    """One field of a section. ``id`` is its path in the statement's content."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=60)
    label: Text
    type: FieldType
    required: bool = False
    choices: list[Choice] = Field(default_factory=list)
    help: Text | None = None
    max_length: int | None = Field(default=None, ge=1, le=100_000)

    @model_validator(mode="after")
    def _check(self) -> FieldSpec:
        if self.id in FIXED_PATHS:
            if self.type not in FIXED_PATHS[self.id]:
                allowed = ", ".join(sorted(FIXED_PATHS[self.id]))
                raise ValueError(f"field {self.id!r}: type {self.type!r} does not fit here (allowed: {allowed})")
        elif not DETAIL_PATH.match(self.id):
            raise ValueError(
                f"field id {self.id!r}: must be one of {', '.join(FIXED_PATHS)} or 'details.<name>' "
                "(lowercase letters, digits, underscores)")
        if self.type in ("choice", "multichoice"):
            if not self.choices:
                raise ValueError(f"field {self.id!r}: a {self.type} field needs choices")
            values = [c.value for c in self.choices]
            if len(set(values)) != len(values):
                raise ValueError(f"field {self.id!r}: choice values must be unique")
        elif self.choices:
            raise ValueError(f"field {self.id!r}: only choice and multichoice fields have choices")
        if self.max_length is not None and self.type not in ("text", "longtext"):
            raise ValueError(f"field {self.id!r}: max_length applies to text and longtext fields only")
        return self


class PartSpec(BaseModel):
    """A party role a section asks for: at least ``min``, at most ``max``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Role
    label: Text
    min: int = Field(default=0, ge=0, le=20)
    max: int = Field(default=1, ge=1, le=20)

    @model_validator(mode="after")
    def _check(self) -> PartSpec:
        if self.min > self.max:
            raise ValueError(f"part {self.role!r}: min ({self.min}) is above max ({self.max})")
        return self


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    title: Text
    parts: list[PartSpec] = Field(default_factory=list)
    fields: list[FieldSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> Section:
        if not self.parts and not self.fields:
            raise ValueError(f"section {self.id!r} has neither parts nor fields")
        return self


class Template(BaseModel):
    """A statement template. ``(id, version)`` names it; a statement keeps both."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    version: int = Field(ge=1)
    kind: Kind
    title: Text
    description: Text | None = None
    sections: list[Section] = Field(min_length=1)
    legal_mentions: list[Text] = Field(default_factory=list)
    signatures: list[SignatureRole] = Field(default_factory=lambda: ["declarant", "officer"])

    @field_validator("signatures")
    @classmethod
    def _signatures(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("a signature role is listed twice")
        if "officer" not in v:
            raise ValueError("the officer's signature is always required")
        return v

    @model_validator(mode="after")
    def _check(self) -> Template:
        seen_sections: set[str] = set()
        seen_fields: set[str] = set()
        seen_roles: set[str] = set()
        for section in self.sections:
            if section.id in seen_sections:
                raise ValueError(f"section {section.id!r} appears twice")
            seen_sections.add(section.id)
            for spec in section.fields:
                if spec.id in seen_fields:
                    raise ValueError(f"field {spec.id!r} appears twice")
                seen_fields.add(spec.id)
            for part in section.parts:
                if part.role in seen_roles:
                    raise ValueError(f"party role {part.role!r} appears in two sections")
                seen_roles.add(part.role)
        if "declarant" not in seen_roles:
            raise ValueError("a template must ask for the declarant (a part with role 'declarant')")
        return self

    # -- helpers ------------------------------------------------------------------------
    def fields(self) -> list[FieldSpec]:
        return [f for s in self.sections for f in s.fields]

    def field(self, field_id: str) -> FieldSpec | None:
        return next((f for f in self.fields() if f.id == field_id), None)

    def parts(self) -> list[PartSpec]:
        return [p for s in self.sections for p in s.parts]

    def part(self, role: str) -> PartSpec | None:
        return next((p for p in self.parts() if p.role == role), None)

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)


class TemplateError(ValueError):
    """A template file or record is malformed. ``message`` lists every problem, one a line,
    each prefixed by where it is (e.g. ``sections.1.fields.0.type``)."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message


def _explain(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(template)"
        msg = err["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {msg}")
    return "\n".join(lines)


def parse(data: Any, source: str = "template") -> Template:
    """Validate ``data`` (a dict, a JSON text or a :class:`Template`) as a template;
    raises :class:`TemplateError` with every problem found."""
    if isinstance(data, Template):
        return data
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise TemplateError(source, f"not JSON: {exc}") from exc
    if not isinstance(data, Mapping):
        raise TemplateError(source, "a template is a JSON object")
    try:
        return Template.model_validate(dict(data))
    except ValidationError as exc:
        raise TemplateError(source, _explain(exc)) from exc


def load_file(path: Path) -> Template:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(path.name, f"cannot be read: {exc}") from exc
    return parse(text, path.name)


def shipped() -> list[Template]:
    """The templates shipped with the module (``shipped_templates/*.json``), sorted by id."""
    return sorted((load_file(p) for p in sorted(TEMPLATES_DIR.glob("*.json"))), key=lambda t: t.key)


def merge(*layers: Iterable[Template]) -> dict[tuple[str, int], Template]:
    """Templates by ``(id, version)``; a later layer replaces an earlier one's same key."""
    merged: dict[tuple[str, int], Template] = {}
    for layer in layers:
        for template in layer:
            merged[template.key] = template
    return merged


def latest(templates: Mapping[tuple[str, int], Template]) -> list[Template]:
    """The newest version of each template id, sorted by title (French)."""
    best: dict[str, Template] = {}
    for template in templates.values():
        current = best.get(template.id)
        if current is None or template.version > current.version:
            best[template.id] = template
    return sorted(best.values(), key=lambda t: t.title.fr)
