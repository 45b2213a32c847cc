"""posclient-admin doctor against the real HQ process: reachable, token valid / revoked, down."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from posclient.i18n import text
from posclient.services import settings
from posclient.services.sync import TOKEN
from tests.cli.test_admin import admin

from .conftest import HqProcess, hq_cli


def hq_check(data_dir):
    proc = admin(data_dir, "doctor", "--json", "--timeout", "3", lang="en", check=False)
    checks = {c["name"]: c for c in json.loads(proc.stdout)["checks"]}
    return proc, checks["hq"]


def test_doctor_reports_hq_and_token(hq_process: HqProcess, make_till) -> None:
    paired = make_till()
    token = paired.till.secrets.get(TOKEN)
    assert token
    proc, hq = hq_check(paired.till.data_dir)
    assert hq["status"] == "ok", hq
    assert hq["message"] == f"HQ reachable, device token valid ({hq_process.url})"
    assert token not in proc.stdout and token not in proc.stderr

    with paired.till.db.read() as session:
        device_id = settings.get(session, "device_id")
    hq_cli("revoke", "--db", hq_process.db_url, "--device", device_id)
    proc, hq = hq_check(paired.till.data_dir)
    assert proc.returncode == 1
    assert hq["status"] == "fail" and hq["code"] == "doctor.hq_token_invalid"

    hq_process.stop()
    proc, hq = hq_check(paired.till.data_dir)
    assert proc.returncode == 1
    assert hq["code"] == "doctor.hq_unreachable"
    assert text("sync.offline", "en") in hq["message"]  # the reason in words, not its code


def test_doctor_names_an_exposed_token_file_and_still_checks_hq(
    hq_process: HqProcess, make_till
) -> None:
    paired = make_till()
    folder = Path(paired.till.secrets.info.location)
    token_file = next(p for p in folder.iterdir() if "token" in p.name)
    token_file.chmod(0o644)
    proc = admin(paired.till.data_dir, "doctor", "--json", "--timeout", "3", lang="en", check=False)
    checks = {c["name"]: c for c in json.loads(proc.stdout)["checks"]}
    assert proc.returncode == 1
    assert checks["keyring"]["status"] == "fail"
    assert checks["keyring"]["code"] == "secrets.file_exposed"
    assert str(token_file) in checks["keyring"]["message"]
    assert checks["hq"]["code"] == "doctor.hq_token_unreadable"


def test_doctor_says_the_keys_are_missing_rather_than_pair_again(
    hq_process: HqProcess, make_till, tmp_path: Path
) -> None:
    """QA 10: run with another key store (another OS user, HOME changed), doctor said "no
    device token: pair again", while the till itself refused to start because its field keys
    are not there either; pairing again opens none of its data."""
    paired = make_till()
    assert paired.engine.run_until_idle(deadline_s=30).error is None  # members: sealed data
    elsewhere = tmp_path / "another-users-secrets"
    env = {**os.environ, "POSCLIENT_SECRETS_DIR": str(elsewhere)}
    command = [sys.executable, "-m", "posclient.cli", "--data-dir", str(paired.till.data_dir)]
    proc = subprocess.run(
        [*command, "--lang", "en", "doctor", "--json", "--timeout", "3"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    checks = {c["name"]: c for c in json.loads(proc.stdout)["checks"]}
    assert proc.returncode == 1
    for name in ("keyring", "hq"):
        assert checks[name]["status"] == "fail", checks[name]
        assert checks[name]["code"] == "secrets.keys_missing"
        assert str(elsewhere) in checks[name]["message"]
    # With its own key store the same till is fine.
    proc, hq = hq_check(paired.till.data_dir)
    assert hq["status"] == "ok"
