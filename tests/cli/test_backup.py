"""posclient-admin backup / restore (R16): real processes on real SQLite files."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from posclient.services.applock import SYNC_LOCK_NAME, AppLock

from .test_admin import admin


def sales(data_dir) -> int:
    return len(json.loads(admin(data_dir, "queue", "--json").stdout))


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backup_then_restore_round_trip(demo_dir, tmp_path) -> None:
    admin(demo_dir, "sale", "--item", "CHIPS")
    target = tmp_path / "out" / "till.sqlite3.gz"
    out = json.loads(admin(demo_dir, "backup", str(target), "--json").stdout)
    assert out["written"] is True and out["counts"]["sales"] == 1 and out["counts"]["outbox"] == 1
    assert target.read_bytes()[:2] == b"\x1f\x8b"  # compressed
    assert [p.name for p in target.parent.iterdir()] == ["till.sqlite3.gz"]  # no temp left
    admin(demo_dir, "sale", "--item", "MILK-1L")
    assert sales(demo_dir) == 2
    proc = admin(demo_dir, "restore", str(target), lang="en")
    assert "Restored from" in proc.stdout and "pre-restore" in proc.stdout
    assert sales(demo_dir) == 1
    previous = demo_dir / "posclient.sqlite3.pre-restore"
    # the replaced database, both sales in it, is kept
    plain = tmp_path / "plain.sqlite3"
    admin(demo_dir, "backup", str(plain))
    assert previous.is_file() and previous.stat().st_size > 0


def test_plain_backup_is_a_sqlite_file(demo_dir, tmp_path) -> None:
    target = tmp_path / "till.sqlite3"
    admin(demo_dir, "backup", str(target))
    assert target.read_bytes()[:16] == b"SQLite format 3\x00"


@pytest.mark.parametrize("damage", ["garbage", "truncated", "bad_gzip"])
def test_damaged_backup_is_refused_and_changes_nothing(demo_dir, tmp_path, damage) -> None:
    good = tmp_path / "good.sqlite3"
    admin(demo_dir, "backup", str(good))
    bad = tmp_path / "bad.sqlite3"
    if damage == "garbage":
        bad.write_bytes(os.urandom(8192))
    elif damage == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    else:
        bad = tmp_path / "bad.sqlite3.gz"
        bad.write_bytes(b"\x1f\x8b" + os.urandom(500))
    before = digest(demo_dir / "posclient.sqlite3")
    proc = admin(demo_dir, "restore", str(bad), check=False)
    assert proc.returncode == 1
    assert len(proc.stderr.strip().splitlines()) == 1 and "未做任何更改" in proc.stderr
    assert digest(demo_dir / "posclient.sqlite3") == before
    assert not (demo_dir / "posclient.sqlite3.pre-restore").exists()


def test_restore_refused_while_the_till_runs(demo_dir, tmp_path) -> None:
    backup = tmp_path / "b.sqlite3"
    admin(demo_dir, "backup", str(backup))

    def restore_under(lock: AppLock):  # type: ignore[no-untyped-def]
        lock.acquire()
        try:
            return admin(demo_dir, "restore", str(backup), check=False, lang="en")
        finally:
            lock.release()

    proc = restore_under(AppLock(demo_dir))  # what the running till holds
    assert proc.returncode == 1 and "The till is running" in proc.stderr
    assert not (demo_dir / "posclient.sqlite3.pre-restore").exists()
    # Nor under a `posclient-admin sync` in the middle of a pass.
    proc = restore_under(AppLock(demo_dir, SYNC_LOCK_NAME))
    assert proc.returncode == 1 and "Another sync pass or pairing is running" in proc.stderr
    assert not (demo_dir / "posclient.sqlite3.pre-restore").exists()
    admin(demo_dir, "restore", str(backup))  # closed: now it works


def test_restore_without_the_field_keys_is_refused(demo_dir, tmp_path, monkeypatch) -> None:
    backup = tmp_path / "b.sqlite3.gz"
    admin(demo_dir, "backup", str(backup))
    # another machine: its own (empty) secrets
    monkeypatch.setenv("POSCLIENT_SECRETS_DIR", str(tmp_path / "other-secrets"))
    fresh = tmp_path / "fresh"
    proc = admin(fresh, "restore", str(backup), check=False, lang="en")
    assert proc.returncode == 1 and "encryption key" in proc.stderr
    assert not (fresh / "posclient.sqlite3").exists()


def test_not_a_till_database_is_refused(demo_dir, tmp_path) -> None:
    import sqlite3

    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    proc = admin(demo_dir, "restore", str(other), check=False, lang="en")
    assert proc.returncode == 1 and "not a till backup" in proc.stderr


def test_backup_needs_a_file_or_auto(demo_dir) -> None:
    proc = admin(demo_dir, "backup", check=False, lang="en")
    assert proc.returncode == 1 and "--auto" in proc.stderr


def test_auto_backup_once_a_day(demo_dir) -> None:
    first = json.loads(admin(demo_dir, "backup", "--auto", "--json").stdout)
    assert first["written"] is True
    again = json.loads(admin(demo_dir, "backup", "--auto", "--json").stdout)
    assert again == {"written": False}
    assert len(list((demo_dir / "backups").iterdir())) == 1
