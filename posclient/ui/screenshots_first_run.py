"""Screenshots of the first-run wizard against a real reference HQ (scripts/screenshots.sh).

    python -m posclient.ui.screenshots_first_run OUTDIR

Starts ``posclient-hq serve`` with demo data on a free loopback port, walks the wizard (Chinese,
then the HQ page in English) and saves one picture per page: first-run-*.png.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from posclient.ui.screenshots import pump, wait_until


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _hq(base: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    import httpx

    db = f"sqlite:///{base / 'hq.sqlite3'}"
    cli = [sys.executable, "-m", "posclient.hq.cli"]
    demo = [*cli, "demo-data", "--db", db, "--members", "6"]
    subprocess.run(demo, check=True, capture_output=True)
    code = subprocess.run(
        [*cli, "pairing-code", "--db", db, "--store", "S001"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    port = _free_port()
    proc = subprocess.Popen(
        [*cli, "serve", "--db", db, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                return proc, url, code
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.terminate()
    raise TimeoutError("HQ did not start")


def main(argv: list[str] | None = None) -> int:
    out = Path((argv or sys.argv[1:])[0])
    out.mkdir(parents=True, exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="posclient-shots-"))
    os.environ.setdefault("POSCLIENT_SECRETS", "file")
    os.environ.setdefault("POSCLIENT_SECRETS_DIR", str(base / "secrets"))
    from posclient.ui import theme

    theme.prepare_high_dpi()
    app = QApplication(sys.argv[:1])
    theme.apply(app)
    from posclient.bootstrap import open_till
    from posclient.ui.first_run import FirstRunWizard
    from posclient.ui.operations import Operations
    from posclient.ui.translation import Translations

    hq, url, code = _hq(base)
    till = open_till(base / "till", create=True)
    ops = Operations()
    wizard = FirstRunWizard(till, ops, Translations())
    wizard.move(0, 0)
    wizard.show()

    def shot(name: str) -> None:
        pump(300)
        path = out / f"first-run-{name}.png"
        wizard.grab().save(str(path))
        print(path)

    try:
        shot("language")
        wizard.next()
        wizard.hqPage.urlInput.setText(url)
        wizard.hqPage.check()
        wait_until(wizard.hqPage.isComplete)
        shot("hq")
        wizard.next()
        wizard.pairPage.storeInput.setText("S001")
        wizard.pairPage.codeInput.setText(code)
        wizard.pairPage.pair()
        wait_until(wizard.pairPage.isComplete)
        shot("pairing")
        wizard.next()
        wizard.printerPage.escposInput.setText("network:192.168.1.50")
        shot("printer")
        wizard.next()
        wizard.scannerPage.scanInput.setText("2990000000019")
        wizard.scannerPage.decode()
        shot("scanner")
        wizard.switch_language("en")
        pump(100)
        shot("scanner-en")
    finally:
        wizard.close()
        ops.close()
        till.close()
        hq.terminate()
        hq.wait(10)
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
