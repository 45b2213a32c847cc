"""A start-up check of the Qt for Python build: some lose references the till cannot afford.

PySide6 6.12.0 on CPython 3.11 drops a reference to ``None`` on every call that returns None
(setters, ``processEvents``…) and to ``True`` on every ``Signal.emit()``; after a few hundred
emits or a few thousand setter calls Python aborts with "Fatal Python error: bool_dealloc" /
"none_dealloc". 6.11.3 does not; on Python 3.12+ None and True are immortal and it is harmless.
"""

from __future__ import annotations

import logging
import sys

from PySide6 import __version__ as PYSIDE_VERSION
from PySide6.QtCore import QObject

log = logging.getLogger("posclient.ui")

ADVICE = "install PySide6-Essentials/PySide6-Addons < 6.12 (6.11.3 is fine) or use Python >= 3.12"


def leaks_references(calls: int = 20) -> bool:
    """True when PySide6 loses a reference to None on calls that return None."""
    if sys.version_info >= (3, 12):
        return False  # None is immortal: a lost reference does no harm
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(calls):
        probe.setObjectName("probe")
    return sys.getrefcount(None) <= before - calls // 2


def warn_if_broken() -> bool:
    """Log (and print) why the till would crash after a while; True if it would."""
    if not leaks_references():
        return False
    text = (
        f"PySide6 {PYSIDE_VERSION} on Python {sys.version.split()[0]} leaks references to "
        f"None/True: the till will abort after a while; {ADVICE}"
    )
    log.error(text)
    print(f"posclient: {text}", file=sys.stderr)
    return True
