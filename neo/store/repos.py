"""SQL for the core tables. Callers pass a connection from ``Store.read``/``Store.write``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from neo.store.db import Connection

# -- device_info ---------------------------------------------------------------------


def device_get(conn: Connection, key: str) -> bytes | None:
    row = conn.execute("SELECT v FROM device_info WHERE k = ?", (key,)).fetchone()
    return None if row is None else bytes(row[0]) if isinstance(row[0], bytes | memoryview) else row[0]


def device_set(conn: Connection, key: str, value: bytes | str) -> None:
    conn.execute(
        "INSERT INTO device_info(k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
        (key, value),
    )


# -- officers --------------------------------------------------------------------------

_OFFICER_COLS = "service_number, name, unit, role, slot_id, disabled, created_at"


def _officer_row(row: tuple[Any, ...]) -> dict[str, Any]:
    keys = [c.strip() for c in _OFFICER_COLS.split(",")]
    out = dict(zip(keys, row, strict=True))
    out["disabled"] = bool(out["disabled"])
    return out


def officer_insert(conn: Connection, officer: dict[str, Any]) -> None:
    conn.execute(
        f"INSERT INTO officers({_OFFICER_COLS}) VALUES (?,?,?,?,?,?,?)",
        (
            officer["service_number"],
            officer["name"],
            officer.get("unit", ""),
            officer.get("role", "officer"),
            officer["slot_id"],
            int(officer.get("disabled", False)),
            officer["created_at"],
        ),
    )


def officer_get(conn: Connection, service_number: str) -> dict[str, Any] | None:
    row = conn.execute(
        f"SELECT {_OFFICER_COLS} FROM officers WHERE service_number = ?", (service_number,)
    ).fetchone()
    return None if row is None else _officer_row(row)


def officer_by_slot(conn: Connection, slot_id: str) -> dict[str, Any] | None:
    row = conn.execute(f"SELECT {_OFFICER_COLS} FROM officers WHERE slot_id = ?", (slot_id,)).fetchone()
    return None if row is None else _officer_row(row)


def officer_list(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(f"SELECT {_OFFICER_COLS} FROM officers ORDER BY name").fetchall()
    return [_officer_row(r) for r in rows]


def officer_update(conn: Connection, officer: dict[str, Any]) -> bool:
    cur = conn.execute(
        "UPDATE officers SET name = ?, unit = ?, role = ?, disabled = ? WHERE service_number = ?",
        (officer["name"], officer.get("unit", ""), officer.get("role", "officer"),
         int(officer.get("disabled", False)), officer["service_number"]),
    )
    return cur.rowcount > 0


def officer_delete(conn: Connection, service_number: str) -> bool:
    return conn.execute("DELETE FROM officers WHERE service_number = ?", (service_number,)).rowcount > 0


def officer_set_disabled(conn: Connection, service_number: str, disabled: bool) -> bool:
    cur = conn.execute(
        "UPDATE officers SET disabled = ? WHERE service_number = ?", (int(disabled), service_number)
    )
    return cur.rowcount > 0


# -- audit -------------------------------------------------------------------------------

AUDIT_COLS = (
    "seq", "id", "ts", "device_id", "officer", "action", "reason", "details",
    "lat", "lon", "accuracy", "prev_hash", "hash",
)  # fmt: skip


def audit_last(conn: Connection) -> tuple[int, str] | None:
    row = conn.execute("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def audit_insert(conn: Connection, event: dict[str, Any]) -> None:
    values = [event[c] if c != "details" else json.dumps(event[c], sort_keys=True) for c in AUDIT_COLS]
    conn.execute(
        f"INSERT INTO audit_events({', '.join(AUDIT_COLS)}) VALUES ({', '.join('?' * len(AUDIT_COLS))})",
        values,
    )


def audit_iter(conn: Connection, after_seq: int = 0, action: str | None = None) -> Iterator[dict[str, Any]]:
    sql = f"SELECT {', '.join(AUDIT_COLS)} FROM audit_events WHERE seq > ?"
    args: list[Any] = [after_seq]
    if action:
        sql += " AND action = ?"
        args.append(action)
    for row in conn.execute(sql + " ORDER BY seq", args):
        event = dict(zip(AUDIT_COLS, row, strict=True))
        event["details"] = json.loads(event["details"])
        yield event


def audit_exists(conn: Connection, event_id: str) -> bool:
    return conn.execute("SELECT 1 FROM audit_events WHERE id = ?", (event_id,)).fetchone() is not None


def audit_count(conn: Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM audit_events").fetchone()[0])


# -- module settings and state ---------------------------------------------------------------


def setting_get(conn: Connection, module_id: str, key: str) -> Any:
    row = conn.execute(
        "SELECT value FROM module_settings WHERE module_id = ? AND key = ?", (module_id, key)
    ).fetchone()
    return None if row is None else json.loads(row[0])


def setting_set(conn: Connection, module_id: str, key: str, value: Any) -> None:
    conn.execute(
        "INSERT INTO module_settings(module_id, key, value) VALUES (?,?,?) "
        "ON CONFLICT(module_id, key) DO UPDATE SET value = excluded.value",
        (module_id, key, json.dumps(value)),
    )


def setting_all(conn: Connection, module_id: str) -> dict[str, Any]:
    rows = conn.execute("SELECT key, value FROM module_settings WHERE module_id = ?", (module_id,))
    return {k: json.loads(v) for k, v in rows}


def module_enabled(conn: Connection, module_id: str) -> bool | None:
    row = conn.execute("SELECT enabled FROM module_state WHERE module_id = ?", (module_id,)).fetchone()
    return None if row is None else bool(row[0])


def module_set_enabled(conn: Connection, module_id: str, enabled: bool) -> None:
    conn.execute(
        "INSERT INTO module_state(module_id, enabled) VALUES (?, ?) "
        "ON CONFLICT(module_id) DO UPDATE SET enabled = excluded.enabled",
        (module_id, int(enabled)),
    )
