"""The Qt for Python build under the tests is one the till can run on all day."""

from __future__ import annotations

from posclient.ui import qt_check


def test_pyside_does_not_lose_references_to_none_and_true(qapp):
    assert not qt_check.leaks_references(), (
        f"PySide6 {qt_check.PYSIDE_VERSION} loses a reference to None on every call that "
        f"returns None (and to True on every emit): long runs abort. {qt_check.ADVICE}"
    )
