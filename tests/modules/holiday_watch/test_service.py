"""The holiday watch's service on a real device session (SQLCipher store, audit log, the
real module host and replica), with HQ's access route in memory and a road grid as the
basemap: homes, due and overdue, distances and sorting, rounds, access details."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from neo import i18n
from neo.api import Position, StaticPositionSource
from neo.audit import verify_chain
from neo.host import ModuleHost
from neo.modules.holiday_watch.service import (
    LOCAL_TZ,
    ROUNDS,
    WatchError,
    WatchService,
    due_state,
    max_gap_days,
)
from tests.modules.holiday_watch.watch_device import (
    ACCESS,
    Clock,
    FakeWatchRemote,
    grid_package,
    install_basemap,
    offset,
    pull,
    registration,
    start_host,
    watch_service,
)

ALL_OK = {"doors": "ok", "windows_shutters": "ok", "letterbox": "ok", "garden": "ok", "vehicles": "ok"}


@pytest.fixture(autouse=True)
def _french() -> Iterator[None]:
    i18n.set_language("fr")
    yield
    i18n.set_language("fr")


@pytest.fixture
def remote() -> FakeWatchRemote:
    return FakeWatchRemote()


@pytest.fixture
def gps() -> StaticPositionSource:
    return StaticPositionSource(Position(lat=offset(0, 0)[0], lon=offset(0, 0)[1], accuracy=6.0))


@pytest.fixture
def host(session: Any, remote: FakeWatchRemote, gps: StaticPositionSource) -> Iterator[ModuleHost]:
    h = start_host(session, remote, gps)
    yield h
    h.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def watch(host: ModuleHost, clock: Clock) -> tuple[Any, WatchService]:
    return watch_service(host, clock)


def today(clock: Clock) -> Any:
    return clock.now.astimezone(LOCAL_TZ).date()


def test_the_module_starts_at_unlock_with_its_table_and_collections(host: ModuleHost, session: Any) -> None:
    assert str(host.get("holiday_watch").state) == "active"
    tables = session.store.read(lambda c: {r[0] for r in c.execute("SELECT name FROM sqlite_master")})
    assert "holiday_watch_access_keys" in tables
    ctx = host.get("holiday_watch").ctx
    assert ctx.sync.collections() == ["holiday_watch.registrations", "holiday_watch.rounds",
                                      "holiday_watch.visits"]


def test_homes_under_watch_with_their_dates_and_grace(watch: tuple[Any, WatchService], clock: Clock) -> None:
    ctx, service = watch
    d = today(clock)
    current = registration(*offset(100, 0), today=d, number=901)
    starting = registration(*offset(200, 0), today=d, start=2, number=902)
    ended = registration(*offset(300, 0), today=d, start=-10, days=9, number=903)       # ended yesterday
    gone = registration(*offset(400, 0), today=d, start=-20, days=10, number=904)       # past the grace
    broken = registration(*offset(500, 0), today=d, number=905) | {"position": {"lat": "nord"}}
    pull(ctx, current, starting, ended, gone, broken)
    homes = {h.id: h for h in service.homes()}
    assert set(homes) == {current["id"], ended["id"]}
    assert homes[ended["id"]].ended and homes[ended["id"]].due == ""
    assert not homes[current["id"]].ended
    assert [h.id for h in service.homes(include_ended=False)] == [current["id"]]
    # HQ's tombstone removes it at once
    pull(ctx, tombstones=(current["id"],))
    assert [h.id for h in service.homes()] == [ended["id"]]


def test_due_and_overdue_follow_the_policy() -> None:
    start = datetime(2026, 7, 1, tzinfo=UTC).date()
    day = datetime(2026, 7, 10, tzinfo=UTC).date()

    def visited(days_ago: int) -> datetime:
        return datetime(2026, 7, 10, 9, 0, tzinfo=LOCAL_TZ) - timedelta(days=days_ago)

    assert max_gap_days({"every_n_days": 2}) == 2
    assert max_gap_days({"min_visits_per_week": 3}) == 2
    assert max_gap_days({"min_visits_per_week": 14}) == 1
    assert max_gap_days(None) == 2
    assert due_state(visited(1), start, 2, day) == ""
    assert due_state(visited(2), start, 2, day) == "due"
    assert due_state(visited(3), start, 2, day) == "overdue"
    assert due_state(None, day, 2, day) == "due"          # never visited, first day of the watch
    assert due_state(None, start, 2, day) == "overdue"    # never visited since the 1st


def test_distance_and_sorting(watch: tuple[Any, WatchService], clock: Clock, gps: StaticPositionSource) -> None:
    ctx, service = watch
    d = today(clock)
    near, mid, far = (registration(*offset(x, 0), today=d, number=n) for x, n in ((60, 911), (300, 912), (700, 913)))
    pull(ctx, far, near, mid)
    by_distance = service.homes(sort="distance")
    assert [h.id for h in by_distance] == [near["id"], mid["id"], far["id"]]
    assert by_distance[0].distance_m == pytest.approx(60, abs=1)
    # visits: mid two days ago, far an hour ago; near never
    for home, hours in ((mid, 48), (far, 1)):
        draft = service.begin_visit(home["id"])
        clock.advance(hours=-hours)
        draft = type(draft)(draft.registration_id, clock.now, draft.position, draft.distance_m,
                            draft.distance_warning, draft.threshold_m)
        clock.advance(hours=hours)
        service.save_visit(draft, checklist=ALL_OK)
    since = service.homes(sort="since_last")
    assert [h.id for h in since] == [near["id"], mid["id"], far["id"]]
    assert since[0].hours_since is None and since[0].due == "overdue"  # never visited since its start
    assert since[1].hours_since == pytest.approx(48) and since[1].due == "due"
    assert since[2].hours_since == pytest.approx(1) and since[2].due == "" and since[2].visit_count == 1
    # the patrol moves: the order follows
    gps.set(Position(lat=offset(700, 0)[0], lon=offset(700, 0)[1]))
    assert [h.id for h in service.homes(sort="distance")] == [far["id"], mid["id"], near["id"]]
    assert [h.id for h in service.nearby()] == [far["id"]]
    gps.set(None)
    assert service.nearby() == []
    assert all(h.distance_m is None for h in service.homes())


def test_a_round_over_the_homes_due_on_the_roads(watch: tuple[Any, WatchService], clock: Clock,
                                                 tmp_path: Path, session: Any) -> None:
    ctx, service = watch
    d = today(clock)
    with pytest.raises(WatchError) as no_map:
        service.plan_round()
    assert no_map.value.code == "no_basemap"
    install_basemap(ctx, grid_package(tmp_path / "grid.mbtiles"))
    with pytest.raises(WatchError) as nothing:
        service.plan_round()
    assert nothing.value.code == "nothing_due"
    homes = [registration(*offset(x, y), today=d, number=920 + i)
             for i, (x, y) in enumerate(((150, 300), (600, 100), (300, 600), (650, 650), (20, 680)))]
    pull(ctx, *homes)
    planned = service.plan_round()
    assert sorted(planned.stops) == sorted(h["id"] for h in homes)  # all overdue: all in the round
    assert planned.solver and planned.length_m > 0 and planned.duration_s > 0
    # the path runs on the grid's streets, from the patrol to the last stop
    assert planned.path[0] == pytest.approx(offset(0, 0), abs=1e-5)
    last = next(h for h in homes if h["id"] == planned.stops[-1])
    assert planned.path[-1][0] == pytest.approx(last["position"]["lat"], abs=0.0005)
    assert planned.length_m >= 1000
    # saved as a round of the unit, found again
    saved = ctx.sync.collection(ROUNDS).get(planned.id)
    assert saved["stops"] == list(planned.stops) and saved["officer"] == "100001"
    again = service.last_round()
    assert again is not None and again.id == planned.id and again.stops == planned.stops
    assert len(again.path) == len(planned.path)
    assert [e.details["stops"] for e in session.audit.events(action="holiday_watch.round.planned")] == [5]
    # no position: a clear message
    ctx.position.set(None)
    with pytest.raises(WatchError) as no_fix:
        service.plan_round()
    assert no_fix.value.code == "no_position" and "GPS" in no_fix.value.message


def test_access_details_on_demand_then_offline(watch: tuple[Any, WatchService], clock: Clock,
                                              remote: FakeWatchRemote, session: Any) -> None:
    ctx, service = watch
    d = today(clock)
    key = secrets.token_bytes(32)
    home = registration(*offset(100, 0), today=d, key=key)
    pull(ctx, home)
    valid_until = (d + timedelta(days=13)).isoformat()
    remote.keys[home["id"]] = (key, ACCESS, valid_until)
    with pytest.raises(WatchError) as short:
        service.reveal_access(home["id"], "x")
    assert short.value.code == "invalid"
    # offline, never revealed: nothing to show
    remote.online = False
    with pytest.raises(WatchError) as offline:
        service.reveal_access(home["id"], "alarme déclenchée")
    assert offline.value.code == "offline"
    # online: HQ answers (and logs it); the key stays on the tablet
    remote.online = True
    shown = service.reveal_access(home["id"], "  alarme   déclenchée ")
    assert (shown.access, shown.source, shown.valid_until) == (ACCESS, "hq", valid_until)
    call = [c for c in remote.calls if c[1].endswith("/access")][-1]
    assert call[2] == {"officer": "100001", "reason": "alarme déclenchée"}
    # offline now: opened on the tablet with the kept key, audited again
    remote.online = False
    again = service.reveal_access(home["id"], "vérification du portail")
    assert (again.access, again.source) == (ACCESS, "device")
    events = session.audit.events(action="holiday_watch.access.revealed")
    assert [(e.reason, e.details["source"]) for e in events] == [("alarme déclenchée", "hq"),
                                                                 ("vérification du portail", "device")]
    assert all(ACCESS not in str(e.details) for e in session.audit.events())
    assert verify_chain([e.model_dump() for e in session.audit.events()]).ok
    # past its date the key is erased: offline again means no access
    clock.advance(days=14)
    assert service.purge_keys() == 1
    with pytest.raises(WatchError) as gone:
        service.reveal_access(home["id"], "alarme déclenchée")
    assert gone.value.code in ("offline", "unknown_home")


def test_hq_refusing_access_is_said(watch: tuple[Any, WatchService], clock: Clock) -> None:
    ctx, service = watch
    home = registration(*offset(100, 0), today=today(clock))
    pull(ctx, home)
    with pytest.raises(WatchError) as refused:
        service.reveal_access(home["id"], "alarme déclenchée")
    assert refused.value.code == "refused" and "Domicile inconnu" in refused.value.message
