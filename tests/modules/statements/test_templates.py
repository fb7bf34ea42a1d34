"""Templates are data: every shipped one validates; malformed ones are refused with clear
messages; HQ-published and contributed ones merge by id and version."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from neo.modules.statements import templates as tpl
from neo.modules.statements.service import StatementService

KINDS = {"plainte_x", "plainte_auteur", "audition_temoin", "main_courante", "perte_documents"}


def _raw(template_id: str = "plainte_x") -> dict[str, Any]:
    return json.loads((tpl.TEMPLATES_DIR / f"{template_id}.json").read_text(encoding="utf-8"))


def test_the_five_shipped_templates_validate() -> None:
    shipped = tpl.shipped()
    assert {t.kind for t in shipped} == KINDS
    for template in shipped:
        assert template.version >= 1
        assert template.title.fr and template.title.en
        assert template.part("declarant") is not None and template.part("declarant").min == 1
        assert set(template.signatures) == {"declarant", "officer"}
        assert template.legal_mentions, template.id
        # every file is exactly what the model gives back (no member silently dropped)
        assert tpl.Template.model_validate(_raw(template.id)) == template


def test_complaints_print_the_warning_about_false_reports() -> None:
    for template in tpl.shipped():
        text = " ".join(m.fr for m in template.legal_mentions)
        assert "434-26 du code pénal" in text, template.id
    complaint = next(t for t in tpl.shipped() if t.id == "plainte_x")
    assert any("10-2 du code de procédure pénale" in m.fr for m in complaint.legal_mentions)
    assert complaint.field("facts.offences").required


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda t: t.pop("sections"), "sections: Field required"),
    (lambda t: t.update(version=0), "version: Input should be greater than or equal to 1"),
    (lambda t: t.update(kind="plainte_y"), "kind: Input should be"),
    (lambda t: t["sections"][1]["fields"][0].update(type="colour"), "sections.1.fields.0.type"),
    (lambda t: t["sections"][1]["fields"][0].update(id="facts.colour"), "must be one of facts.when"),
    (lambda t: t["sections"][1]["fields"][0].update(type="text"), "type 'text' does not fit here"),
    (lambda t: t["sections"][1]["fields"][3].update(choices=[]), "a choice field needs choices"),
    (lambda t: t["sections"][0]["parts"].pop(0), "must ask for the declarant"),
    (lambda t: t["sections"][0]["parts"][0].update(min=3, max=1), "min (3) is above max (1)"),
    (lambda t: t.update(signatures=["declarant"]), "the officer's signature is always required"),
    (lambda t: t["sections"].append(copy.deepcopy(t["sections"][1])), "appears twice"),
    (lambda t: t.update(colour="blue"), "colour: Extra inputs are not permitted"),
])
def test_malformed_templates_are_refused_with_clear_messages(mutate: Any, message: str) -> None:
    raw = _raw()
    mutate(raw)
    with pytest.raises(tpl.TemplateError) as caught:
        tpl.parse(raw, "broken.json")
    assert caught.value.source == "broken.json"
    assert message in caught.value.message, caught.value.message


def test_not_json_and_not_an_object_are_refused() -> None:
    with pytest.raises(tpl.TemplateError, match="not JSON"):
        tpl.parse("{nope", "x.json")
    with pytest.raises(tpl.TemplateError, match="a template is a JSON object"):
        tpl.parse([1, 2], "x.json")


def test_merge_keeps_versions_and_later_layers_win() -> None:
    base = tpl.parse(_raw())
    v2_raw = _raw()
    v2_raw["version"] = 2
    v2_raw["title"]["fr"] = "Plainte contre X (v2)"
    v2 = tpl.parse(v2_raw)
    replaced_raw = _raw()
    replaced_raw["title"]["fr"] = "Plainte contre X (remplacée)"
    replaced = tpl.parse(replaced_raw)
    merged = tpl.merge([base], [v2], [replaced])
    assert merged[("plainte_x", 1)].title.fr == "Plainte contre X (remplacée)"
    assert [t.version for t in tpl.latest(merged)] == [2]


def test_the_service_merges_shipped_hq_and_contributed_templates(ctx_service: tuple) -> None:
    ctx, service = ctx_service
    assert {t.id for t in service.templates()} == {t.id for t in tpl.shipped()}
    contributed = _raw("main_courante")
    contributed.update(id="signalement_nuisances", version=1, title={"fr": "Signalement de nuisances", "en": "Noise"})
    ctx.register("statements.template", "nuisances", contributed)
    broken = _raw("main_courante")
    broken.update(id="cassé", version=1)
    ctx.register("statements.template", "broken", broken)
    ids = {t.id for t in service.templates()}
    assert "signalement_nuisances" in ids and "cassé" not in ids  # a bad contribution is logged and skipped
    v2 = _raw("main_courante")
    v2["version"] = 2
    ctx.register("statements.template", "mc2", v2)
    assert service.template("main_courante").version == 2
    assert service.template("main_courante", 1).version == 1
    draft_id = service.new_draft("main_courante")
    assert service.load(draft_id).template_version == 2


def test_an_unknown_template_is_a_clear_error(service: StatementService) -> None:
    from neo.modules.statements.service import StatementError

    with pytest.raises(StatementError, match="Modèle de déclaration inconnu : nope"):
        service.template("nope")
