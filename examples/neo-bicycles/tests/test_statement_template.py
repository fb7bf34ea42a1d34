"""The complaint template the module contributes is offered by NEO's statements module."""

from __future__ import annotations

from neo.modules.statements.module import service_for as statements_for


def test_the_statements_module_offers_the_bicycle_complaint(neo_host):
    neo_host.activate("bicycles")
    statements = statements_for(neo_host.activate("statements"))
    template = statements.template("plainte_vol_velo")
    assert template.title.fr == "Plainte pour vol de vélo"
    assert template.field("details.frame_number") is not None
    assert template.part("declarant").min == 1
    assert "plainte_vol_velo" in [t.id for t in statements.templates()]
