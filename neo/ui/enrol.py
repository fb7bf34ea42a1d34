"""The blank device: enrolment with the unit's HQ.

Shown when the data directory holds no vault. The officer (or the unit's technician)
pastes or types the one-time enrolment code (``NEO1-…``), names the device and taps
"Enrôler l'appareil". Enrolment runs on a worker thread (TLS pinning, key generation,
HQ's answer, the encrypted database); its progress messages come back to this screen.
Nothing is written on the device before HQ has accepted it, so a failed attempt can be
retried at once. After a wipe, the screen says why the device is blank again.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from neo.i18n import tr
from neo.provisioning import ProvisioningError, load_provisioning
from neo.ui.qt import (
    QBoxLayout,
    QFrame,
    QGuiApplication,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QResizeEvent,
    QSizePolicy,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from neo.ui.tasks import run_with_progress
from neo.ui.widgets import button, card, icon_label, label
from neo.vault import Vault, VaultError

log = logging.getLogger(__name__)

CODE_PREFIX = "NEO1-"
DEVICE_NAME_MAX = 80


def default_device_name() -> str:
    """The machine's host name (what the unit sees in ``neo-hq device list``)."""
    try:
        name = socket.gethostname().strip()
    except OSError:
        name = ""
    name = "".join(ch for ch in name if ch.isprintable())[:DEVICE_NAME_MAX]
    return name or "NEO"


def save_hq_link(store: Any, link: dict[str, Any]) -> None:
    """Keep the HQ link (address, pinned CA, token) in the new encrypted database."""
    from neo.sync.link import HqLink, save_link

    save_link(store, HqLink(**link))


def wipe_text(notice: dict[str, Any] | None) -> str:
    """Why a blank device is blank (from ``wipe-notice.json``), or "" if it never held data."""
    if not notice:
        return ""
    reason = notice.get("reason")
    if reason == "revoked":
        return tr("Cet appareil a été révoqué par le QG et ses données ont été effacées. "
                  "Il doit être enrôlé à nouveau.")
    if reason == "failed_unlocks":
        return tr("Les données de cet appareil ont été effacées après trop d'essais incorrects. "
                  "Il doit être enrôlé à nouveau.")
    return tr("Les données de cet appareil ont été effacées. Il doit être enrôlé à nouveau.")


def _enrol(vault: Vault, code: str, device_name: str, report: Callable[[object], None]) -> Any:
    from neo.sync.enrolment import enroll

    return enroll(vault, code, device_name, progress=report, on_store=save_hq_link)


class EnrolScreen(QWidget):
    """Enrolment code, device name, one big button; progress and errors under it."""

    sig_enrolled = Signal(object)  # neo.sync.enrolment.EnrolmentResult
    sig_recheck = Signal()  # "check again" (enrolled meanwhile, e.g. from the command line)
    sig_attempt_done = Signal()  # an attempt got its answer (success or failure)

    def __init__(self, vault: Vault, wipe_notice: dict[str, Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("EnrolScreen")
        self.setProperty("role", "screen")
        self.vault = vault
        self.data_dir = Path(vault.data_dir)
        self.wipe_notice = wipe_notice
        self._busy = False
        self._cancelled = False
        self.enrol_fn: Callable[[Vault, str, str, Callable[[object], None]], Any] = _enrol

        # -- head, as on the unlock screen ----------------------------------------------------
        self.brand_icon = icon_label("shield", "accent_fg", 56)
        self.brand = label("NEO", "brand")
        self.title = label("", "title")
        self.subtitle = label("", "subtitle", wrap=True)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)
        divider = QFrame()
        divider.setProperty("role", "vseparator")
        divider.setFixedWidth(2)
        head = QHBoxLayout()
        head.setSpacing(16)
        head.addWidget(self.brand_icon)
        head.addWidget(self.brand)
        head.addSpacing(8)
        head.addWidget(divider)
        head.addSpacing(8)
        head.addLayout(titles, 1)

        self.wiped = label("", "error", wrap=True)
        self.wiped.setObjectName("WipeNotice")

        # -- the form -------------------------------------------------------------------------
        self.form_card, form = card()
        self.form_card.setObjectName("EnrolCard")
        self.code_label = label("", "field")
        self.code = QLineEdit()
        self.code.setObjectName("EnrolmentCode")
        self.code.setMaxLength(1024)
        self.code.setInputMethodHints(Qt.InputMethodHint.ImhNoPredictiveText | Qt.InputMethodHint.ImhNoAutoUppercase
                                      | Qt.InputMethodHint.ImhSensitiveData | Qt.InputMethodHint.ImhLatinOnly)
        self.paste_button = button("", None, "clipboard", "icon", 24)
        self.paste_button.setObjectName("PasteButton")
        self.paste_button.clicked.connect(self.paste)
        code_row = QHBoxLayout()
        code_row.setSpacing(10)
        code_row.addWidget(self.code, 1)
        code_row.addWidget(self.paste_button)
        self.name_label = label("", "field")
        self.device_name = QLineEdit(default_device_name())
        self.device_name.setObjectName("DeviceName")
        self.device_name.setMaxLength(DEVICE_NAME_MAX)
        self.name_hint = label("", "hint", wrap=True)
        self.enrol_button = button("", "primary", "link", "accent_text", 28)
        self.enrol_button.setObjectName("EnrolButton")
        self.progress = label("", "muted", wrap=True)
        self.progress.setObjectName("EnrolProgress")
        self.progress.hide()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.error = label("", "error", wrap=True)
        self.error.setObjectName("EnrolError")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        form.addWidget(self.code_label)
        form.addLayout(code_row)
        form.addSpacing(6)
        form.addWidget(self.name_label)
        form.addWidget(self.device_name)
        form.addWidget(self.name_hint)
        form.addStretch(1)
        form.addSpacing(8)
        form.addWidget(self.enrol_button)
        form.addWidget(self.busy)
        form.addWidget(self.progress)
        form.addWidget(self.error)
        self.form_card.setMinimumWidth(520)
        self.form_card.setMaximumWidth(620)

        # -- how it works, and the local demo ---------------------------------------------------
        self.help_card, helpbox = card()
        self.help_card.setObjectName("EnrolHelpCard")
        self.help_title = label("", "section")
        self.steps: list[tuple[QWidget, Any]] = []
        helpbox.addWidget(self.help_title)
        for n in range(3):
            row = QHBoxLayout()
            row.setSpacing(12)
            number = label(str(n + 1), "step")
            number.setFixedSize(34, 34)
            number.setAlignment(Qt.AlignmentFlag.AlignCenter)
            text = label("", None, wrap=True)
            row.addWidget(number, 0, Qt.AlignmentFlag.AlignTop)
            row.addWidget(text, 1)
            helpbox.addLayout(row)
            self.steps.append((number, text))
        helpbox.addStretch(1)
        self.demo_hint = label("", "hint", wrap=True)
        self.demo_hint.setObjectName("DemoHint")
        self.recheck = button("", None, "sync", "icon", 24)
        self.recheck.setObjectName("RecheckButton")
        self.recheck.clicked.connect(self.sig_recheck)
        helpbox.addWidget(self.demo_hint)
        helpbox.addWidget(self.recheck, 0, Qt.AlignmentFlag.AlignLeft)
        self.help_card.setMinimumWidth(360)
        self.help_card.setMaximumWidth(460)

        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.setSpacing(28)
        self.body.addWidget(self.form_card, 3)
        self.body.addWidget(self.help_card, 2)

        column = QVBoxLayout()
        column.setSpacing(12)
        column.addLayout(head)
        column.addSpacing(10)
        column.addWidget(self.wiped)
        column.addLayout(self.body)
        self.column = QWidget()
        self.column.setLayout(column)
        self.column.setMaximumWidth(1100)
        self.column.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        self.path = label("", "muted", wrap=True)
        self.path.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 28, 40, 16)
        outer.addStretch(1)
        outer.addWidget(self.column, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(1)
        outer.addWidget(self.path)

        self.code.returnPressed.connect(self.device_name.setFocus)
        self.device_name.returnPressed.connect(self.submit)
        self.enrol_button.clicked.connect(self.submit)
        self.set_wipe_notice(wipe_notice)
        self.retranslate()
        self.prefill_from_provisioning()

    # -- language and layout --------------------------------------------------------------------
    def retranslate(self) -> None:
        self.title.setText(tr("Enrôlement de l'appareil"))
        self.subtitle.setText(tr("Reliez cette tablette au QG de votre unité."))
        self.code_label.setText(tr("Code d'enrôlement"))
        self.code.setPlaceholderText(tr("NEO1-…"))
        self.code.setAccessibleName(tr("Code d'enrôlement"))
        self.paste_button.setText(tr("Coller"))
        self.paste_button.setAccessibleName(tr("Coller le code"))
        self.name_label.setText(tr("Nom de l'appareil"))
        self.device_name.setAccessibleName(tr("Nom de l'appareil"))
        self.device_name.setPlaceholderText(tr("Par exemple : Tablette BTA 3"))
        self.name_hint.setText(tr("Le nom sous lequel votre unité voit cet appareil."))
        self.enrol_button.setText(tr("Enrôlement en cours…") if self._busy else tr("Enrôler l'appareil"))
        self.help_title.setText(tr("Comment faire ?"))
        texts = (
            tr("Demandez un code d'enrôlement à votre unité : il commence par « NEO1- » et ne sert "
               "qu'une fois."),
            tr("Collez-le ou saisissez-le ici, puis touchez « Enrôler l'appareil ». Le réseau est "
               "nécessaire."),
            tr("Au premier déverrouillage de chaque agent, le QG vérifie son code PIN : restez connecté. "
               "Ensuite, l'appareil fonctionne hors ligne."),
        )
        for (_number, text), value in zip(self.steps, texts, strict=True):
            text.setText(value)
        self.demo_hint.setText(tr("Démonstration sans QG réel : « make demo » enrôle l'appareil auprès "
                                  "d'un QG local. Enrôlé entre-temps en ligne de commande ? Vérifiez à nouveau."))
        self.recheck.setText(tr("Vérifier à nouveau"))
        self.wiped.setText(wipe_text(self.wipe_notice))
        self.path.setText(tr("Dossier de données : {path}", path=str(self.data_dir)))

    def set_wipe_notice(self, notice: dict[str, Any] | None) -> None:
        self.wipe_notice = notice
        self.wiped.setText(wipe_text(notice))
        self.wiped.setVisible(bool(notice))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        portrait = self.height() > self.width()
        direction = QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight
        if self.body.direction() != direction:
            self.body.setDirection(direction)
            # Portrait: two cards of the same width, one above the other.
            for i, (card_, (low, high), stretch) in enumerate(((self.form_card, (520, 620), 3),
                                                              (self.help_card, (360, 460), 2))):
                card_.setMinimumWidth(560 if portrait else low)
                card_.setMaximumWidth(620 if portrait else high)
                self.body.setStretch(i, 0 if portrait else stretch)
        super().resizeEvent(event)

    def prefill_from_provisioning(self) -> None:
        """A managed tablet: the code and the name its provisioning file carries
        (neo.provisioning); a broken file is said at once."""
        try:
            provisioned = load_provisioning()
        except ProvisioningError as exc:
            self._show_error(exc.message)
            return
        if provisioned is None:
            return
        if provisioned.enrolment_code:
            self.code.setText(provisioned.enrolment_code)
            self.code.setCursorPosition(0)
        if provisioned.device_name:
            self.device_name.setText(provisioned.device_name)

    # -- input ----------------------------------------------------------------------------------
    def paste(self) -> None:
        """Put the clipboard's text in the code field (spaces and line breaks removed)."""
        clipboard = QGuiApplication.clipboard()
        text = "".join((clipboard.text() if clipboard is not None else "").split())
        if text:
            self.code.setText(text)
            self.code.setCursorPosition(0)  # show the "NEO1-" start
            self.error.hide()
        else:
            self._show_error(tr("Le presse-papiers est vide : copiez d'abord le code d'enrôlement."))
        self.code.setFocus()

    def code_text(self) -> str:
        return "".join(self.code.text().split())

    # -- enrolling ------------------------------------------------------------------------------
    @property
    def busy_now(self) -> bool:
        return self._busy

    def submit(self) -> None:
        if self._busy:
            return
        code = self.code_text()
        name = " ".join(self.device_name.text().split())
        if not code:
            self._show_error(tr("Saisissez ou collez le code d'enrôlement."))
            self.code.setFocus()
            return
        if not code.upper().startswith(CODE_PREFIX):
            self._show_error(tr("Un code d'enrôlement commence par « NEO1- ». Vérifiez-le ou "
                                "demandez-en un nouveau à votre unité."))
            self.code.setFocus()
            return
        if not name:
            self._show_error(tr("Donnez un nom à l'appareil."))
            self.device_name.setFocus()
            return
        self._set_busy(True)
        self.progress.setText(tr("Connexion au QG…"))
        vault, enrol = self.vault, self.enrol_fn
        run_with_progress(lambda report: enrol(vault, code, name, report),
                          self._progress, self._succeeded, self._failed)

    def cancel_pending(self) -> None:
        """The window is closing: ignore the answer (the enrolment itself completes or not)."""
        self._cancelled = True

    def _progress(self, message: object) -> None:
        if self._busy and isinstance(message, str) and message:
            self.progress.setText(message)

    def _succeeded(self, result: Any) -> None:
        self._set_busy(False)
        if self._cancelled:
            return
        self.code.clear()
        self.sig_enrolled.emit(result)
        self.sig_attempt_done.emit()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, VaultError):
            self._show_error(exc.message)
        else:
            log.error("enrolment failed", exc_info=exc)
            self._show_error(tr("L'enrôlement a échoué sur une erreur inattendue : {err}",
                                err=f"{type(exc).__name__}: {exc}"))
        self.code.setFocus()
        self.sig_attempt_done.emit()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy.setVisible(busy)
        self.progress.setVisible(busy)
        if busy:
            self.error.hide()
        self.enrol_button.setText(tr("Enrôlement en cours…") if busy else tr("Enrôler l'appareil"))
        for widget in (self.enrol_button, self.code, self.device_name, self.paste_button, self.recheck):
            widget.setEnabled(not busy)

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
