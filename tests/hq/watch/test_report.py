"""The citizen's PDF report: the home, the period, every visit with the officer's service
number (never the name), the outcome, the checklist, notes, photo counts, anomalies
highlighted; the text is extractable; the access details never appear."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from neo.hq.cli import main as hq_main
from neo.hq.testing import LiveHQ
from tests.hq.conftest import new_unit

from .test_visits import push
from .watch_data import ACCESS, register, visit


def _text(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_report_lists_every_visit(live: LiveHQ, make_device: Any, tmp_path: Path) -> None:
    unit, _uid, _ = new_unit(live)
    rid = register(live, unit, days=10)
    device = make_device(unit)
    officer_name = next(o["name"] for o in live.hq.list_officers(unit) if o["service_number"] == device.officer)
    start = datetime(2026, 7, 10, 8, 15, tzinfo=UTC)
    visits = [visit(rid, device.officer, at=start + timedelta(days=i), note=f"Passage numéro {i}") for i in range(12)]
    visits.append(visit(rid, device.officer, at=start + timedelta(days=12), outcome="anomaly",
                        anomalies=("letterbox",), note="Boîte aux lettres forcée", photos=3))
    push(device, *visits)
    out = tmp_path / "rapport.pdf"
    args = ["--data-dir", str(live.config.data_dir), "--db", live.config.database_url]
    assert hq_main(["watch", "report", rid, "--out", str(out), *args]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    text = _text(out)
    flat = " ".join(text.split())
    assert "Opération Tranquillité Vacances" in flat
    assert "12 avenue de Verdun" in flat and "Menton" in flat
    assert "13 passage(s), dont 1 avec anomalie" in flat
    for i in range(12):
        assert f"Passage numéro {i}" in flat
    assert "10/07/2026 10:15" in flat  # Paris time
    assert "Boîte aux lettres forcée" in flat and "ANOMALIE" in flat
    assert "boîte aux lettres : ANOMALIE" in flat
    assert device.officer in flat and officer_name not in flat
    assert ACCESS not in flat and "4521B" not in flat


def test_report_of_a_home_without_visits(live: LiveHQ, tmp_path: Path) -> None:
    unit, _uid, _ = new_unit(live)
    rid = register(live, unit)
    out = live.hq.watch.report(rid, tmp_path / "vide.pdf")
    flat = " ".join(_text(out).split())
    assert "Aucun passage n'a été enregistré" in flat and "surveillance en cours" in flat
