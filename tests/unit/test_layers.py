"""The layers of DESIGN.md: a pure domain, Qt only in ui/ (and the camera), Qt-free services."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "posclient"
QT_ALLOWED = ("ui", "scanning/camera.py", "app.py", "__main__.py")


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            found.add("." * node.level + (node.module or ""))
    return found


def test_domain_imports_only_the_standard_library_and_itself():
    for path in (ROOT / "domain").rglob("*.py"):
        for name in imports(path):
            top = name.split(".")[0]
            ok = (
                name.startswith(".")
                or name.startswith("posclient.domain")
                or (top in sys.stdlib_module_names or top == "__future__")
            )
            assert ok, f"{path.relative_to(ROOT)} imports {name}"


def test_qt_only_in_ui_and_camera():
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(QT_ALLOWED):
            continue
        qt = [name for name in imports(path) if name.split(".")[0] == "PySide6"]
        assert not qt, f"{rel} imports {qt}"


def test_lower_layers_do_not_import_upper_ones():
    upper = {
        "store": ("posclient.services", "posclient.ui", "posclient.sync", "posclient.hq"),
        "security": ("posclient.services", "posclient.ui", "posclient.store", "posclient.hq"),
        "services": ("posclient.ui", "posclient.hq"),
        "sync": ("posclient.ui", "posclient.hq"),
    }
    for layer, banned in upper.items():
        for path in (ROOT / layer).rglob("*.py"):
            bad = [name for name in imports(path) if name.startswith(banned)]
            assert not bad, f"{path.relative_to(ROOT)} imports {bad}"
