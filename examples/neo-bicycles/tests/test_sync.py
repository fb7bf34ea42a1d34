"""A bicycle reported on one tablet reaches HQ and the unit's other tablets, whose
lookup then finds it: a real HQ on loopback (``neo_hq``) and real syncs."""

from __future__ import annotations

from neo.modules.lookup.module import service_for as lookup_for

from neo_bicycles.module import service_for


def test_a_report_reaches_another_tablet_of_the_unit_and_its_lookup(neo_hq, neo_session, neo_host):
    neo_hq.enrol(neo_session)
    service = service_for(neo_host.activate("bicycles"))
    bike = service.report(frame="XK 2024 771 B", brand="Cannondale", stolen_on="14/09/2026", stolen_in="Menton",
                          reference="2026/01702")
    report = neo_hq.sync(neo_session)
    assert report.pushed == 1
    assert neo_host.activate("bicycles").sync.collection("bicycles.reports").state(bike.id) == "acknowledged"

    other = neo_hq.new_device()
    neo_hq.sync(other.session)
    other.host.activate("bicycles")
    lookup = lookup_for(other.host.activate("lookup"))
    hits = [h for h in lookup.search(text="xk2024771b", reason="recherche").hits if h.file == "stolen_bicycles"]
    assert [h.record_id for h in hits] == [f"report:{bike.id}"]
