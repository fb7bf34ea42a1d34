"""The holiday watch at HQ: registrations in, access details out on demand, visits in,
alerts and citizen notifications, expiry of ended watches.

* **Registrations** (:meth:`WatchService.register`, :meth:`WatchService.import_file`) are
  validated (:class:`~neo.hq.watch.registrations.RegistrationIn`), assigned to the unit
  whose area holds their postcode (``watch_areas``; a registration may name its unit),
  and written as HQ-authoritative ``holiday_watch.registrations`` records for that unit,
  with their index row (``watch_registrations``) in the same transaction. A batch is all
  or nothing.
* **Access details** are sealed under a random key per registration (AES-256-GCM,
  :func:`~neo.hq.watch.registrations.seal_access`); the key is kept wrapped with HQ's
  key file ``keys/watch-access.key`` (``watch_access``), so neither the payload nor the
  database holds the details in clear. :meth:`WatchService.reveal_access` opens them for
  an officer of the unit, with a reason, and logs it (``watch_access_log``).
* **Visits** pushed by the tablets (``holiday_watch.visits``, append-only) are checked by
  :class:`VisitValidator` before they are stored, indexed in ``watch_visits``, and an
  anomaly raises a ``watch_alerts`` row and the notifications the unit's policy asks for
  (``watch_notifications``, status ``to_send``: no gateway sends them from here).
* **Ended watches** leave the tablets: :meth:`WatchService.expire_ended` tombstones every
  registration whose end date is more than ``watch_grace_days`` ago and erases its key.
  HQ runs it every hour while it serves (:meth:`WatchService.housekeeping`), and
  ``neo-hq watch expire`` runs it on demand.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import shutil
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import Connection

from neo import protocol
from neo.hq.errors import AdminError, AuthError, Conflict, NotFound, Rejected
from neo.hq.security import ShareKeyring
from neo.hq.storage import admin as admin_sql
from neo.hq.storage import watch as watch_sql
from neo.hq.storage.schema import utcnow
from neo.hq.validators import RecordValidator, Refusal
from neo.hq.watch import registrations as reg
from neo.hq.watch.registrations import COLLECTION, VISITS, ImportFailed, RegistrationIn, RowError
from neo.i18n import tr

if TYPE_CHECKING:
    from neo.hq.service import Device, Headquarters

log = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
CHANNELS = ("sms", "email")
DEFAULT_ANOMALY_CHANNELS = "sms"
"""A unit without a policy has the citizen told of an anomaly by SMS."""
HOUSEKEEPING_SECONDS = 3600.0
CHECKS = ("doors", "windows_shutters", "letterbox", "garden", "vehicles")
_SN = re.compile(protocol.SERVICE_NUMBER_PATTERN)
_SHA = re.compile(protocol.SHA256_PATTERN)


def check_labels() -> dict[str, str]:
    return {
        "doors": tr("portes"), "windows_shutters": tr("fenêtres et volets"), "letterbox": tr("boîte aux lettres"),
        "garden": tr("jardin"), "vehicles": tr("véhicules"),
    }


def outcome_label(outcome: str) -> str:
    return tr("anomalie") if outcome == "anomaly" else tr("RAS")


def local_time(dt: datetime) -> datetime:
    return dt.astimezone(PARIS)


# -- visits --------------------------------------------------------------------------------------------

CheckState = Literal["ok", "anomaly", "na"]


class VisitPosition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    accuracy: float | None = Field(default=None, ge=0, le=100_000, allow_inf_nan=False)


class Checklist(BaseModel):
    model_config = ConfigDict(extra="forbid")
    doors: CheckState
    windows_shutters: CheckState
    letterbox: CheckState
    garden: CheckState
    vehicles: CheckState


class VisitIn(BaseModel):
    """A ``holiday_watch.visits`` payload as HQ accepts it (fields it does not know are kept)."""

    model_config = ConfigDict(extra="allow")
    id: str
    registration_id: str
    officer: str
    at: AwareDatetime
    position: VisitPosition | None = None
    distance_m: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    distance_warning: bool = False
    checklist: Checklist
    outcome: Literal["all_clear", "anomaly"]
    note: str = Field(default="", max_length=2000)
    photos: list[str] = Field(default_factory=list, max_length=20)
    notice_left: bool = False

    @model_validator(mode="after")
    def _coherent(self) -> VisitIn:
        for name in ("id", "registration_id"):
            try:
                uuid.UUID(getattr(self, name))
            except ValueError:
                raise ValueError(f"{name}: UUID expected") from None
        if not _SN.fullmatch(self.officer):
            raise ValueError("officer: service number expected")
        if any(not _SHA.fullmatch(p) for p in self.photos):
            raise ValueError("photos: SHA-256 names expected")
        if reg._CONTROL.search(self.note):  # a NUL cannot even be stored in PostgreSQL text
            raise ValueError("note: control characters")
        if self.outcome == "all_clear" and "anomaly" in self.checklist.model_dump().values():
            raise ValueError("outcome: all_clear with an anomaly in the checklist")
        return self


class VisitValidator(RecordValidator):
    """Checks pushed visits, indexes them, raises alerts and notifications (push transaction)."""

    def __init__(self, watch: WatchService) -> None:
        self.watch = watch

    @staticmethod
    def _refuse(reason: str) -> Refusal:
        return Refusal("record_invalid", tr("Passage refusé par le QG : {why}", why=reason))

    def check(self, conn: Connection, device: Device, mutation: protocol.Mutation) -> Refusal | None:
        if mutation.tombstone or mutation.payload is None:
            return None  # the collection's policy refuses deletions
        try:
            visit = VisitIn.model_validate(mutation.payload)
        except ValidationError as exc:
            return self._refuse(reg.describe(exc))
        if visit.id != mutation.record_id:
            return self._refuse(tr("l'identifiant du passage ne correspond pas à l'enregistrement"))
        if visit.officer != mutation.officer:
            return self._refuse(tr("l'agent du passage n'est pas celui qui l'envoie"))
        found = watch_sql.registrations_get(conn, [visit.registration_id]).get(visit.registration_id)
        if found is None or int(found["unit_id"]) != device.unit_id:
            return self._refuse(tr("domicile inconnu de l'unité"))
        return None

    def applied(self, conn: Connection, device: Device, mutation: protocol.Mutation, server_seq: int) -> None:
        if mutation.tombstone or mutation.payload is None:
            return
        visit = VisitIn.model_validate(mutation.payload)
        now = utcnow()
        at = visit.at.astimezone(UTC)
        watch_sql.visit_insert(conn, {
            "visit_id": visit.id, "registration_id": visit.registration_id, "unit_id": device.unit_id,
            "device_id": device.id, "officer": visit.officer, "at": at, "outcome": visit.outcome,
            "received_at": now,
        })
        if visit.outcome == "anomaly":
            self.watch.raise_alert(conn, visit, device.unit_id, now)


# -- the service -------------------------------------------------------------------------------------


@dataclass
class Prepared:
    line: int
    id: str
    unit_id: int
    payload: dict[str, Any]
    index: dict[str, Any]
    new_key: str | None
    """The wrapped key to store (None: the registration already has one)."""
    existed: bool


class WatchService:
    def __init__(self, hq: Headquarters) -> None:
        self.hq = hq
        self.db = hq.db
        self.keyring = ShareKeyring(hq.config.data_dir / "keys" / "watch-access.key")
        self.validator = VisitValidator(self)
        hq.validators[VISITS] = self.validator

    @property
    def grace_days(self) -> int:
        return max(0, int(self.hq.config.watch_grace_days))

    # == units: areas and policies ====================================================================
    def _unit_id(self, conn: Connection, unit: str) -> int:
        unit_id = watch_sql.unit_id_by_name(conn, unit)
        if unit_id is None:
            raise AdminError(tr("Unité inconnue : {unit}", unit=unit))
        return unit_id

    def set_area(self, unit: str, postcodes: Sequence[str], *, remove: bool = False) -> dict[str, Any]:
        bad = [p for p in postcodes if not reg._POSTCODE_RE.fullmatch(p)]
        if bad or not postcodes:
            raise AdminError(tr("Codes postaux invalides : {cp}", cp=", ".join(bad) or "-"))

        def tx(conn: Connection) -> dict[str, Any]:
            unit_id = self._unit_id(conn, unit)
            if remove:
                return {"unit": unit, "removed": watch_sql.area_remove(conn, unit_id, postcodes)}
            return {"unit": unit, "changed": watch_sql.area_add(conn, unit_id, postcodes)}

        return self.db.write(tx)

    def areas(self) -> list[dict[str, Any]]:
        def tx(conn: Connection) -> list[dict[str, Any]]:
            names = watch_sql.unit_names(conn)
            policies = watch_sql.policies(conn)
            by_unit: dict[int, list[str]] = {}
            for postcode, unit_id in sorted(watch_sql.areas(conn).items()):
                by_unit.setdefault(unit_id, []).append(postcode)
            return [{"unit": name, "postcodes": by_unit.get(uid, []),
                     "anomaly_channels": policies.get(uid, DEFAULT_ANOMALY_CHANNELS)}
                    for uid, name in sorted(names.items(), key=lambda kv: kv[1])]

        return self.db.read(tx)

    def set_policy(self, unit: str, channels: Sequence[str]) -> str:
        """The channels a citizen is told of an anomaly by (``sms``, ``email``; none: nobody)."""
        wanted = [c for c in channels if c != "none"]
        if any(c not in CHANNELS for c in wanted):
            raise AdminError(tr("Canal inconnu (connus : sms, email, none)."))
        value = ",".join(dict.fromkeys(wanted)) or "none"
        self.db.write(lambda c: watch_sql.policy_set(c, self._unit_id(c, unit), value, utcnow()))
        return value

    # == registrations ===============================================================================
    def _prepare(self, conn: Connection, items: Sequence[tuple[int, RegistrationIn]], *, source: str,
                 fallback_unit_id: int | None, today: date, check_dates: bool) -> list[Prepared]:
        """Validated registrations as records to write, or :class:`ImportFailed`-style errors."""
        areas = watch_sql.areas(conn)
        names = watch_sql.unit_names(conn)
        by_name = {v: k for k, v in names.items()}
        ids = [(line, r.id or str(uuid.uuid4())) for line, r in items]
        existing = watch_sql.registrations_get(conn, [rid for _, rid in ids])
        errors: list[RowError] = []
        seen: dict[str, int] = {}
        out: list[Prepared] = []
        now = utcnow()
        for (line, r), (_, rid) in zip(items, ids, strict=True):
            try:
                if rid in seen:
                    raise ValueError(tr("identifiant {id} déjà présent ligne {n}", id=rid, n=seen[rid]))
                seen[rid] = line
                if check_dates:
                    reg.check_dates(r, today, self.grace_days)
                if r.unit is not None:
                    if r.unit not in by_name:
                        raise ValueError(tr("unité inconnue : {unit}", unit=r.unit))
                    unit_id = by_name[r.unit]
                elif r.address.postcode in areas:
                    unit_id = areas[r.address.postcode]
                elif fallback_unit_id is not None:
                    unit_id = fallback_unit_id
                else:
                    raise ValueError(tr("aucune unité ne couvre le code postal {cp} (neo-hq watch area)",
                                        cp=r.address.postcode))
                before = existing.get(rid)
                if before is not None and int(before["unit_id"]) != unit_id:
                    raise ValueError(tr("ce domicile est suivi par l'unité {unit} : il ne peut pas changer d'unité",
                                        unit=names.get(int(before["unit_id"]), "?")))
            except ValueError as exc:
                errors.append(RowError(line, str(exc)))
                continue
            wrapped = watch_sql.access_key_get(conn, rid)
            new_key = None
            if wrapped is None:
                key = os.urandom(32)
                new_key = self.keyring.seal(rid, key)
            else:
                key = self.keyring.open(rid, wrapped)
            sealed = reg.seal_access(key, rid, r.access) if r.access else None
            payload = reg.to_payload(r, rid, names[unit_id], sealed)
            index = {"id": rid, "unit_id": unit_id, "postcode": r.address.postcode,
                     "start_date": r.start_date.isoformat(), "end_date": r.end_date.isoformat(),
                     "source": source, "created_at": now, "updated_at": now, "removed_at": None}
            out.append(Prepared(line, rid, unit_id, payload, index, new_key, before is not None))
        if errors:
            raise _Failed(errors)
        return out

    def _write(self, prepared: list[Prepared]) -> int:
        now = utcnow()

        def also(conn: Connection) -> None:
            for p in prepared:
                if p.new_key is not None:
                    watch_sql.access_key_insert(conn, p.id, p.new_key, now)
                watch_sql.registration_upsert(conn, p.index, p.existed)

        return int(self.hq.put_hq_records(COLLECTION, [(p.id, p.payload, f"u:{p.unit_id}") for p in prepared],
                                          also=also))

    def register_many(self, items: Sequence[tuple[int, RegistrationIn]], *, source: str,
                      fallback_unit_id: int | None = None, today: date | None = None,
                      check_dates: bool = True) -> dict[str, Any]:
        """Write registrations (all or nothing): ``[(line, registration)]`` ->
        ``{"registered": [{id, unit, line, created}], "written": records written}`` (records
        unchanged are not written again). Raises :class:`_Failed` with the lines refused."""
        today = today or date.today()
        prepared = self.db.read(lambda c: self._prepare(c, items, source=source, fallback_unit_id=fallback_unit_id,
                                                        today=today, check_dates=check_dates))
        written = self._write(prepared)
        return {"registered": [{"id": p.id, "unit": p.payload["unit"], "line": p.line, "created": not p.existed}
                               for p in prepared], "written": written}

    def register(self, registration: RegistrationIn, *, source: str, fallback_unit_id: int | None = None,
                 today: date | None = None) -> dict[str, Any]:
        try:
            done = self.register_many([(1, registration)], source=source, fallback_unit_id=fallback_unit_id,
                                      today=today)
        except _Failed as exc:
            raise Rejected(tr("Inscription refusée : {why}", why=exc.errors[0].message),
                           code="registration_invalid") from None
        return {k: v for k, v in done["registered"][0].items() if k != "line"}

    def register_from_device(self, device: Device, officer: str, registration: RegistrationIn) -> dict[str, Any]:
        """A registration taken at a unit's desk on a tablet: the officer must be of the
        device's unit; the home goes to the unit of its area (the device's when no unit covers it)."""
        self._check_officer(device, officer)
        if registration.id is not None and self.db.read(lambda c: watch_sql.registrations_get(c, [registration.id])):
            # the desk takes new homes; replacing one (its phone, its access code) is HQ's import
            raise Conflict(tr("Cette inscription existe déjà au QG."), code="registration_exists")
        return self.register(registration, source="api", fallback_unit_id=device.unit_id)

    def import_file(self, path: Path, *, today: date | None = None) -> dict[str, Any]:
        """Validate every line of a CSV or JSON Lines file, then write them all (all or nothing)."""
        path = Path(path)
        if not path.is_file():
            raise AdminError(tr("Fichier introuvable : {p}", p=path))
        good: list[tuple[int, RegistrationIn]] = []
        errors: list[RowError] = []
        for line, row in reg.read_file(path):
            if isinstance(row, RowError):
                errors.append(row)
            else:
                good.append((line, row))
        prepared: list[Prepared] = []
        try:  # the lines that read well are checked too, so one pass reports every problem
            prepared = self.db.read(lambda c: self._prepare(c, good, source="import", fallback_unit_id=None,
                                                            today=today or date.today(), check_dates=True))
        except _Failed as exc:
            errors += exc.errors
        if errors:
            errors.sort(key=lambda e: e.line)
            raise ImportFailed(path, errors[:reg.MAX_ERRORS], len(errors) > reg.MAX_ERRORS)
        self._write(prepared)
        return {"path": str(path), "rows": len(prepared), "created": sum(1 for p in prepared if not p.existed),
                "units": _count(p.payload["unit"] for p in prepared)}

    def registrations(self, *, unit: str | None = None, include_removed: bool = False) -> list[dict[str, Any]]:
        def tx(conn: Connection) -> list[dict[str, Any]]:
            unit_id = self._unit_id(conn, unit) if unit else None
            rows = watch_sql.registrations_list(conn, unit_id=unit_id, include_removed=include_removed)
            names = watch_sql.unit_names(conn)
            counts = watch_sql.visit_counts(conn, [r["id"] for r in rows])
            out = []
            for r in rows:
                payload = json.loads(r["payload"]) if r["payload"] else {}
                visits, last = counts.get(r["id"], (0, None))
                out.append({
                    "id": r["id"], "unit": names.get(int(r["unit_id"])), "start_date": r["start_date"],
                    "end_date": r["end_date"], "citizen": (payload.get("citizen") or {}).get("name"),
                    "address": _address_line(payload), "source": r["source"], "visits": visits,
                    "last_visit": last.isoformat(timespec="minutes") if last else None,
                    "removed_at": r["removed_at"].isoformat(timespec="seconds") if r["removed_at"] else None,
                })
            return out

        return self.db.read(tx)

    def registration(self, registration_id: str) -> dict[str, Any]:
        """A registration's index row and payload (payload None once removed from the tablets)."""
        def tx(conn: Connection) -> dict[str, Any]:
            row = watch_sql.registrations_get(conn, [registration_id]).get(registration_id)
            if row is None:
                raise NotFound(tr("Inscription inconnue : {id}", id=registration_id), code="registration_unknown")
            text = watch_sql.registration_payload(conn, registration_id)
            return {**row, "unit": watch_sql.unit_names(conn).get(int(row["unit_id"])),
                    "payload": json.loads(text) if text else None}

        return self.db.read(tx)

    # == ended watches ================================================================================
    def expire_ended(self, today: date | None = None) -> list[str]:
        """Remove from the tablets (tombstone) every registration ended more than the grace
        period ago, and erase its access key. Returns the ids removed."""
        today = today or date.today()
        before = (today - timedelta(days=self.grace_days)).isoformat()
        ended = self.db.read(lambda c: watch_sql.registrations_ended(c, before))
        if not ended:
            return []
        ids = [r["id"] for r in ended]
        now = utcnow()
        for rid in ids:  # the citizen's report, kept at HQ: the home's details leave with the record
            try:
                self.report(rid, self.reports_dir / f"{rid}.pdf", generated=now)
            except Exception:
                log.exception("holiday watch: report of %s not written", rid)

        def also(conn: Connection) -> None:
            watch_sql.registrations_mark_removed(conn, ids, now)
            watch_sql.access_keys_delete(conn, ids)

        self.hq.put_hq_records(COLLECTION, [(r["id"], None, f"u:{r['unit_id']}") for r in ended], tombstone=True,
                               also=also)
        log.info("holiday watch: %d ended registration(s) removed from the tablets", len(ids))
        return ids

    def housekeeping(self, interval: float = HOUSEKEEPING_SECONDS) -> Callable[[], None]:
        """Run :meth:`expire_ended` now and every ``interval`` seconds on a daemon thread;
        returns the function that stops it."""
        stop = threading.Event()

        def run() -> None:
            while True:
                try:
                    self.expire_ended()
                except Exception:  # the next round tries again
                    log.exception("holiday watch: expiry failed")
                if stop.wait(interval):
                    return

        thread = threading.Thread(target=run, name="watch-housekeeping", daemon=True)
        thread.start()

        def stopper() -> None:
            stop.set()
            thread.join(timeout=10)

        return stopper

    @property
    def reports_dir(self) -> Path:
        return self.hq.config.data_dir / "reports" / "holiday_watch"

    def report(self, registration_id: str, out: Path, *, generated: datetime | None = None) -> Path:
        """Write the citizen's PDF report of a registration's visits to ``out``. Once the
        watch has left the tablets, the report HQ wrote then is copied."""
        from neo.hq.watch.report import write_report

        info = self.registration(registration_id)
        out = Path(out)
        if info["payload"] is None:
            kept = self.reports_dir / f"{registration_id}.pdf"
            if not kept.is_file():
                raise AdminError(tr("Ce domicile a quitté les tablettes sans compte rendu conservé."))
            if kept.resolve() != out.resolve():
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(kept, out)
            return out
        return write_report(out, info["payload"], self.visits(registration_id), generated=generated or utcnow())

    # == access details ================================================================================
    def _check_officer(self, device: Device, officer: str) -> None:
        row = self.db.read(lambda c: admin_sql.officers_get_many(c, [officer])).get(officer)
        if row is None or int(row["unit_id"]) != device.unit_id or row["disabled"]:
            raise AuthError(tr("Cet agent n'est pas autorisé pour cette unité."), code="officer_refused", status=403)

    def reveal_access(self, registration_id: str, *, reason: str, device: Device | None = None,
                      officer: str | None = None, actor: str | None = None) -> dict[str, Any]:
        """The access details of a registration, for an officer of its unit on ``device`` (or
        an HQ operator ``actor``), with a reason; every reveal is logged before it is answered."""
        reason = (reason or "").strip()
        if not 3 <= len(reason) <= 200 or reg._CONTROL_NO_NEWLINE.search(reason):
            raise Rejected(tr("Le motif de la consultation des accès est obligatoire (3 à 200 caractères)."),
                           code="reason_required")
        if device is not None:
            if officer is None:
                raise Rejected(tr("L'agent est obligatoire."), code="officer_required")
            self._check_officer(device, officer)
        now = utcnow()

        def tx(conn: Connection) -> dict[str, Any]:
            row = watch_sql.registrations_get(conn, [registration_id]).get(registration_id)
            if row is None or row["removed_at"] is not None or (
                    device is not None and int(row["unit_id"]) != device.unit_id):
                raise NotFound(tr("Inscription inconnue : {id}", id=registration_id), code="registration_unknown")
            text = watch_sql.registration_payload(conn, registration_id)
            sealed = json.loads(text).get("access_sealed") if text else None
            wrapped = watch_sql.access_key_get(conn, registration_id)
            access = None
            key = None
            if sealed and wrapped:
                key = self.keyring.open(registration_id, wrapped)
                access = reg.open_access(key, registration_id, sealed)
            watch_sql.access_log_insert(conn, {
                "registration_id": registration_id, "unit_id": int(row["unit_id"]),
                "device_id": device.id if device is not None else None, "officer": officer,
                "actor": actor or (f"device:{device.id}" if device is not None else "hq"), "reason": reason,
                "revealed_at": now,
            })
            valid_until = date.fromisoformat(row["end_date"]) + timedelta(days=self.grace_days)
            return {"registration_id": registration_id, "access": access,
                    "key": base64.b64encode(key).decode("ascii") if key is not None else None,
                    "valid_until": valid_until.isoformat()}

        return self.hq._write(tx)

    def access_log(self, registration_id: str | None = None) -> list[dict[str, Any]]:
        rows = self.db.read(lambda c: watch_sql.access_log(c, registration_id))
        return [{**r, "revealed_at": r["revealed_at"].isoformat(timespec="seconds")} for r in rows]

    # == visits, alerts, notifications ================================================================
    def raise_alert(self, conn: Connection, visit: VisitIn, unit_id: int, now: datetime) -> int:
        """An anomaly visit: the alert, and the citizen's notifications per the unit's policy."""
        labels = check_labels()
        found = [labels[k] for k, v in visit.checklist.model_dump().items() if v == "anomaly"]
        summary = ", ".join(found) or tr("anomalie signalée")
        if visit.note.strip():
            summary += " — " + visit.note.strip()[:300]
        alert_id = watch_sql.alert_insert(conn, {
            "visit_id": visit.id, "registration_id": visit.registration_id, "unit_id": unit_id,
            "officer": visit.officer, "visit_at": visit.at.astimezone(UTC), "raised_at": now, "summary": summary,
            "acknowledged_by": None, "acknowledged_at": None,
        })
        text = watch_sql.registration_payload(conn, visit.registration_id)
        payload = json.loads(text) if text else {}
        citizen = payload.get("citizen") or {}
        channels = (watch_sql.policy_get(conn, unit_id) or DEFAULT_ANOMALY_CHANNELS).split(",")
        when = local_time(visit.at)
        message = tr("Gendarmerie, Opération Tranquillité Vacances : lors de notre passage du {date} à {time}, "
                     "une anomalie a été constatée à votre domicile ({address}). La brigade {unit} va vous "
                     "contacter.", date=when.strftime("%d/%m/%Y"), time=when.strftime("%H:%M"),
                     address=_address_line(payload), unit=payload.get("unit") or "")
        rows: list[dict[str, Any]] = []
        for channel in channels:
            recipient, kind = None, channel
            if channel == "sms" and citizen.get("phone"):
                recipient = citizen["phone"]
                if not reg.is_mobile(recipient):
                    kind = "phone"  # a landline: the unit calls
            elif channel == "email" and citizen.get("email"):
                recipient = citizen["email"]
            if recipient:
                rows.append({"registration_id": visit.registration_id, "visit_id": visit.id, "unit_id": unit_id,
                             "kind": "anomaly", "channel": kind, "recipient": recipient, "message": message,
                             "status": "to_send", "created_at": now, "sent_at": None})
        watch_sql.notifications_insert(conn, rows)
        return alert_id

    def visits(self, registration_id: str) -> list[dict[str, Any]]:
        """The visits of a registration, oldest first, with their payloads."""
        rows = self.db.read(lambda c: watch_sql.visits_of(c, registration_id))
        out = []
        for r in rows:
            payload = json.loads(r["payload"]) if r["payload"] else {}
            out.append({"visit_id": r["visit_id"], "at": r["at"].isoformat(timespec="seconds"),
                        "officer": r["officer"], "outcome": r["outcome"], "device_id": r["device_id"],
                        "received_at": r["received_at"].isoformat(timespec="seconds"), "payload": payload})
        return out

    def alerts(self, *, unit: str | None = None, open_only: bool = True) -> list[dict[str, Any]]:
        def tx(conn: Connection) -> list[dict[str, Any]]:
            unit_id = self._unit_id(conn, unit) if unit else None
            names = watch_sql.unit_names(conn)
            return [{**r, "unit": names.get(int(r["unit_id"]))}
                    for r in watch_sql.alerts_list(conn, unit_id=unit_id, open_only=open_only)]

        return [_iso_row(r) for r in self.db.read(tx)]

    def acknowledge(self, alert_id: int, by: str) -> bool:
        by = by.strip()
        if not by or len(by) > 64:
            raise AdminError(tr("Dites qui prend l'alerte en compte (--by)."))

        def tx(conn: Connection) -> bool:
            if watch_sql.alert_get(conn, alert_id) is None:
                raise AdminError(tr("Alerte inconnue : {id}", id=alert_id))
            return watch_sql.alert_ack(conn, alert_id, by, utcnow())

        return bool(self.db.write(tx))

    def notifications(self, *, unit: str | None = None, status: str | None = None,
                      registration_id: str | None = None) -> list[dict[str, Any]]:
        def tx(conn: Connection) -> list[dict[str, Any]]:
            unit_id = self._unit_id(conn, unit) if unit else None
            return watch_sql.notifications_list(conn, unit_id=unit_id, status=status,
                                                registration_id=registration_id)

        return [_iso_row(r) for r in self.db.read(tx)]

    def mark_sent(self, notification_id: int) -> bool:
        return bool(self.db.write(lambda c: watch_sql.notification_mark_sent(c, notification_id, utcnow())))


class _Failed(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def _address_line(payload: dict[str, Any]) -> str:
    a = payload.get("address") or {}
    return ", ".join(x for x in (a.get("line"), " ".join(filter(None, (a.get("postcode"), a.get("city"))))) if x)


def _iso_row(r: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat(timespec="seconds") if isinstance(v, datetime) else v) for k, v in r.items()}


def _count(values: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return dict(sorted(out.items()))
