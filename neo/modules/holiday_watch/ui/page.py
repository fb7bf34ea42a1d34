"""The holiday watch's page: the offline map with the homes and the patrol, the list beside
it, a home's card, the round, and the visit form.

* The map (:class:`~.map.MapWidget`) reads the basemap package the tablet holds; without
  one it says so in French and shows the download's progress (the homes still show, on
  a plain background). Homes are coloured by the time since the last visit, ringed when
  due or overdue; the patrol's position comes from ``ctx.position``.
* "As we approach": within ``proximity_m`` of a home, a banner shows its last visit with
  "Passage" and "Fiche" buttons.
* Everything slow (the database, the road graph, HQ) runs on the thread pool; results
  come back on the UI thread (:func:`.common.run`). Nothing here outlives a lock: the
  shell destroys the page, the tile workers stop and the package closes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QProgressBar,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from neo.api import HqUnavailable, ModuleContext
from neo.modules.holiday_watch.routing import haversine_m
from neo.modules.holiday_watch.service import Home, PlannedRound, WatchError
from neo.modules.holiday_watch.tiles import MBTiles, TilePackageError
from neo.modules.holiday_watch.ui import common
from neo.modules.holiday_watch.ui.common import STYLE, Bridge, button, distance_text, label, when_text
from neo.modules.holiday_watch.ui.home_card import HomeCard
from neo.modules.holiday_watch.ui.list_view import HomeList
from neo.modules.holiday_watch.ui.map import MapWidget, Marker, contributed_layers, state_for_age
from neo.modules.holiday_watch.ui.visit_form import VisitForm

log = logging.getLogger(__name__)

PANEL_WIDTH = 470
REFRESH_MS = 60_000  # hours since the last visit move on
LIST_REDRAW_M = 25.0  # the list's distances are redrawn when the patrol moved this far
FIRST_FIX_ZOOM = 16.0


def _release(tiles: Any, package: list[Any], unsubscribes: list[Callable[[], None]]) -> None:
    """When the page is destroyed (a lock): stop the tile workers, close the package,
    stop listening. Holds no reference to the page."""
    for fn in unsubscribes:
        try:
            fn()
        except Exception:
            log.debug("unsubscribe failed", exc_info=True)
    try:
        tiles.close()
    except Exception:
        log.debug("tile cache close failed", exc_info=True)
    for pkg in package:
        pkg.close()


class Page(QWidget):
    """The module's page (``manifest.page``); ``service`` for tests."""

    def __init__(self, ctx: ModuleContext, parent: QWidget | None = None, *, service: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("WatchPage")
        self.setProperty("role", "screen")
        self.setStyleSheet(STYLE)
        self.ctx = ctx
        self.tr = ctx.tr
        if service is None:
            from neo.modules.holiday_watch.module import service_for

            service = service_for(ctx)
        self.service = service
        self.homes: list[Home] = []
        self.position: Any = None
        self.round: PlannedRound | None = None
        self.selected: str | None = None
        self.package: MBTiles | None = None
        self._packages: list[MBTiles] = []
        self._list_at: Any = None
        self._centred = False
        self._fitted = False
        self.busy: dict[str, bool] = {}
        self.last_error: str = ""
        self.nearby_home: Home | None = None

        self.stack = QStackedWidget(self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        main = QWidget()
        row = QHBoxLayout(main)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)

        # the map with its overlays
        area = QWidget()
        grid = QGridLayout(area)
        grid.setContentsMargins(0, 0, 0, 0)
        self.map = MapWidget(None, tr=ctx.tr)
        self.map.markerTapped.connect(self.open_home)
        grid.addWidget(self.map, 0, 0)
        self.basemap_banner = QFrame()
        self.basemap_banner.setObjectName("BasemapBanner")
        self.basemap_banner.setProperty("role", "banner")
        self.basemap_banner.setProperty("kind", "warn")
        self.basemap_banner.setMaximumWidth(560)
        bb = QVBoxLayout(self.basemap_banner)
        bb.setContentsMargins(16, 10, 16, 10)
        self.basemap_text = label("", name="BannerText", wrap=True)
        self.basemap_progress = QProgressBar()
        self.basemap_progress.setTextVisible(False)
        self.basemap_retry = button("", name="BasemapRetry")
        self.basemap_retry.clicked.connect(self.fetch_basemap)
        bb.addWidget(self.basemap_text)
        bb.addWidget(self.basemap_progress)
        bb.addWidget(self.basemap_retry)
        self.basemap_banner.hide()
        self.toast = QFrame()
        self.toast.setObjectName("WatchToast")
        self.toast.setProperty("role", "banner")
        self.toast.setProperty("kind", "info")
        self.toast.setMaximumWidth(560)
        tl = QHBoxLayout(self.toast)
        tl.setContentsMargins(16, 10, 16, 10)
        self.toast_text = label("", name="BannerText", wrap=True)
        tl.addWidget(self.toast_text)
        self.toast.hide()
        top = QWidget()
        top.setObjectName("WatchOverlayTop")
        top_box = QVBoxLayout(top)
        top_box.setContentsMargins(0, 12, 0, 0)
        top_box.setSpacing(8)
        top_box.addWidget(self.basemap_banner)
        top_box.addWidget(self.toast)
        grid.addWidget(top, 0, 0, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.near_banner = QFrame()
        self.near_banner.setObjectName("NearBanner")
        self.near_banner.setProperty("role", "banner")
        self.near_banner.setProperty("kind", "info")
        self.near_banner.setMaximumWidth(640)
        nb = QHBoxLayout(self.near_banner)
        nb.setContentsMargins(16, 8, 10, 8)
        nb.setSpacing(10)
        self.near_text = label("", name="BannerText", wrap=True)
        self.near_card = button("", name="NearCard")
        self.near_card.clicked.connect(lambda: self.nearby_home and self.open_home(self.nearby_home.id))
        self.near_visit = button("", "primary", name="NearVisit")
        self.near_visit.clicked.connect(lambda: self.nearby_home and self.start_visit(self.nearby_home.id))
        nb.addWidget(self.near_text, 1)
        nb.addWidget(self.near_card)
        nb.addWidget(self.near_visit)
        self.near_banner.hide()
        bottom = QWidget()
        bottom.setObjectName("WatchOverlayBottom")
        bottom_box = QVBoxLayout(bottom)
        bottom_box.setContentsMargins(0, 0, 0, 44)  # above the scale bar and the attribution
        bottom_box.addWidget(self.near_banner)
        grid.addWidget(bottom, 0, 0, Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignHCenter)
        row.addWidget(area, 1)

        # the side panel: the list or a home's card
        panel = QFrame()
        panel.setObjectName("WatchPanel")
        panel.setFixedWidth(PANEL_WIDTH)
        pl = QVBoxLayout(panel)
        pl.setContentsMargins(14, 14, 14, 14)
        self.panel = QStackedWidget()
        self.list = HomeList(ctx.tr)
        self.list.sig_open.connect(self.open_home)
        self.list.sig_plan.connect(self.plan_round)
        self.list.sig_clear_round.connect(self.clear_round)
        self.card = HomeCard(ctx.tr)
        self.card.sig_back.connect(self.close_card)
        self.card.sig_visit.connect(self.start_visit)
        self.card.sig_access.connect(self.ask_access)
        self.panel.addWidget(self.list)
        self.panel.addWidget(self.card)
        pl.addWidget(self.panel)
        row.addWidget(panel)
        self.stack.addWidget(main)
        self.form = VisitForm(ctx.tr)
        self.form.sig_cancel.connect(self.close_form)
        self.form.sig_save.connect(self.save_visit)
        self.stack.addWidget(self.form)

        # live data: the patrol's position and the service's changes, carried to this thread
        self._position_bridge = Bridge()
        self._position_bridge.sig_value.connect(self.set_position)
        self._change_bridge = Bridge()
        self._change_bridge.sig_value.connect(self._changed)
        self._progress_bridge = Bridge()
        self._progress_bridge.sig_value.connect(self._basemap_progress)
        unsubscribes: list[Callable[[], None]] = []
        pos_bridge, change_bridge = self._position_bridge, self._change_bridge
        unsubscribes.append(ctx.position.subscribe(lambda p: pos_bridge.sig_value.emit(p)))
        unsubscribes.append(self.service.subscribe(lambda what: change_bridge.sig_value.emit(what)))
        tiles, packages = self.map.tiles, self._packages
        self.destroyed.connect(lambda *_: _release(tiles, packages, unsubscribes))
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self._toast_timer = QTimer(self)
        self._toast_timer.setSingleShot(True)
        self._toast_timer.setInterval(8000)
        self._toast_timer.timeout.connect(self.toast.hide)

        self.map.set_layers(contributed_layers(ctx))
        self.retranslate()
        self.open_basemap()
        self.set_position(ctx.position.current())
        self.refresh()

    # -- texts ---------------------------------------------------------------------------------
    def retranslate(self) -> None:
        tr = self.tr
        self.map.retranslate()
        self.list.retranslate()
        self.card.retranslate()
        self.form.retranslate()
        self.basemap_retry.setText(tr("Réessayer"))
        self.near_card.setText(tr("Fiche"))
        self.near_visit.setText(tr("Passage"))
        self._update_near()

    # -- the basemap --------------------------------------------------------------------------
    def open_basemap(self) -> None:
        """Show the installed package, or say it is missing and fetch it."""
        path = self.service.basemap_path()
        if path is None:
            self.fetch_basemap()
            return
        if self.package is not None and self.package.path == path:
            return
        try:
            package = MBTiles(path)
        except TilePackageError as exc:
            log.warning("basemap unreadable: %s", exc)
            self._basemap_state(self.tr("Le fond de carte est illisible : il sera téléchargé à nouveau."), retry=True)
            return
        self._packages.append(package)
        self.package = package
        view = (self.map.center, self.map.zoom) if self._centred or self._fitted else None
        self.map.set_package(package)
        if view is not None:
            self.map.center_on(view[0][0], view[0][1], view[1])
        elif self.position is not None:
            self.map.center_on(self.position.lat, self.position.lon, FIRST_FIX_ZOOM)
            self._centred = True
        self.basemap_banner.hide()

    def fetch_basemap(self) -> None:
        if self.busy.get("basemap"):
            return
        self.busy["basemap"] = True
        self._basemap_state(self.tr("Fond de carte absent : téléchargement depuis le QG…"), progress=True)
        bridge = self._progress_bridge

        def work() -> Any:
            return self.service.ensure_basemap(lambda done, total: bridge.sig_value.emit((done, total)))

        common.run(work, self._basemap_done, self._basemap_failed)

    def _basemap_state(self, text: str, *, progress: bool = False, retry: bool = False) -> None:
        self.basemap_text.setText(text)
        self.basemap_progress.setVisible(progress)
        self.basemap_progress.setRange(0, 0)  # busy until the size is known
        self.basemap_retry.setVisible(retry)
        self.basemap_banner.show()

    def _basemap_progress(self, value: Any) -> None:
        done, total = value
        if total > 0:
            self.basemap_progress.setRange(0, 1000)
            self.basemap_progress.setValue(int(1000 * done / total))
            self.basemap_text.setText(self.tr("Fond de carte absent : téléchargement depuis le QG… {pct} %",
                                              pct=int(100 * done / total)))

    def _basemap_done(self, path: Any) -> None:
        self.busy["basemap"] = False
        if path is None:
            self._basemap_state(self.tr("Le QG n'a pas encore de fond de carte à fournir : les domiciles "
                                        "s'affichent sans carte."), retry=True)
            return
        self.open_basemap()

    def _basemap_failed(self, exc: Any) -> None:
        self.busy["basemap"] = False
        if isinstance(exc, HqUnavailable):
            text = self.tr("Fond de carte absent et QG injoignable : il se téléchargera au retour du réseau "
                           "(les domiciles s'affichent sans carte).")
        else:
            text = self.tr("Le fond de carte n'a pas pu être téléchargé : {why}", why=str(exc))
        self._basemap_state(text, retry=True)

    # -- data -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the homes (and the open card) off the UI thread."""
        if self.busy.get("refresh"):
            self.busy["again"] = True
            return
        self.busy["refresh"] = True
        selected = self.selected
        first = self.round is None and not self.busy.get("round_loaded")

        def work() -> tuple[list[Home], list[Any], PlannedRound | None, str | None, float]:
            homes = self.service.homes(position=None)
            visits = self.service.visits(selected) if selected else []
            planned = self.service.last_round() if first else None
            # read here, off the UI thread: the position's updates then need no database
            # (a fix arriving as the device locks would read a closed store)
            return homes, visits, planned, selected, self.service.setting("proximity_m")

        common.run(work, self._loaded, self._load_failed)

    def _loaded(self, result: Any) -> None:
        homes, visits, planned, selected, self._proximity_m = result
        self.busy["refresh"] = False
        self.busy["round_loaded"] = True
        self.homes = [self._with_distance(h) for h in homes]
        self._show_homes()
        if planned is not None and self.round is None:
            self.show_round(planned)
        if selected is not None and selected == self.selected:
            home = self.home(selected)
            if home is None:
                self.close_card()
            else:
                self.card.show_home(home, visits)
        if not self._fitted and not self._centred and self.homes:
            self.map.fit_points([(h.lat, h.lon) for h in self.homes])
            self._fitted = True
        if self.busy.pop("again", False):
            self.refresh()

    def _load_failed(self, exc: Any) -> None:
        self.busy["refresh"] = False
        self._error(exc)

    def _changed(self, what: Any) -> None:
        if what == "basemap":
            self.open_basemap()
        self.refresh()

    def home(self, home_id: str) -> Home | None:
        return next((h for h in self.homes if h.id == home_id), None)

    def _with_distance(self, home: Home) -> Home:
        pos = self.position
        distance = haversine_m(pos.lat, pos.lon, home.lat, home.lon) if pos is not None else None
        return replace(home, distance_m=distance)

    def _show_homes(self) -> None:
        markers = [Marker(h.id, h.lat, h.lon, state_for_age(h.hours_since), h.address, "" if h.ended else h.due)
                   for h in self.homes]
        self.map.set_markers(markers)
        self.map.set_selected(self.selected)
        if self.round is not None:
            known = {h.id for h in self.homes}
            self.map.set_round(self.round.path, [s for s in self.round.stops if s in known])
        self.list.set_homes(self.homes)
        self._list_at = self.position
        self._update_near()

    # -- the patrol -------------------------------------------------------------------------------
    def set_position(self, position: Any) -> None:
        self.position = position
        self.map.set_position(position)
        if position is not None and not self._centred:
            self.map.center_on(position.lat, position.lon, FIRST_FIX_ZOOM)
            self._centred = True
        if not self.homes:
            return
        self.homes = [self._with_distance(h) for h in self.homes]
        moved = (position is None) != (self._list_at is None) or (
            position is not None and haversine_m(position.lat, position.lon, self._list_at.lat,
                                                 self._list_at.lon) >= LIST_REDRAW_M)
        if moved:
            self.list.set_homes(self.homes)
            self._list_at = position
        self._update_near()

    def _update_near(self) -> None:
        radius = getattr(self, "_proximity_m", None)
        if self.position is None or radius is None:
            self.nearby_home = None
        else:
            near = [h for h in self.homes if not h.ended and h.distance_m is not None and h.distance_m <= radius]
            self.nearby_home = min(near, key=lambda h: h.distance_m or 0.0) if near else None
        home = self.nearby_home
        if home is None:
            self.near_banner.hide()
            return
        tr = self.tr
        last = (tr("dernier passage {when}", when=when_text(tr, home.last_visit)) if home.last_visit
                else tr("jamais visité"))
        self.near_text.setText(tr("À {d} : {address} — {last}", d=distance_text(tr, home.distance_m),
                                  address=home.label, last=last))
        self.near_banner.show()

    # -- the card -----------------------------------------------------------------------------------
    def open_home(self, home_id: str) -> None:
        home = self.home(home_id)
        if home is None:
            return
        self.selected = home_id
        self.map.set_selected(home_id)
        self.card.show_home(home, [])
        self.panel.setCurrentWidget(self.card)
        self.refresh()  # brings its visits

    def close_card(self) -> None:
        self.selected = None
        self.map.set_selected(None)
        self.panel.setCurrentWidget(self.list)

    def open_with(self, params: dict[str, Any]) -> None:
        home = params.get("home")
        if isinstance(home, str):
            if self.home(home) is not None:
                self.open_home(home)
            else:
                self.selected = home
                self.refresh()

    def ask_access(self, home_id: str, reason: str) -> None:
        common.run(lambda: self.service.reveal_access(home_id, reason), self.card.show_access, self._access_failed)

    def _access_failed(self, exc: Any) -> None:
        self.card.access_failed(exc.message if isinstance(exc, WatchError) else
                                self.tr("Erreur : {why}", why=str(exc)))

    # -- the round ------------------------------------------------------------------------------------
    def plan_round(self) -> None:
        if self.busy.get("plan"):
            return
        self.busy["plan"] = True
        self.list.plan_button.setEnabled(False)
        self.list.plan_button.setText(self.tr("Calcul de la ronde…"))
        self.list.show_message("")
        position = self.position
        common.run(lambda: self.service.plan_round(position), self._planned, self._plan_failed)

    def _planned(self, planned: PlannedRound) -> None:
        self.busy["plan"] = False
        self.list.plan_button.setEnabled(True)
        self.list.retranslate()
        self.show_round(planned)
        self.close_card()
        self.map.fit_points([*planned.path, planned.start])
        self._fitted = True

    def _plan_failed(self, exc: Any) -> None:
        self.busy["plan"] = False
        self.list.plan_button.setEnabled(True)
        self.list.retranslate()
        self.list.show_message(exc.message if isinstance(exc, WatchError) else
                               self.tr("La ronde n'a pas pu être calculée : {why}", why=str(exc)))

    def show_round(self, planned: PlannedRound) -> None:
        self.round = planned
        known = {h.id for h in self.homes}
        self.map.set_round(planned.path, [s for s in planned.stops if s in known])
        minutes = max(1, round(planned.duration_s / 60))
        summary = self.tr("{n} domiciles · {km} km · environ {min} min", n=len(planned.stops),
                          km=f"{planned.length_m / 1000:.1f}".replace(".", ","), min=minutes)
        self.list.set_round(planned.stops, summary)

    def clear_round(self) -> None:
        self.round = None
        self.map.clear_round()
        self.list.set_round([])

    # -- the visit ---------------------------------------------------------------------------------------
    def start_visit(self, home_id: str) -> None:
        """The tap on "Passage": the time and position are taken now, then the form opens."""
        position = self.position
        common.run(lambda: self.service.begin_visit(home_id, position), self._visit_begun, self._error)

    def _visit_begun(self, draft: Any) -> None:
        home = self.home(draft.registration_id)
        if home is None:
            return
        self.form.start(home, draft)
        self.stack.setCurrentWidget(self.form)

    def close_form(self) -> None:
        self.stack.setCurrentIndex(0)

    def save_visit(self) -> None:
        draft = self.form.draft
        if draft is None:
            return
        values = self.form.values()
        common.run(lambda: self.service.save_visit(draft, **values), self._visit_saved, self._visit_failed)

    def _visit_saved(self, visit: Any) -> None:
        self.close_form()
        text = (self.tr("Passage enregistré avec une anomalie : il part au QG en priorité à la prochaine "
                        "synchronisation.") if visit.outcome == "anomaly"
                else self.tr("Passage enregistré."))
        self.list.show_message("")
        self.card.access_error.hide()
        self.last_error = ""
        self._flash(text)
        self.refresh()

    def _visit_failed(self, exc: Any) -> None:
        self.form.failed(exc.message if isinstance(exc, WatchError) else self.tr("Erreur : {why}", why=str(exc)))

    # -- messages ------------------------------------------------------------------------------------------
    def _flash(self, text: str) -> None:
        self.toast_text.setText(text)
        self.toast.show()
        self._toast_timer.start()

    def _error(self, exc: Any) -> None:
        message = exc.message if isinstance(exc, WatchError) else self.tr("Erreur : {why}", why=str(exc))
        self.last_error = message
        self.list.show_message(message)
