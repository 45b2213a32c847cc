"""Render resources/icons/app.svg to installer/posclient.png (Linux) and posclient.ico (Windows).

Run once when the icon changes (the outputs are committed): python installer/make_icons.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parent
SVG = HERE.parent / "resources" / "icons" / "app.svg"


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    image = QImage(256, 256, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    png = HERE / "posclient.png"
    image.save(str(png))
    Image.open(png).save(HERE / "posclient.ico", sizes=[(16, 16), (32, 32), (48, 48), (256, 256)])
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
