"""Photos and documents of a draft: thumbnails, add from files or from the device's
camera folder, remove.

Files are read and thumbnails decoded on the thread pool (``QImage`` is safe off the UI
thread; pixmaps are made on it)."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QDialog, QFileDialog, QGridLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from neo.modules.statements.ui import tasks
from neo.modules.statements.ui.widgets import Tr, button, card, clear_layout, label, scroller

MAX_BYTES = 25 * 1024 * 1024
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif")
DOCUMENT_SUFFIXES = (".pdf",)
THUMB = QSize(200, 150)
CAMERA_LIMIT = 60  # newest photos shown by the quick picker


def media_type(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def read_file(path: Path) -> tuple[str, str, bytes]:
    """``(name, media type, bytes)``; ValueError (French) when too big or unreadable."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ValueError(f"« {path.name} » dépasse {MAX_BYTES // (1024 * 1024)} Mo")
        return path.name, media_type(path.name), path.read_bytes()
    except OSError as exc:
        raise ValueError(f"« {path.name} » ne peut pas être lu : {exc.strerror or exc}") from exc


def thumbnail(data: bytes, size: QSize = THUMB) -> QImage | None:
    """A scaled image (None when ``data`` is not an image Qt can read)."""
    image = QImage.fromData(data)
    if image.isNull():
        return None
    return image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)


def camera_images(folder: Path, limit: int = CAMERA_LIMIT) -> list[Path]:
    """The newest images of the camera folder (and its sub-folders), newest first."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
    found.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    return found[:limit]


class Thumb(QWidget):
    """One attachment: its picture (or a document sign), its name and a ✕."""

    sig_remove = Signal(str)

    def __init__(self, attachment: Any, tr: Tr, *, removable: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.attachment = attachment
        self.setObjectName("AttachmentThumb")
        frame = card("ThumbCard")
        self.picture = label("", None, name="ThumbPicture")
        self.picture.setFixedSize(THUMB)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setText("PDF" if attachment.media_type == "application/pdf" else "…")
        self.picture.setProperty("role", "section")
        self.name = label(attachment.name, "muted", name="ThumbName")
        self.name.setMaximumWidth(THUMB.width() - 60 if removable else THUMB.width())
        self.name.setToolTip(attachment.name)
        self.remove_button = button("✕", None, name="RemoveButton")
        self.remove_button.setAccessibleName(tr("Retirer « {name} »", name=attachment.name))
        self.remove_button.clicked.connect(lambda: self.sig_remove.emit(attachment.sha256))
        self.remove_button.setVisible(removable)
        foot = QHBoxLayout()
        foot.setSpacing(6)
        foot.addWidget(self.name, 1)
        foot.addWidget(self.remove_button)
        inner = QVBoxLayout(frame)
        inner.setContentsMargins(10, 10, 10, 8)
        inner.setSpacing(6)
        inner.addWidget(self.picture)
        inner.addLayout(foot)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(frame)

    def set_image(self, image: QImage | None) -> None:
        if image is not None:
            self.picture.setPixmap(QPixmap.fromImage(image))
        elif self.attachment.media_type != "application/pdf":
            self.picture.setText(self.attachment.name.rsplit(".", 1)[-1].upper()[:5] or "?")


class ThumbGrid(QWidget):
    """Thumbnails in rows; ``load(attachments, fetch)`` where ``fetch(sha256) -> bytes``
    runs on the thread pool."""

    sig_remove = Signal(str)

    def __init__(self, tr: Tr, *, removable: bool = True, columns: int = 5, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tr = tr
        self.removable = removable
        self.columns = columns
        self.thumbs: list[Thumb] = []
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(12)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

    def load(self, attachments: list[Any], fetch: Callable[[str], bytes | None]) -> None:
        clear_layout(self.grid)
        self.thumbs = []
        for i, attachment in enumerate(attachments):
            thumb = Thumb(attachment, self.tr, removable=self.removable)
            thumb.sig_remove.connect(self.sig_remove)
            self.grid.addWidget(thumb, i // self.columns, i % self.columns)
            self.thumbs.append(thumb)
            if attachment.media_type.startswith("image/"):
                sha = attachment.sha256
                tasks.run(lambda sha=sha: (sha, thumbnail(fetch(sha) or b"")), self._decoded, self._ignore)

    def _decoded(self, result: tuple[str, QImage | None]) -> None:
        sha, image = result
        for thumb in self.thumbs:
            if thumb.attachment.sha256 == sha:
                thumb.set_image(image)

    def _ignore(self, _exc: Any) -> None:
        pass


class CameraPicker(QDialog):
    """The newest photos of the camera folder as big tiles; tap to select, then "Ajouter"."""

    def __init__(self, tr: Tr, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tr = tr
        self.folder = folder
        self.setObjectName("CameraPicker")
        self.setWindowTitle(tr("Dossier photos de l'appareil"))
        self.setModal(True)
        self.resize(1000, 700)
        self.paths: list[Path] = []
        self.tiles: list[QPushButton] = []
        box = QVBoxLayout(self)
        box.setContentsMargins(24, 20, 24, 20)
        box.setSpacing(12)
        box.addWidget(label(tr("Dossier photos de l'appareil"), "title", name="CameraTitle"))
        self.where = label(str(folder), "muted", name="CameraFolder", wrap=True)
        box.addWidget(self.where)
        self.empty = label("", "subtitle", name="CameraEmpty", wrap=True)
        self.empty.hide()
        box.addWidget(self.empty)
        body = QWidget()
        self.grid = QGridLayout(body)
        self.grid.setSpacing(10)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        box.addWidget(scroller(body, "CameraScroll"), 1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.cancel = button(tr("Annuler"), None, name="CameraCancel")
        self.ok = button("", "primary", name="CameraAdd")
        self.cancel.clicked.connect(self.reject)
        self.ok.clicked.connect(self.accept)
        row.addWidget(self.cancel)
        row.addWidget(self.ok)
        box.addLayout(row)
        self._count()
        tasks.run(lambda: camera_images(folder), self._listed, self._failed)

    def _listed(self, paths: list[Path]) -> None:
        self.paths = paths
        if not paths:
            self.empty.setText(self.tr("Aucune photo dans ce dossier. Le dossier se règle dans les réglages du "
                                       "module (camera_folder)."))
            self.empty.show()
        for i, path in enumerate(paths):
            tile = QPushButton()
            tile.setObjectName("CameraTile")
            tile.setCheckable(True)
            tile.setProperty("role", "segment")
            tile.setFixedSize(QSize(220, 170))
            tile.setIconSize(QSize(196, 146))
            tile.setText(path.name[:22])
            tile.setAccessibleName(path.name)
            tile.toggled.connect(self._count)
            self.grid.addWidget(tile, i // 4, i % 4)
            self.tiles.append(tile)
            tasks.run(lambda p=path, n=i: (n, thumbnail(p.read_bytes(), QSize(196, 146))), self._thumb, self._ignore)

    def _thumb(self, result: tuple[int, QImage | None]) -> None:
        n, image = result
        if image is not None and n < len(self.tiles):
            self.tiles[n].setText("")
            self.tiles[n].setIcon(QIcon(QPixmap.fromImage(image)))

    def _failed(self, exc: Any) -> None:
        self.empty.setText(self.tr("Le dossier ne peut pas être lu : {err}", err=str(exc)))
        self.empty.show()

    def _ignore(self, _exc: Any) -> None:
        pass

    def selected(self) -> list[Path]:
        return [p for p, t in zip(self.paths, self.tiles, strict=False) if t.isChecked()]

    def _count(self, *_: Any) -> None:
        n = len(self.selected())
        self.ok.setText(self.tr("Ajouter ({n})", n=n) if n else self.tr("Ajouter"))
        self.ok.setEnabled(n > 0)


class AttachmentsStep(QWidget):
    """The "Photos et documents" step. ``sig_files(paths)`` asks the form to attach files;
    ``sig_remove(sha256)`` to remove one."""

    sig_files = Signal(list)
    sig_remove = Signal(str)

    def __init__(self, tr: Tr, camera_folder: Callable[[], Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tr = tr
        self.camera_folder = camera_folder
        self.title = label(tr("Photos et documents"), None, name="SectionTitle")
        self.hint = label(tr("Photos des lieux, des dégâts, des objets, et documents remis par le déclarant. "
                             "Chaque pièce est scellée avec la déposition."), "subtitle", wrap=True)
        self.from_files = button(tr("Ajouter depuis les fichiers…"), None, name="AddFiles")
        self.from_camera = button(tr("Dossier photos de l'appareil"), "primary", name="AddCamera")
        self.from_files.clicked.connect(self.pick_files)
        self.from_camera.clicked.connect(self.pick_camera)
        row = QHBoxLayout()
        row.setSpacing(12)
        row.addWidget(self.from_camera)
        row.addWidget(self.from_files)
        row.addStretch(1)
        self.message = label("", "hint", name="AttachmentMessage", wrap=True)
        self.message.hide()
        self.empty = label(tr("Aucune pièce jointe."), "muted", name="AttachmentsEmpty")
        self.grid = ThumbGrid(tr)
        self.grid.sig_remove.connect(self.sig_remove)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(12)
        box.addWidget(self.title)
        box.addWidget(self.hint)
        box.addLayout(row)
        box.addWidget(self.message)
        box.addWidget(self.empty)
        box.addWidget(self.grid)
        box.addStretch(1)
        self.dialog: CameraPicker | None = None

    def show_attachments(self, attachments: list[Any], fetch: Callable[[str], bytes | None]) -> None:
        self.empty.setVisible(not attachments)
        self.grid.load(attachments, fetch)

    def show_message(self, text: str, role: str = "hint") -> None:
        self.message.setProperty("role", role)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def pick_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Ajouter des photos ou des documents"), str(self.camera_folder()),
            self.tr("Photos et documents (*.jpg *.jpeg *.png *.webp *.pdf);;Tous les fichiers (*)"))
        if names:
            self.sig_files.emit([Path(n) for n in names])

    def pick_camera(self) -> None:
        self.dialog = CameraPicker(self.tr, self.camera_folder(), self.window())
        self.dialog.accepted.connect(self._camera_chosen)
        self.dialog.finished.connect(self._closed)
        self.dialog.open()

    def _camera_chosen(self) -> None:
        if self.dialog is not None and self.dialog.selected():
            self.sig_files.emit(self.dialog.selected())

    def _closed(self, _result: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None
