"""One running till per data directory: an OS file lock on ``<data dir>/posclient.lock``.

The GUI holds the lock while it runs; ``posclient-admin restore`` takes it before replacing the
database, so a restore can never swap the file under a running till. The OS drops the lock when
the process dies, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from posclient.domain.errors import PosError

LOCK_NAME = "posclient.lock"
#: Held for one sync pass: the app's background sync and ``posclient-admin sync`` never run
#: passes side by side (an older page's cursor would overwrite a newer one).
SYNC_LOCK_NAME = "sync.lock"


class AppLock:
    def __init__(self, data_dir: Path, name: str = LOCK_NAME, busy: str = "store.in_use"):
        self.path = Path(data_dir) / name
        self.busy = busy
        self._file: IO[bytes] | None = None

    def acquire(self) -> None:
        """Take the lock or raise PosError(``busy``): another process (or another open of the
        lock in this one) holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+b")  # noqa: SIM115 - held open for the process's life
        try:
            _lock(handle)
        except OSError as exc:
            handle.close()
            raise PosError(self.busy, path=str(self.path.parent)) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()).encode())
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                _unlock(self._file)
            self._file.close()
            self._file = None


@contextlib.contextmanager
def held(
    data_dir: Path, name: str = LOCK_NAME, busy: str = "store.in_use", *, wait_s: float = 0.0
) -> Iterator[AppLock]:
    """The lock, held for the block; waits up to ``wait_s`` for its holder to let go."""
    lock = AppLock(data_dir, name, busy)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            lock.acquire()
            break
        except PosError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.1)
    try:
        yield lock
    finally:
        lock.release()


if sys.platform == "win32":  # pragma: no cover - exercised by the Windows build only
    import msvcrt

    def _lock(handle: IO[bytes]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(handle: IO[bytes]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
