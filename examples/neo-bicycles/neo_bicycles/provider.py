"""The stolen-bicycles file as a reference file of NEO's record lookup.

The lookup offers the extension point ``lookup.reference_file``; a contribution is an
object with ``id``, ``label``, ``remote``, ``search(query)`` and ``card(payload)`` (the
contract is documented in NEO's docs/lookup-device.md). ``remote = False``: the file is
searched here, on the tablet, so it answers offline too. The query is a plain object
(``ProviderQuery``): its ``serial_key`` (and ``document_key``, ``vin_key``: a frame number
can be read as either) are compared with the bicycles' keys; the lookup audits the query
itself, with its reason.
"""

from __future__ import annotations

from typing import Any, ClassVar

from neo.api import ModuleContext

from neo_bicycles import marking
from neo_bicycles.service import Bicycle, BicycleService

FILE_ID = "stolen_bicycles"
QUERY_KEYS = ("serial_key", "document_key", "vin_key", "plate_key")


def fr_date(iso: str) -> str:
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}" if len(iso) >= 10 and iso[4] == "-" else iso


class StolenBicyclesFile:
    id = FILE_ID
    label: ClassVar[dict[str, str]] = {"fr": "Vélos volés", "en": "Stolen bicycles"}
    remote = False

    def __init__(self, ctx: ModuleContext, service: BicycleService) -> None:
        self.ctx = ctx
        self.service = service

    def search(self, query: Any) -> list[dict[str, Any]]:
        keys = {marking.key(getattr(query, name, None)) for name in QUERY_KEYS}
        text = getattr(query, "text", "") or ""
        if marking.plausible(text, marking.FRAME_MIN, marking.FRAME_MAX):
            keys.add(marking.key(text))
        keys.discard("")
        hits = []
        for bike in self.service.find(keys):
            matched = [name for name, value in (("frame", bike.frame), ("marking", bike.marking))
                       if marking.key(value) in keys]
            hits.append({
                "record_id": f"{bike.source}:{bike.id}",
                "payload": bike.payload(),
                "score": 1.0,
                "severity": "warning",
                "matched": matched,
                "instruction": self.ctx.tr("Vélo signalé volé : comparez le numéro sur le cadre ; s'il concorde, "
                                           "retenez le vélo et avisez le service de la plainte."),
                "updated_at": bike.reported_at or f"{bike.stolen_on}T00:00:00+00:00",
            })
        return hits

    def card(self, payload: dict[str, Any]) -> dict[str, Any]:
        tr = self.ctx.tr
        bike = Bicycle(**{k: str(v) for k, v in payload.items() if k in Bicycle.__dataclass_fields__})
        lines = [(tr("Numéro de cadre"), bike.frame), (tr("Numéro de marquage"), bike.marking),
                 (tr("Couleur"), bike.colour), (tr("Volé le"), fr_date(bike.stolen_on)),
                 (tr("Volé à"), bike.stolen_in), (tr("Référence de la plainte"), bike.reference)]
        if bike.source == "report":
            lines.append((tr("Signalé par"), bike.reported_by))
        return {
            "title": bike.frame or bike.marking,
            "subtitle": " ".join(x for x in (bike.brand, bike.model) if x),
            "lines": [(label, value) for label, value in lines if value],
            "instruction": None,
        }
