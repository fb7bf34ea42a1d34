"""Each statement's state as the officer sees it, from a real sync with a real HQ
(loopback, TLS): sealed and waiting ("Signée"), received by HQ with its seal verified
("Reçue par le QG"), and refused by HQ with its reason (a statement altered after sealing)."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest

from neo.hq.testing import LiveHQ
from neo.modules.statements.module import service_for
from neo.modules.statements.ui.page import Page
from tests.modules.statements.helpers import fill_complaint, start
from tests.modules.statements.test_service import _sync
from tests.modules.statements.test_service import enrolled as enrolled  # the fixtures
from tests.modules.statements.test_service import hq as hq
from tests.modules.statements.ui.conftest import show

pytestmark = pytest.mark.qt


def badges(page: Page) -> dict[str, tuple[str, str]]:
    return {row.summary.id: (row.badge.text(), row.note.text().replace("\u00a0", " "))
            for row in page.home.statement_rows}


def test_the_list_shows_each_statement_state_after_a_real_sync(qtbot: Any, hq: LiveHQ, enrolled: Any) -> None:
    host = start(enrolled)
    try:
        ctx = host.activate("statements")
        service = service_for(ctx)
        draft = service.new_draft("plainte_x", {"surname": "Dupont", "given_names": "Zoé"})
        fill_complaint(service, draft, photos=1)
        good = service.sign(draft)
        # A sealed statement altered afterwards (its narrative), sent as if it were genuine.
        altered = copy.deepcopy(service.statement(good).payload)
        altered["id"] = str(uuid.uuid4())
        altered["narrative"] = "Rien ne s'est passé."
        ctx.sync.collection("statements.statements").put(altered["id"], altered)

        page = show(qtbot, Page(ctx))
        qtbot.waitUntil(lambda: len(page.home.statement_rows) == 2, timeout=10000)
        assert badges(page)[good] == ("Signée", "")

        assert _sync(enrolled).ok
        _sync(enrolled)  # the acknowledgement once every sealed file has arrived
        page.refresh()
        qtbot.waitUntil(lambda: badges(page).get(good, ("",))[0] == "Reçue par le QG", timeout=10000)
        row = next(r for r in page.home.statement_rows if r.summary.id == good)
        assert row.badge.property("state") == "active"
        text, note = badges(page)[altered["id"]]
        assert text == "Refusée par le QG" and "sceau" in note  # HQ's reason: the seal no longer matches
        refused = next(r for r in page.home.statement_rows if r.summary.id == altered["id"])
        assert refused.badge.property("state") == "failed"

        # Opened, the refused statement says why at the top; it stays read-only.
        page.open_statement(altered["id"])
        qtbot.waitUntil(lambda: page.stack.currentWidget() is page.statement_view, timeout=10000)
        assert page.statement_view.reason.isVisible()
        assert page.statement_view.reason.text() == note.replace(" :", "\u00a0:")
    finally:
        host.stop()
