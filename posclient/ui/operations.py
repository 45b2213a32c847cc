"""The one way screens reach services: database work on one worker thread, network on another.

Modelled on Anki's ``aqt/operations``: ``ops.db(fn, *args).success(cb).failure(cb).run()``.
``fn`` runs on the database worker (a single thread, so database operations run one at a time
in the order they were asked for); ``success(result)`` or ``failure(error)`` then run on the GUI
thread. A ``PosError`` is something a person can act on: it goes to the operation's failure
callback, or to the screen's error line. Anything else is a bug: logged with its traceback and
shown in the crash dialog.

The workers are plain Python threads that never call Qt. PySide6 6.8+ corrupts reference counts
when a signal is emitted from a thread other than the GUI thread, or when a Python QRunnable
runs on a QThreadPool while the GUI thread is busy in Qt (PYSIDE-3124; reproduced here with
6.12: "Fatal Python error: bool_dealloc" after a few thousand operations). So a finished job
goes into a queue and the worker writes one byte to a socket pair; a QSocketNotifier on the GUI
thread wakes up, drains the queue and runs the callbacks. No polling, no Qt off the GUI thread.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import queue
import socket
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, Signal

from posclient.domain.errors import PosError

log = logging.getLogger("posclient.ui")

_STOP = object()


class Operation:
    """One call to a service on a worker; callbacks come back on the GUI thread."""

    def __init__(self, ops: Operations, worker: _Worker, fn: Callable[[], Any]) -> None:
        self._ops = ops
        self._worker = worker
        self._fn = fn
        self._success: Callable[[Any], None] | None = None
        self._failure: Callable[[PosError], None] | None = None

    def success(self, callback: Callable[[Any], None]) -> Operation:
        self._success = callback
        return self

    def failure(self, callback: Callable[[PosError], None]) -> Operation:
        self._failure = callback
        return self

    def run(self) -> Operation:
        self._ops._submit(self, self._worker)
        return self

    def _call(self) -> Any:
        return self._fn()

    def _deliver(self, result: Any, error: BaseException | None) -> None:
        """On the GUI thread: the right callback, or the window's error line, or a bug."""
        try:
            if error is None:
                if self._success is not None:
                    self._success(result)
            elif isinstance(error, PosError):
                if self._failure is not None:
                    self._failure(error)
                else:
                    self._ops.posError.emit(error)
            else:
                self._ops.report_bug(error)
        except Exception as exc:  # a bug in a callback: report it, keep the till running
            self._ops.report_bug(exc)


class _Worker:
    """Python threads taking jobs from one queue, in order; results go to ``done``."""

    def __init__(
        self, name: str, threads: int, done: queue.SimpleQueue[Any], wake: socket.socket
    ) -> None:
        self.jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._done = done
        self._wake = wake
        self._threads = [
            threading.Thread(target=self._loop, name=f"{name}-{n}", daemon=True)
            for n in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    def _loop(self) -> None:
        while True:
            job = self.jobs.get()
            if job is _STOP:
                return
            number, op = job
            try:
                result, error = op._call(), None
            except BaseException as exc:  # reported on the GUI thread, never lost here
                result, error = None, exc
            self._done.put((number, op, result, error))
            # A full socket is already readable; a closed one means shutting down.
            with contextlib.suppress(BlockingIOError, OSError):
                self._wake.send(b"\0")

    def stop(self, timeout: float) -> None:
        for _ in self._threads:
            self.jobs.put(_STOP)
        for thread in self._threads:
            thread.join(timeout)


class Operations(QObject):
    """The worker threads and the error routing of one window."""

    #: A PosError no callback handled: the window shows it on its error line.
    posError = Signal(object)
    #: An unexpected exception (already logged): the window shows the crash dialog.
    bug = Signal(str)
    #: Number of operations running or queued changed (tests wait for 0).
    busyChanged = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._done: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._notifier = QSocketNotifier(self._wake_r.fileno(), QSocketNotifier.Type.Read, self)
        self._db = _Worker("posclient-db", 1, self._done, self._wake_w)  # SQLite: one at a time
        self._net = _Worker("posclient-net", 2, self._done, self._wake_w)
        # Sync passes (HQ push/pull, their own SQLite transactions): one at a time, in order,
        # so a long first load never holds up a sale on the database worker.
        self._sync = _Worker("posclient-sync", 1, self._done, self._wake_w)
        self._numbers = itertools.count(1)
        self._running: dict[int, Operation] = {}
        self._idle = threading.Condition()
        self._outstanding = 0
        self._closed = False
        self._posted: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.bugs: list[str] = []
        self._connect_signals()

    def _connect_signals(self) -> None:
        self._notifier.activated.connect(self._on_wake)

    def db(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Operation:
        """An operation on the database worker (SQLite: checkout, staff, settings, status)."""
        return Operation(self, self._db, lambda: fn(*args, **kwargs))

    def net(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Operation:
        """An operation on the network worker (HQ calls, printers on the network or USB)."""
        return Operation(self, self._net, lambda: fn(*args, **kwargs))

    def sync(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Operation:
        """An operation on the sync worker (a pass of the sync engine)."""
        return Operation(self, self._sync, lambda: fn(*args, **kwargs))

    def post(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the GUI thread soon; callable from any thread (progress reports)."""
        if self._closed:
            return
        self._posted.put(fn)
        with contextlib.suppress(BlockingIOError, OSError):
            self._wake_w.send(b"\0")

    @property
    def busy(self) -> int:
        return len(self._running)

    def report_bug(self, error: BaseException) -> None:
        text = "".join(traceback.format_exception(error))
        log.error("unexpected error", exc_info=(type(error), error, error.__traceback__))
        self.bugs.append(text)
        self.bug.emit(text)

    def wait(self, msecs: int = 10_000) -> bool:
        """Block until the workers have finished every job and their callbacks have run
        (shutdown). Called on the GUI thread, the one that delivers results: it delivers them
        while it waits (before, closing the window with a sync pass queued sat out the whole
        timeout, because the result that ends the wait could only be delivered after it)."""
        deadline = time.monotonic() + msecs / 1000
        while True:
            self._on_wake()
            with self._idle:
                if self._outstanding == 0:
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(min(left, 0.01))

    def close(self) -> None:
        """Finish what is queued, stop the threads, stop listening."""
        if self._closed:
            return
        self._closed = True
        self.wait()
        self._db.stop(2.0)
        self._net.stop(2.0)
        self._sync.stop(2.0)
        self._notifier.setEnabled(False)
        self._wake_r.close()
        self._wake_w.close()

    def _submit(self, op: Operation, worker: _Worker) -> None:
        number = next(self._numbers)
        self._running[number] = op
        with self._idle:
            self._outstanding += 1
        worker.jobs.put((number, op))
        self.busyChanged.emit(len(self._running))

    def _on_wake(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            while self._wake_r.recv(4096):
                pass
        while True:
            try:
                number, op, result, error = self._done.get_nowait()
            except queue.Empty:
                break
            with self._idle:
                self._outstanding -= 1
                self._idle.notify_all()
            op._deliver(result, error)
            self._running.pop(number, None)
            self.busyChanged.emit(len(self._running))
        while True:
            try:
                posted = self._posted.get_nowait()
            except queue.Empty:
                break
            try:
                posted()
            except Exception as exc:  # a bug in a progress callback: report, keep going
                self.report_bug(exc)
