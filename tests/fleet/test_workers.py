"""``neo-hq serve --workers N``: several worker processes on one PostgreSQL database (the
set-up the fleet benchmark measures), refused on SQLite."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from benchmarks.fleet import Fleet, HqServer, Mix, stage
from neo.hq.cli import main as hq_main
from tests.pg import fresh_database


def test_several_workers_need_postgresql(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = hq_main(["serve", "--data-dir", str(tmp_path / "hq"), "--workers", "2", "--port", "1"])
    assert code == 1
    assert "PostgreSQL" in capsys.readouterr().err
    assert hq_main(["serve", "--data-dir", str(tmp_path / "hq"), "--workers", "0"]) == 1


@pytest.mark.postgres
def test_two_workers_serve_a_fleet(tmp_path: Path) -> None:
    next(fresh_database("neo_fleet_probe"), None)  # skips with the reason when PostgreSQL is down
    with HqServer(tmp_path, workers=2, persons=0, log=lambda _msg: None) as server:
        workers = server.worker_pids()
        assert len(workers) >= 2 and os.getpid() not in workers
        hq = server.admin()
        try:
            staging = stage(hq, devices=4, devices_per_unit=4, url=server.url, fingerprint=server.fingerprint,
                            homes_per_unit=3, reference_persons=0)
        finally:
            hq.close()
        fleet = Fleet(server.url, server.ca_pem, staging, seed=3, mix=Mix(visits=2, statements=0.5, lookups=1))

        async def go() -> bool:
            try:
                await fleet.enrol()
                result = await fleet.run(rounds=3)
                assert result.sessions == 12 and result.errors() == {}
                return await fleet.drain()
            finally:
                await fleet.aclose()

        assert asyncio.run(go())
        assert server.cpu_seconds() > 0
        for d in fleet.journal.devices.values():
            assert d.delivered() and d.audit_chain_ok
            assert set(fleet.journal.expected_received(d.device_id)) <= set(d.pulled)
