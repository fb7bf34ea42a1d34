"""The tablet app's window: locked screens, the unlocked shell, locking, themes, kiosk.

Layout of :class:`MainWindow`::

    MainWindow (QMainWindow)
      stack (QStackedWidget)
        UnlockScreen          always there; shows nothing of the data
        EnrolScreen           when the data directory has no vault: enrolment with HQ
        RevokedScreen         after HQ revoked the device (its data is wiped)
        UnlockedView          exists only while unlocked; destroyed at lock
          TopBar              home, settings, "Synchroniser", "Verrouiller"
          banner              sync failures, with what to do next
          pages (QStackedWidget): HomeScreen, SettingsPage, one ModulePage per opened module
          StatusBar           officer, online, sync (+ progress), pending, GPS (fed by StatusModel)
          SyncController      background syncs of this session (neo.ui.sync)

Everything that shows data lives under the UnlockedView, so locking is: stop the sync
and the modules, lock the session, destroy the view, clear the fields, show the
UnlockScreen.
"""

from __future__ import annotations

import logging
import sys
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from neo.config import Settings
from neo.i18n import language, on_language_changed, set_language, tr
from neo.ui import theme
from neo.ui.collector import GarbageCollector
from neo.ui.enrol import EnrolScreen
from neo.ui.home import HomeScreen, module_icon
from neo.ui.position import create_position_source
from neo.ui.qt import (
    QApplication,
    QCloseEvent,
    QDialog,
    QEvent,
    QFont,
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QObject,
    QResizeEvent,
    QStackedWidget,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
    qt_is_valid,
)
from neo.ui.settings_page import SettingsPage
from neo.ui.status import StatusBar, StatusModel
from neo.ui.sync import HEALTH_INTERVAL_MS, SYNC_INTERVAL_MS, SyncController, SyncRunner, default_runner
from neo.ui.tasks import run_in_background, wait_for_tasks
from neo.ui.unlock import RevokedScreen, UnlockScreen
from neo.ui.widgets import Banner, button, icon_label, label, refresh_icons, set_current_theme
from neo.vault import Session, Vault

log = logging.getLogger(__name__)

HostFactory = Callable[[Session], Any]
DEFAULT_RUNNER: Any = object()  # MainWindow(sync_runner=...): the engine's runner unless told otherwise
COMPACT_TOP_BAR = 1000  # narrower than this (portrait), the top bar's buttons show their icons only
FONT_FAMILIES = ["Noto Sans", "DejaVu Sans", "Liberation Sans", "Sans Serif"]
ACTIVITY_EVENTS = frozenset({
    QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseMove,
    QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd,
    QEvent.Type.TabletPress, QEvent.Type.TabletMove,
})


def configure_application(app: QApplication) -> None:
    """Application-wide look: a font that has every French glyph, at a readable size."""
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPixelSize(17)
    app.setFont(font)
    app.setApplicationName("NEO")
    app.setApplicationDisplayName("NEO")


# -- pieces of the unlocked view ----------------------------------------------------------------


class TopBar(QFrame):
    """Always on top when unlocked: home, settings, sync and a big lock button."""

    sig_home = Signal()
    sig_settings = Signal()
    sig_sync = Signal()
    sig_lock = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TopBar")
        row = QHBoxLayout(self)
        row.setContentsMargins(20, 8, 16, 8)
        row.setSpacing(8)
        self.brand_icon = icon_label("shield", "topbar_text", 34)
        self.brand = label("NEO", "brand")
        self.home_button = button("", None, "home", "topbar_text", 28)
        self.home_button.setObjectName("HomeButton")
        self.home_button.setCheckable(True)
        self.settings_button = button("", None, "settings", "topbar_text", 28)
        self.settings_button.setObjectName("SettingsButton")
        self.settings_button.setCheckable(True)
        self.sync_button = button("", None, "sync", "topbar_text", 28)
        self.sync_button.setObjectName("SyncButton")
        self.sync_button.hide()  # only on a device that has an HQ to sync with
        self.lock_button = button("", None, "lock", "lock_text", 28)
        self.lock_button.setObjectName("LockButton")
        self.home_button.clicked.connect(self.sig_home)
        self.settings_button.clicked.connect(self.sig_settings)
        self.sync_button.clicked.connect(self.sig_sync)
        self.lock_button.clicked.connect(self.sig_lock)
        row.addWidget(self.brand_icon)
        row.addWidget(self.brand)
        row.addSpacing(24)
        row.addWidget(self.home_button)
        row.addWidget(self.settings_button)
        row.addStretch(1)
        row.addWidget(self.sync_button)
        row.addSpacing(8)
        row.addWidget(self.lock_button)
        self._syncing = False
        self._compact = False
        self.retranslate()

    def set_current(self, which: str) -> None:
        self.home_button.setChecked(which == "home")
        self.settings_button.setChecked(which == "settings")

    def set_syncing(self, syncing: bool) -> None:
        self._syncing = syncing
        self.sync_button.setEnabled(not syncing)
        self.retranslate()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        compact = self.width() < COMPACT_TOP_BAR
        if compact != self._compact:
            self._compact = compact
            self.retranslate()
        super().resizeEvent(event)

    def retranslate(self) -> None:
        texts = (
            (self.home_button, tr("Accueil")),
            (self.settings_button, tr("Réglages")),
            (self.sync_button, tr("Synchronisation…") if self._syncing else tr("Synchroniser")),
        )
        for btn, text in texts:
            btn.setText("" if self._compact else text)  # compact: icon only, the name stays for accessibility
            btn.setAccessibleName(text)
            btn.setToolTip(text if self._compact else "")
        self.lock_button.setText(tr("Verrouiller"))


class ModulePage(QWidget):
    """The frame around a module's page: a header with "back" and the module's title."""

    sig_back = Signal()

    def __init__(self, rec: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ModulePage")
        self.setProperty("role", "screen")
        self.rec = rec
        self.module_id: str = rec.id
        self.page: QWidget | None = None
        self.header = QFrame()
        self.header.setObjectName("PageHeader")
        row = QHBoxLayout(self.header)
        row.setContentsMargins(16, 8, 24, 8)
        row.setSpacing(14)
        self.back_button = button("", None, "back", "icon", 26)
        self.back_button.setObjectName("BackButton")
        self.back_button.clicked.connect(self.sig_back)
        self.icon = icon_label(module_icon(rec), "accent_fg", 32)
        self.title = label("", "title")
        self.title.setObjectName("ModuleTitle")
        row.addWidget(self.back_button)
        row.addSpacing(8)
        row.addWidget(self.icon)
        row.addWidget(self.title, 1)
        self.body = QWidget()
        self.body.setObjectName("ModuleBody")
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, 0, 0, 0)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(self.header)
        box.addWidget(self.body, 1)
        self.retranslate()

    def set_page(self, page: QWidget) -> None:
        self.page = page
        self.body_layout.addWidget(page)

    def retranslate(self) -> None:
        self.back_button.setText(tr("Accueil"))
        self.title.setText(self.rec.name(language()))
        retranslate = getattr(self.page, "retranslate", None)
        if callable(retranslate):
            try:
                retranslate()
            except Exception:
                log.exception("module %s failed to re-translate its page", self.module_id)


class _HostBridge(QObject):
    """Carries the host's change notifications (and modules' page requests) onto the UI thread."""

    sig_changed = Signal()
    sig_open_page = Signal(str, object)


class UnlockedView(QWidget):
    """Everything shown while a session is open. It holds data, so it dies at lock."""

    sig_lock = Signal()

    sig_revoked = Signal()
    sig_access_removed = Signal()

    def __init__(self, window: MainWindow, session: Session, host: Any, host_error: str | None = None,
                 runner: SyncRunner | None = None) -> None:
        super().__init__()
        self.setObjectName("UnlockedView")
        self.window_ = window
        self.session = session
        self.host = host
        self.module_pages: dict[str, ModulePage] = {}
        self.top_bar = TopBar()
        self.banner = Banner()
        self.banner.setObjectName("ShellBanner")
        self.banner_box = QWidget()
        self.banner_box.setObjectName("ShellBannerBox")
        banner_layout = QVBoxLayout(self.banner_box)
        banner_layout.setContentsMargins(32, 14, 32, 0)
        banner_layout.addWidget(self.banner)
        self.banner_box.hide()
        self.banner.close_button.clicked.connect(self.banner_box.hide)
        self.pages = QStackedWidget()
        self.pages.setObjectName("Pages")
        self.home = HomeScreen(host, session.officer.name)
        self.settings_page = SettingsPage(window.settings, window.data_dir, host, session.device_id)
        self.status_bar = StatusBar(window.status_model)
        self.pages.addWidget(self.home)
        self.pages.addWidget(self.settings_page)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(self.top_bar)
        box.addWidget(self.banner_box)
        box.addWidget(self.pages, 1)
        box.addWidget(self.status_bar)

        self.top_bar.sig_home.connect(self.show_home)
        self.top_bar.sig_settings.connect(self.show_settings)
        self.top_bar.sig_lock.connect(self.sig_lock)

        self.sync: SyncController | None = None
        if runner is not None:
            try:
                available = runner.available(session)
            except Exception:
                log.exception("the sync runner could not tell whether this device syncs")
                available = False
            if available:
                self.sync = SyncController(session, runner, window.status_model, interval_ms=window.sync_interval_ms,
                                           health_ms=window.health_interval_ms, parent=self,
                                           on_reachable=getattr(host, "notify_reachable", None),
                                           on_unreachable=getattr(host, "notify_unreachable", None))
                self.sync.sig_state_changed.connect(self._sync_state_changed)
                self.sync.sig_failed.connect(self.sync_failed)
                self.sync.sig_finished.connect(self.sync_finished)
                self.sync.sig_revoked.connect(self.sig_revoked)
                self.sync.sig_access_removed.connect(self.sig_access_removed)
                self.top_bar.sig_sync.connect(self.sync_now)
                self.top_bar.sync_button.show()
        self.home.sig_open.connect(self.open_module)
        self.settings_page.sig_theme_changed.connect(window.apply_theme)
        self.settings_page.sig_fullscreen_changed.connect(window.apply_kiosk)
        self.settings_page.sig_idle_changed.connect(window.set_idle_seconds)

        self._bridge = _HostBridge(self)
        self._bridge.sig_changed.connect(self.modules_changed)
        self._unsubscribe: Callable[[], None] | None = None
        if host is not None:
            bridge = self._bridge
            self._unsubscribe = host.on_change(lambda: bridge.sig_changed.emit() if qt_is_valid(bridge) else None)
            # ctx.open_page (API 1.3): a module asks for its page, from any thread.
            self._bridge.sig_open_page.connect(self.open_page_with)
            self._navigator = lambda mid, params: bridge.sig_open_page.emit(mid, params) if qt_is_valid(bridge) else None
            host.navigator = self._navigator
        if host_error:
            self.home.show_error(host_error)
        self.show_home()

    # -- sync -------------------------------------------------------------------------------------
    def sync_now(self) -> None:
        if self.sync is not None:
            self.banner_box.hide()
            self.sync.sync_now(manual=True)

    def _sync_state_changed(self) -> None:
        self.top_bar.set_syncing(self.sync is not None and self.sync.running)

    def sync_failed(self, kind: str, message: str, manual: bool) -> None:
        """Say what went wrong and what to do. Offline is normal on patrol: an automatic
        sync that finds no network only shows in the status bar."""
        if kind == "network" and not manual:
            return
        self.banner.show_message(message, "warn" if kind in ("network", "server") else "error")
        self.banner_box.show()

    def sync_finished(self, _outcome: Any) -> None:
        self.banner.dismiss()
        self.banner_box.hide()

    # -- navigation ---------------------------------------------------------------------------
    def current(self) -> QWidget:
        return self.pages.currentWidget()

    def show_home(self) -> None:
        self.pages.setCurrentWidget(self.home)
        self.top_bar.set_current("home")
        self.home.refresh()

    def show_settings(self) -> None:
        self.settings_page.refresh_modules()
        self.pages.setCurrentWidget(self.settings_page)
        self.top_bar.set_current("settings")

    def open_module(self, module_id: str) -> ModulePage | None:
        """Open a module's page; any failure is shown on the home screen, never raised."""
        if self.host is None:
            return None
        existing = self.module_pages.get(module_id)
        if existing is not None:
            self.pages.setCurrentWidget(existing)
            self.top_bar.set_current("")
            return existing
        try:
            rec = self.host.get(module_id)
        except Exception as exc:
            self._open_failed(module_id, module_id, exc, render=False)
            return None
        name = rec.name(language())
        try:
            factory, ctx = self.host.open_page(module_id)
        except Exception as exc:  # neo.host.ModuleFailure: the record is FAILED already
            self._open_failed(module_id, name, exc, render=False)
            return None
        container = ModulePage(rec)
        try:
            page = factory(ctx, container.body)
        except Exception as exc:
            container.deleteLater()
            try:
                self.host.mark_failed(module_id, "render", exc)
            except Exception:
                log.exception("the host could not record the failure of %s", module_id)
            self._open_failed(module_id, name, exc, render=True)
            return None
        container.set_page(page)
        container.sig_back.connect(self.show_home)
        self.module_pages[module_id] = container
        self.pages.addWidget(container)
        self.pages.setCurrentWidget(container)
        self.top_bar.set_current("")
        refresh_icons(container)
        return container

    def open_page_with(self, module_id: str, params: dict[str, Any]) -> ModulePage | None:
        """A module asked for its page (``ctx.open_page``): open it, then hand it ``params``
        through its ``open_with(params)``; a failure there is logged, the page stays."""
        container = self.open_module(module_id)
        if container is None:
            return None
        open_with = getattr(container.page, "open_with", None)
        if callable(open_with):
            try:
                open_with(dict(params))
            except Exception:
                log.exception("module %s could not open its page with %s", module_id, sorted(params))
        return container

    def _open_failed(self, module_id: str, name: str, exc: BaseException, *, render: bool) -> None:
        detail = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        if render:
            message = tr("Le module « {name} » n'a pas pu afficher sa page ; il est marqué en échec. "
                         "Détail : {err}", name=name, err=detail)
        else:
            message = tr("Le module « {name} » n'a pas pu s'ouvrir. Détail : {err}", name=name, err=detail)
        log.warning("module %s could not open: %s", module_id, detail)
        self.show_home()
        self.home.show_error(message)

    def modules_changed(self) -> None:
        """The host changed (activation, failure, enable/disable): update every view of it."""
        if self.host is None:
            return
        states = {r.id: str(r.state) for r in self.host.records()}
        for mid in list(self.module_pages):
            if states.get(mid) != "active":
                self.close_module(mid)
        self.home.refresh()
        self.settings_page.refresh_modules()

    def close_module(self, module_id: str) -> None:
        container = self.module_pages.pop(module_id, None)
        if container is None:
            return
        if self.pages.currentWidget() is container:
            self.show_home()
        self.pages.removeWidget(container)
        container.hide()
        container.deleteLater()

    def retranslate(self) -> None:
        self.top_bar.retranslate()
        self.banner.retranslate()
        self.home.retranslate()
        self.settings_page.retranslate()
        self.status_bar.retranslate()
        for container in self.module_pages.values():
            container.retranslate()

    def detach(self) -> None:
        """Stop syncing, stop listening to the host and close any dialog (the view is about to die)."""
        if self.sync is not None:
            self.sync.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self.host is not None and getattr(self.host, "navigator", None) is getattr(self, "_navigator", False):
            self.host.navigator = None
        for dialog in self.findChildren(QDialog):
            dialog.reject()
            dialog.hide()
        for container in self.module_pages.values():
            container.hide()


# -- idle tracking ----------------------------------------------------------------------------------


class ActivityFilter(QObject):
    """An application-wide event filter: any touch, click, key or wheel restarts the idle timer."""

    def __init__(self, on_activity: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.on_activity = on_activity

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() in ACTIVITY_EVENTS:
            self.on_activity()
        return False


# -- the window ---------------------------------------------------------------------------------------


class _RevokedBridge(QObject):
    sig_revoked = Signal()


class MainWindow(QMainWindow):
    sig_unlocked = Signal()
    sig_locked = Signal()
    sig_revoked = Signal()

    def __init__(self, data_dir: Path, settings: Settings | None = None, *, idle_lock_ms: int | None = None,
                 host_factory: HostFactory | None = None, vault: Vault | None = None,
                 sync_runner: SyncRunner | None = DEFAULT_RUNNER, sync_interval_ms: int = SYNC_INTERVAL_MS,
                 health_interval_ms: int = HEALTH_INTERVAL_MS) -> None:
        """``idle_lock_ms`` overrides the auto-lock delay (tests); ``host_factory(session)``
        builds the module host (default: :class:`neo.host.ModuleHost` with every module);
        ``sync_runner`` is how the shell syncs (default: the device's sync engine; None:
        no sync), every ``sync_interval_ms`` while unlocked, checking every
        ``health_interval_ms`` whether HQ is back while offline."""
        super().__init__()
        self.setObjectName("MainWindow")
        self.data_dir = Path(data_dir)
        self.settings = settings if settings is not None else Settings.load(self.data_dir)
        self.vault = vault or Vault(self.data_dir, self.settings)
        self.host_factory = host_factory
        self.sync_runner: SyncRunner | None = default_runner() if sync_runner is DEFAULT_RUNNER else sync_runner
        self.sync_interval_ms = sync_interval_ms
        self.health_interval_ms = health_interval_ms
        self.status_model = StatusModel(self)
        self.position_source = create_position_source(self.status_model, self.settings, self)  # runs while unlocked
        self.session: Session | None = None
        self.host: Any = None
        self.view: UnlockedView | None = None
        self.enrol_screen: EnrolScreen | None = None
        self.revoked_screen: RevokedScreen | None = None
        self._retired: list[QWidget] = []
        self._kiosk = False
        self._revoked_bridge = _RevokedBridge(self)  # a module's call to HQ, from a worker, to here
        self._revoked_bridge.sig_revoked.connect(self._remote_revoked)

        app = QApplication.instance()
        if isinstance(app, QApplication):
            configure_application(app)
        if language() != self.settings.language:
            set_language(self.settings.language)

        self.stack = QStackedWidget()
        self.stack.setObjectName("MainStack")
        self.setCentralWidget(self.stack)
        self.unlock_screen = UnlockScreen(self.vault)
        self.unlock_screen.sig_unlocked.connect(self._unlocked)
        self.stack.addWidget(self.unlock_screen)

        self._idle_override = idle_lock_ms
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.setInterval(idle_lock_ms if idle_lock_ms is not None else self.settings.idle_lock_seconds * 1000)
        self.idle_timer.timeout.connect(self._idle_timeout)
        self._activity = ActivityFilter(self._on_activity, self)
        if isinstance(app, QApplication):
            app.installEventFilter(self._activity)

        ref = weakref.ref(self)

        def _language_changed(_lang: str) -> None:
            win = ref()
            if win is not None and qt_is_valid(win):
                win.retranslate()

        self._language_listener = _language_changed
        self._remove_language_listener = on_language_changed(_language_changed)

        self.resize(1280, 800)
        self.setMinimumSize(640, 560)
        self.apply_theme(self.settings.theme)
        self.show_locked_screen()
        self.retranslate()

    # -- screens --------------------------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return self.session is None

    @property
    def home(self) -> HomeScreen | None:
        return self.view.home if self.view else None

    @property
    def settings_page(self) -> SettingsPage | None:
        return self.view.settings_page if self.view else None

    @property
    def top_bar(self) -> TopBar | None:
        return self.view.top_bar if self.view else None

    @property
    def status_bar(self) -> StatusBar | None:
        return self.view.status_bar if self.view else None

    def current_screen(self) -> QWidget:
        """The screen the officer sees (for a module, its ModulePage)."""
        top = self.stack.currentWidget()
        if self.view is not None and top is self.view:
            return self.view.current()
        return top

    def show_locked_screen(self) -> None:
        """The unlock screen, or the enrolment screen if the device holds no vault."""
        if self.revoked_screen is not None:
            self._retire(self.revoked_screen)
            self.revoked_screen = None
        if self.vault.exists():
            self.unlock_screen.refresh_enrolment()
            self.stack.setCurrentWidget(self.unlock_screen)
            self.unlock_screen.reset_focus()
            if self.enrol_screen is not None and not self.enrol_screen.busy_now:
                self._retire(self.enrol_screen)
                self.enrol_screen = None
            return
        if self.enrol_screen is None:
            self.enrol_screen = EnrolScreen(self.vault, self.vault.was_wiped())
            self.enrol_screen.sig_recheck.connect(self.show_locked_screen)
            self.enrol_screen.sig_enrolled.connect(self._enrolled)
            self.stack.addWidget(self.enrol_screen)
            refresh_icons(self.enrol_screen)
        else:
            self.enrol_screen.set_wipe_notice(self.vault.was_wiped())
        self.stack.setCurrentWidget(self.enrol_screen)

    def _enrolled(self, result: Any) -> None:
        """Enrolled with HQ: on to the unlock screen, which says what happens next."""
        unit = str(getattr(result, "unit", ""))
        self.show_locked_screen()
        self.unlock_screen.show_notice(lambda: tr(
            "Appareil enrôlé auprès de l'unité {unit}. Au premier déverrouillage, le QG vérifie votre code : "
            "restez connecté.", unit=unit))

    def open_settings(self) -> None:
        if self.view is not None:
            self.view.show_settings()

    def go_home(self) -> None:
        if self.view is not None:
            self.view.show_home()

    def open_module(self, module_id: str) -> QWidget | None:
        return self.view.open_module(module_id) if self.view is not None else None

    # -- unlock / lock --------------------------------------------------------------------------
    def _make_host(self, session: Session) -> tuple[Any, str | None]:
        try:
            if self.host_factory is not None:
                host = self.host_factory(session)
            else:
                from neo.host import ModuleHost

                host = ModuleHost(session, self.position_source, remote=self._remote(session))
            host.discover()
            host.start()
            return host, None
        except Exception as exc:  # the shell must open even if the module system is broken
            log.exception("the module host could not start")
            return None, tr("Les modules n'ont pas pu être chargés : {err}", err=f"{type(exc).__name__}: {exc}")

    def _remote(self, session: Session) -> Any:
        """The link to HQ for the modules' ``ctx.hq`` (read from the database at the first
        call: a device without HQ gives ``HqUnavailable``). When a module's call learns that
        HQ revoked the device, the window does what the sync does."""
        try:
            from neo.sync.remote import HqRemote
        except Exception:  # the app opens without the sync layer (it says so in the log)
            log.exception("the link to HQ for the modules could not be loaded")
            return None
        bridge = self._revoked_bridge
        return HqRemote.for_session(session, on_revoked=lambda _err: bridge.sig_revoked.emit()
                                    if qt_is_valid(bridge) else None)

    def _remote_revoked(self) -> None:
        if self.session is not None:
            log.warning("a module's call to HQ found this device revoked")
            self.device_revoked()

    def _unlocked(self, session: Session) -> None:
        if self.session is not None:  # already unlocked (double submit): keep the first session
            session.lock()
            return
        self.session = session
        self.status_model.set_officer(session.officer.name, session.officer.service_number)
        self.position_source.start()
        self.host, host_error = self._make_host(session)
        self.view = UnlockedView(self, session, self.host, host_error, self.sync_runner)
        self.view.sig_lock.connect(self.lock)
        self.view.sig_revoked.connect(self.device_revoked)
        self.view.sig_access_removed.connect(self.access_removed)
        self.stack.addWidget(self.view)
        self.stack.setCurrentWidget(self.view)
        refresh_icons(self.view)
        self.idle_timer.start()
        if self.view.sync is not None:
            self.view.sync.start()
        self.sig_unlocked.emit()

    def lock(self) -> None:
        """Lock now: stop the modules, close the database, destroy everything that shows data."""
        self.idle_timer.stop()
        self.position_source.stop()
        view, host, session = self.view, self.host, self.session
        self.view = self.host = self.session = None
        if view is not None:
            view.detach()
        if host is not None:
            try:
                host.stop()
            except Exception:
                log.exception("the module host did not stop cleanly")
        if session is not None:
            try:
                session.lock()
            except Exception:
                log.exception("the session did not lock cleanly")
        if view is not None:
            self.stack.removeWidget(view)
            self._retire(view)
        self.status_model.clear_officer()
        self.unlock_screen.clear()
        self.show_locked_screen()
        if session is not None:
            self.sig_locked.emit()

    # -- decisions of HQ ------------------------------------------------------------------------
    def device_revoked(self) -> None:
        """HQ revoked this device: audit it, lock, wipe the data (on a worker), and say so
        full screen."""
        session = self.session
        if session is not None:
            try:
                session.audit.append("device.revoked", officer=session.officer.service_number,
                                     details={"by": "hq"})
            except Exception:
                log.exception("could not audit the revocation")
        self.lock()
        if self.revoked_screen is None:
            self.revoked_screen = RevokedScreen()
            self.revoked_screen.sig_reenrol.connect(self.show_locked_screen)
            self.stack.addWidget(self.revoked_screen)
            refresh_icons(self.revoked_screen)
        self.stack.setCurrentWidget(self.revoked_screen)
        screen, vault = self.revoked_screen, self.vault
        log.warning("HQ revoked this device: wiping its data")
        run_in_background(lambda: vault.wipe(reason="revoked"), screen.wipe_done, screen.wipe_failed)
        self.sig_revoked.emit()

    def access_removed(self) -> None:
        """HQ's roster no longer lets the signed-in officer in: lock, and say why."""
        self.lock()
        self.unlock_screen.show_notice(lambda: tr(
            "Votre accès à cet appareil a été retiré par le QG. Contactez votre unité."), "error")

    def _retire(self, widget: QWidget) -> None:
        """Detach a widget from the window now and have Qt delete it at the next loop turn."""
        widget.hide()
        widget.setParent(None)
        widget.deleteLater()
        self._retired = [w for w in self._retired if qt_is_valid(w)]
        self._retired.append(widget)  # Python keeps it alive until Qt deletes it

    # -- idle --------------------------------------------------------------------------------------
    def _on_activity(self) -> None:
        if self.idle_timer.isActive():
            self.idle_timer.start()

    def _idle_timeout(self) -> None:
        if self.session is not None:
            log.info("locking after %d ms without activity", self.idle_timer.interval())
            self.lock()

    def set_idle_seconds(self, seconds: int) -> None:
        if self._idle_override is None:
            self.idle_timer.setInterval(int(seconds) * 1000)
            if self.idle_timer.isActive():
                self.idle_timer.start()

    # -- look --------------------------------------------------------------------------------------
    def apply_theme(self, name: str) -> None:
        set_current_theme(name)
        self.setStyleSheet(theme.stylesheet(name))
        refresh_icons(self)
        for widget in self._retired:
            if qt_is_valid(widget):
                refresh_icons(widget)

    def apply_kiosk(self, on: bool) -> None:
        """Fullscreen without window decorations (kiosk), or a normal window."""
        self._kiosk = bool(on)
        visible = self.isVisible()
        self.setWindowFlag(Qt.WindowType.FramelessWindowHint, self._kiosk)
        if not visible:
            return
        if self._kiosk:
            self.showFullScreen()
        else:
            self.showNormal()

    @property
    def kiosk(self) -> bool:
        return self._kiosk

    def show_app(self, fullscreen: bool | None = None) -> None:
        kiosk = self.settings.fullscreen if fullscreen is None else fullscreen
        self._kiosk = kiosk
        self.setWindowFlag(Qt.WindowType.FramelessWindowHint, kiosk)
        if kiosk:
            self.showFullScreen()
        else:
            self.show()
        if self.settings_page is not None:
            self.settings_page.set_kiosk(kiosk)

    def retranslate(self) -> None:
        self.setWindowTitle(tr("NEO — outil de terrain"))
        self.unlock_screen.retranslate()
        if self.enrol_screen is not None:
            self.enrol_screen.retranslate()
        if self.revoked_screen is not None:
            self.revoked_screen.retranslate()
        if self.view is not None:
            self.view.retranslate()

    # -- teardown ---------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Lock and stop listening to the application (idempotent)."""
        if qt_is_valid(self.unlock_screen):
            # An unlock still running must not leave an open session behind.
            self.unlock_screen.cancel_pending()
            if self.unlock_screen.busy.isVisible():
                wait_for_tasks()
                QApplication.processEvents()
        if self.enrol_screen is not None and qt_is_valid(self.enrol_screen):
            self.enrol_screen.cancel_pending()
        if self.session is not None:
            self.lock()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self._activity)
        if self._remove_language_listener is not None:
            self._remove_language_listener()
            self._remove_language_listener = None


def run_app(data_dir: Path, settings: Settings | None = None, *, fullscreen: bool | None = None) -> int:
    """Open the tablet app on ``data_dir``; returns the exit code."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    configure_application(app)
    collector = GarbageCollector(app)
    window = MainWindow(Path(data_dir), settings)
    window.show_app(fullscreen)
    try:
        code = app.exec()
    finally:
        window.shutdown()
        wait_for_tasks()
        collector.stop()
    return int(code)


__all__ = ["MainWindow", "StatusModel", "run_app"]
