"""SQL for the holiday watch at HQ (tables of migration 0006; see :mod:`neo.hq.watch.service`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from neo.hq.storage.schema import (
    records,
    units,
    watch_access,
    watch_access_log,
    watch_alerts,
    watch_areas,
    watch_notifications,
    watch_policies,
    watch_registrations,
    watch_visits,
)

VISITS = "holiday_watch.visits"
REGISTRATIONS = "holiday_watch.registrations"


# -- units: areas and policies -------------------------------------------------------------------


def unit_id_by_name(conn: Connection, name: str) -> int | None:
    v = conn.execute(select(units.c.id).where(units.c.name == name)).scalar_one_or_none()
    return int(v) if v is not None else None


def unit_names(conn: Connection) -> dict[int, str]:
    return {int(r.id): r.name for r in conn.execute(select(units.c.id, units.c.name))}


def areas(conn: Connection) -> dict[str, int]:
    """postcode -> unit id."""
    return {r.postcode: int(r.unit_id) for r in conn.execute(select(watch_areas))}


def area_add(conn: Connection, unit_id: int, postcodes: Sequence[str]) -> list[str]:
    """Give ``postcodes`` to a unit (taking them from any other unit); returns those that changed."""
    current = areas(conn)
    changed = [p for p in dict.fromkeys(postcodes) if current.get(p) != unit_id]
    for p in changed:
        if p in current:
            conn.execute(update(watch_areas).where(watch_areas.c.postcode == p).values(unit_id=unit_id))
        else:
            conn.execute(insert(watch_areas).values(postcode=p, unit_id=unit_id))
    return changed


def area_remove(conn: Connection, unit_id: int, postcodes: Sequence[str]) -> int:
    res = conn.execute(delete(watch_areas).where(watch_areas.c.unit_id == unit_id,
                                                 watch_areas.c.postcode.in_(list(postcodes))))
    return int(res.rowcount)


def policy_get(conn: Connection, unit_id: int) -> str | None:
    return conn.execute(select(watch_policies.c.anomaly_channels).where(
        watch_policies.c.unit_id == unit_id)).scalar_one_or_none()


def policy_set(conn: Connection, unit_id: int, channels: str, now: datetime) -> None:
    if policy_get(conn, unit_id) is None:
        conn.execute(insert(watch_policies).values(unit_id=unit_id, anomaly_channels=channels, updated_at=now))
    else:
        conn.execute(update(watch_policies).where(watch_policies.c.unit_id == unit_id).values(
            anomaly_channels=channels, updated_at=now))


def policies(conn: Connection) -> dict[int, str]:
    return {int(r.unit_id): r.anomaly_channels for r in conn.execute(select(watch_policies))}


# -- registrations ---------------------------------------------------------------------------------


def registrations_get(conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    rows = conn.execute(select(watch_registrations).where(watch_registrations.c.id.in_(sorted(set(ids)))))
    return {r.id: dict(r._mapping) for r in rows}


def registration_upsert(conn: Connection, row: dict[str, Any], exists: bool) -> None:
    """Insert or update the index row of a registration (``created_at`` kept on update)."""
    if exists:
        values = {k: v for k, v in row.items() if k not in ("id", "created_at")}
        conn.execute(update(watch_registrations).where(watch_registrations.c.id == row["id"]).values(**values))
    else:
        conn.execute(insert(watch_registrations).values(**row))


def registrations_list(conn: Connection, *, unit_id: int | None = None, include_removed: bool = False,
                       limit: int = 10_000) -> list[dict[str, Any]]:
    """Registrations with their record's payload, soonest ending first."""
    q = (select(watch_registrations, records.c.payload)
         .select_from(watch_registrations.outerjoin(records, and_(
             records.c.collection == REGISTRATIONS, records.c.record_id == watch_registrations.c.id))))
    if unit_id is not None:
        q = q.where(watch_registrations.c.unit_id == unit_id)
    if not include_removed:
        q = q.where(watch_registrations.c.removed_at.is_(None))
    q = q.order_by(watch_registrations.c.end_date, watch_registrations.c.id).limit(limit)
    return [dict(r._mapping) for r in conn.execute(q)]


def registrations_ended(conn: Connection, before: str) -> list[dict[str, Any]]:
    """Registrations still on the tablets whose end date is before ``before`` (ISO date)."""
    q = select(watch_registrations).where(watch_registrations.c.end_date < before,
                                          watch_registrations.c.removed_at.is_(None))
    return [dict(r._mapping) for r in conn.execute(q)]


def registrations_mark_removed(conn: Connection, ids: Sequence[str], now: datetime) -> None:
    if ids:
        conn.execute(update(watch_registrations).where(watch_registrations.c.id.in_(list(ids))).values(
            removed_at=now, updated_at=now))


def registration_payload(conn: Connection, registration_id: str) -> str | None:
    return conn.execute(select(records.c.payload).where(
        records.c.collection == REGISTRATIONS, records.c.record_id == registration_id,
        records.c.tombstone.is_(False))).scalar_one_or_none()


# -- access keys and their reveals --------------------------------------------------------------------


def access_key_get(conn: Connection, registration_id: str) -> str | None:
    return conn.execute(select(watch_access.c.key_wrapped).where(
        watch_access.c.registration_id == registration_id)).scalar_one_or_none()


def access_key_insert(conn: Connection, registration_id: str, wrapped: str, now: datetime) -> None:
    conn.execute(insert(watch_access).values(registration_id=registration_id, key_wrapped=wrapped, created_at=now))


def access_keys_delete(conn: Connection, ids: Sequence[str]) -> int:
    if not ids:
        return 0
    return int(conn.execute(delete(watch_access).where(watch_access.c.registration_id.in_(list(ids)))).rowcount)


def access_log_insert(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(watch_access_log).values(**row))


def access_log(conn: Connection, registration_id: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    q = select(watch_access_log)
    if registration_id is not None:
        q = q.where(watch_access_log.c.registration_id == registration_id)
    return [dict(r._mapping) for r in conn.execute(q.order_by(watch_access_log.c.id.desc()).limit(limit))]


# -- visits, alerts, notifications ----------------------------------------------------------------------


def visit_insert(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(watch_visits).values(**row))


def visits_of(conn: Connection, registration_id: str) -> list[dict[str, Any]]:
    """A registration's visits in time order, each with its record's payload (JSON text)."""
    q = (select(watch_visits, records.c.payload)
         .select_from(watch_visits.join(records, and_(records.c.collection == VISITS,
                                                      records.c.record_id == watch_visits.c.visit_id)))
         .where(watch_visits.c.registration_id == registration_id)
         .order_by(watch_visits.c.at, watch_visits.c.visit_id))
    return [dict(r._mapping) for r in conn.execute(q)]


def visit_counts(conn: Connection, registration_ids: Sequence[str]) -> dict[str, tuple[int, datetime | None]]:
    if not registration_ids:
        return {}
    q = (select(watch_visits.c.registration_id, func.count(), func.max(watch_visits.c.at))
         .where(watch_visits.c.registration_id.in_(list(registration_ids)))
         .group_by(watch_visits.c.registration_id))
    return {r[0]: (int(r[1]), r[2]) for r in conn.execute(q)}


def alert_insert(conn: Connection, row: dict[str, Any]) -> int:
    return int(conn.execute(insert(watch_alerts).values(**row).returning(watch_alerts.c.id)).scalar_one())


def alerts_list(conn: Connection, *, unit_id: int | None = None, open_only: bool = True,
                limit: int = 1000) -> list[dict[str, Any]]:
    q = select(watch_alerts)
    if unit_id is not None:
        q = q.where(watch_alerts.c.unit_id == unit_id)
    if open_only:
        q = q.where(watch_alerts.c.acknowledged_at.is_(None))
    return [dict(r._mapping) for r in conn.execute(q.order_by(watch_alerts.c.id.desc()).limit(limit))]


def alert_get(conn: Connection, alert_id: int) -> dict[str, Any] | None:
    r = conn.execute(select(watch_alerts).where(watch_alerts.c.id == alert_id)).first()
    return dict(r._mapping) if r is not None else None


def alert_ack(conn: Connection, alert_id: int, by: str, now: datetime) -> bool:
    res = conn.execute(update(watch_alerts).where(watch_alerts.c.id == alert_id,
                                                  watch_alerts.c.acknowledged_at.is_(None))
                       .values(acknowledged_by=by, acknowledged_at=now))
    return bool(res.rowcount)


def notifications_insert(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(watch_notifications), rows)


def notifications_list(conn: Connection, *, unit_id: int | None = None, status: str | None = None,
                       registration_id: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    q = select(watch_notifications)
    if unit_id is not None:
        q = q.where(watch_notifications.c.unit_id == unit_id)
    if status is not None:
        q = q.where(watch_notifications.c.status == status)
    if registration_id is not None:
        q = q.where(watch_notifications.c.registration_id == registration_id)
    return [dict(r._mapping) for r in conn.execute(q.order_by(watch_notifications.c.id.desc()).limit(limit))]


def notification_mark_sent(conn: Connection, notification_id: int, now: datetime) -> bool:
    res = conn.execute(update(watch_notifications).where(watch_notifications.c.id == notification_id,
                                                         watch_notifications.c.status == "to_send")
                       .values(status="sent", sent_at=now))
    return bool(res.rowcount)
