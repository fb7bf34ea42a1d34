"""The probe. A real module imports only ``neo.api``; this one is a test instrument and
looks at the built-in modules' data and the bundle's libraries on purpose, from inside
the frozen interpreter, where ``Path(__file__)`` lookups and Qt plug-ins must still work."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ACTIVATED: list[Any] = []


def activate(ctx: Any) -> None:
    ACTIVATED.append(ctx)


def _check(report: dict[str, Any], name: str, fn: Any) -> None:
    try:
        report[name] = fn()
    except Exception as exc:  # reported, so the test says which part is missing
        report[name] = {"error": f"{type(exc).__name__}: {exc}"}


def _data() -> dict[str, Any]:
    import neo.modules.holiday_watch as watch
    import neo.modules.lookup as lookup
    from neo.modules.lookup.ui import sound
    from neo.modules.statements import offences, templates
    from neo.resources import resources_dir

    res = resources_dir()
    return {
        "resources": str(res),
        "icons": len(list((res / "icons").glob("*.svg"))),
        "themes": sorted(p.name for p in (res / "themes").glob("*.qss")),
        "catalogs": sorted(p.name for p in (res / "translations" / "en").glob("*.json")),
        "templates": [t.id for t in templates.shipped()],
        "offences": len(offences.load().offences),
        "chime": sound.SOUND_FILE.is_file(),
        "module_catalogs": all((Path(m.__file__).parent / "translations" / "en.json").is_file()
                               for m in (lookup, watch)),
    }


def _ortools() -> int:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    cost = [[0, 4, 9], [4, 0, 3], [9, 3, 0]]
    manager = pywrapcp.RoutingIndexManager(3, 1, 0)
    routing = pywrapcp.RoutingModel(manager)
    cb = routing.RegisterTransitCallback(lambda i, j: cost[manager.IndexToNode(i)][manager.IndexToNode(j)])
    routing.SetArcCostEvaluatorOfAllVehicles(cb)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    return routing.SolveWithParameters(params).ObjectiveValue()


def _pdf_and_images() -> dict[str, Any]:
    """A PDF with a PNG (reportlab + Pillow) shown by QtPdf; JPEG and SVG through Qt's plug-ins."""
    from PIL import Image
    from PySide6.QtCore import QLibraryInfo, QSize
    from PySide6.QtGui import QGuiApplication, QImage
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtSvg import QSvgRenderer
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from neo.resources import resource_path

    app = QGuiApplication.instance() or QGuiApplication(["bundle-probe"])
    png, jpeg = io.BytesIO(), io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(png, "PNG")
    Image.new("RGB", (40, 20), (30, 30, 200)).save(jpeg, "JPEG")
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "NEO")
    page.drawImage(ImageReader(io.BytesIO(png.getvalue())), 72, 600, 80, 40)
    page.save()
    with tempfile.TemporaryDirectory() as tmp:
        pdf_file = Path(tmp) / "probe.pdf"
        pdf_file.write_bytes(out.getvalue())
        doc = QPdfDocument(app)
        doc.load(str(pdf_file))
        rendered = doc.render(0, QSize(120, 170))
        pages = doc.pageCount()
        doc.close()
    image = QImage()
    translations = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    return {
        "pdf_pages": pages,
        "pdf_rendered": not rendered.isNull(),
        "jpeg": image.loadFromData(jpeg.getvalue(), "JPEG"),
        "svg": QSvgRenderer(str(resource_path("icons", "shield.svg"))).isValid(),
        "qt_translations": sorted(p.name for p in translations.glob("*.qm")),
    }


def probe(ctx: Any, argv: list[str]) -> int:
    report: dict[str, Any] = {
        "frozen": bool(getattr(sys, "frozen", False)),
        "meipass": getattr(sys, "_MEIPASS", None),
        "probe_file": __file__,
        "activated": len(ACTIVATED),
        "hq_importable": importlib.util.find_spec("neo.hq") is not None,
        "numpy_importable": importlib.util.find_spec("numpy") is not None,
    }
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _check(report, "data", _data)
    _check(report, "ortools", _ortools)
    _check(report, "media", _pdf_and_images)
    print(json.dumps(report))
    return 0
