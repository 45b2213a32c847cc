"""``posclient-admin doctor``: is this till fit to sell? One check per concern, no Qt.

Each check answers ok / warn / fail with a message code (posclient/i18n.py) and parameters, so
the command can say it in the operator's language. Nothing here prints or returns a secret: the
device token is only ever sent to HQ in the Authorization header of one cheap call.
"""

from __future__ import annotations

import glob
import shutil
import socket
import sqlite3
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posclient.domain.errors import PosError
from posclient.security.fieldcrypt import KEYRING_NAME
from posclient.security.secrets import SecretStore
from posclient.store.db import classify_db_error
from posclient.store.migrate import SCHEMA_HEAD

from .backup import database_path

OK, WARN, FAIL = "ok", "warn", "fail"
FREE_FAIL_BYTES = 200 * 1024 * 1024
FREE_WARN_BYTES = 2 * 1024 * 1024 * 1024
TOKEN = "device-token"  # same as services.sync.TOKEN (not imported: it pulls in httpx)


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class _State:
    data_dir: Path
    settings: dict[str, str] = field(default_factory=dict)
    db_ok: bool = False
    #: ``_keys_lost``'s answer, once asked (the keyring and HQ checks both need it).
    keys_lost: bool | None = None


def run(data_dir: Path, *, hq_timeout: float = 5.0) -> list[Check]:
    state = _State(Path(data_dir))
    checks: list[tuple[str, Callable[[_State], Check]]] = [
        ("database", check_database),
        ("migrations", check_migrations),
        ("members", check_members),
        ("keyring", check_keyring),
        ("hq", lambda s: check_hq(s, timeout=hq_timeout)),
        ("zbar", check_zbar),
        ("camera", check_camera),
        ("printer", check_printer),
        ("disk", check_disk),
    ]
    results = []
    for name, check in checks:
        try:
            results.append(check(state))
        except PosError as exc:  # a check that could not finish says why, under its own name
            results.append(Check(name, FAIL, exc.code, dict(exc.params)))
    return results


def _connect_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def check_database(state: _State) -> Check:
    path = database_path(state.data_dir)
    if not path.is_file():
        return Check("database", FAIL, "doctor.db_missing", {"path": str(path)})
    try:
        conn = _connect_ro(path)
        try:
            result = str(conn.execute("PRAGMA quick_check").fetchone()[0])
            if result == "ok":
                state.settings = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return _database_error(exc, path)
    if result != "ok":
        return Check("database", FAIL, "doctor.db_corrupt", {"error": result[:80]})
    state.db_ok = True
    return Check("database", OK, "doctor.db_ok", {"path": str(path)})


def _database_error(exc: sqlite3.DatabaseError, path: Path) -> Check:
    """Why the database could not be checked. Only damage says "restore a backup": a full disk
    or another disk error would lose every sale since the backup for nothing."""
    kind = classify_db_error(exc, path)
    if kind == "full":
        return Check("database", FAIL, "doctor.db_disk_full", {"path": str(path)})
    if kind == "io":
        error = str(getattr(exc, "sqlite_errorname", "") or "SQLITE_IOERR")
        return Check("database", FAIL, "doctor.db_io_error", {"error": error})
    if kind == "busy":
        return Check("database", FAIL, "doctor.db_busy", {})
    if kind in ("read_only", "unreadable"):
        return Check("database", FAIL, "doctor.db_unreadable", {"path": str(path)})
    return Check("database", FAIL, "doctor.db_corrupt", {"error": str(exc)[:80]})


def check_migrations(state: _State) -> Check:
    if not state.db_ok:
        return Check("migrations", FAIL, "doctor.skipped_db", {})
    conn = _connect_ro(database_path(state.data_dir))
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        row = None
    finally:
        conn.close()
    current = str(row[0]) if row else "none"
    params = {"current": current, "head": SCHEMA_HEAD}
    if current == SCHEMA_HEAD:
        return Check("migrations", OK, "doctor.schema_current", params)
    if current != "none" and current > SCHEMA_HEAD:
        return Check("migrations", FAIL, "doctor.schema_newer", params)
    return Check("migrations", WARN, "doctor.schema_behind", params)


def check_members(state: _State) -> Check:
    """The members cached from HQ, and whether a snapshot from HQ is still under way (a first
    load stopped half-way, HQ gone): until it ends, members HQ no longer has may still be here,
    and on a new till of a large chain looking members up by card or phone is slower (its
    index is built when the load ends; feedapply.defer_identity_index)."""
    if not state.db_ok:
        return Check("members", FAIL, "doctor.skipped_db", {})
    from posclient.services.feedapply import identity_index_deferred

    conn = _connect_ro(database_path(state.data_dir))
    try:
        count = int(conn.execute("SELECT count(*) FROM members").fetchone()[0])
        aside = identity_index_deferred(conn)
    finally:
        conn.close()
    params = {"count": count}
    if aside:
        return Check("members", WARN, "doctor.first_load_unfinished", params)
    if state.settings.get("snapshot_in_progress") == "1":
        return Check("members", WARN, "doctor.snapshot_unfinished", params)
    return Check("members", OK, "doctor.members_ok", params)


def _secrets(state: _State) -> SecretStore | None:
    install_id = state.settings.get("install_id")
    return SecretStore(install_id) if install_id else None


def check_keyring(state: _State) -> Check:
    store = _secrets(state) or SecretStore("doctor")
    info = store.info
    if info.is_os_keyring:
        if _keys_lost(state, store):
            return Check("keyring", FAIL, "secrets.keys_missing", {"where": info.name})
        return Check("keyring", OK, "doctor.keyring_os", {"backend": info.name})
    folder = Path(info.location)
    # The fallback must be out of reach: not in the data dir (backups, support copies) and not
    # readable by anyone but the till's user.
    if _inside(folder, state.data_dir):
        return Check("keyring", FAIL, "doctor.secrets_in_data_dir", {"path": str(folder)})
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
                return Check("keyring", FAIL, "secrets.file_exposed", {"path": str(path)})
    if _keys_lost(state, store):
        return Check("keyring", FAIL, "secrets.keys_missing", {"where": info.location})
    return Check("keyring", WARN, "doctor.keyring_file", {"path": info.location})


def _keys_lost(state: _State, store: SecretStore) -> bool:
    """The database holds data sealed with field keys that this key store does not have:
    another OS user, or a lost or misplaced secrets folder (the till refuses to start so).
    Asked once per run (a keyring read may be slow or prompt)."""
    if state.keys_lost is None:
        state.keys_lost = _find_keys_lost(state, store)
    return state.keys_lost


def _find_keys_lost(state: _State, store: SecretStore) -> bool:
    if not state.db_ok:
        return False
    try:
        if store.get(KEYRING_NAME) is not None:
            return False
    except PosError:  # unreadable (exposed): said by its own check
        return False
    from posclient.bootstrap import SEALED_DATA_SQL

    try:
        conn = _connect_ro(database_path(state.data_dir))
        try:
            return conn.execute(SEALED_DATA_SQL).fetchone() is not None
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def check_hq(state: _State, *, timeout: float) -> Check:
    url = state.settings.get("hq_url", "")
    if not url:
        return Check("hq", WARN, "doctor.hq_not_set", {})
    store = _secrets(state)
    unreadable = False
    try:
        token = store.get(TOKEN) if store is not None else None
    except PosError:  # e.g. the token file readable by others (the keyring row says which)
        token, unreadable = None, True
    import httpx

    from posclient.sync.client import HqClient, SyncError

    limits = httpx.Timeout(timeout)
    with HqClient(url, token, timeout=limits) as client:
        try:
            client.health()
        except SyncError as exc:
            if exc.code in ("sync.bad_response", "sync.request_refused"):
                return Check("hq", FAIL, "doctor.hq_not_hq", {"url": url})
            return Check("hq", FAIL, "doctor.hq_unreachable", {"url": url, "code": exc.code})
        if unreadable:
            return Check("hq", FAIL, "doctor.hq_token_unreadable", {"url": url})
        if not token and store is not None and _keys_lost(state, store):
            # Not "pair again": the token is in the key store the till was set up with.
            where = store.info.location or store.info.name
            return Check("hq", FAIL, "secrets.keys_missing", {"where": where})
        if not token:
            return Check("hq", FAIL, "doctor.hq_not_paired", {"url": url})
        try:
            client.pull(state.settings.get("pull_cursor", ""), 1)
        except SyncError as exc:
            if exc.code == "sync.unauthorized":
                return Check("hq", FAIL, "doctor.hq_token_invalid", {"url": url})
            if exc.code not in ("sync.cursor_gone", "sync.request_refused"):
                return Check("hq", FAIL, "doctor.hq_unreachable", {"url": url, "code": exc.code})
    return Check("hq", OK, "doctor.hq_ok", {"url": url})


def check_zbar(state: _State) -> Check:
    try:
        from pyzbar import zbar_library

        zbar_library.load()
    except (ImportError, OSError) as exc:
        return Check("zbar", WARN, "doctor.zbar_missing", {"error": str(exc)[:60]})
    return Check("zbar", OK, "doctor.zbar_ok", {})


def check_camera(state: _State) -> Check:
    if sys.platform.startswith("linux"):
        devices = sorted(glob.glob("/dev/video*"))
    else:  # pragma: no cover - Windows/macOS ask Qt, through the camera module (Qt allowed)
        from posclient.scanning.camera import cameras

        devices = [d.description() for d in cameras()]
    if not devices:
        return Check("camera", WARN, "doctor.camera_none", {})
    return Check("camera", OK, "doctor.camera_ok", {"count": len(devices)})


def check_printer(state: _State) -> Check:
    spec = state.settings.get("escpos", "").strip()
    if not spec:
        return Check("printer", WARN, "doctor.printer_none", {})
    kind, _, rest = spec.partition(":")
    if kind == "file":
        path = Path(rest)
        if rest and path.exists():
            return Check("printer", OK, "doctor.printer_ok", {"spec": spec})
        return Check("printer", FAIL, "doctor.printer_unreachable", {"spec": spec})
    if kind == "network":
        host, _, port = rest.partition(":")
        try:
            with socket.create_connection((host, int(port or 9100)), timeout=2):
                pass
        except (OSError, ValueError):
            return Check("printer", FAIL, "doctor.printer_unreachable", {"spec": spec})
        return Check("printer", OK, "doctor.printer_ok", {"spec": spec})
    if kind == "usb":
        try:
            vid, pid = (int(part, 16) for part in rest.split(":")[:2])
        except ValueError:
            return Check("printer", FAIL, "print.escpos_config", {"spec": spec})
        return Check("printer", OK, "doctor.printer_usb", {"spec": f"usb:{vid:04x}:{pid:04x}"})
    return Check("printer", FAIL, "print.escpos_config", {"spec": spec})


def check_disk(state: _State) -> Check:
    where = state.data_dir if state.data_dir.exists() else state.data_dir.parent
    while not where.exists() and where != where.parent:
        where = where.parent
    free = shutil.disk_usage(where).free
    params = {"free_mb": free // (1024 * 1024)}
    if free < FREE_FAIL_BYTES:
        return Check("disk", FAIL, "doctor.disk_low", params)
    if free < FREE_WARN_BYTES:
        return Check("disk", WARN, "doctor.disk_low", params)
    return Check("disk", OK, "doctor.disk_ok", params)
