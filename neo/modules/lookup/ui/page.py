"""The record lookup page: search, waiting queries, history, detail of a hit.

Everything slow (the query to HQ, the encrypted store) runs on the thread pool
(:mod:`.tasks`); answers to queued queries arrive on the service's draining thread and
are carried to the UI thread by a signal, then announced with a banner and a sound.
The reason chosen stays for the next queries (and across a lock) during a patrol:
:data:`REASON_KEEP_HOURS`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QButtonGroup, QFrame, QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from neo.api import ModuleContext
from neo.modules.lookup.ui import tasks
from neo.modules.lookup.ui.detail import DetailView
from neo.modules.lookup.ui.lists import OutcomeList
from neo.modules.lookup.ui.search import SearchView
from neo.modules.lookup.ui.sound import Chime
from neo.modules.lookup.ui.widgets import STYLE, button, count_text, entry_of, label, set_prop, top_severity

log = logging.getLogger(__name__)

REASON_KEEP_HOURS = 12  # a patrol: the reason is offered again until it is changed or this old
REASON_SETTING = "last_reason"
NARROW_WIDTH = 1150  # below this (portrait), the reason goes under the tabs


class _AnswerBridge(QObject):
    """Lives on the UI thread; the service's worker emits through it."""

    sig_answer = Signal(object)


def _subscribe(service: Any, bridge: _AnswerBridge) -> Callable[[], None]:
    # The callback holds the bridge, not the page: a page destroyed at lock leaves a
    # bridge with no receiver until the subscription is removed.
    def deliver(outcome: Any) -> None:
        bridge.sig_answer.emit(outcome)

    unsubscribe = service.subscribe(deliver)
    done = [False]

    def once() -> None:
        if not done[0]:
            done[0] = True
            try:
                unsubscribe()
            except Exception:
                log.debug("unsubscribe failed", exc_info=True)

    return once


class Page(QWidget):
    """The module's page (``manifest.page``). ``service`` and ``chime`` exist for tests."""

    TABS = ("search", "pending", "history")

    def __init__(self, ctx: ModuleContext, parent: QWidget | None = None, *, service: Any = None,
                 chime: Chime | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LookupPage")
        self.setProperty("role", "screen")
        self.setStyleSheet(STYLE)
        self.ctx = ctx
        self.tr = ctx.tr
        if service is None:
            from neo.modules.lookup.module import service_for

            service = service_for(ctx)
        self.service = service
        self.chime = chime or Chime(self)
        self.running: Any = None  # the search in flight
        self.announced: Any = None  # the outcome the banner is about
        self.pending_count = 0

        # -- answer banner --
        self.banner = QFrame()
        self.banner.setObjectName("AnswerBanner")
        self.banner.setProperty("role", "banner")
        self.banner.setProperty("kind", "info")
        brow = QHBoxLayout(self.banner)
        brow.setContentsMargins(20, 8, 10, 8)
        brow.setSpacing(12)
        self.banner_text = label("", None, name="AnswerText", wrap=True)
        self.banner_open = button("", None, name="AnswerOpen")
        self.banner_open.clicked.connect(self._open_announced)
        self.banner_close = button("", None, name="AnswerClose")
        self.banner_close.clicked.connect(self.banner.hide)
        brow.addWidget(self.banner_text, 1)
        brow.addWidget(self.banner_open)
        brow.addWidget(self.banner_close)
        self.banner.hide()

        # -- tabs --
        self.tab_group = QButtonGroup(self)
        self.tab_group.setExclusive(True)
        self.tab_buttons: dict[str, Any] = {}
        tabs = QHBoxLayout()
        tabs.setSpacing(10)
        tabs.setContentsMargins(0, 0, 0, 0)
        for name in self.TABS:
            btn = button("", "segment", name=f"Tab_{name}")
            btn.setCheckable(True)
            btn.clicked.connect(lambda _=False, n=name: self.show_tab(n))
            self.tab_group.addButton(btn)
            self.tab_buttons[name] = btn
            tabs.addWidget(btn)

        # -- views --
        self.search = SearchView(service, self.tr)
        self.search.sig_search.connect(self.run_search)
        self.search.sig_open.connect(self.open_hit)
        self.pending = OutcomeList("pending", self.tr, self.reason_label)
        self.pending.sig_open.connect(self.open_outcome)
        self.pending.sig_retry.connect(self.retry)
        self.history = OutcomeList("history", self.tr, self.reason_label)
        self.history.sig_open.connect(self.open_outcome)
        self.history.sig_filter.connect(lambda _t: self.load_history())
        self.detail = DetailView(service, self.tr)
        self.detail.sig_back.connect(self.close_detail)
        self.stack = QStackedWidget()
        self.stack.setObjectName("LookupStack")
        for view in (self.search, self.pending, self.history, self.detail):
            self.stack.addWidget(view)
        self._before_detail: QWidget = self.search

        # The tabs and, beside them, the reason of the patrol once chosen (it applies to
        # every query; below the tabs when the screen is narrow).
        self.bar = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.bar.setSpacing(24)
        self.bar.addLayout(tabs)
        self.bar.addWidget(self.search.reasons.chosen, 1)
        top = QVBoxLayout()
        top.setContentsMargins(32, 14, 32, 0)
        top.setSpacing(10)
        top.addWidget(self.banner)
        top.addLayout(self.bar)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addLayout(top)
        box.addWidget(self.stack, 1)

        # -- answers of queued queries --
        self.bridge = _AnswerBridge()
        self.bridge.sig_answer.connect(self.answer_arrived)
        self._unsubscribe = _subscribe(service, self.bridge)
        unsubscribe = self._unsubscribe
        self.destroyed.connect(lambda *_: unsubscribe())
        try:
            ctx.on_deactivate(unsubscribe)
        except Exception:
            log.debug("no deactivation hook for the lookup page", exc_info=True)

        self.retranslate()
        self._restore_reason()
        self.show_tab("search")
        self.load_pending()

    # -- language ----------------------------------------------------------------------------------
    def retranslate(self) -> None:
        tr = self.tr
        self.tab_buttons["search"].setText(tr("Recherche"))
        self._pending_tab_text()
        self.tab_buttons["history"].setText(tr("Historique"))
        self.banner_open.setText(tr("Voir"))
        self.banner_close.setText(tr("Fermer"))
        self.search.retranslate()
        self.pending.retranslate()
        self.history.retranslate()
        self.detail.retranslate()
        if self.announced is not None and self.banner.isVisible():
            self._announce(self.announced)

    def _pending_tab_text(self) -> None:
        n = self.pending_count
        self.tab_buttons["pending"].setText(self.tr("En attente ({n})", n=n) if n else self.tr("En attente"))

    def reason_label(self, code: str) -> str:
        return dict(self.service.reasons()).get(code, code)

    # -- navigation --------------------------------------------------------------------------------
    def show_tab(self, name: str) -> None:
        view = {"search": self.search, "pending": self.pending, "history": self.history}[name]
        self.tab_buttons[name].setChecked(True)
        self.stack.setCurrentWidget(view)
        if name == "history":
            self.load_history()
        elif name == "pending":
            self.load_pending()
        else:
            self.search.focus_entry()

    def current_tab(self) -> str:
        current = self.stack.currentWidget()
        if current is self.detail:
            current = self._before_detail
        return {self.search: "search", self.pending: "pending", self.history: "history"}[current]

    def open_hit(self, hit: Any) -> None:
        current = self.stack.currentWidget()
        if current is not self.detail:
            self._before_detail = current
        try:
            self.detail.show_hit(hit)
        except Exception as exc:
            log.exception("the detail of a hit could not be shown")
            self.search.show_error(self.tr("La fiche ne peut pas être affichée : {err}", err=str(exc)))
            return
        self.stack.setCurrentWidget(self.detail)

    def close_detail(self) -> None:
        self.stack.setCurrentWidget(self._before_detail)

    def open_outcome(self, outcome: Any) -> None:
        """Show a past or waiting query's answer on the search screen (no new query)."""
        self.search.show_outcome(outcome)
        self.tab_buttons["search"].setChecked(True)
        self.stack.setCurrentWidget(self.search)
        self.search.scroll.ensureWidgetVisible(self.search.results)

    # -- the reason for the patrol -----------------------------------------------------------------
    def _restore_reason(self) -> None:
        try:
            saved = self.ctx.settings.get(REASON_SETTING)
        except Exception:
            log.debug("the last reason could not be read", exc_info=True)
            return
        if not isinstance(saved, dict):
            return
        if saved.get("officer") != self.ctx.officer.service_number:
            return
        if time.time() - float(saved.get("at", 0)) > REASON_KEEP_HOURS * 3600:
            return
        code = saved.get("reason")
        if isinstance(code, str):
            self.search.reasons.choose_reason(code, str(saved.get("text") or ""))

    def _remember_reason(self, reason: str, text: str) -> None:
        value = {"reason": reason, "text": text, "officer": self.ctx.officer.service_number, "at": time.time()}
        settings = self.ctx.settings
        tasks.run(lambda: settings.set(REASON_SETTING, value), self._ignore, self._log_failure)

    def _ignore(self, _result: Any) -> None:
        pass

    def _log_failure(self, exc: Any) -> None:
        log.warning("lookup page background work failed: %s", exc)

    # -- search ------------------------------------------------------------------------------------
    def run_search(self, request: dict[str, Any]) -> None:
        if self.running is not None:
            return
        service = self.service
        self.search.set_busy(True)
        self.search.clear_results()
        self._remember_reason(request["reason"], request.get("reason_text", ""))
        self.running = tasks.run(lambda: service.search(**request), self._search_done, self._search_failed)

    def _search_done(self, outcome: Any) -> None:
        self.running = None
        self.search.set_busy(False)
        self.search.show_outcome(outcome)
        self.search.scroll.ensureWidgetVisible(self.search.results)
        self.search.field.selectAll()  # the next entry replaces this one
        if outcome.status == "queued":
            self.load_pending()

    def _search_failed(self, exc: Any) -> None:
        self.running = None
        self.search.set_busy(False)
        message = getattr(exc, "message", None)
        field = getattr(exc, "field", None)
        if message and field:  # LookupInputError: the officer can fix it
            self.search.input_error(self.tr(message), field)
            return
        log.error("lookup search failed: %r", exc)
        self.search.show_error(self.tr("La recherche n'a pas abouti : {err}", err=str(exc) or type(exc).__name__))

    # -- waiting queries ---------------------------------------------------------------------------
    def load_pending(self) -> None:
        service = self.service
        tasks.run(service.pending, self._pending_loaded, self._log_failure)

    def _pending_loaded(self, outcomes: list[Any]) -> None:
        self.pending_count = len(outcomes)
        self._pending_tab_text()
        self.pending.set_outcomes(outcomes)

    def retry(self) -> None:
        service = self.service
        self.pending.retry_button.setEnabled(False)
        self.pending.show_message(self.tr("Envoi en cours…"))
        tasks.run(service.drain, self._retried, self._retry_failed)

    def _retried(self, answered: list[Any]) -> None:
        self.pending.retry_button.setEnabled(True)
        if answered:
            self.pending.show_message(self.tr("{n} réponse(s) reçue(s).", n=len(answered)))
        else:
            self.pending.show_message(self.tr("Le QG reste injoignable : les requêtes attendent toujours."))
        self.load_pending()

    def _retry_failed(self, exc: Any) -> None:
        self.pending.retry_button.setEnabled(True)
        self.pending.show_message(self.tr("L'envoi n'a pas abouti : {err}", err=str(exc) or type(exc).__name__))

    def answer_arrived(self, outcome: Any) -> None:
        """A queued query got its answer (UI thread): banner, sound, lists, and the search
        screen if it shows that query."""
        self._announce(outcome)
        self.chime.play()
        shown = self.search.outcome
        if shown is not None and getattr(shown, "query_id", None) == outcome.query_id:
            self.search.show_outcome(outcome)
        self.load_pending()
        if self.stack.currentWidget() is self.history:
            self.load_history()

    def _announce(self, outcome: Any) -> None:
        tr = self.tr
        self.announced = outcome
        entry = entry_of(outcome)
        if outcome.status == "refused":
            text = tr("Requête refusée pour {entry} : {message}", entry=entry, message=outcome.message or "")
            kind = "error"
        else:
            text = tr("Réponse reçue pour {entry} — {count}", entry=entry, count=count_text(tr, len(outcome.hits)))
            top = top_severity(outcome)
            kind = "error" if top == "alert" else "warn" if top == "warning" else "info"
        self.banner_text.setText(text)
        set_prop(self.banner, "kind", kind)
        self.banner.show()

    def _open_announced(self) -> None:
        if self.announced is not None:
            self.open_outcome(self.announced)
        self.banner.hide()

    # -- history -----------------------------------------------------------------------------------
    def load_history(self) -> None:
        service = self.service
        text = self.history.filter.text().strip() if self.history.filter is not None else ""
        tasks.run(lambda: service.history(50, text=text or None), self._history_loaded, self._log_failure)

    def _history_loaded(self, outcomes: list[Any]) -> None:
        self.history.set_outcomes(outcomes)

    # -- layout ------------------------------------------------------------------------------------
    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        narrow = self.width() < NARROW_WIDTH
        self.bar.setDirection(QBoxLayout.Direction.TopToBottom if narrow else QBoxLayout.Direction.LeftToRight)

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        if event.key() == Qt.Key.Key_Escape and self.stack.currentWidget() is self.detail:
            self.close_detail()
            return
        super().keyPressEvent(event)
