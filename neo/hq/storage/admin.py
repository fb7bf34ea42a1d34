"""SQL for HQ's directory: metadata, units, officers, devices and enrolment codes.

Every function takes an open connection (inside a transaction opened by
:class:`~neo.hq.storage.db.Database`) and returns plain dicts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from neo.hq.storage.schema import devices, enrolment_codes, hq_meta, officers, units


def _row(r: Any) -> dict[str, Any] | None:
    return dict(r._mapping) if r is not None else None


# -- metadata --------------------------------------------------------------------------------


def meta_get(conn: Connection, key: str) -> str | None:
    return conn.execute(select(hq_meta.c.value).where(hq_meta.c.key == key)).scalar()


def meta_set_default(conn: Connection, key: str, value: str) -> str:
    """Store ``value`` under ``key`` unless a value is there already; returns the stored one."""
    current = meta_get(conn, key)
    if current is None:
        conn.execute(insert(hq_meta).values(key=key, value=value))
        return value
    return current


# -- units ----------------------------------------------------------------------------------


def unit_by_name(conn: Connection, name: str) -> dict[str, Any] | None:
    return _row(conn.execute(select(units).where(units.c.name == name)).first())


def unit_by_id(conn: Connection, unit_id: int) -> dict[str, Any] | None:
    return _row(conn.execute(select(units).where(units.c.id == unit_id)).first())


def unit_ensure(conn: Connection, name: str, now: datetime) -> tuple[int, bool]:
    """The id of the unit named ``name``, creating it if needed; and whether it was created."""
    row = unit_by_name(conn, name)
    if row is not None:
        return int(row["id"]), False
    new_id = conn.execute(insert(units).values(name=name, created_at=now).returning(units.c.id)).scalar_one()
    return int(new_id), True


def unit_list(conn: Connection) -> list[dict[str, Any]]:
    officer_count = (
        select(func.count()).select_from(officers).where(officers.c.unit_id == units.c.id).scalar_subquery()
    )
    device_count = (
        select(func.count())
        .select_from(devices)
        .where(devices.c.unit_id == units.c.id, devices.c.revoked.is_(False))
        .scalar_subquery()
    )
    rows = conn.execute(
        select(units.c.id, units.c.name, units.c.created_at, officer_count.label("officers"),
               device_count.label("devices")).order_by(units.c.name)
    )
    return [dict(r._mapping) for r in rows]


def unit_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(units)).scalar_one())


# -- officers -------------------------------------------------------------------------------

_OFFICER_COLUMNS = (
    officers.c.service_number, officers.c.name, officers.c.unit_id, units.c.name.label("unit"),
    officers.c.role, officers.c.pin_hash, officers.c.disabled, officers.c.disabled_at,
    officers.c.failed_attempts, officers.c.last_failed_at, officers.c.created_at, officers.c.updated_at,
)


def officer_get(conn: Connection, service_number: str) -> dict[str, Any] | None:
    q = select(*_OFFICER_COLUMNS).join(units, units.c.id == officers.c.unit_id).where(
        officers.c.service_number == service_number
    )
    return _row(conn.execute(q).first())


def officers_get_many(conn: Connection, service_numbers: Iterable[str]) -> dict[str, dict[str, Any]]:
    wanted = sorted(set(service_numbers))
    if not wanted:
        return {}
    q = select(
        officers.c.service_number, officers.c.unit_id, officers.c.disabled, officers.c.disabled_at
    ).where(officers.c.service_number.in_(wanted))
    return {r.service_number: dict(r._mapping) for r in conn.execute(q)}


def officer_list(conn: Connection, unit_id: int | None = None) -> list[dict[str, Any]]:
    q = select(*_OFFICER_COLUMNS).join(units, units.c.id == officers.c.unit_id)
    if unit_id is not None:
        q = q.where(officers.c.unit_id == unit_id)
    return [dict(r._mapping) for r in conn.execute(q.order_by(officers.c.service_number))]


def officer_insert(conn: Connection, *, service_number: str, name: str, unit_id: int, role: str,
                   pin_hash: str, disabled: bool, now: datetime) -> None:
    conn.execute(
        insert(officers).values(
            service_number=service_number, name=name, unit_id=unit_id, role=role, pin_hash=pin_hash,
            disabled=disabled, disabled_at=now if disabled else None, failed_attempts=0,
            last_failed_at=None, created_at=now, updated_at=now,
        )
    )


def officer_set_disabled(conn: Connection, service_number: str, disabled: bool, now: datetime) -> bool:
    res = conn.execute(
        update(officers)
        .where(officers.c.service_number == service_number)
        .values(disabled=disabled, disabled_at=now if disabled else None, updated_at=now)
    )
    return res.rowcount == 1


def officer_set_pin_hash(conn: Connection, service_number: str, pin_hash: str, now: datetime) -> None:
    conn.execute(
        update(officers)
        .where(officers.c.service_number == service_number)
        .values(pin_hash=pin_hash, failed_attempts=0, last_failed_at=None, updated_at=now)
    )


def officer_record_failure(conn: Connection, service_number: str, now: datetime) -> int:
    conn.execute(
        update(officers)
        .where(officers.c.service_number == service_number)
        .values(failed_attempts=officers.c.failed_attempts + 1, last_failed_at=now)
    )
    return int(
        conn.execute(
            select(officers.c.failed_attempts).where(officers.c.service_number == service_number)
        ).scalar_one()
    )


def officer_reset_failures(conn: Connection, service_number: str) -> None:
    conn.execute(
        update(officers)
        .where(officers.c.service_number == service_number, officers.c.failed_attempts != 0)
        .values(failed_attempts=0, last_failed_at=None)
    )


# -- devices --------------------------------------------------------------------------------

_DEVICE_COLUMNS = (
    devices.c.id, devices.c.name, devices.c.unit_id, units.c.name.label("unit"), devices.c.public_key,
    devices.c.key_type, devices.c.enrolled_at, devices.c.last_seen, devices.c.revoked, devices.c.revoked_at,
)


def device_by_token_hash(conn: Connection, token_hash: str) -> dict[str, Any] | None:
    """The device holding this token, with ``scope``: "device" (its full token) or
    "unlock" (its verify-only unlock token)."""
    base = select(*_DEVICE_COLUMNS).join(units, units.c.id == devices.c.unit_id)
    row = _row(conn.execute(base.where(devices.c.token_hash == token_hash)).first())
    if row is not None:
        return {**row, "scope": "device"}
    row = _row(conn.execute(base.where(devices.c.unlock_token_hash == token_hash)).first())
    return {**row, "scope": "unlock"} if row is not None else None


def device_unlock_share(conn: Connection, device_id: str) -> str | None:
    return conn.execute(select(devices.c.unlock_share).where(devices.c.id == device_id)).scalar()


def device_get(conn: Connection, device_id: str) -> dict[str, Any] | None:
    q = select(*_DEVICE_COLUMNS).join(units, units.c.id == devices.c.unit_id).where(devices.c.id == device_id)
    return _row(conn.execute(q).first())


def device_list(conn: Connection) -> list[dict[str, Any]]:
    q = select(*_DEVICE_COLUMNS).join(units, units.c.id == devices.c.unit_id).order_by(devices.c.enrolled_at)
    return [dict(r._mapping) for r in conn.execute(q)]


def device_insert(conn: Connection, *, device_id: str, name: str, unit_id: int, public_key: str,
                  key_type: str, token_hash: str, unlock_token_hash: str | None, unlock_share: str | None,
                  now: datetime) -> None:
    conn.execute(
        insert(devices).values(
            id=device_id, name=name, unit_id=unit_id, public_key=public_key, key_type=key_type,
            token_hash=token_hash, enrolled_at=now, last_seen=now, revoked=False, revoked_at=None,
            unlock_token_hash=unlock_token_hash, unlock_share=unlock_share,
        )
    )


def device_touch(conn: Connection, device_id: str, now: datetime) -> None:
    conn.execute(update(devices).where(devices.c.id == device_id).values(last_seen=now))


def device_revoke(conn: Connection, device_id: str, now: datetime) -> bool:
    res = conn.execute(
        update(devices).where(devices.c.id == device_id, devices.c.revoked.is_(False)).values(
            revoked=True, revoked_at=now
        )
    )
    return res.rowcount == 1


# -- enrolment codes ------------------------------------------------------------------------


def enrolment_code_insert(conn: Connection, *, secret_hash: str, unit_id: int, now: datetime,
                          expires_at: datetime) -> None:
    conn.execute(
        insert(enrolment_codes).values(
            secret_hash=secret_hash, unit_id=unit_id, created_at=now, expires_at=expires_at
        )
    )


def enrolment_code_get(conn: Connection, secret_hash: str) -> dict[str, Any] | None:
    return _row(conn.execute(select(enrolment_codes).where(enrolment_codes.c.secret_hash == secret_hash)).first())


def enrolment_code_consume(conn: Connection, secret_hash: str, device_id: str, now: datetime) -> bool:
    """Mark the code used by ``device_id``; False if it was used or expired meanwhile."""
    res = conn.execute(
        update(enrolment_codes)
        .where(
            enrolment_codes.c.secret_hash == secret_hash,
            enrolment_codes.c.used_at.is_(None),
            enrolment_codes.c.expires_at > now,
        )
        .values(used_at=now, device_id=device_id)
    )
    return res.rowcount == 1


def table_counts(conn: Connection) -> dict[str, int]:
    """Rows in every HQ table (diagnostics and tests: "this request wrote nothing")."""
    from neo.hq.storage.schema import metadata

    return {
        name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        for name, table in sorted(metadata.tables.items())
    }
