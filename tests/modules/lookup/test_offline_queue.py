"""The offline queue on a real device: a query asked while HQ cannot be reached waits in
the encrypted database, survives a lock and unlock, is sent again with the same query id
when HQ is back (by drain() or by ctx.hq's on_reachable), is answered once, announced,
and audited twice (the query, then its answer)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from neo import i18n
from neo.api import HqRefused
from neo.audit import verify_chain
from neo.modules.lookup import store as sql
from neo.modules.lookup.match import plate_key
from neo.modules.lookup.service import Outcome
from tests.modules.lookup.device import STOLEN, Clock, FakeRemote, hq_hit, lookup_service, start_host


@pytest.fixture(autouse=True)
def _french() -> Iterator[None]:
    i18n.set_language("fr")
    yield
    i18n.set_language("fr")


@pytest.fixture
def remote() -> FakeRemote:
    r = FakeRemote(online=False)
    r.answers[plate_key("AB-123-CD") or ""] = [hq_hit("stolen_vehicles", "S1", STOLEN, severity="alert",
                                                      instruction=STOLEN["instruction"])]
    return r


def test_queued_offline_then_answered_by_drain_once_and_announced(session: Any, remote: FakeRemote) -> None:
    host = start_host(session, remote)
    try:
        _, service = lookup_service(host, Clock())
        out = service.search(text="AB-123-CD", reason="controle_routier")
        assert out.status == "queued" and out.hits == [] and out.answered_at is None
        assert out.message is not None and "en attente" in out.message
        assert [o.query_id for o in service.pending()] == [out.query_id]
        # still offline: drain sends, fails, keeps it
        assert service.drain() == []
        assert [o.query_id for o in service.pending()] == [out.query_id]
        attempts = session.store.read(lambda c: sql.get_query(c, out.query_id))
        assert attempts is not None and attempts.attempts == 1 and "network" in (attempts.last_error or "")
        heard: list[Outcome] = []
        unsubscribe = service.subscribe(heard.append)
        remote.online = True
        done = service.drain()
        assert [o.query_id for o in done] == [out.query_id]
        answered = done[0]
        assert answered.status == "answered" and answered.answered_at is not None and answered.message is None
        assert [(h.file, h.severity) for h in answered.hits] == [("stolen_vehicles", "alert")]
        assert [o.query_id for o in heard] == [out.query_id]
        assert service.pending() == []
        assert service.get(out.query_id).status == "answered"  # type: ignore[union-attr]
        # sent with the same query id each time; a second drain sends nothing
        ids = [b["query_id"] for b in remote.searches()]
        assert ids == [out.query_id] * 3
        assert service.drain() == [] and len(remote.searches()) == 3
        unsubscribe()
        # audit: the query (queued), then the answer linking it; the chain holds
        query_events = session.audit.events(action="lookup.query")
        answer_events = session.audit.events(action="lookup.answer")
        assert [e.details["status"] for e in query_events] == ["queued"]
        assert len(answer_events) == 1
        assert answer_events[0].details["query_id"] == out.query_id
        assert answer_events[0].details["result_count"] == 1 and answer_events[0].details["status"] == "answered"
        assert answer_events[0].seq > query_events[0].seq
        assert verify_chain([e.model_dump() for e in session.audit.events()]).ok
    finally:
        host.stop()


def test_the_queue_survives_lock_and_unlock_and_on_reachable_drains_it(session: Any, vault: Any,
                                                                       remote: FakeRemote) -> None:
    host = start_host(session, remote)
    _, service = lookup_service(host)
    first = service.search(text="AB-123-CD", reason="controle_routier")
    second = service.search(fields={"plate": "ZZ-999-ZZ"}, reason="recherche")
    host.stop()
    session.lock()
    again = vault.unlock("100001", "482913")
    host2 = start_host(again, remote)
    try:
        _, service2 = lookup_service(host2)
        assert [o.query_id for o in service2.pending()] == [first.query_id, second.query_id]
        heard: list[Outcome] = []
        service2.subscribe(heard.append)
        remote.online = True
        assert host2.notify_reachable().result(timeout=30) >= 1  # the module's callback ran
        assert {o.query_id for o in heard} == {first.query_id, second.query_id}
        assert service2.pending() == []
        assert [h.record_id for h in service2.get(first.query_id).hits] == ["S1"]  # type: ignore[union-attr]
        assert service2.get(second.query_id).hits == []  # type: ignore[union-attr]
    finally:
        host2.stop()
        again.lock()


def test_refused_while_waiting_is_marked_refused_and_not_retried(session: Any, remote: FakeRemote) -> None:
    host = start_host(session, remote)
    try:
        _, service = lookup_service(host)
        out = service.search(text="AB-123-CD", reason="controle_routier")
        remote.online = True
        remote.refuse = HqRefused("auth", "Agent désactivé par le QG.", {"code": "officer_disabled"}, status=403)
        done = service.drain()
        assert [(o.query_id, o.status) for o in done] == [(out.query_id, "refused")]
        assert done[0].message is not None and "Agent désactivé par le QG." in done[0].message
        assert service.pending() == []
        sent = len(remote.searches())
        assert service.drain() == [] and len(remote.searches()) == sent
        answer = session.audit.events(action="lookup.answer")
        assert [e.details["status"] for e in answer] == ["refused"]
    finally:
        host.stop()


def test_concurrent_drains_send_and_announce_each_query_once(session: Any, remote: FakeRemote) -> None:
    host = start_host(session, remote)
    try:
        _, service = lookup_service(host)
        queued = [service.search(text="AB-123-CD", reason="controle_routier") for _ in range(3)]
        heard: list[str] = []
        service.subscribe(lambda o: heard.append(o.query_id))
        remote.online = True
        results: list[list[Outcome]] = []
        threads = [threading.Thread(target=lambda: results.append(service.drain())) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(heard) == sorted(q.query_id for q in queued)
        assert sorted(o.query_id for r in results for o in r) == sorted(heard)
        assert len(session.audit.events(action="lookup.answer")) == 3
        answered_once = [b["query_id"] for b in remote.searches()[3:]]
        assert sorted(answered_once) == sorted(q.query_id for q in queued)
    finally:
        host.stop()


def test_a_device_without_hq_link_queues_with_its_own_message(session: Any) -> None:
    host = start_host(session, None)
    try:
        _, service = lookup_service(host)
        out = service.search(text="AB-123-CD", reason="controle_routier")
        assert out.status == "queued" and out.message is not None and "pas relié" in out.message
        assert service.drain() == [] and len(service.pending()) == 1
    finally:
        host.stop()


def test_a_failing_subscriber_does_not_stop_the_others(session: Any, remote: FakeRemote) -> None:
    host = start_host(session, remote)
    try:
        _, service = lookup_service(host)
        service.search(text="AB-123-CD", reason="controle_routier")

        def broken(outcome: Outcome) -> None:
            raise RuntimeError("boom")

        heard: list[Outcome] = []
        service.subscribe(broken)
        service.subscribe(heard.append)
        remote.online = True
        assert len(service.drain()) == 1 and len(heard) == 1
    finally:
        host.stop()
