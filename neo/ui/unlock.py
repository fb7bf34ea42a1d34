"""The locked device: the unlock screen, and the screen of a device HQ revoked.

They show nothing of the device's data: no officer names or numbers, no roster, no
hint that a typed service number exists (the vault answers a wrong PIN and an unknown
number with the same message).

On a device enrolled with HQ, an officer's first unlock is verified by HQ online
(:func:`neo.sync.enrolment.make_verifier`); the screen says so, since it is the one
moment the network is needed to sign in. (The blank device's screen is
:mod:`neo.ui.enrol`.)
"""

from __future__ import annotations

import time
from collections.abc import Callable

from neo.i18n import tr
from neo.ui.qt import (
    QBoxLayout,
    QEvent,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QObject,
    QProgressBar,
    QPushButton,
    QRegularExpression,
    QRegularExpressionValidator,
    QSizePolicy,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from neo.ui.tasks import run_in_background
from neo.ui.widgets import Banner, button, card, icon_label, label, set_icon
from neo.vault import DeviceWiped, LockedOut, Session, Vault, VaultError, WrongCredentials


def unlock_with_hq(vault: Vault, service_number: str, pin: str) -> Session:
    """Unlock; an officer's first unlock on an enrolled device is checked by HQ online.

    Runs on a worker thread (Argon2, and possibly a call to HQ)."""
    from neo.sync.enrolment import make_verifier

    return vault.unlock(service_number, pin, verifier=make_verifier(vault))

KEY_SIZE = (104, 80)  # with the border; the style sheet gives the same height


class Keypad(QWidget):
    """A 3 x 4 numeric keypad (digits, erase, validate) for gloved fingers.

    The keys never take the focus, so they type into whichever field has it.
    """

    sig_digit = Signal(str)
    sig_erase = Signal()
    sig_validate = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(14)
        self.keys: dict[str, QPushButton] = {}
        layout = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "erase", "0", "validate"]
        for i, key in enumerate(layout):
            if key == "erase":
                btn = button("", "key", "erase", "icon", 34, with_text=False)
                btn.clicked.connect(self.sig_erase)
            elif key == "validate":
                btn = button("", "key", "check", "ok_text", 36, with_text=False)
                btn.setProperty("keyrole", "validate")
                btn.clicked.connect(self.sig_validate)
            else:
                btn = button(key, "key")
                btn.clicked.connect(lambda _=False, d=key: self.sig_digit.emit(d))
            btn.setObjectName(f"key_{key}")
            btn.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            btn.setAutoRepeat(key == "erase")
            btn.setMinimumWidth(KEY_SIZE[0])
            btn.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self.keys[key] = btn
            grid.addWidget(btn, i // 3, i % 3)
        self.retranslate()

    def retranslate(self) -> None:
        self.keys["erase"].setAccessibleName(tr("Effacer"))
        self.keys["erase"].setToolTip(tr("Effacer"))
        self.keys["validate"].setAccessibleName(tr("Valider"))
        self.keys["validate"].setToolTip(tr("Valider"))


class UnlockScreen(QWidget):
    """Service number, PIN, a big keypad; unlocking runs off the UI thread."""

    sig_unlocked = Signal(object)  # Session
    sig_wiped = Signal()
    sig_attempt_done = Signal()  # an attempt got its answer (success or failure)

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("UnlockScreen")
        self.setProperty("role", "screen")
        self.vault = vault
        self._busy = False
        self._wiped = False
        self._cancelled = False
        self._retry_deadline = 0.0
        self._notice: tuple[Callable[[], str], str] | None = None
        self._countdown_text: Callable[[int], str] = lambda s: tr("Nouvel essai possible dans {s} s.", s=s)
        self._countdown = QTimer(self)
        self._countdown.setInterval(250)
        self._countdown.timeout.connect(self._tick)
        self.unlock_fn: Callable[[Vault, str, str], Session] = unlock_with_hq

        # -- the identity of the app, then the form --------------------------------------------
        self.brand_icon = icon_label("shield", "accent_fg", 56)
        self.brand = label("NEO", "brand")
        self.title = label("", "title")
        self.subtitle = label("", "subtitle")
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)
        self.divider = QFrame()
        self.divider.setProperty("role", "vseparator")
        self.divider.setFixedWidth(2)
        head = QHBoxLayout()
        head.setSpacing(16)
        head.addWidget(self.brand_icon)
        head.addWidget(self.brand)
        head.addSpacing(8)
        head.addWidget(self.divider)
        head.addSpacing(8)
        head.addLayout(titles, 1)

        self.form_card, form = card()
        self.form_card.setObjectName("UnlockCard")
        self.number_label = label("", "field")
        self.number = QLineEdit()
        self.number.setObjectName("ServiceNumber")
        self.number.setMaxLength(16)
        self.number.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9A-Za-z \-]{0,16}"), self.number))
        self.number.setInputMethodHints(Qt.InputMethodHint.ImhNoPredictiveText | Qt.InputMethodHint.ImhPreferNumbers
                                        | Qt.InputMethodHint.ImhSensitiveData)
        self.pin_label = label("", "field")
        self.pin = QLineEdit()
        self.pin.setObjectName("Pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(64)
        self.pin.setInputMethodHints(Qt.InputMethodHint.ImhHiddenText | Qt.InputMethodHint.ImhSensitiveData
                                     | Qt.InputMethodHint.ImhNoPredictiveText | Qt.InputMethodHint.ImhPreferNumbers)
        self.unlock_button = button("", "primary", "lock", "accent_text", 28)
        self.unlock_button.setObjectName("UnlockButton")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.error = label("", "error", wrap=True)
        self.error.setObjectName("UnlockError")
        self.error.hide()
        self.countdown = label("", "countdown", wrap=True)
        self.countdown.setObjectName("UnlockCountdown")
        self.countdown.hide()
        form.addWidget(self.number_label)
        form.addWidget(self.number)
        form.addSpacing(6)
        form.addWidget(self.pin_label)
        form.addWidget(self.pin)
        form.addStretch(1)
        self.hq_hint = QWidget()
        self.hq_hint.setObjectName("HqHint")
        hint_row = QHBoxLayout(self.hq_hint)
        hint_row.setContentsMargins(0, 4, 0, 0)
        hint_row.setSpacing(10)
        self.hq_hint_icon = icon_label("online", "accent_fg", 22)
        self.hq_hint_text = label("", "hint", wrap=True)
        hint_row.addWidget(self.hq_hint_icon, 0, Qt.AlignmentFlag.AlignTop)
        hint_row.addWidget(self.hq_hint_text, 1)
        self.hq_hint.hide()
        form.addWidget(self.hq_hint)
        form.addSpacing(10)
        form.addWidget(self.unlock_button)
        form.addWidget(self.busy)
        form.addWidget(self.error)
        form.addWidget(self.countdown)
        self.form_card.setMinimumWidth(440)
        self.form_card.setMaximumWidth(500)

        # -- the keypad, in its own card beside (landscape) or under (portrait) the form ------
        self.keypad_card, pad = card()
        self.keypad_card.setObjectName("KeypadCard")
        self.keypad = Keypad()
        self.keypad.setMinimumWidth(3 * KEY_SIZE[0] + 2 * 14)
        self.keypad.setMinimumHeight(4 * KEY_SIZE[1] + 3 * 14)
        self.keypad.sig_digit.connect(self._type_digit)
        self.keypad.sig_erase.connect(self._erase)
        self.keypad.sig_validate.connect(self._validate_key)
        self.hint = label("", "hint", wrap=True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setMinimumHeight(2 * 22)
        pad.addWidget(self.keypad)
        pad.addStretch(1)
        pad.addWidget(self.hint)
        self.keypad_card.setMinimumWidth(3 * KEY_SIZE[0] + 2 * 14 + 56)
        self.keypad_card.setMaximumWidth(500)

        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.setSpacing(28)
        self.body.addWidget(self.form_card, 1)
        self.body.addWidget(self.keypad_card, 1)

        self.notice_banner = Banner()
        self.notice_banner.setObjectName("UnlockNotice")

        column = QVBoxLayout()
        column.setSpacing(12)
        column.addLayout(head)
        column.addSpacing(16)
        column.addWidget(self.notice_banner)
        column.addLayout(self.body)
        self.column = QWidget()
        self.column.setLayout(column)
        self.column.setMaximumWidth(1000)

        self.notice = label("", "muted", wrap=True)
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 32, 40, 20)
        outer.addStretch(1)
        outer.addWidget(self.column, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(1)
        outer.addWidget(self.notice)

        self.number.returnPressed.connect(self._number_done)
        self.pin.returnPressed.connect(self.submit)
        self.unlock_button.clicked.connect(self.submit)
        self.number.installEventFilter(self)
        self.pin.installEventFilter(self)
        self._last_field: QLineEdit = self.number
        self.retranslate()

    # -- language -------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.title.setText(tr("Appareil verrouillé"))
        self.subtitle.setText(tr("Saisissez votre matricule et votre code PIN."))
        self.number_label.setText(tr("Matricule"))
        self.number.setPlaceholderText(tr("Votre matricule"))
        self.number.setAccessibleName(tr("Matricule"))
        self.pin_label.setText(tr("Code PIN"))
        self.pin.setPlaceholderText(tr("Votre code PIN"))
        self.pin.setAccessibleName(tr("Code PIN"))
        self.unlock_button.setText(tr("Vérification…") if self._busy else tr("Déverrouiller"))
        self.hint.setText(tr("Le clavier écrit dans le champ sélectionné."))
        self.hq_hint_text.setText(tr("Premier déverrouillage d'un agent sur cet appareil : le QG vérifie son code, "
                                     "connectez l'appareil au réseau. Les suivants fonctionnent hors ligne."))
        self.notice.setText(tr("Usage réservé aux agents habilités. Chaque tentative d'accès est enregistrée."))
        self.keypad.retranslate()
        self.notice_banner.retranslate()
        if self._notice is not None:
            self.notice_banner.show_message(self._notice[0](), self._notice[1])
        self._tick()

    # -- what the screen says about HQ ------------------------------------------------------
    def refresh_enrolment(self) -> None:
        """Show the "first unlock needs the network" hint on a device enrolled with HQ."""
        try:
            enrolled = self.vault.hq_unlock_info() is not None
        except Exception:  # an unreadable vault is reported by the unlock itself
            enrolled = False
        self.hq_hint.setVisible(enrolled)

    def show_notice(self, text: Callable[[], str], kind: str = "info") -> None:
        """A message above the form (after enrolment, after HQ removed an officer...),
        until the next successful unlock. ``text`` is called again on a language change."""
        self._notice = (text, kind)
        self.notice_banner.show_message(text(), kind)

    def clear_notice(self) -> None:
        self._notice = None
        self.notice_banner.dismiss()

    # -- layout: side by side in landscape, stacked in portrait ----------------------------
    def resizeEvent(self, event: object) -> None:  # noqa: N802 - Qt API
        portrait = self.height() > self.width()
        direction = QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight
        if self.body.direction() != direction:
            self.body.setDirection(direction)
            # Portrait: two cards of the same width, centred one above the other.
            centre = Qt.AlignmentFlag.AlignHCenter if portrait else Qt.AlignmentFlag(0)
            for card_ in (self.form_card, self.keypad_card):
                self.body.setAlignment(card_, centre)
                card_.setMinimumWidth(500 if portrait else 440)
                card_.setMaximumWidth(500)
        super().resizeEvent(event)  # type: ignore[arg-type]

    # -- keypad -----------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.FocusIn and obj in (self.number, self.pin):
            self._last_field = obj  # type: ignore[assignment]
        return False

    def target_field(self) -> QLineEdit:
        """The field the keypad types into: the focused one, else the last one used."""
        focused = self.focusWidget()
        if focused in (self.number, self.pin):
            return focused  # type: ignore[return-value]
        return self._last_field

    def _type_digit(self, digit: str) -> None:
        field = self.target_field()
        if field.isEnabled():
            field.insert(digit)

    def _erase(self) -> None:
        field = self.target_field()
        if field.isEnabled():
            field.backspace()

    def _validate_key(self) -> None:
        if self.target_field() is self.number and self.number.text().strip():
            self._number_done()
        else:
            self.submit()

    def _number_done(self) -> None:
        self.pin.setFocus()
        self._last_field = self.pin

    # -- unlocking ------------------------------------------------------------------------
    def can_submit(self) -> bool:
        return not self._busy and not self._wiped and time.monotonic() >= self._retry_deadline

    def submit(self) -> None:
        if not self.can_submit():
            return
        number = self.number.text().strip()
        pin = self.pin.text()
        self.pin.clear()
        if not number:
            self._show_error(tr("Saisissez votre matricule."))
            self.number.setFocus()
            return
        if not pin:
            self._show_error(tr("Saisissez votre code PIN."))
            self.pin.setFocus()
            return
        self._set_busy(True)
        vault, unlock = self.vault, self.unlock_fn
        run_in_background(lambda: unlock(vault, number, pin), self._unlock_succeeded, self._unlock_failed)

    def cancel_pending(self) -> None:
        """The window is closing: a session that arrives from now on is locked at once."""
        self._cancelled = True

    def _unlock_succeeded(self, session: Session) -> None:
        if self._cancelled:
            session.lock()
            return
        self._set_busy(False)
        self.clear()
        self.clear_notice()
        self.sig_unlocked.emit(session)
        self.sig_attempt_done.emit()

    def _unlock_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.pin.clear()
        if isinstance(exc, DeviceWiped):
            self._wiped = True
            self._show_error(exc.message)
            self.number.clear()
            self._update_enabled()
            self.sig_wiped.emit()
            self.sig_attempt_done.emit()
            return
        retry = float(exc.retry_after) if isinstance(exc, LockedOut | WrongCredentials) else 0.0
        if isinstance(exc, LockedOut):
            # The vault's own sentence ("... Réessayez dans N s."), kept live by the countdown.
            self.error.hide()
            self._countdown_text = lambda s: tr("Trop d'essais incorrects. Réessayez dans {s} s.", s=s)
        elif isinstance(exc, VaultError):
            message = exc.message
            if retry > 0:  # the live countdown below replaces the vault's static "in N s"
                static = " " + tr("Prochain essai possible dans {s} s.", s=int(retry + 0.999))
                message = message.removesuffix(static)
            self._show_error(message)
            self._countdown_text = lambda s: tr("Nouvel essai possible dans {s} s.", s=s)
        else:
            self._show_error(tr("Erreur inattendue lors du déverrouillage : {err}", err=str(exc) or type(exc).__name__))
        if retry > 0:
            self._retry_deadline = time.monotonic() + retry
            self._countdown.start()
            self._tick()
        self._update_enabled()
        (self.number if not self.number.text() else self.pin).setFocus()
        self.sig_attempt_done.emit()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy.setVisible(busy)
        if busy:
            self.error.hide()
        self.unlock_button.setText(tr("Vérification…") if busy else tr("Déverrouiller"))
        self._update_enabled()

    def _update_enabled(self) -> None:
        ok = self.can_submit()
        self.unlock_button.setEnabled(ok)
        self.keypad.keys["validate"].setEnabled(ok)
        for field in (self.number, self.pin):
            field.setEnabled(not self._busy and not self._wiped)

    def _tick(self) -> None:
        remaining = self._retry_deadline - time.monotonic()
        if remaining <= 0:
            self._countdown.stop()
            self._retry_deadline = 0.0
            self.countdown.hide()
            self._update_enabled()
            return
        self.countdown.setText(self._countdown_text(int(remaining + 0.999)))
        self.countdown.show()

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    @property
    def locked_out(self) -> bool:
        return self._retry_deadline > time.monotonic()

    def clear(self) -> None:
        """Forget what was typed and any message (at lock and after a successful unlock)."""
        self.number.clear()
        self.pin.clear()
        self.error.clear()
        self.error.hide()
        self._last_field = self.number

    def reset_focus(self) -> None:
        self.number.setFocus()
        self._last_field = self.number


class RevokedScreen(QWidget):
    """HQ revoked this device: its data is being (then has been) erased. Full screen,
    nothing else to do but hand the device back (or re-enrol it, for the unit)."""

    sig_reenrol = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RevokedScreen")
        self.setProperty("role", "screen")
        self.done = False
        self._failure: str | None = None
        self.panel, box = card()
        self.panel.setObjectName("RevokedCard")
        self.panel.setProperty("kind", "danger")
        self.panel.setMinimumWidth(620)
        self.panel.setMaximumWidth(820)
        self.icon = icon_label("tablet-off", "danger", 72)
        self.title = label("", "title", wrap=True)
        self.title.setObjectName("RevokedTitle")
        self.body = label("", "lead", wrap=True)
        self.body.setObjectName("RevokedMessage")
        self.state = label("", "muted", wrap=True)
        self.state.setObjectName("RevokedState")
        self.state_icon = icon_label("check", "ok", 24)
        self.state_icon.hide()
        state_row = QHBoxLayout()
        state_row.setSpacing(10)
        state_row.addWidget(self.state_icon, 0, Qt.AlignmentFlag.AlignTop)
        state_row.addWidget(self.state, 1)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.reenrol = button("", None, "link", "icon", 24)
        self.reenrol.setObjectName("ReenrolButton")
        self.reenrol.clicked.connect(self.sig_reenrol)
        self.reenrol.hide()
        head = QHBoxLayout()
        head.setSpacing(28)
        head.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        texts.setSpacing(14)
        texts.addWidget(self.title)
        texts.addWidget(self.body)
        texts.addSpacing(4)
        texts.addWidget(self.busy)
        texts.addLayout(state_row)
        head.addLayout(texts, 1)
        box.setContentsMargins(40, 36, 40, 32)
        box.setSpacing(22)
        box.addLayout(head)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.reenrol)
        box.addLayout(row)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 40, 40, 40)
        centre = QHBoxLayout()
        centre.addStretch(1)
        centre.addWidget(self.panel, 8)
        centre.addStretch(1)
        outer.addStretch(1)
        outer.addLayout(centre)
        outer.addStretch(1)
        self.retranslate()

    def wipe_done(self, _result: object = None) -> None:
        self.done = True
        self.busy.hide()
        set_icon(self.state_icon, "check", "ok", 24)
        self.state_icon.show()
        self.reenrol.show()
        self.retranslate()

    def wipe_failed(self, exc: BaseException) -> None:
        self.done = True
        self.busy.hide()
        self._failure = str(exc) or type(exc).__name__
        set_icon(self.state_icon, "alert", "danger", 24)
        self.state_icon.show()
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(tr("Appareil révoqué"))
        self.body.setText(tr("Cet appareil a été révoqué par le QG : ses données ont été effacées. "
                             "Rendez-le à votre unité."))
        failure = self._failure
        if not self.done:
            self.state.setText(tr("Effacement des données en cours…"))
        elif failure:
            self.state.setText(tr("L'effacement n'a pas pu se terminer ({err}). Éteignez l'appareil et rendez-le "
                                  "à votre unité.", err=failure))
        else:
            self.state.setText(tr("Effacement terminé : plus aucune donnée de service ne reste sur l'appareil. "
                                  "Seule votre unité peut l'enrôler à nouveau."))
        self.reenrol.setText(tr("Réenrôler l'appareil"))
