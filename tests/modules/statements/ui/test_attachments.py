"""Photos and documents of a draft: the quick picker on the device's camera folder, files,
thumbnails, removal, a file too big refused with its name; the review lists them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from neo.modules.statements.ui import attachments as attachments_mod
from neo.modules.statements.ui.attachments import CameraPicker
from neo.modules.statements.ui.page import Page
from tests.modules.statements.ui.test_form import new_draft, settle, step_index, tap

pytestmark = pytest.mark.qt


def photo(path: Path, colour: str, age: int) -> Path:
    image = QImage(640, 480, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    assert image.save(str(path), "JPEG")
    os.utime(path, (1_800_000_000 - age, 1_800_000_000 - age))  # newest first, whatever the clock
    return path


@pytest.fixture
def camera(tmp_path: Path, statements_ctx: Any) -> Path:
    folder = tmp_path / "DCIM" / "Camera"
    folder.mkdir(parents=True)
    photo(folder / "IMG_0001.jpg", "red", 30)
    photo(folder / "IMG_0002.jpg", "green", 20)
    photo(folder / "IMG_0003.jpg", "blue", 10)
    (folder / "notes.txt").write_text("not a photo")
    statements_ctx.settings.set("camera_folder", str(tmp_path / "DCIM"))
    return folder


def test_photos_from_the_camera_folder_and_files_become_thumbnails(qtbot: Any, page: Page, camera: Path,
                                                                   tmp_path: Path, monkeypatch: Any) -> None:
    form = new_draft(qtbot, page, "plainte_x")
    form.go(step_index(form, "attachments"))
    step = form.attachments
    assert step.empty.isVisible()

    tap(qtbot, step.from_camera)
    picker = step.dialog
    assert isinstance(picker, CameraPicker)
    qtbot.waitUntil(lambda: len(picker.tiles) == 3, timeout=10000)
    assert [t.accessibleName() for t in picker.tiles] == ["IMG_0003.jpg", "IMG_0002.jpg", "IMG_0001.jpg"]
    assert not picker.ok.isEnabled()
    assert all(t.height() >= 48 for t in picker.tiles)
    tap(qtbot, picker.tiles[0])
    tap(qtbot, picker.tiles[2])
    assert picker.ok.text() == "Ajouter (2)"
    tap(qtbot, picker.ok)
    qtbot.waitUntil(lambda: len(step.grid.thumbs) == 2, timeout=10000)
    settle(qtbot, page)
    names = [a.name for a in page.service.load(form.draft.id).attachments]
    assert sorted(names) == ["IMG_0001.jpg", "IMG_0003.jpg"]
    qtbot.waitUntil(lambda: all(t.picture.pixmap() is not None and not t.picture.pixmap().isNull()
                                for t in step.grid.thumbs), timeout=10000)

    # From files: a PDF is listed by its kind; a file over the limit is refused by name.
    document = tmp_path / "facture.pdf"
    document.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    huge = tmp_path / "video.jpg"
    huge.write_bytes(b"\0" * 2048)
    monkeypatch.setattr(attachments_mod, "MAX_BYTES", 1024)
    step.sig_files.emit([document, huge])
    qtbot.waitUntil(lambda: len(step.grid.thumbs) == 3, timeout=10000)
    settle(qtbot, page)
    assert "« video.jpg » dépasse" in step.message.text().replace("\u00a0", " ")
    pdf = next(t for t in step.grid.thumbs if t.attachment.name == "facture.pdf")
    assert pdf.picture.text() == "PDF"

    # Removed with its ✕.
    first = next(t for t in step.grid.thumbs if t.attachment.name == "IMG_0001.jpg")
    qtbot.mouseClick(first.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(step.grid.thumbs) == 2, timeout=10000)
    settle(qtbot, page)
    assert sorted(a.name for a in page.service.load(form.draft.id).attachments) == ["IMG_0003.jpg", "facture.pdf"]

    # The review lists them.
    form.go(step_index(form, "review"))
    settle(qtbot, page)
    titles = [w.text() for w in form.review.findChildren(type(step.title), "ReviewSectionTitle")]
    assert "Photos et documents (2)" in titles
