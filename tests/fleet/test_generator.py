"""The fleet load generator (benchmarks/fleet) against a real HQ on loopback: three
simulated tablets of two units enrol, run sync sessions with visits, statements and their
files, lookups and audit events, and what each device's journal says it sent and pulled
is what HQ stored, exactly once (on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from benchmarks.fleet import Fleet, Journal, Mix, stage
from benchmarks.fleet.journal import UNIT_VISIBLE
from neo.hq.config import HQConfig
from neo.hq.reference import seed_demo
from neo.hq.storage import schema
from neo.hq.testing import LiveHQ

PERSONS = 300


@pytest.fixture(scope="module")
def hq(db_backend: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHQ]:
    name, url = db_backend
    config = HQConfig(data_dir=tmp_path_factory.mktemp(f"fleet-{name}"), db_url=url)
    with LiveHQ(config) as live:
        seed_demo(live.hq.db, PERSONS, workers=0)
        yield live


def run_fleet(hq: LiveHQ, mix: Mix, *, invalid: bool = False) -> tuple[Fleet, Any]:
    staging = stage(hq.hq, devices=3, devices_per_unit=2, url=hq.url, fingerprint=hq.hq.tls_fingerprint,
                    seed=7, homes_per_unit=4)
    assert hq.ca_file is not None
    fleet = Fleet(hq.url, hq.ca_file.read_text(), staging, seed=7, mix=mix, backoff_s=0.05)

    async def go() -> Any:
        try:
            await fleet.enrol()
            result = await fleet.run(rounds=3)
            assert await fleet.drain()
            return result
        finally:
            await fleet.aclose()

    return fleet, asyncio.run(go())


def test_the_journal_matches_what_hq_stored(hq: LiveHQ) -> None:
    fleet, result = run_fleet(hq, Mix(visits=3, anomaly_share=0.3, statements=0.7, lookups=1.5, invalid_share=0.25))
    journal = fleet.journal
    assert result.sessions == 9 and result.failed_sessions == 0 and result.errors() == {}
    totals = journal.totals()
    assert totals["devices"] == 3 and totals["records"] > 0 and totals["attachments"] > 0

    devices = list(journal.devices.values())
    ids = [d.device_id for d in devices]
    records = [r for d in devices for r in d.records.values()]
    assert any(r.collection == "statements.statements" for r in records)
    assert any(r.expected == "rejected" for r in records)
    with hq.hq.db.engine.connect() as conn:
        rows = {(r.collection, r.record_id): r for r in conn.execute(
            select(schema.records).where(schema.records.c.origin_device.in_(ids)))}
        files = {r.sha256: r for r in conn.execute(select(schema.attachments))}
        audit = dict(conn.execute(select(schema.audit_events.c.device_id, func.count())
                                  .where(schema.audit_events.c.device_id.in_(ids))
                                  .group_by(schema.audit_events.c.device_id)).all())
        logged = dict(conn.execute(select(schema.lookup_queries.c.query_id, schema.lookup_queries.c.device_id)
                                   .where(schema.lookup_queries.c.device_id.in_(ids))).all())
        statements = {r.id: r.status for r in conn.execute(select(schema.statements))}
        alerts = conn.execute(select(func.count()).select_from(schema.watch_alerts)).scalar_one()

    # Every record HQ acknowledged is there once, as sent; every refused one is absent.
    for d in devices:
        for r in d.records.values():
            assert r.status == r.expected or (r.expected == "applied" and r.status == "duplicate"), r
            row = rows.get((r.collection, r.record_id))
            if r.expected == "rejected":
                assert row is None and r.reason_code == "record_invalid"
                continue
            assert row is not None and row.version == r.version and row.origin_device == d.device_id
            assert json.loads(row.payload) == r.payload
    assert len(rows) == sum(1 for r in records if r.expected == "applied")
    # Files: complete, of the size sent; statements verified (seal and every file).
    for d in devices:
        for a in d.attachments.values():
            if d.records[a.record_id].expected == "applied":
                assert a.complete and files[a.sha256].complete and files[a.sha256].size == a.size
    sealed = [r.record_id for r in records if r.collection == "statements.statements"]
    assert sealed and all(statements[s] == "verified" for s in sealed)
    assert alerts == sum(1 for r in records if r.collection == "holiday_watch.visits"
                         and r.payload["outcome"] == "anomaly")
    # The audit chains: every event once, intact.
    for d in devices:
        assert audit[d.device_id] == len(d.audit) == d.audit_acked and d.audit_chain_ok is True
    # Lookups: logged once each, for the device that asked; the labelled ones mostly found.
    asked = {q.query_id: d.device_id for d in devices for q in d.lookups.values()}
    assert asked and logged == asked
    labelled = [q for d in devices for q in d.lookups.values() if q.expected_record]
    assert sum(1 for q in labelled if q.found_expected) >= 0.7 * len(labelled)
    # Pulls: each device holds its unit-mates' visits and its unit's homes, with HQ's versions.
    for d in devices:
        expected = journal.expected_received(d.device_id)
        assert expected and set(expected) <= set(d.pulled)
        for key, version in expected.items():
            assert version is None or d.pulled[key] == version
        mates = [o for o in devices if o.unit == d.unit and o is not d]
        assert all(f"{r.collection}/{r.record_id}" in d.pulled for o in mates for r in o.records.values()
                   if r.acknowledged and r.collection in UNIT_VISIBLE)

    # The journal survives JSON, and its export for the checker has one object per device.
    again = Journal.from_dict(json.loads(json.dumps(journal.to_dict())))
    assert again.totals() == journal.totals()
    exported = journal.check_objects()
    assert [o["device_id"] for o in exported] == ids
    assert all(o["audit"]["count"] == len(journal.devices[o["device_id"]].audit) for o in exported)
