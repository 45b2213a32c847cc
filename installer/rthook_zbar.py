# PyInstaller runtime hook: let pyzbar find the libzbar bundled in _internal/ (it asks
# ctypes.util.find_library, which only searches the system's library paths).
import ctypes.util
import os
import sys

_bundle = getattr(sys, "_MEIPASS", "")
_find = ctypes.util.find_library


def _find_library(name):
    if name == "zbar" and _bundle:
        for candidate in ("libzbar.so.0", "libzbar.0.dylib"):
            path = os.path.join(_bundle, candidate)
            if os.path.exists(path):
                return path
    return _find(name)


ctypes.util.find_library = _find_library
