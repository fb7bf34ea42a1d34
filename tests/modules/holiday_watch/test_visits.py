"""Logging a visit on the tablet: the time and the position of the tap, the distance to the
home (a warning past the threshold, recorded, never blocking), the checklist, outcome,
note, photos and notice; the payload HQ accepts (its own model); an anomaly written with
priority; refusals with a message for the officer."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest

from neo import i18n
from neo.api import Position, StaticPositionSource
from neo.host import ModuleHost
from neo.hq.watch.service import VisitIn
from neo.modules.holiday_watch.service import LOCAL_TZ, VISITS, WatchError, WatchService
from tests.modules.holiday_watch.watch_device import (
    Clock,
    FakeWatchRemote,
    offset,
    pull,
    registration,
    start_host,
    watch_service,
)

ALL_OK = {"doors": "ok", "windows_shutters": "ok", "letterbox": "ok", "garden": "ok", "vehicles": "ok"}
JPEG = b"\xff\xd8\xff\xe0" + b"photo de la porte" * 100


@pytest.fixture(autouse=True)
def _french() -> Iterator[None]:
    i18n.set_language("fr")
    yield
    i18n.set_language("fr")


@pytest.fixture
def gps() -> StaticPositionSource:
    return StaticPositionSource(Position(lat=offset(0, 0)[0], lon=offset(0, 0)[1], accuracy=7.5))


@pytest.fixture
def host(session: Any, gps: StaticPositionSource) -> Iterator[ModuleHost]:
    h = start_host(session, FakeWatchRemote(online=False), gps)
    yield h
    h.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def watch(host: ModuleHost, clock: Clock) -> tuple[Any, WatchService, dict[str, Any]]:
    ctx, service = watch_service(host, clock)
    home = registration(*offset(40, 0), today=clock.now.astimezone(LOCAL_TZ).date())
    pull(ctx, home)
    return ctx, service, home


def outbox_priority(session: Any, record_id: str) -> list[int]:
    return session.store.read(lambda c: [r[0] for r in c.execute(
        "SELECT priority FROM sync_outbox WHERE record_id = ?", (record_id,))])


def test_an_all_clear_visit_in_two_taps(watch: tuple[Any, WatchService, dict[str, Any]], clock: Clock,
                                       session: Any) -> None:
    ctx, service, home = watch
    tapped_at = clock.now
    draft = service.begin_visit(home["id"])
    clock.advance(minutes=4)  # the form takes a while: the visit keeps the time of the tap
    visit = service.save_visit(draft, checklist=ALL_OK)
    assert visit.outcome == "all_clear" and visit.at == tapped_at and visit.state == "pending"
    payload = ctx.sync.collection(VISITS).get(draft.id)
    assert payload["id"] == draft.id and payload["registration_id"] == home["id"]
    assert payload["officer"] == "100001"
    assert payload["position"] == {"lat": pytest.approx(offset(0, 0)[0]), "lon": pytest.approx(offset(0, 0)[1]),
                                   "accuracy": 7.5}
    assert payload["distance_m"] == pytest.approx(40, abs=1) and payload["distance_warning"] is False
    assert payload["checklist"] == ALL_OK and payload["photos"] == [] and payload["notice_left"] is False
    # exactly what HQ accepts
    checked = VisitIn.model_validate(payload)
    assert checked.at == tapped_at and checked.outcome == "all_clear"
    assert outbox_priority(session, draft.id) == [0]
    (event,) = session.audit.events(action="holiday_watch.visit.logged")
    assert event.details["visit_id"] == draft.id and event.details["outcome"] == "all_clear"
    # the home shows it at once
    assert service.home(home["id"]).last_visit == tapped_at
    assert [v.id for v in service.visits(home["id"])] == [draft.id]


def test_an_anomaly_with_a_photo_goes_first(watch: tuple[Any, WatchService, dict[str, Any]], session: Any) -> None:
    ctx, service, home = watch
    draft = service.begin_visit(home["id"])
    checklist = ALL_OK | {"doors": "anomaly", "garden": "na"}
    visit = service.save_visit(draft, checklist=checklist, note="Porte-fenêtre forcée\ncôté jardin",
                               photos=[(JPEG, "image/jpeg")], notice_left=True)
    assert visit.outcome == "anomaly"
    payload = ctx.sync.collection(VISITS).get(draft.id)
    sha = hashlib.sha256(JPEG).hexdigest()
    assert payload["photos"] == [sha] and payload["notice_left"] is True
    assert payload["note"] == "Porte-fenêtre forcée\ncôté jardin"
    assert ctx.sync.collection(VISITS).attachment(sha) == JPEG
    assert VisitIn.model_validate(payload).outcome == "anomaly"
    assert outbox_priority(session, draft.id) == [1]
    # the anomaly switch alone makes an anomaly too
    other = service.save_visit(service.begin_visit(home["id"]), checklist=ALL_OK, anomaly=True, note="Volets ouverts")
    assert other.outcome == "anomaly"
    # append-only: the same visit cannot be written twice
    with pytest.raises(WatchError) as twice:
        service.save_visit(draft, checklist=ALL_OK)
    assert twice.value.code == "invalid" and "modifié" in twice.value.message


def test_far_from_the_home_is_recorded_not_blocking(watch: tuple[Any, WatchService, dict[str, Any]],
                                                   gps: StaticPositionSource) -> None:
    ctx, service, home = watch
    gps.set(Position(lat=offset(40, 400)[0], lon=offset(40, 400)[1], accuracy=5.0))
    draft = service.begin_visit(home["id"])
    assert draft.distance_m == pytest.approx(400, abs=2) and draft.distance_warning and draft.threshold_m == 150
    service.save_visit(draft, checklist=ALL_OK)
    payload = ctx.sync.collection(VISITS).get(draft.id)
    assert payload["distance_warning"] is True
    # the threshold is a setting
    ctx.settings.set("visit_distance_warning_m", 500)
    assert service.begin_visit(home["id"]).distance_warning is False
    # no GPS: no position, no distance, still logged
    gps.set(None)
    blind = service.begin_visit(home["id"])
    assert blind.position is None and blind.distance_m is None and not blind.distance_warning
    service.save_visit(blind, checklist=ALL_OK)
    assert VisitIn.model_validate(ctx.sync.collection(VISITS).get(blind.id)).position is None


def test_bad_visits_are_refused_with_a_message(watch: tuple[Any, WatchService, dict[str, Any]]) -> None:
    ctx, service, home = watch
    draft = service.begin_visit(home["id"])
    cases: list[dict[str, Any]] = [
        {"checklist": {k: v for k, v in ALL_OK.items() if k != "garden"}},
        {"checklist": ALL_OK | {"doors": "cassée"}},
        {"checklist": ALL_OK | {"roof": "ok"}},
        {"checklist": ALL_OK, "note": "x" * 2001},
        {"checklist": ALL_OK, "note": "bip\x07"},
        {"checklist": ALL_OK, "photos": [(b"", "image/jpeg")]},
        {"checklist": ALL_OK, "photos": [(b"%PDF", "application/pdf")]},
        {"checklist": ALL_OK, "photos": [(JPEG, "image/jpeg")] * 21},
    ]
    for kwargs in cases:
        with pytest.raises(WatchError) as refused:
            service.save_visit(draft, **kwargs)
        assert refused.value.code == "invalid" and refused.value.message
    assert ctx.sync.collection(VISITS).list() == []  # nothing half-written
    with pytest.raises(WatchError) as unknown:
        service.begin_visit("0b8e1a9c-0d3e-4c55-8a5e-00000000abcd")
    assert unknown.value.code == "unknown_home"
