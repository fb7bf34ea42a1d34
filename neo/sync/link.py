"""The device's link to its HQ: address, pinned CA, token, identity, kept in the
encrypted database (through the store layer, in the "sync" tables).

Enrolment calls :func:`save_link` once HQ has accepted the device; the sync engine and
``neo sync`` call :func:`load_link`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from neo import protocol
from neo.replica import ensure_schema
from neo.store import Store, sync_sql

META_LINK = "hq_link"


class HqLink(BaseModel):
    """Everything needed to reach HQ as this device."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    url: str = Field(pattern=r"^https?://[^\s/?#]+$")
    ca_pem: str | None = Field(default=None, description="HQ's CA certificate; None only for a plain-HTTP HQ")
    ca_fingerprint: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    token: str = Field(min_length=8)
    device_id: str = Field(pattern=protocol.UUID_PATTERN)
    unit: str
    epoch: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _fill_fingerprint(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("ca_pem") and not data.get("ca_fingerprint"):
            from neo.sync.transport import pem_fingerprint

            data = {**data, "ca_fingerprint": pem_fingerprint(data["ca_pem"])}
        return data

    @model_validator(mode="after")
    def _pinned(self) -> HqLink:
        if self.url.startswith("https://") and not self.ca_pem:
            raise ValueError("an HTTPS link needs HQ's CA certificate (pinning)")
        if self.ca_pem:
            from neo.sync.transport import pem_fingerprint

            if pem_fingerprint(self.ca_pem) != self.ca_fingerprint:
                raise ValueError("the CA certificate does not match its fingerprint")
        return self

    def redacted(self) -> dict[str, Any]:
        """For display and logs: no token, no PEM."""
        return {"url": self.url, "ca_fingerprint": self.ca_fingerprint, "device_id": self.device_id,
                "unit": self.unit, "epoch": self.epoch}


def save_link(store: Store, link: HqLink | Mapping[str, Any]) -> HqLink:
    """Store (or replace) the HQ link in the encrypted database."""
    value = link if isinstance(link, HqLink) else HqLink.model_validate(dict(link))
    ensure_schema(store)
    store.write(lambda c: sync_sql.meta_set(c, META_LINK, value.model_dump_json()))
    return value


def load_link(store: Store) -> HqLink | None:
    """The stored HQ link, or None on a device that was never enrolled."""
    ensure_schema(store)
    raw = store.read(lambda c: sync_sql.meta_get(c, META_LINK))
    if raw is None:
        return None
    return HqLink.model_validate(json.loads(raw))


def clear_link(store: Store) -> None:
    ensure_schema(store)
    store.write(lambda c: sync_sql.meta_delete(c, META_LINK))


def is_plain_http(url: str) -> bool:
    return bool(re.match(r"^http://", url))
