"""The holiday watch's routes at HQ, under ``/api/v1/m/holiday_watch/`` (the basemap
package's route is apart). Both are called by an enrolled device (its token) on behalf
of an officer of its unit, named in the body:

* ``POST registrations``: a home registered at the unit's desk (body
  :class:`RegistrationRequest`); it goes to the unit whose area holds its postcode, or to
  the device's unit when no unit covers it. Answer: ``{id, unit, created}``.
* ``POST registrations/{id}/access``: the access details of a home of the unit, with the
  reason (body :class:`AccessRequest`); logged at HQ before the answer
  ``{registration_id, access, key, valid_until}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Path
from pydantic import BaseModel, ConfigDict, Field

from neo import protocol
from neo.hq.app import ERRORS, CurrentDevice, _json
from neo.hq.service import Headquarters
from neo.hq.watch.registrations import RegistrationIn

PREFIX = f"{protocol.API_PREFIX}/m/holiday_watch"
RegistrationId = Annotated[str, Path(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
                                     description="the registration's id (UUID)")]


class RegistrationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    officer: str = Field(pattern=protocol.SERVICE_NUMBER_PATTERN, description="the officer taking the registration")
    registration: RegistrationIn


class RegistrationAnswer(BaseModel):
    id: str
    unit: str
    created: bool


class AccessRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    officer: str = Field(pattern=protocol.SERVICE_NUMBER_PATTERN)
    reason: str = Field(min_length=3, max_length=200, description="why the officer needs the access details")


class AccessAnswer(BaseModel):
    registration_id: str
    access: str | None = Field(description="the access details and codes in clear (null: none were given)")
    key: str | None = Field(description="base64 of the registration's AES-256 key, which opens access_sealed")
    valid_until: str = Field(description="the day after which the device must forget the key (ISO date)")


def add_watch_routes(app: FastAPI, service: Headquarters) -> None:
    watch = service.watch

    @app.post(f"{PREFIX}/registrations", response_model=RegistrationAnswer, tags=["holiday_watch"],
              responses={**ERRORS, 403: {"model": protocol.ErrorResponse,
                                         "description": "the officer is not of the device's unit"},
                         409: {"model": protocol.ErrorResponse,
                               "description": "a registration with this id exists (registration_exists)"}})
    def watch_register(body: RegistrationRequest, device: CurrentDevice) -> Any:
        """Register a home for the holiday watch (validated; assigned to the unit of its area)."""
        return _json(watch.register_from_device(device, body.officer, body.registration))

    @app.post(f"{PREFIX}/registrations/{{registration_id}}/access", response_model=AccessAnswer,
              tags=["holiday_watch"], responses={**ERRORS, 404: {"model": protocol.ErrorResponse}})
    def watch_access(registration_id: RegistrationId, body: AccessRequest, device: CurrentDevice) -> Any:
        """The access details and codes of a home of the device's unit, for an officer, with
        the reason; every reveal is logged at HQ."""
        return _json(watch.reveal_access(registration_id, reason=body.reason, device=device, officer=body.officer))
