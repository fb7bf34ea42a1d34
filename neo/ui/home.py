"""The home screen: one large tile per module, with its state.

A failed or incompatible module keeps its tile, in red, with its error one tap away;
the other tiles keep working. The number of columns follows the width (four in
landscape on a 1280 px tablet, two in portrait).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neo.i18n import language, tr
from neo.resources import resource_path
from neo.ui.qt import (
    QDialog,
    QEvent,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QObject,
    QPushButton,
    QScrollArea,
    QScroller,
    QSize,
    QSizePolicy,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from neo.ui.widgets import Banner, button, label, set_icon, set_prop

TILE_MIN_WIDTH = 260
TILE_HEIGHT = 212  # the style sheet fixes it (208 px + border)
GRID_SPACING = 20
FAILED_STATES = ("failed", "incompatible")


def state_text(state: str) -> str:
    return {
        "discovered": tr("Prêt"),
        "active": tr("Actif"),
        "failed": tr("En échec"),
        "disabled": tr("Désactivé"),
        "incompatible": tr("Incompatible"),
    }.get(state, state)


def stage_text(stage: str | None) -> str:
    return {
        "discover": tr("lecture du manifeste"),
        "import": tr("chargement du code"),
        "activate": tr("activation"),
        "render": tr("affichage de la page"),
    }.get(stage or "", stage or tr("inconnue"))


def module_icon(rec: Any) -> str | Path:
    """The module's own icon, else a shell icon for the built-ins, else a generic one."""
    path = getattr(rec, "icon_path", None)
    if path is not None and Path(path).is_file():
        return Path(path)
    own = resource_path("icons", "modules", f"{rec.id}.svg")
    return own if own.is_file() else "module"


class ModuleTile(QPushButton):
    """A large card for one module: icon, name, description or error, state badge."""

    def __init__(self, rec: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "tile")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.module_id: str = rec.id
        self.rec = rec
        box = QVBoxLayout(self)
        box.setContentsMargins(22, 20, 22, 18)
        box.setSpacing(8)
        top = QHBoxLayout()
        top.setSpacing(10)
        self.well = QFrame()
        self.well.setProperty("role", "iconwell")
        self.well.setFixedSize(68, 68)
        well_box = QVBoxLayout(self.well)
        well_box.setContentsMargins(0, 0, 0, 0)
        self.icon = QLabel()
        well_box.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignCenter)
        self.badge = label("", "badge")
        self.badge.setObjectName("TileBadge")
        top.addWidget(self.well, 0, Qt.AlignmentFlag.AlignTop)
        top.addStretch(1)
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        self.name = label("", "tilename", wrap=True)
        self.name.setObjectName("TileName")
        self.detail = label("", "tiledesc", wrap=True)
        self.detail.setObjectName("TileDetail")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.detail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        box.addLayout(top)
        box.addSpacing(4)
        box.addWidget(self.name)
        box.addWidget(self.detail, 1)
        for child in (self.well, self.icon, self.badge, self.name, self.detail):
            child.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.update_record(rec)

    @property
    def state(self) -> str:
        return str(self.rec.state)

    def update_record(self, rec: Any) -> None:
        self.rec = rec
        state = str(rec.state)
        set_prop(self, "state", state)
        set_prop(self.badge, "state", state)
        failed = state in FAILED_STATES
        set_prop(self.detail, "role", "tileerror" if failed else "tiledesc")
        set_prop(self.well, "state", state)
        set_icon(self.icon, module_icon(rec), "danger" if failed else "accent_fg", 40)
        self.retranslate()

    def retranslate(self) -> None:
        rec, lang = self.rec, language()
        state = str(rec.state)
        self.name.setText(rec.name(lang))
        self.badge.setText(state_text(state))
        if state in FAILED_STATES:
            self.detail.setText(tr("Touchez pour voir l'erreur."))
        elif state == "disabled":
            self.detail.setText(tr("Activez-le dans les réglages."))
        else:
            self.detail.setText(rec.description(lang))
        self.setAccessibleName(f"{rec.name(lang)} ({state_text(state)})")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(TILE_MIN_WIDTH, TILE_HEIGHT)


class ModuleErrorDialog(QDialog):
    """The error of a failed module, big enough to read and to close with a glove."""

    def __init__(self, rec: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ModuleErrorDialog")
        self.setModal(True)
        self.rec = rec
        self.setMinimumWidth(720)
        box = QVBoxLayout(self)
        box.setContentsMargins(32, 28, 32, 24)
        box.setSpacing(14)
        head = QHBoxLayout()
        self.icon = QLabel()
        set_icon(self.icon, "alert", "danger", 40)
        self.title = label("", "title", wrap=True)
        head.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        head.addSpacing(10)
        head.addWidget(self.title, 1)
        self.state = label("", "value", wrap=True)
        self.error = label("", "error", wrap=True)
        self.error.setObjectName("ModuleErrorText")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.advice = label("", "muted", wrap=True)
        self.close_button = button("", "primary")
        self.close_button.clicked.connect(self.accept)
        box.addLayout(head)
        box.addWidget(self.state)
        box.addWidget(self.error)
        box.addWidget(self.advice)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.close_button)
        box.addLayout(row)
        self.retranslate()

    def retranslate(self) -> None:
        rec = self.rec
        self.setWindowTitle(tr("Module en échec"))
        self.title.setText(tr("Le module « {name} » ne fonctionne pas", name=rec.name(language())))
        self.state.setText(tr("État : {state} — étape : {stage}", state=state_text(str(rec.state)),
                              stage=stage_text(rec.error_stage)))
        self.error.setText(rec.error or tr("Aucun détail disponible."))
        self.advice.setText(tr("Les autres modules restent utilisables. Signalez cette erreur à votre unité."))
        self.close_button.setText(tr("Fermer"))


class HomeScreen(QWidget):
    """The grid of module tiles. ``sig_open`` asks the shell to open a module's page."""

    sig_open = Signal(str)

    def __init__(self, host: Any, officer_name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HomeScreen")
        self.setProperty("role", "screen")
        self.host = host
        self.officer_name = officer_name
        self.tiles: dict[str, ModuleTile] = {}
        self._order: list[str] = []
        self._columns = 0
        self.dialog: ModuleErrorDialog | None = None

        self.greeting = label("", "title")
        self.greeting.setObjectName("Greeting")
        self.subtitle = label("", "subtitle", wrap=True)
        self.banner = Banner()
        self.banner.setObjectName("HomeBanner")
        self.empty = label("", "subtitle", wrap=True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()

        self.grid_host = QWidget()
        self.grid_host.setObjectName("ScrollBody")
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(GRID_SPACING)
        self.grid.setVerticalSpacing(GRID_SPACING)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(self.scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.scroll.setWidget(self.grid_host)
        self.scroll.viewport().installEventFilter(self)

        box = QVBoxLayout(self)
        box.setContentsMargins(32, 24, 32, 16)
        box.setSpacing(12)
        box.addWidget(self.greeting)
        box.addWidget(self.subtitle)
        box.addWidget(self.banner)
        box.addSpacing(6)
        box.addWidget(self.empty)
        box.addWidget(self.scroll, 1)
        self.retranslate()
        self.refresh()

    # -- content ------------------------------------------------------------------------------
    def records(self) -> list[Any]:
        if self.host is None:
            return []
        try:
            return list(self.host.records())
        except Exception:  # the host is somebody else's code: never let it take the shell down
            return []

    def refresh(self) -> None:
        """Bring the tiles in line with the host's records (updated in place where possible)."""
        records = self.records()
        ids = [r.id for r in records]
        for mid in [m for m in self.tiles if m not in ids]:
            tile = self.tiles.pop(mid)
            self.grid.removeWidget(tile)
            tile.hide()
            tile.deleteLater()
        for rec in records:
            tile = self.tiles.get(rec.id)
            if tile is None:
                tile = ModuleTile(rec, self.grid_host)
                tile.clicked.connect(lambda _=False, mid=rec.id: self._tile_clicked(mid))
                self.tiles[rec.id] = tile
            else:
                tile.update_record(rec)
        if ids != self._order:
            self._order = ids
            self._columns = 0  # force a re-layout
        self._layout_tiles()
        self.empty.setVisible(not records)

    def columns_for(self, width: int, count: int | None = None) -> int:
        """Tiles per row: as many as fit (at most 4), but no empty columns beyond two."""
        fit = max(1, min(4, (width + GRID_SPACING) // (TILE_MIN_WIDTH + GRID_SPACING)))
        count = len(self._order) if count is None else count
        return min(fit, max(2, count))

    @property
    def columns(self) -> int:
        return self._columns

    def _layout_tiles(self) -> None:
        cols = self.columns_for(self.scroll.viewport().width())
        if cols == self._columns:
            return
        self._columns = cols
        for tile in self.tiles.values():
            self.grid.removeWidget(tile)
        for c in range(8):
            self.grid.setColumnStretch(c, 1 if c < cols else 0)
        for i, mid in enumerate(self._order):
            self.grid.addWidget(self.tiles[mid], i // cols, i % cols)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Resize:
            self._layout_tiles()
        return False

    # -- taps ------------------------------------------------------------------------------------
    def _tile_clicked(self, module_id: str) -> None:
        tile = self.tiles.get(module_id)
        if tile is None:
            return
        state = tile.state
        if state in FAILED_STATES:
            self.show_error_details(module_id)
        elif state == "disabled":
            self.banner.show_message(tr("Le module « {name} » est désactivé. Activez-le dans les réglages.",
                                        name=tile.rec.name(language())), "info")
        elif not tile.rec.has_page:
            self.banner.show_message(tr("Le module « {name} » travaille en arrière-plan et n'a pas de page.",
                                        name=tile.rec.name(language())), "info")
        else:
            self.banner.dismiss()
            self.sig_open.emit(module_id)

    def show_error_details(self, module_id: str) -> ModuleErrorDialog | None:
        tile = self.tiles.get(module_id)
        if tile is None:
            return None
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
        self.dialog = ModuleErrorDialog(tile.rec, self)
        self.dialog.open()  # window-modal, never blocks the event loop
        return self.dialog

    def show_error(self, message: str) -> None:
        self.banner.show_message(message, "error")

    # -- language --------------------------------------------------------------------------------
    def retranslate(self) -> None:
        if self.officer_name:
            self.greeting.setText(tr("Bonjour {name}", name=self.officer_name))
        else:
            self.greeting.setText(tr("Accueil"))
        self.subtitle.setText(tr("Choisissez un module."))
        self.empty.setText(tr("Aucun module n'est installé sur cet appareil."))
        self.banner.retranslate()
        for tile in self.tiles.values():
            tile.retranslate()
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.retranslate()


