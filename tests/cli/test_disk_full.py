"""A full disk, for real: a small tmpfs filled to the last block (mounting one needs root; the
tests say why they skip elsewhere). A full disk is not a damaged database: nothing is lost by
freeing space, everything by restoring a backup."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from posclient.domain.errors import PosError
from posclient.store.db import Database

from .test_admin import _dump, admin

SIZE = "2m"


def _mount_tmpfs(where: Path) -> str | None:
    """Mount a small tmpfs at ``where``: None, or why it could not be."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "mounting a tmpfs needs root"
    if shutil.which("mount") is None or shutil.which("umount") is None:
        return "no mount/umount command"
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    return None if proc.returncode == 0 else f"mount -t tmpfs failed: {proc.stderr.strip()}"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    where = tmp_path / "mnt"
    where.mkdir()
    why = _mount_tmpfs(where)
    if why is not None:
        print(f"skipped: {why}")
        pytest.skip(f"needs a small tmpfs: {why}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)
        if os.path.ismount(where):  # pragma: no cover - still busy: detach it
            subprocess.run(["umount", "-l", str(where)], check=False)


def fill(disk: Path, *, leave_kib: int = 0) -> Path:
    """Fill ``disk`` until ``leave_kib`` KiB are left (0: to the last block)."""
    filler = disk / "fill"
    filler.unlink(missing_ok=True)
    free_kib = shutil.disk_usage(disk).free // 1024
    with open(filler, "wb") as out:
        try:
            for _ in range(max(free_kib - leave_kib, 0)):
                out.write(b"\0" * 1024)
                out.flush()
        except OSError:  # full a little sooner than counted
            pass
    return filler


@pytest.fixture
def full_till(small_disk: Path) -> Iterator[Path]:
    till = small_disk / "till"
    admin(till, "init", "--demo")
    admin(till, "sale", "--member", "13800138001", "--item", "MILK-1L")
    yield till


def test_doctor_calls_a_full_disk_a_full_disk_not_a_damaged_database(full_till):
    filler = fill(full_till.parent)
    assert shutil.disk_usage(full_till).free < 64 * 1024
    proc = admin(full_till, "doctor", "--json", lang="en", check=False)
    assert proc.returncode == 1, proc.stderr
    checks = {c["name"]: c for c in json.loads(proc.stdout)["checks"]}
    database = checks["database"]
    assert database["status"] == "fail" and database["code"] == "doctor.db_disk_full", database
    assert "disk is full" in database["message"] and "free some space" in database["message"]
    assert "damaged:" not in database["message"]  # never "damaged … restore a backup"
    text = admin(full_till, "doctor", check=False).stdout
    assert "磁盘已满" in text and "数据库已损坏" not in text
    filler.unlink()
    code = admin(full_till, "doctor", "--json", check=False)
    assert json.loads(code.stdout)["checks"][0]["code"] == "doctor.db_ok"


@pytest.mark.parametrize(
    "args",
    [
        ["status"],
        ["sale", "--item", "NOPE"],
        ["sale", "--item", "CHIPS"],
        ["member", "13800138001"],
        ["refund", "S001-0000-0000001"],
    ],
)
def test_commands_on_a_full_disk_say_the_disk_is_full_and_change_nothing(full_till, args):
    before = _dump(full_till)
    filler = fill(full_till.parent)
    for lang, expected in (("en", "The disk is full"), ("zh_CN", "磁盘已满")):
        proc = admin(full_till, *args, lang=lang, check=False)
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.count("\n") == 1 and expected in proc.stderr, proc.stderr
        assert "OperationalError" not in proc.stderr
    filler.unlink()
    assert _dump(full_till) == before
    admin(full_till, "status")  # nothing was damaged


def _log_to_page_end(till: Path) -> None:
    """Pad the log file to a whole page, so its next line needs a new block of the disk."""
    log = till / "logs" / "posclient.log"
    size = log.stat().st_size
    with open(log, "a", encoding="utf-8") as out:
        out.write(" " * (-(size + 1) % 4096) + "\n")
    assert log.stat().st_size % 4096 == 0


@pytest.mark.parametrize("leave_kib", [20, 40])
def test_a_nearly_full_disk_gives_one_line_and_no_logging_traceback(full_till, leave_kib):
    _log_to_page_end(full_till)
    before = _dump(full_till)
    filler = fill(full_till.parent, leave_kib=leave_kib)
    for _ in range(3):
        proc = admin(
            full_till,
            *("sale", "--member", "13800138001", "--item", "CHIPS:2", "--item", "MILK-1L"),
            lang="en",
            check=False,
        )
        assert "Logging error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
        assert proc.returncode == 1 and proc.stderr == (
            "The disk is full: nothing was saved, free some space\n"
        )
    filler.unlink()
    assert _dump(full_till) == before


def test_opening_the_database_on_a_full_disk_is_store_disk_full(full_till):
    fill(full_till.parent)
    with pytest.raises(PosError) as err:
        Database(full_till / "posclient.sqlite3", create=False)
    assert err.value.code == "store.disk_full"
