"""Publishing templates and the offence list: validated with the module's own models, a
published template version never changes, the offence list is published whole."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from neo.hq.cli import main
from neo.hq.errors import AdminError
from neo.hq.statements.service import offence_record_id, template_record_id
from neo.hq.storage import statements as st_sql
from neo.hq.testing import LiveHQ
from neo.modules.statements import offences as off
from neo.modules.statements import templates as tpl


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def template_data(version: int | None = None) -> dict[str, Any]:
    data = {t.id: t for t in tpl.shipped()}["perte_documents"].model_dump(mode="json")
    data["version"] = version if version is not None else 1000 + uuid.uuid4().int % 10**6
    return data


def cli(capsys: pytest.CaptureFixture[str], live: LiveHQ, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--data-dir", str(live.config.data_dir), "--db", live.config.database_url])
    out, err = capsys.readouterr()
    return code, out, err


def test_publish_template(capsys: pytest.CaptureFixture[str], live: LiveHQ, tmp_path: Path) -> None:
    data = template_data()
    path = write(tmp_path / "t.json", data)
    code, out, _ = cli(capsys, live, "statements", "publish-template", str(path))
    assert code == 0 and f"version {data['version']} publié" in out
    stored = live.hq.db.read(lambda c: st_sql.record_payload(c, "statements.templates",
                                                             template_record_id(data["id"], data["version"])))
    assert stored is not None and tpl.parse(stored).model_dump(mode="json") == data
    code, out, _ = cli(capsys, live, "statements", "publish-template", str(path))
    assert code == 0 and "inchangé" in out
    # A published version never changes.
    changed = write(tmp_path / "t2.json", {**data, "title": {"fr": "Autre titre", "en": "Other"}})
    code, _, err = cli(capsys, live, "statements", "publish-template", str(changed))
    assert code == 1 and "publiez une version supérieure" in err


def test_a_shipped_version_cannot_be_replaced(live: LiveHQ, tmp_path: Path) -> None:
    data = template_data(version=1)
    data["title"] = {"fr": "Perte (modifiée)", "en": "Loss (changed)"}
    with pytest.raises(AdminError, match="livré avec l'application"):
        live.hq.statements.publish_template(write(tmp_path / "t.json", data))
    # The shipped template itself, unchanged, may be published (devices already hold it).
    assert live.hq.statements.publish_template(write(tmp_path / "same.json", template_data(version=1)))["version"] == 1


@pytest.mark.parametrize("breakage, message", [
    (lambda d: d["sections"][0].pop("parts"), "declarant"),
    (lambda d: d.update(kind="inconnu"), "kind"),
    (lambda d: d["sections"][-1]["fields"].append({"id": "narrative", "label": {"fr": "x"}, "type": "date"}),
     "narrative"),
    (lambda d: d.update(version=0), "version"),
])
def test_invalid_templates_are_refused_with_the_reason(live: LiveHQ, tmp_path: Path, breakage: Any,
                                                       message: str) -> None:
    data = template_data()
    breakage(data)
    with pytest.raises(AdminError, match="Modèle invalide") as exc:
        live.hq.statements.publish_template(write(tmp_path / "bad.json", data))
    assert message in str(exc.value)


def test_unreadable_template_file(capsys: pytest.CaptureFixture[str], live: LiveHQ, tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{ pas du json", encoding="utf-8")
    code, _, err = cli(capsys, live, "statements", "publish-template", str(tmp_path / "broken.json"))
    assert code == 1 and "Modèle invalide" in err
    code, _, err = cli(capsys, live, "statements", "publish-template", str(tmp_path / "absent.json"))
    assert code == 1 and "Modèle invalide" in err


def test_publish_offences(capsys: pytest.CaptureFixture[str], live: LiveHQ, tmp_path: Path) -> None:
    listing = json.loads(off.OFFENCES_FILE.read_text(encoding="utf-8"))
    code, out, _ = cli(capsys, live, "statements", "publish-offences", str(write(tmp_path / "o.json", listing)),
                       "--json")
    assert code == 0
    report = json.loads(out)
    assert report["offences"] == len(listing["offences"])
    again = live.hq.statements.publish_offences(tmp_path / "o.json")
    assert again["written"] == 0 and again["withdrawn"] == []
    # A new offence, one changed, one left out (withdrawn on the devices).
    kept, left_out = listing["offences"][0], listing["offences"][-1]
    new = {**kept, "natinf": 999_990 + uuid.uuid4().int % 9, "short": "Infraction ajoutée par le QG"}
    listing["offences"] = [{**kept, "short": "Changée"}, *listing["offences"][1:-1], new]
    report = live.hq.statements.publish_offences(write(tmp_path / "o2.json", listing))
    assert report["withdrawn"] == [left_out["natinf"]] and report["written"] == 3

    def payload(code: int) -> Any:
        text = live.hq.db.read(lambda c: st_sql.record_payload(c, "statements.offences", offence_record_id(code)))
        return json.loads(text) if text else None

    assert payload(left_out["natinf"]) == {"natinf": left_out["natinf"], "withdrawn": True}
    assert payload(new["natinf"])["short"] == "Infraction ajoutée par le QG"
    assert payload(kept["natinf"])["short"] == "Changée"
    code, out, _ = cli(capsys, live, "statements", "publish-offences", str(tmp_path / "o2.json"))
    assert code == 0 and "0 enregistrement(s) écrit(s)" in out


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["offences"].append(dict(d["offences"][0])), "NATINF listed twice"),
    (lambda d: d["offences"][0].update(category="inconnue"), "unknown category"),
    (lambda d: d["offences"][0].pop("label"), "label"),
    (lambda d: d.update(offences=[]), "la liste est vide"),
    (lambda d: d.pop("offences"), "'offences' list"),
])
def test_invalid_offence_lists_are_refused(live: LiveHQ, tmp_path: Path, mutate: Any, message: str) -> None:
    listing = json.loads(off.OFFENCES_FILE.read_text(encoding="utf-8"))
    mutate(listing)
    with pytest.raises(AdminError, match="Liste des infractions invalide") as exc:
        live.hq.statements.publish_offences(write(tmp_path / "o.json", listing))
    assert message in str(exc.value)
