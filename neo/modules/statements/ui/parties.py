"""The parties a section asks for: one card per party (its identity, or the description
of an unknown author), "+ Ajouter" while the template allows more, ✕ above the minimum."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from neo.modules.statements.ui.fields import IdentityForm, TextAreaField
from neo.modules.statements.ui.widgets import Tr, button, card, clear_layout, label

ADD_TEXTS = {
    "declarant": "+ Ajouter un déclarant",
    "victim": "+ Ajouter une victime",
    "witness": "+ Ajouter un témoin",
    "suspect": "+ Ajouter un mis en cause",
    "unknown_author": "+ Ajouter un auteur inconnu",
}


class PartyCard(QWidget):
    """One party. ``sig_identity(index, dict)``, ``sig_description(index, text)``,
    ``sig_remove(index)``; ``index`` is the party's place in the content's ``parties``."""

    sig_identity = Signal(int, object)
    sig_description = Signal(int, str)
    sig_remove = Signal(int)

    def __init__(self, index: int, role: str, title: str, tr: Tr, *, removable: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.role = role
        self.setObjectName(f"Party_{role}")
        frame = card("PartyCard")
        head = QHBoxLayout()
        self.title = label(title, None, name="PartyTitle")
        head.addWidget(self.title, 1)
        self.remove_button = button(tr("Retirer"), None, name="RemoveParty")
        self.remove_button.setAccessibleName(tr("Retirer : {who}", who=title))
        self.remove_button.clicked.connect(lambda: self.sig_remove.emit(self.index))
        self.remove_button.setVisible(removable)
        head.addWidget(self.remove_button)
        inner = QVBoxLayout(frame)
        inner.setContentsMargins(22, 14, 22, 18)
        inner.setSpacing(10)
        inner.addLayout(head)
        self.identity: IdentityForm | None = None
        self.description: TextAreaField | None = None
        if role == "unknown_author":
            self.description = TextAreaField(f"parties.{index}.description", tr("Signalement"), tr, max_length=4000,
                                             height=160,
                                             help_text=tr("Sexe, âge apparent, taille, corpulence, tenue, signes "
                                                          "particuliers, fuite (direction, véhicule)…"))
            self.description.sig_changed.connect(lambda _p, v: self.sig_description.emit(self.index, v))
            inner.addWidget(self.description)
        else:
            required = ("surname", "given_names") if role == "declarant" else ()
            self.identity = IdentityForm(tr, required=required)
            self.identity.sig_changed.connect(lambda: self.sig_identity.emit(self.index, self.identity.value()))
            inner.addWidget(self.identity)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(frame)

    def load(self, party: dict[str, Any]) -> None:
        if self.identity is not None:
            self.identity.load(party.get("identity"))
        if self.description is not None:
            self.description.set_value(party.get("description"))

    def show_issues(self, issues: list[tuple[str, str]]) -> list[str]:
        """Put messages (paths relative to the party) on their members; returns the rest."""
        rest = []
        if self.identity is not None:
            self.identity.clear()
        if self.description is not None:
            self.description.show_error("")
        for path, message in issues:
            if path.startswith("identity.") and self.identity is not None:
                if self.identity.show_member(path.removeprefix("identity."), message):
                    continue
            if path.startswith("description") and self.description is not None:
                self.description.show_error(message)
                continue
            rest.append(message)
        return rest


class PartiesBox(QWidget):
    """The parties of one section (``parts``: the template's PartSpec list)."""

    sig_identity = Signal(int, object)
    sig_description = Signal(int, str)
    sig_add = Signal(str)
    sig_remove = Signal(int)

    def __init__(self, parts: list[Any], tr: Tr, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.parts = parts
        self.tr = tr
        self.lang = lang
        self.cards: list[PartyCard] = []
        self.add_buttons: dict[str, Any] = {}
        self.errors: dict[str, Any] = {}
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(12)

    def load(self, parties: list[dict[str, Any]]) -> None:
        """Rebuild the cards from the content's parties (all roles; only this section's shown)."""
        tr = self.tr
        clear_layout(self.box)
        self.cards = []
        self.add_buttons = {}
        self.errors = {}
        for part in self.parts:
            name = part.label.get(self.lang)
            mine = [(i, p) for i, p in enumerate(parties) if isinstance(p, dict) and p.get("role") == part.role]
            required = " *" if part.min > 0 else ""
            if part.max > 1 or not mine:
                caption = tr("{name} (jusqu'à {max})", name=name + required, max=part.max) if part.max > 1 \
                    else name + required
                self.box.addWidget(label(caption, "field", name="PartCaption"))
            for n, (index, party) in enumerate(mine, start=1):
                title = name + required if part.max == 1 else f"{name} {n}"
                c = PartyCard(index, part.role, title, tr, removable=len(mine) > part.min)
                c.load(party)
                c.sig_identity.connect(self.sig_identity)
                c.sig_description.connect(self.sig_description)
                c.sig_remove.connect(self.sig_remove)
                self.box.addWidget(c)
                self.cards.append(c)
            error = label("", "error", name="FieldError", wrap=True)
            error.hide()
            self.box.addWidget(error)
            self.errors[part.role] = error
            if len(mine) < part.max:
                add = button(tr(ADD_TEXTS.get(part.role, "+ Ajouter")), None, name=f"AddParty_{part.role}")
                add.clicked.connect(lambda _=False, r=part.role: self.sig_add.emit(r))
                row = QHBoxLayout()
                row.addWidget(add)
                row.addStretch(1)
                self.box.addLayout(row)
                self.add_buttons[part.role] = add

    def show_issues(self, issues: list[tuple[str, str]], roles_of: dict[int, str]) -> None:
        """``issues``: (path under ``parties.``, message); ``roles_of``: index -> role."""
        by_index: dict[int, list[tuple[str, str]]] = {}
        by_role: dict[str, list[str]] = {}
        for path, message in issues:
            head, _, rest = path.partition(".")
            if head.isdigit():
                by_index.setdefault(int(head), []).append((rest, message))
            else:
                by_role.setdefault(head, []).append(message)
        for c in self.cards:
            for message in c.show_issues(by_index.get(c.index, [])):
                by_role.setdefault(c.role, []).append(message)
        for role, error in self.errors.items():
            text = "\n".join(dict.fromkeys(by_role.get(role, [])))
            error.setText(text)
            error.setVisible(bool(text))
