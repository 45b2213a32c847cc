"""Checkout window benchmark: cold start to ready-to-scan, and scan → screen updated.

    python tests/bench/bench_ui.py [--members 1000000] [--scans 600] [--starts 5] [--dir DIR]

- cold start: a fresh ``python -m posclient --demo --data-dir DIR`` process, timed from just
  before it is spawned until it prints that the checkout screen is showing with the scan field
  focused (``POSCLIENT_READY_MARKER``); the first start (which creates the database and loads
  the demo data) is reported separately.
- scan → screen: in this process, the real window (offscreen unless DISPLAY is set) on a till
  with ``--members`` cached members (tests/bench/bench_core.py's ``populate``); a keyboard-wedge
  burst is typed into the focused scan field and the time is taken from its Enter key until the
  member panel or cart has been re-rendered and repainted.

Prints a table (metric | measured | target). Never fails on time: it reports.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # start-up time is measured with .pyc caches
os.environ.setdefault("POSCLIENT_SECRETS", "file")
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_core import percentile, populate  # noqa: E402


def cold_start(data_dir: Path, secrets: Path) -> float:
    env = dict(os.environ)
    env.update(
        POSCLIENT_READY_MARKER="exit",
        POSCLIENT_SECRETS_DIR=str(secrets),
        PYTHONPATH=str(ROOT),
    )
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "posclient", "--demo", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("posclient-ready"):
            elapsed = time.perf_counter() - started
            break
    else:
        raise RuntimeError(
            f"posclient never got ready: {proc.stderr.read() if proc.stderr else ''}"
        )
    proc.wait(timeout=30)
    return elapsed


def scan_latencies(
    data_dir: Path, codes: list[tuple[str, str]], scans: int
) -> dict[str, list[float]]:
    from PySide6.QtCore import QEvent, QEventLoop, Qt, QTimer
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    from posclient.app import build_window, open_demo_till
    from posclient.services.checkout import Cart
    from posclient.services.staff import list_staff
    from posclient.ui import theme
    from posclient.ui.translation import Translations

    app = QApplication.instance() or QApplication([])
    theme.apply(app)
    till = open_demo_till(data_dir)
    window = build_window(till, Translations(), lang="zh_CN")
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    window.login_as(next(s for s in list_staff(till.db) if s.staff_id == "c01"))
    page = window.checkoutPage

    def wait_rendered() -> None:
        loop = QEventLoop()
        page.rendered.connect(loop.quit)
        window.ctx.ops.posError.connect(loop.quit)
        QTimer.singleShot(10_000, loop.quit)
        loop.exec()
        page.rendered.disconnect(loop.quit)
        window.ctx.ops.posError.disconnect(loop.quit)

    def press(char: str, key: int) -> None:
        target = QApplication.focusWidget() or page.scanInput
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(
                target, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, char)
            )

    def scan(text: str) -> float:
        for char in text:  # a burst: keys back to back, far faster than the 40 ms gap
            press(char, ord(char.upper()))
        started = time.perf_counter()
        press("\r", Qt.Key.Key_Return)
        wait_rendered()
        page.repaint()  # member panel, cart and totals painted, not just scheduled
        return time.perf_counter() - started

    page.start()
    wait_rendered()
    rng = random.Random(5)
    # MILK-1L, NUTS-MIX, CHIPS, RICE-5KG from resources/demo/products.json
    products = ["6901234000009", "6961234000263", "6971234000279", "6951234000059"]
    out: dict[str, list[float]] = {"member": [], "product": []}
    for n in range(scans):
        if n % 12 == 0:
            page.session.cart = Cart()  # a new sale now and then: carts stay till-sized
        if n % 3 == 0:
            card, phone = rng.choice(codes)
            out["member"].append(scan(card if n % 2 else phone))
        else:
            out["product"].append(scan(rng.choice(products)))
    window.shutdown()
    window.close()
    till.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--scans", type=int, default=600)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=None, help="keep the databases here")
    args = parser.parse_args()

    base = args.dir or Path(tempfile.mkdtemp(prefix="posclient-bench-ui-"))
    secrets = base / "secrets"
    os.environ.setdefault("POSCLIENT_SECRETS_DIR", str(secrets))
    secrets = Path(os.environ["POSCLIENT_SECRETS_DIR"])

    # Cold start on a small till: the first start creates and loads it.
    start_dir = base / "start-till"
    fresh = not (start_dir / "posclient.sqlite3").exists()
    first = cold_start(start_dir, secrets)
    starts = [cold_start(start_dir, secrets) for _ in range(args.starts)]

    # The big till: demo data + N members, then a cold start on it and the scans.
    data_dir = base / f"till-{args.members}"
    codes_file = data_dir / "codes.txt"
    if not codes_file.exists():
        from posclient.app import open_demo_till

        till = open_demo_till(data_dir)
        began = time.perf_counter()
        codes = populate(till, args.members)
        till.close()
        codes_file.write_text("\n".join(f"{c} {p}" for c, p in codes))
        print(f"loaded {args.members:,} members in {time.perf_counter() - began:.1f} s")
    codes = [tuple(line.split()) for line in codes_file.read_text().splitlines()]
    big_start = cold_start(data_dir, secrets)
    latencies = scan_latencies(data_dir, codes, args.scans)  # type: ignore[arg-type]

    ms = 1000.0
    every = latencies["member"] + latencies["product"]
    rows = [
        ("first start (create + demo data)" if fresh else "first start", first * ms, ""),
        ("cold start → ready to scan, median", statistics.median(starts) * ms, "≤ 1500 ms"),
        ("cold start → ready to scan, worst", max(starts) * ms, "≤ 1500 ms"),
        (f"cold start, {args.members:,} members", big_start * ms, "≤ 1500 ms"),
        ("scan → screen p50 (all)", statistics.median(every) * ms, ""),
        ("scan → screen p99 (all)", percentile(every, 99) * ms, "≤ 50 ms"),
        ("member scan → panel p50", statistics.median(latencies["member"]) * ms, ""),
        ("member scan → panel p99", percentile(latencies["member"], 99) * ms, "≤ 50 ms"),
        ("product scan → cart p50", statistics.median(latencies["product"]) * ms, ""),
        ("product scan → cart p99", percentile(latencies["product"], 99) * ms, "≤ 50 ms"),
    ]
    platform = os.environ.get("QT_QPA_PLATFORM") or "xcb"
    print(
        f"\nposclient checkout window benchmark — {args.members:,} cached members, "
        f"{len(every)} scans, {args.starts} cold starts, Qt platform {platform}, data in {base}"
    )
    print(f"{'metric':<38} {'measured':>12} {'target':>12}")
    for name, value, target in rows:
        print(f"{name:<38} {value:>9.1f} ms {target:>12}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
