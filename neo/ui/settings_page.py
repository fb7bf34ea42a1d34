"""The settings page: language, theme, auto-lock, kiosk, modules, and "À propos".

Every change applies at once and is saved with :meth:`Settings.save` (no "Save" button
to forget). The page only emits what the window must apply (theme, kiosk, idle delay);
the language is global (:func:`neo.i18n.set_language`) and every screen follows it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import neo
from neo.config import Settings
from neo.i18n import LANGUAGES, language, set_language, tr
from neo.ui.home import FAILED_STATES, module_icon, stage_text, state_text
from neo.ui.qt import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QResizeEvent,
    QScrollArea,
    QScroller,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from neo.ui.widgets import Banner, SegmentedChoice, ToggleSwitch, card, label, separator, set_icon, set_prop

IDLE_CHOICES = (60, 120, 300, 600, 900, 1800)


def api_version() -> str:
    try:
        from neo import api

        version = getattr(api, "VERSION", None)
    except Exception:
        return tr("inconnue")
    if isinstance(version, tuple):
        return ".".join(str(p) for p in version)
    return str(version) if version is not None else tr("inconnue")


def idle_text(seconds: int) -> str:
    if seconds % 60 == 0:
        return tr("{n} min", n=seconds // 60)
    return tr("{n} s", n=seconds)


class ModuleRow(QWidget):
    """One module in the list: icon, name, version and source, state, on/off switch."""

    sig_toggled = Signal(str, bool)

    def __init__(self, rec: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rec = rec
        self.module_id: str = rec.id
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 6, 0, 6)
        row.setSpacing(16)
        self.icon = QLabel()
        self.name = label("", "value")
        self.name.setObjectName("ModuleRowName")
        self.meta = label("", "muted", wrap=True)
        self.error = label("", "muted", wrap=True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.name)
        text.addWidget(self.meta)
        text.addWidget(self.error)
        self.badge = label("", "badge")
        self.switch = ToggleSwitch()
        self.switch.setObjectName(f"ModuleSwitch_{rec.id}")
        self.switch.toggled.connect(lambda on: self.sig_toggled.emit(self.module_id, on))
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(text, 1)
        row.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.switch, 0, Qt.AlignmentFlag.AlignVCenter)
        self.update_record(rec)

    def update_record(self, rec: Any) -> None:
        self.rec = rec
        state = str(rec.state)
        set_prop(self.badge, "state", state)
        set_icon(self.icon, module_icon(rec), "danger" if state in FAILED_STATES else "accent_fg", 36)
        self.switch.blockSignals(True)
        self.switch.setChecked(state != "disabled")
        self.switch.blockSignals(False)
        # A module that could not even be read has nothing to switch on.
        self.switch.setEnabled(not (state == "failed" and rec.error_stage == "discover"))
        self.retranslate()

    def retranslate(self) -> None:
        rec = self.rec
        state = str(rec.state)
        self.name.setText(rec.name(language()))
        if rec.source == "builtin":
            source = tr("intégré")
        else:
            source = tr("extension {dist}", dist=rec.distribution or "")
        self.meta.setText(tr("Version {v} · {source}", v=rec.version, source=source.strip()))
        self.badge.setText(state_text(state))
        if rec.error:
            self.error.setText(tr("Erreur ({stage}) : {err}", stage=stage_text(rec.error_stage), err=rec.error))
            set_prop(self.error, "role", "tileerror")
            self.error.show()
        else:
            self.error.hide()
        self.switch.setAccessibleName(tr("Activer le module {name}", name=rec.name(language())))


class SettingsPage(QWidget):
    sig_theme_changed = Signal(str)
    sig_fullscreen_changed = Signal(bool)
    sig_idle_changed = Signal(int)

    def __init__(self, settings: Settings, data_dir: Path, host: Any = None, device_id: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SettingsPage")
        self.setProperty("role", "screen")
        self.settings = settings
        self.data_dir = data_dir
        self.host = host
        self.device_id = device_id
        self.module_rows: dict[str, ModuleRow] = {}

        body = QWidget()
        body.setObjectName("ScrollBody")
        col = QVBoxLayout(body)
        col.setContentsMargins(32, 24, 32, 32)
        col.setSpacing(20)
        self.title = label("", "title")
        self.banner = Banner()
        self.banner.setObjectName("SettingsBanner")
        col.addWidget(self.title)
        col.addWidget(self.banner)
        # Two columns in landscape (display and security | modules and about), one in portrait.
        self.columns = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.columns.setSpacing(20)
        left = QVBoxLayout()
        left.setSpacing(20)
        right = QVBoxLayout()
        right.setSpacing(20)
        self.columns.addLayout(left, 1)
        self.columns.addLayout(right, 1)
        col.addLayout(self.columns)

        # -- display ----------------------------------------------------------------------
        self.display_card, box = card()
        self.display_title = label("", "section")
        box.addWidget(self.display_title)
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(16)
        self.language_label = label("", "field")
        self.language_choice = SegmentedChoice()
        self.language_choice.setObjectName("LanguageChoice")
        self.language_choice.set_options([(code, name) for code, name in LANGUAGES.items()], settings.language)
        self.language_choice.sig_changed.connect(self._language_chosen)
        self.theme_label = label("", "field")
        self.theme_choice = SegmentedChoice()
        self.theme_choice.setObjectName("ThemeChoice")
        self.theme_choice.set_options([("day", ""), ("night", "")], settings.theme)
        self.theme_choice.sig_changed.connect(self._theme_chosen)
        grid.addWidget(self.language_label, 0, 0)
        grid.addWidget(self.language_choice, 0, 1)
        grid.addWidget(self.theme_label, 1, 0)
        grid.addWidget(self.theme_choice, 1, 1)
        grid.setColumnStretch(1, 1)
        box.addLayout(grid)
        left.addWidget(self.display_card)

        # -- security ----------------------------------------------------------------------
        self.security_card, box = card()
        self.security_title = label("", "section")
        box.addWidget(self.security_title)
        self.idle_label = label("", "field")
        self.idle_help = label("", "muted", wrap=True)
        self.idle_choice = SegmentedChoice(columns=3)
        self.idle_choice.setObjectName("IdleChoice")
        choices = list(IDLE_CHOICES)
        if settings.idle_lock_seconds not in choices:
            choices = sorted({*choices, settings.idle_lock_seconds})
        self.idle_choice.set_options([(s, idle_text(s)) for s in choices], settings.idle_lock_seconds)
        self.idle_choice.sig_changed.connect(self._idle_chosen)
        box.addWidget(self.idle_label)
        box.addWidget(self.idle_help)
        box.addWidget(self.idle_choice)
        box.addWidget(separator())
        kiosk = QHBoxLayout()
        kiosk_text = QVBoxLayout()
        kiosk_text.setSpacing(2)
        self.kiosk_label = label("", "field")
        self.kiosk_help = label("", "muted", wrap=True)
        kiosk_text.addWidget(self.kiosk_label)
        kiosk_text.addWidget(self.kiosk_help)
        self.kiosk_switch = ToggleSwitch()
        self.kiosk_switch.setObjectName("KioskSwitch")
        self.kiosk_switch.setChecked(settings.fullscreen)
        self.kiosk_switch.toggled.connect(self._kiosk_toggled)
        kiosk.addLayout(kiosk_text, 1)
        kiosk.addWidget(self.kiosk_switch, 0, Qt.AlignmentFlag.AlignVCenter)
        box.addLayout(kiosk)
        left.addWidget(self.security_card)
        left.addStretch(1)

        # -- modules -------------------------------------------------------------------------
        self.modules_card, self.modules_box = card()
        self.modules_title = label("", "section")
        self.modules_help = label("", "muted", wrap=True)
        self.modules_empty = label("", "muted", wrap=True)
        self.modules_box.addWidget(self.modules_title)
        self.modules_box.addWidget(self.modules_help)
        self.modules_box.addWidget(self.modules_empty)
        self.modules_list = QVBoxLayout()
        self.modules_list.setSpacing(4)
        self.modules_box.addLayout(self.modules_list)
        right.addWidget(self.modules_card)

        # -- about --------------------------------------------------------------------------
        self.about_card, box = card()
        self.about_title = label("", "section")
        box.addWidget(self.about_title)
        about = QGridLayout()
        about.setHorizontalSpacing(24)
        about.setVerticalSpacing(10)
        self.about_labels = [label("", "muted") for _ in range(3)]
        self.neo_version = label(neo.__version__, "value")
        self.neo_version.setObjectName("AboutNeoVersion")
        self.api_version = label(api_version(), "value")
        self.api_version.setObjectName("AboutApiVersion")
        self.device = label(device_id or "—", "value")
        self.device.setObjectName("AboutDeviceId")
        self.device.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        about.addWidget(self.about_labels[0], 0, 0)
        about.addWidget(self.neo_version, 0, 1)
        about.addWidget(self.about_labels[1], 1, 0)
        about.addWidget(self.api_version, 1, 1)
        # The device id is long (a UUID): its own line, under its label.
        about.addWidget(self.about_labels[2], 2, 0, 1, 2)
        about.addWidget(self.device, 3, 0, 1, 2)
        about.setColumnStretch(1, 1)
        box.addLayout(about)
        right.addWidget(self.about_card)
        right.addStretch(1)
        col.addStretch(1)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(self.scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)
        self.refresh_modules()
        self.retranslate()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        wide = self.width() >= 1100
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self.columns.direction() != direction:
            self.columns.setDirection(direction)
        super().resizeEvent(event)

    # -- modules ----------------------------------------------------------------------------
    def refresh_modules(self) -> None:
        records: list[Any] = []
        if self.host is not None:
            try:
                records = list(self.host.records())
            except Exception:
                records = []
        ids = [r.id for r in records]
        for mid in [m for m in self.module_rows if m not in ids]:
            row = self.module_rows.pop(mid)
            self.modules_list.removeWidget(row)
            row.hide()
            row.deleteLater()
        for i, rec in enumerate(records):
            row = self.module_rows.get(rec.id)
            if row is None:
                row = ModuleRow(rec)
                row.sig_toggled.connect(self._module_toggled)
                self.module_rows[rec.id] = row
                self.modules_list.insertWidget(i, row)
            else:
                row.update_record(rec)
        self.modules_empty.setVisible(not records)

    def _module_toggled(self, module_id: str, enabled: bool) -> None:
        if self.host is None:
            return
        try:
            self.host.set_enabled(module_id, enabled)
        except Exception as exc:
            message = getattr(exc, "message", None) or str(exc)
            self.banner.show_message(tr("Impossible de modifier le module : {err}", err=message))
        self.refresh_modules()

    # -- preferences -------------------------------------------------------------------------
    def _save(self) -> None:
        try:
            self.settings.save(self.data_dir)
        except (OSError, ValueError) as exc:
            self.banner.show_message(tr("Les réglages n'ont pas pu être enregistrés : {err}", err=str(exc)))

    def _language_chosen(self, code: object) -> None:
        self.settings.language = str(code)  # type: ignore[assignment]
        self._save()
        set_language(str(code))  # every screen re-translates through its listener

    def _theme_chosen(self, name: object) -> None:
        self.settings.theme = str(name)  # type: ignore[assignment]
        self._save()
        self.sig_theme_changed.emit(str(name))

    def _idle_chosen(self, seconds: object) -> None:
        self.settings.idle_lock_seconds = int(seconds)  # type: ignore[arg-type]
        self._save()
        self.sig_idle_changed.emit(int(seconds))  # type: ignore[arg-type]

    def _kiosk_toggled(self, on: bool) -> None:
        self.settings.fullscreen = bool(on)
        self._save()
        self.sig_fullscreen_changed.emit(bool(on))

    def set_kiosk(self, on: bool) -> None:
        self.kiosk_switch.blockSignals(True)
        self.kiosk_switch.setChecked(on)
        self.kiosk_switch.blockSignals(False)

    # -- language -----------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.title.setText(tr("Réglages"))
        self.display_title.setText(tr("Affichage"))
        self.language_label.setText(tr("Langue"))
        self.theme_label.setText(tr("Thème"))
        self.theme_choice.set_texts([tr("Jour"), tr("Nuit")])
        self.security_title.setText(tr("Sécurité"))
        self.idle_label.setText(tr("Verrouillage automatique"))
        self.idle_help.setText(tr("L'appareil se verrouille après ce délai sans aucune action."))
        self.idle_choice.set_texts([idle_text(int(v)) for v in self.idle_choice.values()])  # type: ignore[call-overload]
        self.kiosk_label.setText(tr("Plein écran (mode kiosque)"))
        self.kiosk_help.setText(tr("NEO occupe tout l'écran, sans barre de titre ni bordure."))
        self.modules_title.setText(tr("Modules"))
        self.modules_help.setText(tr("Un module désactivé disparaît des autres écrans jusqu'à sa réactivation."))
        self.modules_empty.setText(tr("Aucun module n'est installé sur cet appareil."))
        for row in self.module_rows.values():
            row.retranslate()
        self.about_title.setText(tr("À propos"))
        for lab, text in zip(self.about_labels, (tr("Version de NEO"), tr("Version de l'API des modules"),
                                                 tr("Identifiant de l'appareil")), strict=True):
            lab.setText(text)
        self.banner.retranslate()
