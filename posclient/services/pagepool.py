"""Snapshot pages checked and prepared in worker processes, for a new till's first load.

Reading a snapshot page (JSON parse and checks, 7–15 µs a member as the machine's speed varies)
and preparing its rows (personal fields sealed, 10–20 µs) is pure Python: in the sync thread it
shares one interpreter lock with the page being written, so a first load used one core however
many the till has. Here both run in worker processes (``spawn``: safe beside Qt's and the sync
engine's threads), a page each, while the sync thread only writes. What comes back is the page
without its changes and member documents, and the rows ready to write (~1 µs a member to
unpickle).

The workers get the till's field keys when they start (through their pipe, never a file) and
end when the pass does. Anything a worker cannot do (a page it does not read as a well-formed
page, a record to skip, a worker that died) comes back as ``None``: the sync thread reads that
page itself, exactly as without workers, so errors and skipped members are handled one way.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import re
import threading
import time
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from datetime import datetime

from pydantic import ValidationError

from posclient.security.fieldcrypt import FieldCipher, FieldKeys
from posclient.sync.pages import parse_pull
from posclient.sync.protocol import PullResponse

from . import feedapply

log = logging.getLogger("posclient.sync")

#: A prepared page as a worker sends it back, or None: read it in the sync thread.
Done = tuple[PullResponse, feedapply.Prepared] | None

_cipher: FieldCipher | None = None

#: Young-generation collection threshold while pages are read (here and in the sync thread,
#: ``sync._PullTuning``).
GC_THRESHOLD = 500_000


def _start(keys_text: str, parent: int) -> None:
    """A worker starts (the pool's initializer; ``parent``: the till's process id, as the till
    saw it: the till may be gone already by the time a worker is up)."""
    use_keys(keys_text)
    # Reading a page allocates ~50 containers a member, freed by reference counting (no
    # cycles): at the default thresholds the collector ran every ~1,400 members, walking the
    # page being read each time: a quarter of a worker's time (measured 22.6 → 17.3 µs a change).
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    _yield_to_the_till()
    threading.Thread(target=_end_with, args=(parent,), name="parent-watch", daemon=True).start()


def _yield_to_the_till() -> None:
    """Workers run at a lower priority (POSIX ``nice``): when the cores are busy the till's own
    threads come first (the cashier's screen, a sale, the thread writing the pages the workers
    prepare), and the workers take what is left. A 10⁶ first load takes as long either way."""
    # Not POSIX (no os.nice), or not allowed: the same priority as the till, as before.
    with contextlib.suppress(AttributeError, OSError):
        os.nice(WORKER_NICENESS)


#: How much lower a page worker's priority is than the till's (POSIX niceness, 0–19).
WORKER_NICENESS = 10


def use_keys(keys_text: str | None) -> None:
    """The field keys this process seals with (personal data never leaves it unsealed); None:
    none."""
    global _cipher  # noqa: PLW0603 - one cipher per worker process
    _cipher = None if keys_text is None else FieldCipher(FieldKeys.loads(keys_text))


def _end_with(parent: int) -> None:
    """A till killed outright (SIGKILL, power button) never tells its workers to stop, and their
    pipe stays open: a worker whose parent is gone ends itself (within a second), keys and all.
    Gone: this process was handed to another parent (POSIX), or multiprocessing's own sign of
    the parent (its end of the start-up pipe, a process handle on Windows) says it ended."""
    watched = multiprocessing.parent_process()
    while os.getppid() == parent and (watched is None or watched.is_alive()):
        time.sleep(_PARENT_CHECK_S)
    os._exit(0)


_PARENT_CHECK_S = 0.5


def _ready() -> int:
    return os.getpid()


def prepare_body(body: bytes, now: datetime) -> Done:
    """In a worker: the page in ``body`` read and prepared, its member documents left out."""
    if _cipher is None:  # pragma: no cover - the initializer always ran first
        return None
    page = parse_pull(body)
    if page is None:
        return None
    try:
        prepared = feedapply.prepare_page(_cipher, page, now)
    except ValidationError:
        return None  # the sync thread reads it again and refuses it as before
    return page.without_data(), prepared


#: ``"next_cursor":"…"`` in a page as HQ writes it (compact JSON; a cursor is URL-safe base64).
_NEXT_CURSOR = re.compile(rb'"next_cursor":"([A-Za-z0-9_-]{1,2000})"')
_HAS_MORE = b'"has_more":true'


def next_cursor_in(body: bytes) -> str | None:
    """The page's next cursor found in its bytes, before the page is read, or None.

    A guess, to ask HQ for the next page while this one is read in a worker: the sync thread
    compares it with the page's real ``next_cursor`` and asks again if they differ.
    """
    if _HAS_MORE not in body:  # the last page: nothing to ask for
        return None
    found = _NEXT_CURSOR.search(body)
    return found.group(1).decode() if found else None


class PagePool:
    """Worker processes for snapshot pages (``submit``), started when a large first load begins.

    ``ready()`` says whether the workers answer (they take a second or two to import the
    client; one may still be starting while the first already takes pages); until then the sync
    thread prepares pages itself.
    """

    def __init__(self, cipher: FieldCipher, workers: int):
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(cipher.keys.dumps(), os.getpid()),
        )
        self._warm = [self._pool.submit(_ready) for _ in range(workers)]
        self._broken = False

    def ready(self) -> bool:
        """The workers answer, and none has failed."""
        if self._broken:
            return False
        return all(f.done() for f in self._warm) and not any(
            f.cancelled() or f.exception() is not None for f in self._warm
        )

    def submit(self, body: bytes, now: datetime) -> Future[Done]:
        try:
            return self._pool.submit(prepare_body, body, now)
        except RuntimeError as exc:  # BrokenProcessPool, or shut down meanwhile
            failed: Future[Done] = Future()
            failed.set_exception(exc)
            return failed

    def result(self, future: Future[Done]) -> Done:
        """A worker's answer; None when the worker failed (the sync thread does that page, and
        the pages after it: a pool that lost a worker is not used again)."""
        try:
            return future.result()
        except CancelledError:
            raise
        except Exception as exc:  # BrokenProcessPool, a pickling error, …: not the page's fault
            self._broken = True
            log.warning("page worker failed: %s", type(exc).__name__)
            return None

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def worker_count() -> int:
    """Workers for a first load: one per core the till may use, at least two (the sync thread
    writes meanwhile; the operating system shares the cores)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cores = os.cpu_count() or 1
    return max(2, min(cores, 4))


def start_pool(cipher: FieldCipher, workers: int) -> PagePool | None:
    """A pool, or None where worker processes cannot be started (logged, not an error)."""
    try:
        return PagePool(cipher, workers)
    except (OSError, ValueError, RuntimeError) as exc:
        log.warning("first load continues in one process: %s", type(exc).__name__)
        return None
