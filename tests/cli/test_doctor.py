"""posclient-admin doctor as an operator runs it: a real process on a real data dir."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

from posclient.bootstrap import open_till
from posclient.services import till_settings
from posclient.store.migrate import SCHEMA_HEAD

from .test_admin import admin


def doctor(data_dir, *args, lang=None):
    proc = admin(data_dir, "doctor", "--json", *args, lang=lang, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    return proc.returncode, {c["name"]: c for c in report["checks"]}


def set_printer(data_dir, spec):
    till = open_till(data_dir)
    try:
        till_settings.save(till.db, {"escpos": spec})
    finally:
        till.close()


def test_healthy_unpaired_till_passes_with_plain_warnings(demo_dir, tmp_path) -> None:
    code, checks = doctor(demo_dir, lang="en")
    assert code == 0
    assert list(checks) == [
        "database",
        "migrations",
        "members",
        "keyring",
        "hq",
        "zbar",
        "camera",
        "printer",
        "disk",
    ]
    assert checks["database"]["status"] == "ok"
    assert checks["migrations"]["status"] == "ok" and SCHEMA_HEAD in checks["migrations"]["message"]
    assert (
        checks["members"]["status"] == "ok"
        and "members on this till" in checks["members"]["message"]
    )
    # Tests run with the file fallback (no OS keyring): said plainly, as a warning.
    keyring = checks["keyring"]
    assert keyring["status"] == "warn" and keyring["code"] == "doctor.keyring_file"
    assert "0600" in keyring["message"] and str(tmp_path) not in keyring["message"]
    assert checks["hq"]["status"] == "warn" and checks["hq"]["code"] == "doctor.hq_not_set"
    assert checks["zbar"]["status"] == "ok"  # libzbar0 is installed by scripts/setup.sh
    assert checks["printer"]["code"] == "doctor.printer_none"
    assert checks["disk"]["status"] in ("ok", "warn") and "MB" in checks["disk"]["message"]


def test_human_table_is_chinese_by_default(demo_dir) -> None:
    proc = admin(demo_dir, "doctor")
    lines = proc.stdout.splitlines()
    assert len(lines) == 9
    assert lines[0].startswith("OK") and "数据库" in lines[0] and "完整性检查通过" in lines[0]
    assert any(line.startswith("WARN") and "仅本用户可读的文件" in line for line in lines)


def test_corrupted_database_fails_with_one_line_reason(demo_dir) -> None:
    path = demo_dir / "posclient.sqlite3"
    data = bytearray(path.read_bytes())
    data[:100] = b"\x00this is not an sqlite header any more" + b"\x00" * 62
    path.write_bytes(bytes(data))
    code, checks = doctor(demo_dir)
    assert code == 1
    assert checks["database"]["status"] == "fail"
    assert checks["database"]["message"].startswith("数据库已损坏")
    assert "\n" not in checks["database"]["message"]
    assert checks["migrations"]["status"] == "fail"  # not checked on a broken file
    # the plain table says the same and the exit code is 1
    proc = admin(demo_dir, "doctor", check=False, lang="en")
    assert proc.returncode == 1
    assert any(line.startswith("FAIL") and "damaged" in line for line in proc.stdout.splitlines())


def test_a_load_from_hq_left_half_way_is_a_warning(demo_dir) -> None:
    """HQ went away during a first load (the look-up index still set aside), or during a new
    snapshot: said, with the way out; the till still passes."""
    from posclient.services import feedapply, settings
    from posclient.store import fastpath
    from posclient.store.uow import UnitOfWork

    till = open_till(demo_dir)
    try:
        with UnitOfWork(till.db) as uow:
            settings.put(uow.session, "snapshot_in_progress", "1")
            feedapply.defer_identity_index(fastpath.driver(uow.session))
            uow.commit()
        code, checks = doctor(demo_dir, lang="en")
        assert code == 0 and checks["members"]["status"] == "warn"
        assert checks["members"]["code"] == "doctor.first_load_unfinished"
        assert "slower" in checks["members"]["message"] and "sync" in checks["members"]["message"]
        with UnitOfWork(till.db) as uow:
            feedapply.restore_identity_index(fastpath.driver(uow.session))
            uow.commit()
        code, checks = doctor(demo_dir, lang="en")
        assert code == 0 and checks["members"]["code"] == "doctor.snapshot_unfinished"
    finally:
        till.close()


def test_missing_database_fails(tmp_path) -> None:
    code, checks = doctor(tmp_path / "nothing-here", lang="en")
    assert code == 1 and checks["database"]["code"] == "doctor.db_missing"


def test_network_printer_reachable_or_not(demo_dir) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        set_printer(demo_dir, f"network:127.0.0.1:{port}")
        _code, checks = doctor(demo_dir, lang="en")
        assert checks["printer"]["status"] == "ok"
    # the listener is gone: the same setting now fails the check and the command
    code, checks = doctor(demo_dir, lang="en")
    assert checks["printer"]["status"] == "fail" and code == 1
    assert checks["printer"]["message"] == f"Set but unreachable: network:127.0.0.1:{port}"


def test_no_secret_is_ever_printed(demo_dir, monkeypatch) -> None:
    from posclient.security.secrets import SecretStore

    till = open_till(demo_dir)
    store = SecretStore(till.checkout.till.install_id)
    keys = store.get("field-keys")
    till.close()
    proc = subprocess.run(
        [sys.executable, "-m", "posclient.cli", "--data-dir", str(demo_dir), "doctor", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert keys and keys not in proc.stdout and keys not in proc.stderr
