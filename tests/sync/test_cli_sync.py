"""posclient-admin pair / sync / status as an operator runs them, against the real HQ process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from posclient.i18n import text
from tests.cli.test_admin import admin

from .conftest import HqProcess, hq_cli


def _lines(err: str) -> int:
    return len(err.strip().splitlines())


def test_pair_sync_and_status_from_the_command_line(tmp_path: Path, hq_process: HqProcess) -> None:
    data = tmp_path / "till"
    admin(data, "init", "--demo", "--hq", hq_process.url)
    code = hq_process.pairing_code()
    paired = admin(data, "pair", code, "--json", lang="en")
    answer = json.loads(paired.stdout)
    assert answer["store"] == "S001" and answer["hq_url"] == hq_process.url
    assert answer["resent"] == 0 and answer["moved_pending"] == 0 and paired.stderr == ""
    # The store is HQ's now: init cannot change it behind HQ's back.
    moved = admin(data, "init", "--store", "S009", lang="en", check=False)
    assert moved.returncode == 1 and "pair it again" in moved.stderr
    assert json.loads(admin(data, "status", "--json").stdout)["store"] == "S001"
    # The token never shows; a used code is one line and exit 1.
    again = admin(data, "pair", code, lang="en", check=False)
    assert again.returncode == 1 and _lines(again.stderr) == 1 and again.stdout == ""

    sale = json.loads(admin(data, "sale", "--item", "MILK-1L", "--json").stdout)
    report = json.loads(admin(data, "sync", "--until-idle", "--json").stdout)
    assert report["error"] is None and report["pending"] == 0
    assert report["pushed"] == 1 and report["applied"] == 1 and report["pages"] >= 1
    receipt = sale["receipt_no"]
    assert hq_process.sql("SELECT count(*) FROM sales WHERE receipt_no = ?", receipt) == [(1,)]
    status = json.loads(admin(data, "status", "--json").stdout)
    assert status["pending"] == 0 and status["rejected"] == 0 and status["hq_reachable"] is True
    assert status["last_sync"] and status["cursor"] and status["needs_pairing"] is False
    assert text("cli.status_online", "en") in admin(data, "status", lang="en").stdout

    # Revoked at HQ: reachable, but not "online" (QA 10: the text said both at once).
    device = json.loads(admin(data, "status", "--json").stdout)["device_id"]
    hq_cli("revoke", "--db", hq_process.db_url, "--device", device)
    assert admin(data, "sync", check=False).returncode == 1
    shown = admin(data, "status", lang="en").stdout
    assert text("cli.status_online", "en") not in shown
    assert text("cli.status_reachable_unpaired", "en") in shown
    assert text("sync.unauthorized", "en") in shown
    assert admin(data, "pair", hq_process.pairing_code(), lang="en").returncode == 0

    # HQ down: one line on stderr saying so, exit 1, the sale kept for later.
    hq_process.stop()
    admin(data, "sale", "--item", "MILK-1L")
    down = admin(data, "sync", lang="en", check=False)
    assert down.returncode == 1 and down.stdout == ""
    assert down.stderr.strip() == text("sync.offline", "en")
    status = json.loads(admin(data, "status", "--json").stdout)
    assert status["pending"] == 1 and status["hq_reachable"] is False


def test_pairing_with_hq_down_says_the_till_is_not_paired(
    tmp_path: Path, hq_process: HqProcess
) -> None:
    data = tmp_path / "till"
    admin(data, "init", "--hq", hq_process.url)
    code = hq_process.pairing_code()
    hq_process.stop()
    proc = admin(data, "pair", code, lang="en", check=False)
    assert proc.returncode == 1 and _lines(proc.stderr) == 1
    assert "not paired" in proc.stderr and "code is unused" in proc.stderr
    hq_process.start()
    assert json.loads(admin(data, "pair", code, "--json").stdout)["store"] == "S001"


def test_pairing_whose_answer_is_lost_does_not_call_the_code_unused(tmp_path: Path) -> None:
    """QA round 4: HQ paired the till but the answer was lost; the till said the code was
    unused, and pairing again was refused as 'already used'."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def swallow() -> None:  # reads the request, then hangs up without an answer
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)

    threading.Thread(target=swallow, daemon=True).start()
    data = tmp_path / "till"
    admin(data, "init", "--hq", f"http://127.0.0.1:{port}")
    proc = admin(data, "pair", "ABCDE-FGHJK", lang="en", check=False)
    listener.close()
    assert proc.returncode == 1 and _lines(proc.stderr) == 1
    assert "did not answer" in proc.stderr and "code may have been used" in proc.stderr
    assert "code is unused" not in proc.stderr


def test_sync_timeout_takes_plain_seconds_and_only_with_until_idle(tmp_path: Path) -> None:
    """QA round 4: -5, 0, inf, nan and full-width digits were taken (nan retried with no delay)."""
    data = tmp_path / "till"
    admin(data, "init")
    for value in ("-5", "0", "inf", "nan", "５", "1e3", "100000"):
        proc = admin(data, "sync", "--until-idle", "--timeout", value, lang="en", check=False)
        assert proc.returncode == 2 and _lines(proc.stderr) == 1, (value, proc.stderr)
        assert "takes seconds" in proc.stderr
    proc = admin(data, "sync", "--timeout", "5", lang="en", check=False)
    assert proc.returncode == 2 and "goes with --until-idle" in proc.stderr
    proc = admin(data, "doctor", "--timeout", "nan", lang="en", check=False)
    assert proc.returncode == 2 and "takes seconds" in proc.stderr


def _admin_env(data: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "posclient.cli", "--data-dir", str(data), "--lang", "en"]
    return subprocess.run(
        [*command, *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )


def test_secrets_inside_the_data_dir_or_a_bad_mode_are_refused(
    tmp_path: Path, hq_process: HqProcess
) -> None:
    """QA 6: pair stored the token inside the data dir (copied with every backup), and
    POSCLIENT_SECRETS=bogus was taken for auto."""
    data = tmp_path / "till"
    admin(data, "init", "--hq", hq_process.url)
    code = hq_process.pairing_code()
    inside = _admin_env(data, {"POSCLIENT_SECRETS_DIR": str(data / "secrets")}, "pair", code)
    assert inside.returncode == 1 and _lines(inside.stderr) == 1
    assert "inside the data dir" in inside.stderr
    assert not (data / "secrets").exists()  # QA 7: no field keys left there either
    # A new till is not made with its keys inside its data dir: nothing is created.
    fresh = tmp_path / "fresh"
    made = _admin_env(fresh, {"POSCLIENT_SECRETS_DIR": str(fresh / "keys")}, "init", "--demo")
    assert made.returncode == 1 and _lines(made.stderr) == 1
    assert "inside the data dir" in made.stderr and not fresh.exists()
    bogus = _admin_env(data, {"POSCLIENT_SECRETS": "bogus"}, "status")
    assert bogus.returncode != 0 and _lines(bogus.stderr) == 1
    assert 'POSCLIENT_SECRETS="bogus" is not a choice' in bogus.stderr
    empty = admin(data, "pair", "", lang="en", check=False)  # an unset shell variable
    assert empty.returncode == 2 and "Invalid value for CODE" in empty.stderr
    # Refused before HQ was asked: the code still pairs the till.
    assert json.loads(admin(data, "pair", code, "--json").stdout)["store"] == "S001"


def test_pairing_with_another_store_says_what_happens_to_waiting_events(
    tmp_path: Path, hq_process: HqProcess
) -> None:
    """QA 6: the sales waiting from the old store went to the new one without a word."""
    data = tmp_path / "till"
    admin(data, "init", "--demo", "--hq", hq_process.url)
    admin(data, "pair", hq_process.pairing_code("S001"))
    hq_process.stop()
    admin(data, "sale", "--item", "MILK-1L")  # waits: HQ is down
    hq_process.start()
    moved = admin(data, "pair", hq_process.pairing_code("S002"), "--json", lang="en")
    answer = json.loads(moved.stdout)
    assert answer["store"] == "S002" and answer["previous_store"] == "S001"
    assert answer["moved_pending"] == 1
    assert "paired with store S001 and 1 events made there" in moved.stderr
    same = admin(data, "pair", hq_process.pairing_code("S002"), "--json", lang="en")
    assert json.loads(same.stdout)["moved_pending"] == 0 and same.stderr == ""


def test_one_sync_pass_at_a_time(tmp_path: Path, hq_process: HqProcess) -> None:
    """QA 7: two passes side by side (the app's and `sync`) sent an event twice and the slower
    one wrote its older cursor over the newer one. Another process holding the pass's lock (as
    the app does while it syncs): `sync` says so in one line and changes nothing."""
    from posclient.services import applock

    data = tmp_path / "till"
    admin(data, "init", "--demo", "--hq", hq_process.url)
    admin(data, "pair", hq_process.pairing_code())
    admin(data, "sale", "--item", "MILK-1L")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from posclient.services import applock;"
            "lock = applock.AppLock(Path(sys.argv[1]), applock.SYNC_LOCK_NAME); lock.acquire();"
            "print('held', flush=True); time.sleep(60)",
            str(data),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        busy = admin(data, "sync", "--json", lang="en", check=False)
        assert busy.returncode == 1 and _lines(busy.stderr) == 1
        assert busy.stderr.strip() == text("sync.busy", "en")
        assert json.loads(busy.stdout)["pending"] == 1
        status = json.loads(admin(data, "status", "--json").stdout)
        assert status["pending"] == 1 and status["last_sync"] is None
    finally:
        holder.kill()
        holder.wait()
    done = json.loads(admin(data, "sync", "--json").stdout)
    assert done["error"] is None and done["applied"] == 1 and done["pending"] == 0
    assert (data / applock.SYNC_LOCK_NAME).exists()
