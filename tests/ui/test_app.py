"""`posclient --demo` starts the checkout screen with demo data, ready to sell."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_app(*args: str, tmp_path: Path, timeout: int = 60) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        POSCLIENT_READY_MARKER="exit",
        PYTHONPATH=str(ROOT),
        HOME=str(tmp_path / "home"),
    )
    env.pop("POSCLIENT_SECRETS_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "posclient", *args],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=tmp_path,
    )


def test_demo_opens_the_checkout_ready_to_scan(tmp_path):
    data = tmp_path / "demo-till"
    result = run_app("--demo", "--data-dir", str(data), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "posclient-ready" in result.stdout
    assert (data / "posclient.sqlite3").exists()
    # Secrets of a demo go next to its data, never to the real keyring or config dir.
    secrets = tmp_path / "demo-till-secrets"
    assert secrets.is_dir() and any(secrets.iterdir())
    # Started again on the same directory: reused, not loaded twice.
    again = run_app("--demo", "--data-dir", str(data), tmp_path=tmp_path)
    assert again.returncode == 0 and "posclient-ready" in again.stdout


def test_new_data_dir_opens_the_first_run_wizard(tmp_path):
    # issue 9: a till that is not set up starts with the first-run wizard (cancelled here)
    result = run_app("--data-dir", str(tmp_path / "new"), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "posclient-first-run" in result.stdout and "posclient-ready" not in result.stdout
    assert (tmp_path / "new" / "posclient.sqlite3").is_file()


def test_second_till_on_the_same_data_dir_is_refused(tmp_path):
    # issue 9: the running till holds the data dir's lock (restore relies on it)
    from posclient.services.applock import AppLock

    data = tmp_path / "d"
    lock = AppLock(data)
    lock.acquire()
    try:
        result = run_app("--demo", "--data-dir", str(data), tmp_path=tmp_path)
    finally:
        lock.release()
    assert result.returncode == 1 and "收银程序正在使用此数据目录" in result.stderr
