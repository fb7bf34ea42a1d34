"""What HQ reads of a statement payload to index and verify it.

The device's full model lives in the module (``neo.modules.statements``); HQ checks only
the members it relies on and keeps every other member as sent (they are covered by the
seal all the same). The seal itself is checked with the module's own code
(:mod:`neo.modules.statements.seal`, pure Python), so device and HQ cannot disagree on
the canonical form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from neo import protocol

COLLECTION = "statements.statements"
TEMPLATES = "statements.templates"
OFFENCES = "statements.offences"


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow")


class TemplateRef(_Lenient):
    id: str = Field(pattern=protocol.FREE_TEXT_PATTERN, min_length=1, max_length=80)
    version: int = Field(ge=0, le=2**31 - 1)


class OfficerRef(_Lenient):
    service_number: str = Field(pattern=protocol.SERVICE_NUMBER_PATTERN)
    name: str | None = None
    unit: str | None = None


class FileRef(_Lenient):
    sha256: str = Field(pattern=protocol.SHA256_PATTERN)
    media_type: str | None = Field(default=None, pattern=protocol.FREE_TEXT_PATTERN, max_length=100)
    name: str | None = Field(default=None, pattern=protocol.FREE_TEXT_PATTERN, max_length=255)
    size: int | None = Field(default=None, ge=0, le=protocol.MAX_ATTACHMENT_BYTES)


class SealRef(_Lenient):
    canonical: str = Field(pattern=protocol.FREE_TEXT_PATTERN, max_length=40)
    sha256: str = Field(pattern=protocol.FREE_TEXT_PATTERN, max_length=64)
    signature: str = Field(pattern=protocol.FREE_TEXT_PATTERN, max_length=200)
    device_id: str = Field(pattern=protocol.FREE_TEXT_PATTERN, max_length=36)
    key_id: str | None = Field(default=None, pattern=protocol.FREE_TEXT_PATTERN, max_length=64)
    public_key: str | None = Field(default=None, pattern=protocol.FREE_TEXT_PATTERN, max_length=64)


class ReceivedStatement(_Lenient):
    """The members of a statement payload HQ relies on (its index columns: no control
    characters, which PostgreSQL text cannot hold)."""

    id: str = Field(pattern=protocol.UUID_PATTERN)
    template: TemplateRef
    kind: str = Field(pattern=protocol.FREE_TEXT_PATTERN, min_length=1, max_length=40)
    officer: OfficerRef
    signed_at: str | None = Field(default=None, pattern=protocol.FREE_TEXT_PATTERN, max_length=40)
    corrects: str | None = Field(default=None, pattern=protocol.UUID_PATTERN)
    attachments: list[FileRef] = Field(default_factory=list, max_length=500)
    seal: SealRef


PDF_NAME = "statement.pdf"


def statement_files(statement: ReceivedStatement, payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every file the statement names, in order: the attachments and the drawn signatures
    (``signatures.<role>.png_sha256``), which the seal covers, then the PDF made on the
    device (``seal.pdf_sha256``: made after sealing, as it prints the seal, so the seal
    does not cover it; the canonical JSON is the statement). A file named twice is listed
    once."""
    files: list[dict[str, Any]] = []
    seen: set[str] = set()
    for att in statement.attachments:
        if att.sha256 not in seen:
            seen.add(att.sha256)
            files.append({"sha256": att.sha256, "size": att.size, "media_type": att.media_type,
                          "name": att.name})
    signatures = payload.get("signatures")
    if isinstance(signatures, Mapping):
        for role, sig in sorted(signatures.items()):
            sha = sig.get("png_sha256") if isinstance(sig, Mapping) else None
            if isinstance(sha, str) and len(sha) == 64 and sha not in seen:
                seen.add(sha)
                files.append({"sha256": sha, "size": None, "media_type": "image/png",
                              "name": f"signature-{str(role)[:40]}.png"})
    pdf = statement.seal.model_extra.get("pdf_sha256") if statement.seal.model_extra else None
    if isinstance(pdf, str) and re.fullmatch(protocol.SHA256_PATTERN, pdf) and pdf not in seen:
        files.append({"sha256": pdf, "size": None, "media_type": "application/pdf", "name": PDF_NAME})
    return files


def lenient_fields(payload: Any) -> dict[str, Any]:
    """What can be read of a payload that failed validation, for the index (never raises)."""
    p = payload if isinstance(payload, Mapping) else {}

    def text(value: Any, limit: int) -> str | None:
        return value[:limit] if isinstance(value, str) else None

    template = p.get("template") if isinstance(p.get("template"), Mapping) else {}
    seal = p.get("seal") if isinstance(p.get("seal"), Mapping) else {}
    version = template.get("version")
    corrects = p.get("corrects")
    return {
        "kind": text(p.get("kind"), 40), "template_id": text(template.get("id"), 80),
        "template_version": version if isinstance(version, int) and 0 <= version < 2**31 else None,
        "signed_at": text(p.get("signed_at"), 40), "seal_sha256": text(seal.get("sha256"), 64),
        "corrects": corrects if isinstance(corrects, str) and len(corrects) == 36 else None,
    }
