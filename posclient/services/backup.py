"""Backing up and restoring the till's database (R16). No Qt.

A backup is the SQLite file only, taken with SQLite's online backup API from a read snapshot, so
it is consistent even while the till is selling. The copy is verified (integrity check, schema
version, row counts equal to the snapshot's) before it is moved into place atomically; a name
ending in ``.gz`` is compressed.

What a backup does NOT hold: the field-encryption keys and the device token. They live in the OS
keyring (or the 0600 secrets files), keyed by the database's install id. A restore on the same
machine finds them; a restore on another machine needs the secrets copied over first, and is
refused with a reason when the keys the database's personal fields were sealed with are missing.

A restore verifies the file first (a bad file changes nothing), refuses while a till process
holds the data directory (``applock``), keeps the previous database as ``*.pre-restore`` and
swaps the new file in with a rename. Outbox events that were still pending in the backup are
pushed again after the restore; HQ knows them by event id and answers "duplicate", which the
till counts as done, so nothing is applied twice.
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from posclient.domain.errors import PosError
from posclient.security.fieldcrypt import KEYRING_NAME, FieldKeys
from posclient.security.secrets import SecretStore
from posclient.store.migrate import SCHEMA_HEAD

from . import applock

log = logging.getLogger("posclient.backup")

DB_NAME = "posclient.sqlite3"  # same as bootstrap.DB_NAME (bootstrap imports services)
BACKUP_DIR = "backups"
DAILY_KEEP = 7
DAILY_PREFIX = "daily-"
DAILY_SUFFIX = ".sqlite3.gz"
#: Tables whose row counts are compared between the snapshot and the copy.
COUNTED = ("members", "products", "sales", "sale_lines", "points_ledger", "outbox", "meta")
_ENCRYPTED = ("name_enc", "phone_enc", "gender_enc", "birthday_enc", "categories_enc")
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    schema: str
    install_id: str
    counts: dict[str, int] = field(default_factory=dict)
    size: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "schema": self.schema,
            "counts": self.counts,
            "bytes": self.size,
        }


def database_path(data_dir: Path) -> Path:
    return Path(data_dir) / DB_NAME


# ---------------------------------------------------------------------------- backup


def backup(data_dir: Path, target: Path) -> BackupInfo:
    """Copy the till's database to ``target`` (``.gz`` → compressed), verified, atomically."""
    source = database_path(data_dir)
    if not source.is_file():
        raise PosError("store.not_initialised", path=str(data_dir))
    target = Path(target)
    if target.is_dir():
        raise PosError("backup.target_is_dir", path=str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".posclient-backup-") as tmp:
        plain = Path(tmp) / "copy.sqlite3"
        expected = _snapshot_copy(source, plain)
        info = verify(plain)
        if info.counts != expected:
            raise PosError("backup.verify_failed", path=str(target), reason="row counts differ")
        staged = Path(tmp) / "staged"
        if target.name.endswith(".gz"):
            with open(plain, "rb") as src, gzip.open(staged, "wb", compresslevel=6) as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        else:
            shutil.copyfile(plain, staged)
        _fsync(staged)
        os.replace(staged, target)
    _fsync_dir(target.parent)
    log.info("backup written", extra={"bytes": target.stat().st_size})
    return BackupInfo(target, info.schema, info.install_id, info.counts, target.stat().st_size)


def _snapshot_copy(source: Path, dest: Path) -> dict[str, int]:
    """Online backup from one read snapshot; returns the snapshot's row counts."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, isolation_level=None)
    try:
        src.execute("PRAGMA busy_timeout=10000")
        src.execute("BEGIN")  # the counts and the copied pages come from the same snapshot
        counts = _counts(src)
        dst = sqlite3.connect(dest)
        try:
            src.backup(dst)
        finally:
            dst.close()
        src.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        raise PosError("backup.source_unreadable", path=str(source), error=str(exc)[:80]) from exc
    finally:
        src.close()
    return counts


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    return {
        name: int(conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0])
        for name in COUNTED
        if name in tables
    }


# ---------------------------------------------------------------------------- verify


def verify(path: Path) -> BackupInfo:
    """Check a backup file (plain or gzip): a readable till database at a schema we know."""
    path = Path(path)
    if not path.is_file():
        raise PosError("backup.missing", path=str(path))
    with _plain_copy(path) as plain:
        return _verify_plain(plain, shown=path)


@contextlib.contextmanager
def _plain_copy(path: Path):  # type: ignore[no-untyped-def]
    with open(path, "rb") as handle:
        magic = handle.read(2)
    if magic != _GZIP_MAGIC:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="posclient-restore-") as tmp:
        plain = Path(tmp) / "plain.sqlite3"
        try:
            with gzip.open(path, "rb") as src, open(plain, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except (OSError, EOFError) as exc:
            raise PosError("backup.corrupt", path=str(path), reason="gzip") from exc
        yield plain


def _verify_plain(plain: Path, *, shown: Path) -> BackupInfo:
    try:
        conn = sqlite3.connect(f"file:{plain}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise PosError("backup.corrupt", path=str(shown), reason=str(exc)[:80]) from exc
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise PosError("backup.corrupt", path=str(shown), reason=str(result)[:80])
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables or "meta" not in tables:
            raise PosError("backup.not_a_till", path=str(shown))
        schema = str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])
        if schema > SCHEMA_HEAD:
            raise PosError("backup.newer_schema", path=str(shown), schema=schema)
        row = conn.execute("SELECT value FROM meta WHERE key='install_id'").fetchone()
        if row is None:
            raise PosError("backup.not_a_till", path=str(shown))
        counts = _counts(conn)
    except sqlite3.DatabaseError as exc:
        raise PosError("backup.corrupt", path=str(shown), reason=str(exc)[:80]) from exc
    finally:
        conn.close()
    return BackupInfo(shown, schema, str(row[0]), counts, shown.stat().st_size)


def key_ids_used(plain: Path) -> set[str]:
    """The field-key ids the database's encrypted member fields were sealed with."""
    conn = sqlite3.connect(f"file:{plain}?mode=ro", uri=True)
    try:
        used: set[str] = set()
        columns = ", ".join(_ENCRYPTED)
        for row in conn.execute(f"SELECT {columns} FROM members"):
            for blob in row:
                if isinstance(blob, str) and blob.startswith("v1."):
                    used.add(blob.split(".", 2)[1])
        return used
    finally:
        conn.close()


def _check_keys(plain: Path, install_id: str, shown: Path) -> None:
    used = key_ids_used(plain)
    if not used:
        return
    stored = SecretStore(install_id).get(KEYRING_NAME)
    have = set(FieldKeys.loads(stored).keys) if stored else set()
    missing = sorted(used - have)
    if missing:
        raise PosError("backup.key_missing", path=str(shown), key_id=missing[0])


# ---------------------------------------------------------------------------- restore


@dataclass(frozen=True)
class Restored:
    info: BackupInfo
    previous: Path | None


def restore(data_dir: Path, source: Path) -> Restored:
    """Replace the till's database with the backup ``source`` (verified first)."""
    data_dir = Path(data_dir)
    source = Path(source)
    with _plain_copy(source) as plain:
        info = _verify_plain(plain, shown=source)
        _check_keys(plain, info.install_id, source)
        data_dir.mkdir(parents=True, exist_ok=True)
        with (
            applock.held(data_dir),
            applock.held(data_dir, applock.SYNC_LOCK_NAME, "sync.busy"),  # `sync` mid-pass
        ):
            target = database_path(data_dir)
            previous = _keep_previous(target)
            staged = data_dir / f".{DB_NAME}.restoring"
            shutil.copyfile(plain, staged)
            _fsync(staged)
            for suffix in ("-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    (data_dir / f"{DB_NAME}{suffix}").unlink()
            os.replace(staged, target)
            _fsync_dir(data_dir)
    _note_restore(target, source)
    log.info("database restored", extra={"schema": info.schema})
    return Restored(info, previous)


def _keep_previous(target: Path) -> Path | None:
    """Copy the current database (with its WAL) to ``*.pre-restore``; empty its WAL."""
    if not target.exists():
        return None
    previous = target.with_name(target.name + ".pre-restore")
    try:
        src = sqlite3.connect(target)
        try:
            dst = sqlite3.connect(previous)
            try:
                src.backup(dst)
            finally:
                dst.close()
            src.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            src.close()
    except sqlite3.DatabaseError:
        # The current file is damaged (often why one restores): keep its bytes as they are.
        shutil.copyfile(target, previous)
    return previous


def _note_restore(target: Path, source: Path) -> None:
    conn = sqlite3.connect(target)
    try:
        with conn:
            for key, value in (
                ("restored_at", datetime.now(UTC).isoformat()),
                ("restored_from", source.name),
            ):
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )
    finally:
        conn.close()


# ---------------------------------------------------------------------------- daily


def daily_dir(data_dir: Path) -> Path:
    return Path(data_dir) / BACKUP_DIR


def maybe_daily_backup(
    data_dir: Path, now: datetime, *, keep: int = DAILY_KEEP
) -> BackupInfo | None:
    """Take today's backup if there is none yet, then keep only the newest ``keep`` dailies."""
    if not database_path(data_dir).is_file():
        return None
    folder = daily_dir(data_dir)
    today: date = now.astimezone().date() if now.tzinfo else now.date()
    target = folder / f"{DAILY_PREFIX}{today.isoformat()}{DAILY_SUFFIX}"
    made = None if target.exists() else backup(data_dir, target)
    dailies = sorted(folder.glob(f"{DAILY_PREFIX}*{DAILY_SUFFIX}"))
    for old in dailies[: max(0, len(dailies) - keep)]:
        old.unlink()
        log.info("old daily backup removed", extra={"file": old.name})
    return made


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    if os.name == "nt":  # pragma: no cover - directories cannot be opened on Windows
        return
    with contextlib.suppress(OSError):
        _fsync(path)
