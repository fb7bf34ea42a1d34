"""The statements' screens on the real service (real SQLCipher store, real templates and
offence list): forms rendered from every shipped template, French messages next to the
fields, autosave of each change, signatures and refusals, sealing that leaves the
statement read-only, corrections, touch targets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QAbstractButton, QLineEdit, QPlainTextEdit, QWidget

from neo.modules.statements import templates as templates_mod
from neo.modules.statements.ui.fields import (
    BoolField,
    ChoiceField,
    DateField,
    DateTimeField,
    FieldEditor,
    ItemsField,
    LineField,
    MoneyField,
    OffenceField,
    TextAreaField,
    WhenField,
    WhereField,
)
from neo.modules.statements.ui.page import Page
from neo.modules.statements.ui.signature import RefusalDialog, SignaturePad
from tests.modules.statements.ui.conftest import show

pytestmark = pytest.mark.qt

SHIPPED = [t.id for t in templates_mod.shipped()]


def tap(qtbot: Any, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def plain(widget: Any) -> str:
    return widget.text().replace("\u00a0", " ")


def settle(qtbot: Any, page: Page) -> None:
    qtbot.waitUntil(page.form.settled, timeout=15000)


def new_draft(qtbot: Any, page: Page, template_id: str) -> Any:
    card = next(c for c in page.home.template_cards if c.template.id == template_id)
    tap(qtbot, card)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.form, timeout=10000)
    settle(qtbot, page)
    return page.form


def editor(form: Any, path: str) -> Any:
    for step in form.steps:
        for e in step.editors:
            if e.path == path:
                return e
    raise KeyError(path)


def step_index(form: Any, kind: str, section: str | None = None) -> int:
    return next(i for i, s in enumerate(form.steps)
                if s.kind == kind and (section is None or s.section.id == section))


def draw(pad: SignaturePad) -> None:
    """Two strokes through the pad, as a finger would draw them (mouse events)."""
    pad.draw([[(40 + i * 9, 120 + (i % 5) * 6) for i in range(30)],
              [(60 + i * 7, 90 + (i % 3) * 10) for i in range(25)]])


def fill_plainte_x(qtbot: Any, page: Page) -> Any:
    """A complete complaint against a person unknown, through the form's widgets."""
    form = new_draft(qtbot, page, "plainte_x")
    declarant = form.steps[0].parties.cards[0].identity
    declarant.editors["surname"].edit.setText("Dupont")
    declarant.editors["given_names"].edit.setText("Jean")
    form.go(step_index(form, "section", "faits"))
    when: WhenField = editor(form, "facts.when")
    tap(qtbot, when.span_chip)
    when.start.set_moment(datetime(2026, 11, 27, 22, 0).astimezone(), emit=True)
    when.end.set_moment(datetime(2026, 11, 28, 7, 30).astimezone(), emit=True)
    where: WhereField = editor(form, "facts.where")
    where.address.setText("12 avenue de Verdun, 06500 Menton")
    offences: OffenceField = editor(form, "facts.offences")
    offences.query.setText("vol")
    qtbot.waitUntil(lambda: len(offences.result_rows) > 0, timeout=10000)
    tap(qtbot, offences.result_rows[0])
    form.go(step_index(form, "section", "prejudice"))
    items: ItemsField = editor(form, "facts.items")
    tap(qtbot, items.add_button)
    items.rows[0].description.setText("Ordinateur portable gris")
    items.rows[0].value_edit.setText("1 249,90")
    items.rows[0].serial.setText("C02XK1ABJGH5")
    form.go(step_index(form, "section", "recit"))
    narrative: TextAreaField = editor(form, "narrative")
    narrative.edit.setPlainText("En rentrant ce matin, j'ai trouvé la porte fracturée.")
    form.go(step_index(form, "signatures"))
    draw(form.signatures["declarant"].pad)
    draw(form.signatures["officer"].pad)
    settle(qtbot, page)
    return form


# -- rendering ----------------------------------------------------------------------------------


@pytest.mark.parametrize("template_id", SHIPPED)
def test_the_form_renders_every_field_and_party_of_each_template(qtbot: Any, page: Page, template_id: str) -> None:
    form = new_draft(qtbot, page, template_id)
    template = form.template
    assert template.id == template_id
    # One step per section, then photos, review and signatures, each with its mark.
    assert [s.kind for s in form.steps] == ["section"] * len(template.sections) + ["attachments", "review",
                                                                                  "signatures"]
    assert len(form.step_buttons) == len(form.steps)
    assert all(plain(b)[0] in "✓○" for b in form.step_buttons)
    for spec in template.fields():
        found = editor(form, spec.id)
        assert isinstance(found, FieldEditor)
        assert plain(found.caption).endswith(" *") is spec.required, spec.id
        if spec.type in ("choice", "multichoice"):
            assert isinstance(found, ChoiceField) and set(found.chips) == {c.value for c in spec.choices}
    for section, step in zip(template.sections, form.steps, strict=False):
        if not section.parts:
            assert step.parties is None
            continue
        for part in section.parts:
            cards = [c for c in step.parties.cards if c.role == part.role]
            assert len(cards) >= part.min
            if len(cards) < part.max:
                assert part.role in step.parties.add_buttons
    # The declarant's card asks for the identity, name and given names required.
    declarant = next(c for s in form.steps if s.parties for c in s.parties.cards if c.role == "declarant")
    assert plain(declarant.identity.editors["surname"].caption) == "Nom *"
    assert plain(declarant.identity.editors["birth_place"].caption) == "Lieu de naissance"
    assert [len(form.signatures[r].pad.strokes) for r in template.signatures] == [0] * len(template.signatures)


def test_parties_are_added_and_removed_within_the_template_limits(qtbot: Any, page: Page) -> None:
    form = new_draft(qtbot, page, "plainte_auteur")
    suspects = next(s for s in form.steps if s.section is not None and s.section.id == "mis_en_cause").parties
    # The template requires one suspect: the card is there from the start, without a ✕.
    assert len([c for c in suspects.cards if c.role == "suspect"]) == 1
    assert suspects.cards[0].remove_button.isHidden()
    for n in range(1, 5):
        tap(qtbot, suspects.add_buttons["suspect"])
        qtbot.waitUntil(lambda n=n: len([c for c in suspects.cards if c.role == "suspect"]) == n + 1, timeout=10000)
    assert "suspect" not in suspects.add_buttons  # max 5
    second = [c for c in suspects.cards if c.role == "suspect"][1]
    second.identity.editors["surname"].edit.setText("Martin")
    settle(qtbot, page)
    tap(qtbot, next(c for c in suspects.cards if c.role == "suspect").remove_button)
    qtbot.waitUntil(lambda: len([c for c in suspects.cards if c.role == "suspect"]) == 4, timeout=10000)
    settle(qtbot, page)
    roles = [p["role"] for p in page.service.load(form.draft.id).content["parties"]]
    assert roles.count("suspect") == 4
    first = next(c for c in suspects.cards if c.role == "suspect")
    assert first.identity.editors["surname"].edit.text() == "Martin"


# -- messages ---------------------------------------------------------------------------------


def test_validation_messages_appear_next_to_the_fields(qtbot: Any, page: Page) -> None:
    form = new_draft(qtbot, page, "plainte_x")
    faits = step_index(form, "section", "faits")
    form.go(faits)
    when = editor(form, "facts.when")
    # Nothing is said before the officer has had a chance to fill the step...
    assert when.error.isHidden()
    # ...but once the step is left, each empty required field says so, in French.
    form.go(faits + 1)
    settle(qtbot, page)
    assert plain(when.error) == "Ce champ est obligatoire."
    assert plain(editor(form, "facts.offences").error) == "Ce champ est obligatoire."
    assert editor(form, "details.entry_method").error.isHidden()  # optional
    assert plain(form.step_buttons[faits]).startswith("○")
    # Filled, the message goes and the step is marked complete.
    form.go(faits)
    when.start.set_moment(datetime(2026, 11, 28, 9, 15).astimezone(), emit=True)
    editor(form, "facts.where").address.setText("Place du Cap, Menton")
    offences = editor(form, "facts.offences")
    offences.query.setText("7875")
    qtbot.waitUntil(lambda: len(offences.result_rows) == 1, timeout=10000)
    assert "NATINF 7875" in plain(offences.result_rows[0].meta)
    tap(qtbot, offences.result_rows[0])
    settle(qtbot, page)
    assert when.error.isHidden() and offences.error.isHidden()
    assert plain(form.step_buttons[faits]).startswith("✓")
    # An unreadable amount is said at once, next to the item.
    form.go(step_index(form, "section", "prejudice"))
    items = editor(form, "facts.items")
    tap(qtbot, items.add_button)
    items.rows[0].value_edit.setText("douze euros")
    assert plain(items.rows[0].error) == "Montant illisible : tapez par exemple 249,90."


def test_typing_vol_lists_offences_with_their_natinf_codes(qtbot: Any, page: Page) -> None:
    form = new_draft(qtbot, page, "plainte_x")
    form.go(step_index(form, "section", "faits"))
    offences = editor(form, "facts.offences")
    qtbot.keyClicks(offences.query, "vol")
    qtbot.waitUntil(lambda: len(offences.result_rows) >= 3, timeout=10000)
    for row in offences.result_rows:
        assert plain(row.meta).startswith("NATINF ")
        assert "vol" in (row.offence["label"] + row.offence.get("short", "")).lower()
    chosen = offences.result_rows[1].offence
    tap(qtbot, offences.result_rows[1])
    assert offences.value() == [{"natinf": chosen["natinf"], "label": chosen["label"]}]
    assert offences.query.text() == "" and not offences.result_rows
    offences.query.setText("zzzz")
    qtbot.waitUntil(lambda: offences.none.isVisible(), timeout=10000)
    assert plain(offences.none) == "Aucune infraction ne correspond à « zzzz »."


# -- autosave ---------------------------------------------------------------------------------


def test_each_change_is_saved_and_a_reopened_draft_shows_it(qtbot: Any, page: Page, statements_ctx: Any) -> None:
    form = new_draft(qtbot, page, "main_courante")
    draft_id = form.draft.id
    identity = form.steps[0].parties.cards[0].identity
    identity.editors["surname"].edit.setText("Rossi")
    settle(qtbot, page)
    assert page.service.load(draft_id).content["parties"][0]["identity"]["surname"] == "Rossi"
    assert plain(form.saved).startswith("Enregistré à ")

    form.go(1)
    subject = editor(form, "details.subject")
    tap(qtbot, next(iter(subject.chips.values())))
    narrative = editor(form, "narrative")
    for word in ("Le", " voisin", " fait", " du", " bruit"):  # each keystroke a write, coalesced in order
        narrative.edit.insertPlainText(word)
    settle(qtbot, page)
    content = page.service.load(draft_id).content
    assert content["narrative"] == "Le voisin fait du bruit"
    assert content["details"]["subject"] == next(iter(subject.chips))

    # A new page (after a lock, a crash): the draft is listed and reopens as it was.
    again = show(qtbot, Page(statements_ctx))
    qtbot.waitUntil(lambda: len(again.home.draft_rows) == 1, timeout=10000)
    assert "Rossi" in plain(again.home.draft_rows[0].meta)
    tap(qtbot, again.home.draft_rows[0])
    qtbot.waitUntil(lambda: again.stack.currentWidget() is again.form, timeout=10000)
    assert again.form.steps[0].parties.cards[0].identity.editors["surname"].edit.text() == "Rossi"
    assert editor(again.form, "narrative").edit.toPlainText() == "Le voisin fait du bruit"
    assert editor(again.form, "details.subject").value() == next(iter(subject.chips))


# -- signatures ---------------------------------------------------------------------------------


def test_the_signature_pad_draws_smooth_strokes_exports_a_png_and_clears(qtbot: Any) -> None:
    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.resize(600, 240)
    pad.show()
    assert pad.png() is None and pad.is_empty()
    # A stroke with the mouse (a finger arrives the same way).
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPointF(50, 150).toPoint())
    for i in range(1, 40):
        qtbot.mouseMove(pad, QPointF(50 + i * 12, 150 - (i % 7) * 8).toPoint())
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPointF(530, 140).toPoint())
    assert len(pad.strokes) == 1 and len(pad.strokes[0]) > 10
    draw(pad)
    png = pad.png()
    assert png is not None and png.startswith(b"\x89PNG")
    image = QImage.fromData(png, "PNG")
    assert image.width() == 900
    dark = sum(1 for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)
               if image.pixelColor(x, y).lightness() < 100)
    assert dark > 50  # ink on white
    pad.undo()
    assert len(pad.strokes) == 2 and pad.undone
    pad.redo()
    assert len(pad.strokes) == 3
    pad.clear()
    assert pad.is_empty() and pad.png() is None


def test_signatures_and_a_refusal_are_recorded(qtbot: Any, page: Page) -> None:
    form = new_draft(qtbot, page, "main_courante")
    form.go(step_index(form, "signatures"))
    declarant, officer = form.signatures["declarant"], form.signatures["officer"]
    assert not officer.refuse_button.isVisibleTo(officer)  # the officer always signs
    draw(officer.pad)
    settle(qtbot, page)
    png = page.service.signature_png(form.draft.id, "officer")
    assert png is not None and png.startswith(b"\x89PNG")
    tap(qtbot, officer.clear_button)
    settle(qtbot, page)
    assert page.service.signature_png(form.draft.id, "officer") is None

    tap(qtbot, declarant.refuse_button)
    dialog = declarant.dialog
    assert isinstance(dialog, RefusalDialog) and not dialog.ok.isEnabled()
    tap(qtbot, dialog.chips["Autre"])
    assert not dialog.ok.isEnabled()
    dialog.other.setText("Souhaite relire avec son avocat")
    tap(qtbot, dialog.ok)
    assert declarant.pad.isHidden()
    assert plain(declarant.refusal) == "Refus de signer : Souhaite relire avec son avocat"
    settle(qtbot, page)
    sig = page.service.load(form.draft.id).signatures["declarant"]
    assert sig.refused_reason == "Souhaite relire avec son avocat" and sig.png_sha256 is None
    # The review says so, in place of the signature.
    form.go(step_index(form, "review"))
    settle(qtbot, page)
    assert plain(form.review.signature_labels["declarant"]) == "Refus de signer : Souhaite relire avec son avocat"


# -- sealing, read-only, correction ---------------------------------------------------------------


def test_signing_seals_a_read_only_statement_and_corriger_opens_a_new_draft(qtbot: Any, page: Page) -> None:
    form = fill_plainte_x(qtbot, page)
    assert all(plain(b).startswith("✓") for b in form.step_buttons[:5])
    form.go(step_index(form, "review"))
    assert "Dupont" in " ".join(plain(w) for w in form.review.findChildren(QWidget, "ReviewValue"))
    assert form.review.values["facts.items"].startswith("Ordinateur portable gris — 1\u202f249,90\u00a0€")
    form.go(step_index(form, "signatures"))
    draft_id = form.draft.id
    tap(qtbot, form.sign_button)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.statement_view, timeout=30000)

    view = page.statement_view
    statement = view.statement
    assert statement.state == "signed" and plain(view.badge) == "Signée"
    assert statement.payload["seal"]["sha256"] in " ".join(plain(w) for w in view.findChildren(QWidget,
                                                                                               "ReviewValue"))
    # Read-only: nothing to type in, no pad, only navigation and the two actions.
    assert not view.findChildren(QLineEdit) and not view.findChildren(QPlainTextEdit)
    assert not view.findChildren(SignaturePad)
    qtbot.waitUntil(lambda: view.review.signature_labels["declarant"].pixmap() is not None
                    and not view.review.signature_labels["declarant"].pixmap().isNull(), timeout=10000)
    with pytest.raises(Exception):  # noqa: B017 - the draft is gone: sealed
        page.service.load(draft_id)

    # The list shows it with its state.
    tap(qtbot, view.back_button)
    qtbot.waitUntil(lambda: len(page.home.statement_rows) == 1, timeout=10000)
    assert plain(page.home.statement_rows[0].badge) == "Signée" and not page.home.draft_rows

    # Corriger: a new draft, prefilled, referencing the sealed one, to be signed again.
    tap(qtbot, page.home.statement_rows[0])
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.statement_view, timeout=10000)
    tap(qtbot, view.correct_button)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.form, timeout=10000)
    settle(qtbot, page)
    assert page.form.draft.corrects == statement.id
    assert plain(page.form.title).endswith("— correction")
    assert editor(page.form, "narrative").value().startswith("En rentrant ce matin")
    assert all(box.pad.is_empty() and box.refused is None for box in page.form.signatures.values())


def test_signing_an_incomplete_draft_shows_what_is_missing(qtbot: Any, page: Page) -> None:
    form = new_draft(qtbot, page, "plainte_x")
    form.go(step_index(form, "signatures"))
    tap(qtbot, form.sign_button)
    settle(qtbot, page)
    assert form.banner.isVisible() and "ne peut pas encore être scellée" in plain(form.banner)
    assert form.index == 0  # taken to the first step with something missing
    surname = form.steps[0].parties.cards[0].identity.editors["surname"]
    assert plain(surname.error) != ""
    assert page.stack.currentWidget() is page.form and not page.service.statements()


def fill_everything(qtbot: Any, form: Any) -> None:
    """Every party and field of the form, each through its own widget."""
    moment = datetime(2026, 11, 27, 21, 40).astimezone()
    for step in form.steps:
        for card in step.parties.cards if step.parties else []:
            if card.identity is not None:
                card.identity.editors["surname"].edit.setText("Garnier")
                card.identity.editors["given_names"].edit.setText("Paul")
            else:
                card.description.edit.setPlainText("Homme, 30 ans environ, blouson noir")
        for e in step.editors:
            if isinstance(e, WhenField):
                if e.kind == "span":
                    tap(qtbot, e.span_chip)
                    e.end.set_moment(moment.replace(hour=23), emit=True)
                e.start.set_moment(moment if e.kind != "date" else moment.date(), emit=True)
            elif isinstance(e, WhereField):
                if e.address is not None:
                    e.address.setText("3 quai Bonaparte, Menton")
                tap(qtbot, e.position.gps_button)
            elif isinstance(e, BoolField):
                tap(qtbot, e.chips["yes"])
            elif isinstance(e, ChoiceField):
                tap(qtbot, next(iter(e.chips.values())))
            elif isinstance(e, OffenceField):
                e.query.setText("vol")
                qtbot.waitUntil(lambda e=e: len(e.result_rows) > 0, timeout=10000)
                tap(qtbot, e.result_rows[0])
            elif isinstance(e, ItemsField):
                tap(qtbot, e.add_button)
                e.rows[0].description.setText("Vélo de course")
                e.rows[0].value_edit.setText("850")
            elif isinstance(e, TextAreaField):
                e.edit.setPlainText("Les faits tels que le déclarant les rapporte.")
            elif isinstance(e, MoneyField):
                e.edit.setText("12,50")
            elif isinstance(e, DateField):
                e.picker.set_moment(moment.date(), emit=True)
            elif isinstance(e, DateTimeField):
                e.picker.set_moment(moment, emit=True)
            elif isinstance(e, LineField):
                e.edit.setText("Texte")
            else:
                raise AssertionError(f"no filler for {type(e).__name__}")
    for box in form.signatures.values():
        draw(box.pad)


@pytest.mark.parametrize("template_id", SHIPPED)
def test_every_template_is_completed_and_sealed_through_its_form(qtbot: Any, page: Page, template_id: str) -> None:
    form = new_draft(qtbot, page, template_id)
    fill_everything(qtbot, form)
    settle(qtbot, page)
    assert [i.path for i in form.issues] == []
    assert all(plain(b).startswith("✓") for i, b in enumerate(form.step_buttons) if form.steps[i].kind != "review")
    form.go(len(form.steps) - 1)
    tap(qtbot, form.sign_button)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.statement_view, timeout=30000)
    payload = page.statement_view.statement.payload
    assert payload["template"] == {"id": template_id, "version": form.template.version}
    assert payload["facts"]["where"] is None or payload["facts"]["where"]["position"]["lat"] == 43.775412


# -- touch ------------------------------------------------------------------------------------


def _small_targets(root: QWidget) -> list[str]:
    small = []
    for w in root.findChildren(QWidget):
        if not w.isVisible() or not isinstance(w, QAbstractButton | QLineEdit):
            continue
        if w.height() < 48 or w.width() < 48:
            small.append(f"{w.objectName() or type(w).__name__} {w.width()}x{w.height()} {getattr(w, 'text', str)()}")
    return small


@pytest.mark.parametrize("size", [(1280, 598), (800, 1076)])  # the module's room in the 1280 x 800 shell
def test_touch_targets_are_at_least_48_px(qtbot: Any, statements_ctx: Any, size: tuple[int, int]) -> None:
    page = show(qtbot, Page(statements_ctx), size)
    qtbot.waitUntil(lambda: len(page.home.template_cards) == 5, timeout=10000)
    assert not _small_targets(page)
    assert all(c.height() >= 48 for c in page.home.template_cards)
    form = new_draft(qtbot, page, "plainte_x")
    for i in range(len(form.steps)):
        form.go(i)
        qtbot.wait(20)
        assert not _small_targets(page), f"step {i}"


def test_the_screens_follow_the_language_live(qtbot: Any, page: Page) -> None:
    from neo.i18n import set_language

    form = new_draft(qtbot, page, "plainte_x")
    form.steps[0].parties.cards[0].identity.editors["surname"].edit.setText("Dupont")
    settle(qtbot, page)
    set_language("en")
    try:
        page.retranslate()
        assert form.next_button.text() == "Next ›" and form.back_button.text() == "‹ Statements"
        assert plain(form.title) == page.service.template("plainte_x").title.en
        assert [plain(b)[2:].split(". ", 1)[1] for b in form.step_buttons[-3:]] == [
            "Photos and documents", "Review", "Signatures"]
        identity = form.steps[0].parties.cards[0].identity
        assert plain(identity.editors["surname"].caption) == "Surname *"
        assert identity.editors["surname"].edit.text() == "Dupont"  # the draft, rebuilt in English
        tap(qtbot, form.back_button)
        qtbot.waitUntil(lambda: len(page.home.draft_rows) == 1, timeout=10000)
        assert page.home.new_title.text() == "New statement"
        assert plain(page.home.draft_rows[0].badge) == "Draft"
    finally:
        set_language("fr")
        page.retranslate()


def test_the_pdf_of_a_sealed_statement_is_previewed_and_saved(qtbot: Any, page: Page, tmp_path: Any) -> None:
    from tests.modules.statements.helpers import fill_complaint

    service = page.service
    draft = service.new_draft("plainte_x", {"surname": "Dupont", "given_names": "Zoé"})
    fill_complaint(service, draft, photos=1)
    statement_id = service.sign(draft)
    page.show_home()
    qtbot.waitUntil(lambda: len(page.home.statement_rows) == 1, timeout=10000)
    tap(qtbot, page.home.statement_rows[0])
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.statement_view, timeout=10000)
    tap(qtbot, page.statement_view.pdf_button)
    view = page.pdf_view
    assert page.stack.currentWidget() is view
    qtbot.waitUntil(lambda: view.data is not None, timeout=30000)
    assert view.data.startswith(b"%PDF")
    assert view.pages >= 1 and plain(view.info).startswith(f"Première page sur {view.pages}")
    preview = view.preview.pixmap()
    assert preview is not None and preview.width() == 760 and preview.height() > 1000  # A4, portrait
    assert view.name.startswith("deposition-") and statement_id[:8] in view.name
    target = tmp_path / "export" / "plainte"
    target.parent.mkdir()
    page.save_pdf(target)
    qtbot.waitUntil(lambda: view.message.isVisible(), timeout=10000)
    assert (tmp_path / "export" / "plainte.pdf").read_bytes() == view.data
    assert plain(view.message) == f"PDF enregistré : {tmp_path / 'export' / 'plainte.pdf'}"
    tap(qtbot, view.back_button)
    assert page.stack.currentWidget() is page.statement_view
