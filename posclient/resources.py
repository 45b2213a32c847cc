"""Where the bundled resources (demo data, translations, icons, notices) are."""

from __future__ import annotations

import sys
from pathlib import Path


def resource_dir() -> Path:
    """``resources/`` of a source checkout, or the copy packed into a wheel or a bundle."""
    here = Path(__file__).resolve().parent
    candidates = [here / "_resources", here.parent / "resources"]
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        candidates.insert(0, Path(frozen) / "resources")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("posclient resources not found")


def resource(*parts: str) -> Path:
    return resource_dir().joinpath(*parts)
