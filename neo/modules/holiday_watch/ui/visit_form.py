"""The visit form: the time and position of the tap (with the distance warning), large
checklist toggles (OK / Anomalie / Sans objet), the anomaly switch, a note, photos, the
notice left; "Enregistrer le passage" writes it offline through the service."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from neo.modules.holiday_watch.service import CHECK_ITEMS, MAX_NOTE, MAX_PHOTOS, Home, VisitDraft
from neo.modules.holiday_watch.ui.common import Tr, button, distance_text, label, set_prop, when_text

STATES: tuple[tuple[str, str], ...] = (("ok", "OK"), ("anomaly", "Anomalie"), ("na", "Sans objet"))
IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".heic": "image/heic",
               ".webp": "image/webp"}


class CheckRow(QWidget):
    def __init__(self, tr: Tr, key: str, text: str, on_change: Callable[[], None]) -> None:
        super().__init__()
        self.key = key
        self.text = text
        self._on_change = on_change
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        self.title = label("", name="CheckLabel")
        row.addWidget(self.title, 1)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QPushButton] = {}
        for state, _ in STATES:
            b = button("", "segment")
            b.setProperty("chip", "check")
            b.setCheckable(True)
            b.setObjectName(f"check_{key}_{state}")
            self.group.addButton(b)
            self.buttons[state] = b
            row.addWidget(b)
        self.buttons["ok"].setChecked(True)
        for state, b in self.buttons.items():
            b.toggled.connect(lambda on, s=state: on and self._changed(s))
        self.retranslate(tr)

    def retranslate(self, tr: Tr) -> None:
        self.title.setText(tr(self.text))
        for state, text in STATES:
            self.buttons[state].setText(tr(text))

    def _changed(self, _state: str) -> None:
        self._on_change()

    @property
    def value(self) -> str:
        for state, b in self.buttons.items():
            if b.isChecked():
                return state
        return "ok"

    def set_value(self, state: str) -> None:
        self.buttons[state].setChecked(True)


class VisitForm(QWidget):
    """``sig_save`` when the officer saves (the page reads :meth:`values` and asks the
    service), ``sig_cancel`` to go back."""

    sig_save = Signal()
    sig_cancel = Signal()

    def __init__(self, tr: Tr, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tr = tr
        self.home: Home | None = None
        self.draft: VisitDraft | None = None
        self.photos: list[tuple[bytes, str]] = []
        self.photo_folder: Path = Path.home() / "Pictures"
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        outer.setSpacing(12)
        head = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(2)
        self.title = label("", name="FormTitle", wrap=True)
        self.meta = label("", name="FormMeta", wrap=True)
        titles.addWidget(self.title)
        titles.addWidget(self.meta)
        head.addLayout(titles, 1)
        self.cancel = button("", name="VisitCancel")
        self.cancel.clicked.connect(self.sig_cancel)
        self.save = button("", "primary", name="VisitSave")
        self.save.setMinimumWidth(300)
        self.save.clicked.connect(self._save)
        head.addWidget(self.cancel, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.save, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(head)
        self.warning = QFrame()
        self.warning.setProperty("role", "banner")
        self.warning.setProperty("kind", "warn")
        warn_box = QHBoxLayout(self.warning)
        warn_box.setContentsMargins(14, 8, 14, 8)
        self.warning_text = label("", name="BannerText", wrap=True)
        warn_box.addWidget(self.warning_text)
        self.warning.hide()
        outer.addWidget(self.warning)
        self.error = label("", "error", wrap=True)
        self.error.hide()
        outer.addWidget(self.error)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        body.setObjectName("ScrollBody")
        columns = QHBoxLayout(body)
        columns.setContentsMargins(0, 0, 8, 0)
        columns.setSpacing(24)
        left = QVBoxLayout()
        left.setSpacing(8)
        self.checks_title = label("", name="CardSection")
        left.addWidget(self.checks_title)
        self.rows = [CheckRow(tr, key, text, self._sync_anomaly) for key, text in CHECK_ITEMS]
        for r in self.rows:
            left.addWidget(r)
        self.anomaly = button("", name="AnomalySwitch")
        self.anomaly.setCheckable(True)
        self.anomaly.toggled.connect(self._anomaly_toggled)
        left.addSpacing(6)
        left.addWidget(self.anomaly)
        left.addStretch(1)
        columns.addLayout(left, 3)
        right = QVBoxLayout()
        right.setSpacing(8)
        self.note_title = label("", name="CardSection")
        right.addWidget(self.note_title)
        self.note = QPlainTextEdit()
        self.note.setObjectName("VisitNote")
        self.note.setMinimumHeight(120)
        self.note.setTabChangesFocus(True)
        right.addWidget(self.note)
        self.photo_title = label("", name="CardSection")
        right.addWidget(self.photo_title)
        photo_row = QHBoxLayout()
        self.add_photo_button = button("", name="AddPhoto")
        self.add_photo_button.clicked.connect(self.pick_photos)
        self.clear_photos = button("", name="ClearPhotos")
        self.clear_photos.clicked.connect(self._clear_photos)
        photo_row.addWidget(self.add_photo_button, 1)
        photo_row.addWidget(self.clear_photos)
        right.addLayout(photo_row)
        self.thumbs = QGridLayout()
        self.thumbs.setSpacing(6)
        right.addLayout(self.thumbs)
        self.notice = button("", name="NoticeSwitch")
        self.notice.setCheckable(True)
        self.notice.setProperty("role", "segment")
        self.notice.toggled.connect(lambda _on: self._update_switches())
        right.addWidget(self.notice)
        right.addStretch(1)
        columns.addLayout(right, 2)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        self.retranslate()

    def retranslate(self) -> None:
        tr = self.tr
        self.cancel.setText(tr("Annuler"))
        self.save.setText(tr("Enregistrer le passage"))
        self.checks_title.setText(tr("Liste de contrôle"))
        for r in self.rows:
            r.retranslate(tr)
        self.note_title.setText(tr("Note"))
        self.note.setPlaceholderText(tr("Ce que vous avez constaté (facultatif)"))
        self.photo_title.setText(tr("Photos"))
        self.add_photo_button.setText(tr("Ajouter une photo"))
        self.clear_photos.setText(tr("Retirer"))
        self._update_switches()
        self._fill_head()

    # -- content -------------------------------------------------------------------------
    def start(self, home: Home, draft: VisitDraft) -> None:
        """A new visit of ``home`` begun by ``draft`` (time and position of the tap)."""
        self.home, self.draft = home, draft
        for r in self.rows:
            r.set_value("ok")
        self.anomaly.setChecked(False)
        self.notice.setChecked(False)
        self.note.clear()
        self.photos = []
        self._show_photos()
        self.error.hide()
        self.save.setEnabled(True)
        self._fill_head()

    def _fill_head(self) -> None:
        tr = self.tr
        if self.home is None or self.draft is None:
            return
        self.title.setText(tr("Passage — {address}", address=self.home.label))
        d = self.draft
        meta = [tr("Heure : {when}", when=when_text(tr, d.at))]
        if d.distance_m is None:
            meta.append(tr("position inconnue (pas de signal GPS)"))
        else:
            meta.append(tr("à {d} du domicile", d=distance_text(tr, d.distance_m)))
        self.meta.setText(" · ".join(meta))
        self.warning.setVisible(d.distance_warning)
        if d.distance_warning:
            self.warning_text.setText(tr(
                "Vous êtes à {d} du domicile (plus de {limit} m) : le passage sera enregistré avec cet écart.",
                d=distance_text(tr, d.distance_m), limit=round(d.threshold_m)))

    def _sync_anomaly(self) -> None:
        if any(r.value == "anomaly" for r in self.rows) and not self.anomaly.isChecked():
            self.anomaly.setChecked(True)
        self._update_switches()

    def _anomaly_toggled(self, on: bool) -> None:
        if not on and any(r.value == "anomaly" for r in self.rows):
            self.anomaly.setChecked(True)  # an item found wrong is an anomaly
            return
        self._update_switches()

    def _update_switches(self) -> None:
        tr = self.tr
        on = self.anomaly.isChecked()
        self.anomaly.setText(tr("Anomalie constatée : le QG est alerté en priorité") if on
                             else tr("Tout est en ordre (appuyer si anomalie)"))
        set_prop(self.anomaly, "role", "primary" if on else None)
        self.notice.setText(tr("Avis de passage déposé") if self.notice.isChecked()
                            else tr("Avis de passage non déposé"))

    # -- photos ----------------------------------------------------------------------------
    def add_photo(self, data: bytes, media_type: str) -> bool:
        if len(self.photos) >= MAX_PHOTOS or not data:
            return False
        self.photos.append((data, media_type))
        self._show_photos()
        return True

    def pick_photos(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, self.tr("Ajouter une photo"), str(self.photo_folder),
                                                self.tr("Images (*.jpg *.jpeg *.png *.heic *.webp)"))
        for name in names:
            path = Path(name)
            media = IMAGE_TYPES.get(path.suffix.lower())
            if media is None:
                continue
            try:
                self.add_photo(path.read_bytes(), media)
            except OSError as exc:
                self.error.setText(self.tr("Photo illisible : {name} ({why})", name=path.name, why=exc.strerror))
                self.error.show()

    def _clear_photos(self) -> None:
        self.photos = []
        self._show_photos()

    def _show_photos(self) -> None:
        while self.thumbs.count():
            item = self.thumbs.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for n, (data, _media) in enumerate(self.photos):
            image = QImage.fromData(data)
            thumb = QPushButton()
            thumb.setObjectName("PhotoThumb")
            thumb.setFixedSize(QSize(96, 96))
            thumb.setEnabled(False)
            if not image.isNull():
                pix = QPixmap.fromImage(image.scaled(88, 88, Qt.AspectRatioMode.KeepAspectRatio,
                                                     Qt.TransformationMode.SmoothTransformation))
                thumb.setIcon(QIcon(pix))
                thumb.setIconSize(QSize(88, 88))
            self.thumbs.addWidget(thumb, n // 4, n % 4)
        self.clear_photos.setVisible(bool(self.photos))
        self.photo_title.setText(self.tr("Photos ({n})", n=len(self.photos)) if self.photos else self.tr("Photos"))

    # -- values ------------------------------------------------------------------------------
    def values(self) -> dict[str, object]:
        return {
            "checklist": {r.key: r.value for r in self.rows},
            "anomaly": self.anomaly.isChecked(),
            "note": self.note.toPlainText()[:MAX_NOTE],
            "photos": list(self.photos),
            "notice_left": self.notice.isChecked(),
        }

    def _save(self) -> None:
        if self.draft is None:
            return
        self.save.setEnabled(False)
        self.error.hide()
        self.sig_save.emit()

    def failed(self, message: str) -> None:
        self.save.setEnabled(True)
        self.error.setText(message)
        self.error.show()
