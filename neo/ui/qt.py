"""The one place the shell imports Qt from.

Everything under ``neo.ui`` does ``from neo.ui.qt import ...``; no other shell module
imports PySide6 directly. Swapping the binding, pinning a version or working around a
binding bug then touches this file only (Anki's ``aqt.qt`` does the same).
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtSvg, QtWidgets
from PySide6.QtCore import (
    Property,
    QByteArray,
    QEasingCurve,
    QEvent,
    QObject,
    QPoint,
    QPropertyAnimation,
    QRect,
    QRectF,
    QRegularExpression,
    QRunnable,
    QSize,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QIcon,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QRegularExpressionValidator,
    QResizeEvent,
)
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QBoxLayout,
    QButtonGroup,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QScroller,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

try:  # shiboken tells whether a wrapper still has its C++ object
    from shiboken6 import isValid as qt_is_valid  # noqa: N813 - the shell's name for it
except ImportError:  # pragma: no cover - shiboken ships with PySide6

    def qt_is_valid(obj: object) -> bool:
        return obj is not None


__all__ = [
    "Property",
    "QAbstractButton",
    "QApplication",
    "QBoxLayout",
    "QButtonGroup",
    "QByteArray",
    "QCloseEvent",
    "QColor",
    "QDialog",
    "QEasingCurve",
    "QEvent",
    "QFont",
    "QFontMetrics",
    "QFrame",
    "QGridLayout",
    "QGuiApplication",
    "QHBoxLayout",
    "QIcon",
    "QImage",
    "QKeyEvent",
    "QLabel",
    "QLayout",
    "QLineEdit",
    "QMainWindow",
    "QMouseEvent",
    "QObject",
    "QPaintEvent",
    "QPainter",
    "QPalette",
    "QPen",
    "QPixmap",
    "QPoint",
    "QProgressBar",
    "QPropertyAnimation",
    "QPushButton",
    "QRect",
    "QRectF",
    "QRegularExpression",
    "QRegularExpressionValidator",
    "QResizeEvent",
    "QRunnable",
    "QScrollArea",
    "QScroller",
    "QSize",
    "QSizePolicy",
    "QStackedWidget",
    "QSvgRenderer",
    "QThreadPool",
    "QTimer",
    "QToolButton",
    "QVBoxLayout",
    "QWidget",
    "Qt",
    "QtCore",
    "QtGui",
    "QtSvg",
    "QtWidgets",
    "Signal",
    "Slot",
    "qt_is_valid",
]
