"""Look of the till: a CJK-capable font, the style sheet, high-DPI settings, icons."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from posclient.resources import resource

log = logging.getLogger("posclient.ui")

#: Fonts with Simplified Chinese glyphs, best first (Linux, Windows, macOS).
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "Microsoft YaHei UI",
    "PingFang SC",
    "SimHei",
)
BASE_POINT_SIZE = 12


def prepare_high_dpi() -> None:
    """Before the QApplication exists: fractional scale factors stay sharp (150 % is 1.5)."""
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )


def cjk_family() -> str | None:
    available = set(QFontDatabase.families())
    for family in CJK_FAMILIES:
        if family in available:
            return family
    return None


def apply(app: QApplication) -> None:
    """Font with CJK fallback, the style sheet from resources/style.qss, the window icon."""
    font = QFont(app.font())
    family = cjk_family()
    if family is None:
        log.warning("no CJK font found: Chinese text may show as boxes")
    else:
        font.setFamilies([family, *font.families()])
    font.setPointSize(BASE_POINT_SIZE)
    app.setFont(font)
    try:
        app.setStyleSheet(resource("style.qss").read_text(encoding="utf-8"))
    except OSError:
        log.warning("style sheet not found")
    app.setWindowIcon(icon("app"))


def icon(name: str) -> QIcon:
    path = resource("icons", f"{name}.svg")
    return QIcon(str(path)) if path.exists() else QIcon()
