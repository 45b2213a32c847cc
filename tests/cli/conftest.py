"""Fixtures of the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import init_demo


@pytest.fixture
def demo_dir(tmp_path: Path) -> Path:
    """A till as ``posclient-admin init --demo`` makes it, made in this process: most tests
    start from one, and a Python process per test only to make it cost minutes of CI (``init``
    itself is run as a process by the tests of init in test_admin.py)."""
    return init_demo(tmp_path / "d")
