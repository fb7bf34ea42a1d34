"""Fleet provisioning: the file a device-management tool pushes to every tablet.

A managed tablet is told which HQ it belongs to before anyone types a code: one JSON
file, readable by the app and writable only by the administrator (the device-management
tool), found at ``NEO_PROVISIONING`` when set, else at the system's place:

* Linux: ``/etc/neo/device.json``
* Windows: ``%ProgramData%\\NEO\\device.json``
* macOS: ``/Library/Application Support/NEO/device.json``

::

    {
      "version": 1,
      "hq_url": "https://hq.bta-menton.example:8443",
      "ca_fingerprint": "4f2a...",            (hex SHA-256 of HQ's CA, as `neo-hq serve` prints it)
      "enrolment_code": "NEO1-...",          (optional)
      "device_name": "Tablette BTA Menton 3" (optional)
    }

With it, enrolment (``neo enroll`` or the enrolment screen) accepts only a code that
names this HQ and this CA: a code from elsewhere (mistyped, or handed over by someone
impersonating the unit) is refused before the tablet sends anything. The enrolment
screen is filled in from the file, and ``neo enroll`` then needs no code argument.

A file that is present but unreadable or invalid is an error, never ignored: enrolment
stops with a message naming the file and what is wrong in it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from neo import protocol
from neo.i18n import tr

ENV_VAR = "NEO_PROVISIONING"
FILE_NAME = "device.json"


class ProvisioningError(ValueError):
    """The provisioning file is unreadable or invalid, or a code contradicts it; ``message``
    is for the officer or the administrator (French)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _origin(url: str) -> str:
    """``scheme://host[:port]`` in lower case, without a trailing slash."""
    return url.strip().rstrip("/").lower()


class Provisioning(BaseModel):
    """What the fleet's administrator decides for every tablet (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = 1
    hq_url: str = Field(pattern=r"^https?://[^\s/?#]+/?$", max_length=200,
                        description="HQ's address as enrolment codes carry it")
    ca_fingerprint: str | None = Field(default=None, description="hex SHA-256 of HQ's CA certificate (DER)")
    enrolment_code: str | None = Field(default=None, max_length=1024)
    device_name: str | None = Field(default=None, min_length=1, max_length=80)

    @field_validator("hq_url")
    @classmethod
    def _normalise_url(cls, value: str) -> str:
        return _origin(value)

    @field_validator("ca_fingerprint")
    @classmethod
    def _normalise_fingerprint(cls, value: str | None) -> str | None:
        """Accept the forms tools print: ``AB:CD:…`` (openssl), spaces, upper or lower case."""
        if value is None:
            return None
        text = "".join(value.replace(":", "").split()).lower()
        if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
            raise ValueError("a SHA-256 fingerprint is 64 hexadecimal digits")
        return text

    @field_validator("enrolment_code")
    @classmethod
    def _decodable(cls, value: str | None) -> str | None:
        if value is None:
            return None
        protocol.EnrolmentCode.decode(value)  # raises ValueError with the reason
        return "".join(value.split())

    @model_validator(mode="after")
    def _consistent(self) -> Provisioning:
        https = self.hq_url.startswith("https://")
        if https and self.ca_fingerprint is None:
            raise ValueError("an https HQ needs its ca_fingerprint: the tablets pin HQ's CA")
        if not https and self.ca_fingerprint is not None:
            raise ValueError("a plain-HTTP HQ has no certificate to pin: remove ca_fingerprint or use https")
        if self.enrolment_code is not None:
            self.check_code(protocol.EnrolmentCode.decode(self.enrolment_code))
        return self

    def check_code(self, code: protocol.EnrolmentCode) -> None:
        """Refuse an enrolment code for another HQ or another CA than the provisioned ones."""
        if _origin(code.url) != self.hq_url:
            raise ProvisioningError(tr(
                "Ce code d'enrôlement désigne le QG {code_url}, mais cette tablette est réservée au QG "
                "{hq_url} par son administrateur : enrôlement refusé. Demandez un code à votre unité.",
                code_url=code.url, hq_url=self.hq_url))
        if code.ca_fingerprint != self.ca_fingerprint:
            raise ProvisioningError(tr(
                "Le certificat du QG annoncé par ce code ne correspond pas à celui fixé par l'administrateur "
                "de la tablette : enrôlement refusé. Demandez un nouveau code à votre unité."))


def provisioning_path() -> Path:
    """Where the provisioning file is looked for (it need not exist)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "NEO" / FILE_NAME
    if sys.platform == "darwin":
        return Path("/Library/Application Support/NEO") / FILE_NAME
    return Path("/etc/neo") / FILE_NAME


def load_provisioning(path: Path | None = None) -> Provisioning | None:
    """The provisioning file's content, or None when there is no file.

    Raises :class:`ProvisioningError` when the file exists but cannot be read or is invalid."""
    path = provisioning_path() if path is None else Path(path)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProvisioningError(tr("Fichier de provisionnement {path} illisible : {err}",
                                   path=str(path), err=str(exc))) from exc
    except ValueError as exc:
        raise ProvisioningError(tr("Fichier de provisionnement {path} : JSON invalide ({err}).",
                                   path=str(path), err=str(exc))) from exc
    try:
        return Provisioning.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'fichier'}: {err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()[:5])
        raise ProvisioningError(tr("Fichier de provisionnement {path} invalide : {problems}",
                                   path=str(path), problems=problems)) from exc
