"""The Linux one-folder bundle (installer/posclient.spec) builds and starts.

Builds with installer/build.sh into a temp dir (about 1.5-3 minutes on 2 cores), or reuses a
bundle built earlier in the same run when POSCLIENT_BUNDLE_DIR points at dist/posclient. Runs by
default and in CI; set POSCLIENT_SKIP_BUNDLE=1 to skip it locally. A failed build fails the test.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from posclient import __version__
from posclient.store.migrate import SCHEMA_HEAD

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("POSCLIENT_SKIP_BUNDLE") == "1", reason="POSCLIENT_SKIP_BUNDLE=1"
    ),
]


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle, built once per test run. With the suite on several workers (scripts/test.sh)
    this module's tests may run on different ones: the first builds into the run's shared temp
    folder under a lock, the others wait for it and use that build."""
    prebuilt = os.environ.get("POSCLIENT_BUNDLE_DIR")
    if prebuilt:
        return Path(prebuilt)
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's folder, above each worker's own
    out = shared / "bundle"
    with open(shared / "bundle.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "built").exists():
            _build(out)
            (out / "built").touch()
    return out / "dist" / "posclient"


def _build(out: Path) -> None:
    env = {
        **os.environ,
        "PYTHON": sys.executable,
        "DISTPATH": str(out / "dist"),
        "WORKPATH": str(out / "work"),
    }
    proc = subprocess.run(
        [str(ROOT / "installer" / "build.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, (
        f"bundle build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )


def run(bundle: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The bundle as a person starts it: no venv on PATH, no PYTHONPATH, its own HOME."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "LANG": "C.UTF-8",
        "POSCLIENT_SECRETS": "file",
        "POSCLIENT_SECRETS_DIR": str(tmp_path / "secrets"),
    }
    return subprocess.run(
        [str(bundle / "posclient"), *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_bundle_prints_its_version(bundle: Path, tmp_path: Path) -> None:
    proc = run(bundle, tmp_path, "--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"posclient {__version__}"


def test_bundle_smoke_starts_offscreen_and_opens_its_database(bundle: Path, tmp_path: Path) -> None:
    data = tmp_path / "till"
    for _ in range(2):  # creates and migrates, then opens the existing file
        proc = run(bundle, tmp_path, "--smoke", "--data-dir", str(data))
        assert proc.returncode == 0, proc.stderr
        assert (
            proc.stdout.strip()
            == f"posclient {__version__} smoke ok: schema {SCHEMA_HEAD}, database ok"
        )
    assert (data / "posclient.sqlite3").is_file()


def test_bundle_carries_resources_and_admin_commands(bundle: Path, tmp_path: Path) -> None:
    internal = bundle / "_internal"
    for name in ("posclient_zh_CN.qm", "posclient_en.qm"):
        assert (internal / "resources" / "i18n" / name).is_file()
    assert (internal / "resources" / "icons" / "app.svg").is_file()
    assert (internal / "libzbar.so.0").is_file()
    data = tmp_path / "till"
    proc = run(bundle, tmp_path, "admin", "--data-dir", str(data), "init", "--demo")
    assert proc.returncode == 0, proc.stderr
    proc = run(bundle, tmp_path, "admin", "--data-dir", str(data), "doctor", "--json")
    checks = {c["name"]: c for c in json.loads(proc.stdout)["checks"]}
    assert checks["database"]["status"] == "ok" and checks["migrations"]["status"] == "ok"
    assert checks["zbar"]["status"] == "ok"  # the bundled libzbar, found by the runtime hook
    backup = tmp_path / "b.sqlite3.gz"
    proc = run(bundle, tmp_path, "admin", "--data-dir", str(data), "backup", str(backup))
    assert proc.returncode == 0 and backup.is_file(), proc.stderr


def test_bundle_reads_a_large_first_load_in_worker_processes(bundle: Path, tmp_path: Path) -> None:
    """A first load of ≥ 50,000 members starts page workers: in the bundle they are the bundle's
    executable started again (multiprocessing.freeze_support in installer/entry.py), and must
    read pages, not open a second till, and end with the load."""
    from tests.sync.conftest import running_hq

    (tmp_path / "hq").mkdir()
    with running_hq(tmp_path / "hq", 80_000) as hq:
        data = str(tmp_path / "till")
        proc = run(bundle, tmp_path, "admin", "--data-dir", data, "init")
        assert proc.returncode == 0, proc.stderr
        code = hq.pairing_code("S001")
        proc = run(bundle, tmp_path, "admin", "--data-dir", data, "pair", code, "--hq", hq.url)
        assert proc.returncode == 0, proc.stderr
        proc = run(bundle, tmp_path, "admin", "--data-dir", data, "sync", "--until-idle", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["error"] is None and report["snapshot_done"] == 80_000
    assert report["pages_in_workers"] >= 1  # the workers came up (1-2 s) and read pages
    assert _bundle_workers(bundle) == []  # none outlived the command


def _bundle_workers(bundle: Path) -> list[str]:
    """Command lines of the bundle's multiprocessing children still running (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, UnicodeDecodeError):
            continue
        if str(bundle) in line and "multiprocessing" in line:
            found.append(line)
    return found
