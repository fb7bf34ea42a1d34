"""Stolen bicycles on the tablet, without Qt: the file shipped with the module, the
reports of the unit's officers, validation, search.

* The **shipped file** (``data/stolen_bicycles.csv``, fictional demo data) is loaded into
  the module's own table at activation, again only when the file changed (its SHA-256 is
  kept beside it), in one transaction.
* A **report** is a bicycle an officer declares stolen (after a complaint): validated,
  written to the synced collection ``bicycles.reports`` (``append_only``: a correction
  is a new report), audited. The sync sends it to HQ and the unit's other tablets, and
  brings theirs.
* **Search** compares identifier keys (:mod:`neo_bicycles.marking`) on the tablet:
  it works offline, and the lookup calls it through the provider (``provider.py``).
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from neo.api import ModuleContext

from neo_bicycles import marking, store

COLLECTION = "bicycles.reports"
DATA_DIR = Path(__file__).parent / "data"
REGISTRY_CSV = DATA_DIR / "stolen_bicycles.csv"
TEXT_MAX = 60


@dataclass(frozen=True)
class Bicycle:
    """A stolen bicycle, from the shipped file (``source`` ``"registry"``) or reported by
    an officer of the unit (``"report"``, with who and when)."""

    id: str
    source: str
    frame: str = ""
    marking: str = ""
    brand: str = ""
    model: str = ""
    colour: str = ""
    stolen_on: str = ""  # ISO date
    stolen_in: str = ""
    reference: str = ""
    reported_by: str = ""
    reported_at: str = ""

    def keys(self) -> set[str]:
        return {k for k in (marking.key(self.frame), marking.key(self.marking)) if k}

    def payload(self) -> dict[str, str]:
        return asdict(self)

    def text(self) -> str:
        """Everything a free-text filter may match, folded."""
        return " ".join((marking.key(self.frame), marking.key(self.marking), self.brand, self.model, self.colour,
                         self.stolen_in, self.reference)).lower()


class ReportError(ValueError):
    """A report refused; ``message`` is for the officer, ``field`` the field to fix."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def parse_date(value: str) -> date | None:
    """``JJ/MM/AAAA`` (as officers type it) or ISO ``AAAA-MM-JJ``; None if neither."""
    value = value.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


class BicycleService:
    def __init__(self, ctx: ModuleContext) -> None:
        self.ctx = ctx

    # -- the shipped file ------------------------------------------------------------------------
    def load_registry(self, path: Path = REGISTRY_CSV) -> int:
        """Load the shipped file if it changed since the last load; returns how many
        bicycles were loaded (0: already current). Rows without a usable identifier are
        skipped (and logged)."""
        raw = path.read_bytes()
        version = hashlib.sha256(raw).hexdigest()
        if self.ctx.db.read(store.registry_version) == version:
            return 0
        rows = []
        for line, row in enumerate(csv.DictReader(io.StringIO(raw.decode("utf-8"))), start=2):
            frame, mark = (row.get("frame") or "").strip(), (row.get("marking") or "").strip()
            if not (marking.plausible(frame, marking.FRAME_MIN, marking.FRAME_MAX)
                    or marking.plausible(mark, marking.MARKING_MIN, marking.MARKING_MAX)):
                self.ctx.log.warning("%s line %d: no usable frame or marking number, skipped", path.name, line)
                continue
            rows.append({**{k: (v or "").strip() for k, v in row.items() if k}, "id": f"csv-{line}",
                         "frame_key": marking.key(frame), "marking_key": marking.key(mark)})
        return self.ctx.db.write(lambda conn: store.replace_registry(conn, rows, version))

    # -- reports of the unit ---------------------------------------------------------------------
    def report(self, *, frame: str = "", marking_number: str = "", brand: str = "", model: str = "",
               colour: str = "", stolen_on: str = "", stolen_in: str = "", reference: str = "") -> Bicycle:
        """Declare a bicycle stolen: at least a frame or a marking number, the date (not
        in the future) and the place of the theft, the complaint's reference."""
        tr = self.ctx.tr
        frame, marking_number = " ".join(frame.split()), " ".join(marking_number.split())
        if not frame and not marking_number:
            raise ReportError(tr("Indiquez le numéro de cadre ou le numéro de marquage."), "frame")
        if frame and not marking.plausible(frame, marking.FRAME_MIN, marking.FRAME_MAX):
            raise ReportError(tr("Numéro de cadre illisible : {min} à {max} lettres et chiffres, dont un chiffre.",
                                 min=marking.FRAME_MIN, max=marking.FRAME_MAX), "frame")
        if marking_number and not marking.plausible(marking_number, marking.MARKING_MIN, marking.MARKING_MAX):
            raise ReportError(tr("Numéro de marquage illisible : {min} à {max} lettres et chiffres, dont un chiffre.",
                                 min=marking.MARKING_MIN, max=marking.MARKING_MAX), "marking")
        when = parse_date(stolen_on)
        if when is None:
            raise ReportError(tr("Date du vol : JJ/MM/AAAA."), "stolen_on")
        if when > date.today():
            raise ReportError(tr("La date du vol est dans le futur."), "stolen_on")
        place = " ".join(stolen_in.split())
        if not place:
            raise ReportError(tr("Indiquez le lieu du vol."), "stolen_in")
        ref = " ".join(reference.split())
        if not ref:
            raise ReportError(tr("Indiquez la référence de la plainte."), "reference")
        texts = {"brand": brand, "model": model, "colour": colour, "stolen_in": place, "reference": ref}
        for name, value in texts.items():
            if len(" ".join(value.split())) > TEXT_MAX:
                raise ReportError(tr("{n} caractères au plus.", n=TEXT_MAX), name)
        payload = {"frame": frame, "marking": marking_number, "brand": " ".join(brand.split()),
                   "model": " ".join(model.split()), "colour": " ".join(colour.split()),
                   "stolen_on": when.isoformat(), "stolen_in": place, "reference": ref,
                   "reported_by": self.ctx.officer.service_number,
                   "reported_at": datetime.now(UTC).isoformat(timespec="seconds")}
        record_id = self.ctx.sync.collection(COLLECTION).put(None, payload)
        self.ctx.audit.log("report", details={"record": record_id, "reference": ref})
        return Bicycle(id=record_id, source="report", **payload)

    def reports(self) -> list[Bicycle]:
        """The unit's reports (this tablet's and those the sync brought), newest theft first."""
        out = []
        for record in self.ctx.sync.collection(COLLECTION).list():
            fields = {k: str(v) for k, v in record.payload.items() if k in Bicycle.__dataclass_fields__}
            fields.pop("id", None)
            fields.pop("source", None)
            out.append(Bicycle(id=record.record_id, source="report", **fields))
        return sorted(out, key=lambda b: (b.stolen_on, b.reported_at), reverse=True)

    # -- search ------------------------------------------------------------------------------------
    def find(self, keys: set[str]) -> list[Bicycle]:
        """Bicycles whose frame or marking key is one of ``keys`` (reports first)."""
        keys = {k for k in keys if k}
        if not keys:
            return []
        found = [b for b in self.reports() if b.keys() & keys]
        rows = self.ctx.db.read(lambda conn: store.find(conn, keys))
        found += [Bicycle(**_registry_fields(r)) for r in rows]
        return found

    def bicycles(self, text: str = "", limit: int = 300) -> list[Bicycle]:
        """Reports then the shipped file, filtered by ``text`` (an identifier, a make, a
        colour, a place...), at most ``limit``."""
        rows = self.ctx.db.read(lambda conn: store.all_registry(conn, limit))
        every = self.reports() + [Bicycle(**_registry_fields(r)) for r in rows]
        words = text.lower().split()
        if words:
            every = [b for b in every if all(w in b.text() or marking.key(w) in b.text().upper() for w in words)]
        return every[:limit]


def _registry_fields(row: dict[str, Any]) -> dict[str, str]:
    return {"id": row["id"], "source": "registry", **{k: row[k] for k in (
        "frame", "marking", "brand", "model", "colour", "stolen_on", "stolen_in", "reference")}}
