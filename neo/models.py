"""Core value types shared by the store, the vault, the host and the UI."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

SERVICE_NUMBER_PATTERN = r"^[0-9A-Z]{4,12}$"


def normalize_service_number(raw: str) -> str:
    """Service numbers are compared without spaces, dashes or case."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())


class Officer(BaseModel):
    """A person who can unlock this device."""

    model_config = ConfigDict(frozen=True)

    service_number: str = Field(pattern=SERVICE_NUMBER_PATTERN)
    name: str = Field(min_length=1, max_length=120)
    unit: str = Field(default="", max_length=120)
    role: str = Field(default="officer", pattern=r"^(officer|supervisor|admin)$")
    disabled: bool = False

    @field_validator("service_number", mode="before")
    @classmethod
    def _norm(cls, v: object) -> object:
        return normalize_service_number(v) if isinstance(v, str) else v

    @field_validator("name")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = " ".join(v.split())
        if not v:
            raise ValueError("name is empty")
        return v


class Position(BaseModel):
    """A WGS84 position fix with its accuracy in metres."""

    model_config = ConfigDict(frozen=True)

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy: float | None = Field(default=None, ge=0)
    heading: float | None = Field(default=None, ge=0, lt=360)
    timestamp: datetime | None = None
