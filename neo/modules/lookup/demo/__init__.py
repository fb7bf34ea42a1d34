"""Deterministic, realistic French demo data for the lookup's reference files.

Pure Python and standard library only (no Qt, SQL or HTTP; nothing from the rest of NEO),
so that HQ's ``neo-hq seed-demo``, the benchmarks and the tests can all use it.

* ``generate(seed, persons, start=0, stop=None)`` streams typed records (``records``) of
  every file: persons, identity documents, driving licences, vehicle registrations, and the
  hot files (wanted and missing persons, stolen vehicles, stolen objects, lost or stolen
  documents). Same seed, same output, byte for byte; any slice can be generated alone.
* ``messy_queries(seed, n, population)`` builds labelled queries typed "in the rain" for
  the quality benchmark, each with the id of the record it must find.

Data tables are small, embedded and approximate: see ``data_names``, ``data_places`` and
``data_vehicles`` for what they summarise. ``python -m neo.modules.lookup.demo`` writes the
files as JSON Lines (in parallel slices), prints messy queries, or measures the speed.
"""

from __future__ import annotations

from .generator import MAX_PERSONS, REFERENCE_DATE, generate, person_records
from .messy import MessyQuery, messy_queries
from .records import (
    DRIVING_LICENCES,
    FILES,
    ID_DOCUMENTS,
    MISSING_PERSONS,
    PERSONS,
    RECORD_TYPE,
    STOLEN_DOCUMENTS,
    STOLEN_OBJECTS,
    STOLEN_VEHICLES,
    VEHICLE_REGISTRATIONS,
    WANTED_PERSONS,
    DrivingLicence,
    IdDocument,
    MissingPerson,
    Person,
    StolenDocument,
    StolenObject,
    StolenVehicle,
    VehicleRegistration,
    WantedPerson,
    columns,
)

__all__ = [
    "DRIVING_LICENCES",
    "FILES",
    "ID_DOCUMENTS",
    "MAX_PERSONS",
    "MISSING_PERSONS",
    "PERSONS",
    "RECORD_TYPE",
    "REFERENCE_DATE",
    "STOLEN_DOCUMENTS",
    "STOLEN_OBJECTS",
    "STOLEN_VEHICLES",
    "VEHICLE_REGISTRATIONS",
    "WANTED_PERSONS",
    "DrivingLicence",
    "IdDocument",
    "MessyQuery",
    "MissingPerson",
    "Person",
    "StolenDocument",
    "StolenObject",
    "StolenVehicle",
    "VehicleRegistration",
    "WantedPerson",
    "columns",
    "generate",
    "messy_queries",
    "person_records",
]
