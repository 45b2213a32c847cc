"""``posclient --demo``'s own reference HQ: a ``posclient-hq serve`` process on loopback.

The demo till first loads the shared demo dataset locally (so it sells at once), then this
starts the reference HQ in a child process with the same dataset (plus generated members), pairs
the till with a one-time code and lets the background sync run: sales reach HQ, the member list
arrives page by page. The HQ's database lives next to the demo till's throwaway data dir; the
process is terminated when the till closes (and when the till dies: HQ watches its parent).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from posclient.domain.errors import PosError

log = logging.getLogger("posclient.sync")

DEMO_MEMBERS = 500


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(
    db_url: str, port: int, *, output: Any = subprocess.DEVNULL, parent: int = 0
) -> subprocess.Popen[bytes]:
    """``posclient-hq serve`` on loopback in a child process (stops with ``parent`` if given)."""
    args = [sys.executable, "-m", "posclient.hq.cli", "serve", "--db", db_url]
    args += ["--host", "127.0.0.1", "--port", str(port)]
    if parent:
        args += ["--exit-with-parent", str(parent)]
    return subprocess.Popen(args, stdout=output, stderr=output)


def wait_until_up(url: str, proc: subprocess.Popen[bytes], timeout_s: float) -> bool:
    """True once HQ answers /v1/health; False if the process exits or time runs out."""
    deadline = time.monotonic() + timeout_s
    # One client for every try: each new one loads the CA bundle (~90 ms of CPU, taken from
    # the HQ process that is starting on the same cores).
    with httpx.Client(timeout=1) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            with contextlib.suppress(httpx.HTTPError):
                if client.get(f"{url}/v1/health").status_code == 200:
                    return True
            time.sleep(0.05)
    return False


@dataclass
class LocalHq:
    root: Path
    members: int = DEMO_MEMBERS
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.root / 'hq.sqlite3'}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _cli(self, *args: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "posclient.hq.cli", *args, "--db", self.db_url],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if proc.returncode != 0:
            reason = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
            raise PosError("sync.demo_hq_failed", reason=reason)
        return proc.stdout

    def start(self, *, timeout_s: float = 60.0) -> None:
        """Load the demo dataset (first time only) and serve it; returns when HQ answers."""
        self.root.mkdir(parents=True, exist_ok=True)
        self._cli("demo-data", "--members", str(self.members))
        with (self.root / "hq.log").open("ab") as log_file:
            self.proc = serve(self.db_url, self.port, output=log_file, parent=os.getpid())
        if not wait_until_up(self.url, self.proc, timeout_s):
            code = self.proc.poll()
            self.stop()
            reason = "timeout" if code is None else f"exit {code}"
            raise PosError("sync.demo_hq_failed", reason=reason)
        log.info("demo HQ started", extra={"port": self.port})

    def pairing_code(self, store: str = "S001") -> str:
        return self._cli("pairing-code", "--store", store).split()[-1]

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None


def start_and_pair(hq: LocalHq, pair: Callable[[str, str], object]) -> LocalHq:
    """Start ``hq`` and pair the till through ``pair(code, url)`` (runs off the GUI thread)."""
    hq.start()
    pair(hq.pairing_code(), hq.url)
    return hq
