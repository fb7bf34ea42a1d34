"""SQL for device audit trails received at HQ: the events and each device's chain state."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, insert, select, update

from neo.hq.storage.schema import audit_chains, audit_events


def chain_get(conn: Connection, device_id: str) -> dict[str, Any] | None:
    r = conn.execute(select(audit_chains).where(audit_chains.c.device_id == device_id)).first()
    return dict(r._mapping) if r is not None else None


def chain_list(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(select(audit_chains).order_by(audit_chains.c.device_id))]


def chain_save(conn: Connection, state: dict[str, Any], *, exists: bool) -> None:
    if exists:
        values = {k: v for k, v in state.items() if k != "device_id"}
        conn.execute(update(audit_chains).where(audit_chains.c.device_id == state["device_id"]).values(**values))
    else:
        conn.execute(insert(audit_chains).values(**state))


def event_hashes(conn: Connection, device_id: str, seqs: Sequence[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    wanted = sorted(set(seqs))
    for i in range(0, len(wanted), 900):
        q = select(audit_events.c.seq, audit_events.c.hash).where(
            audit_events.c.device_id == device_id, audit_events.c.seq.in_(wanted[i:i + 900])
        )
        found.update({int(r.seq): r.hash for r in conn.execute(q)})
    return found


def events_insert(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(audit_events), rows)


def event_bodies(conn: Connection, device_id: str, batch: int = 5000) -> Iterator[str]:
    """Every stored event body of a device, in sequence order (read in batches)."""
    last = 0
    while True:
        q = (
            select(audit_events.c.seq, audit_events.c.body)
            .where(audit_events.c.device_id == device_id, audit_events.c.seq > last)
            .order_by(audit_events.c.seq)
            .limit(batch)
        )
        rows = conn.execute(q).all()
        if not rows:
            return
        for r in rows:
            yield r.body
        last = int(rows[-1].seq)


def event_devices(conn: Connection) -> list[str]:
    q = select(audit_events.c.device_id).distinct().order_by(audit_events.c.device_id)
    return [r[0] for r in conn.execute(q)]
