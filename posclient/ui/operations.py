"""The one way screens reach services: database work on one worker thread, network on another.

Modelled on Anki's ``aqt/operations``: ``ops.db(fn, *args).success(cb).failure(cb).run()``.
``fn`` runs on the database worker (a QThreadPool with a single thread, so database operations
run one at a time in the order they were asked for); ``success(result)`` or ``failure(error)``
then run on the GUI thread. A ``PosError`` is something a person can act on: it goes to the
operation's failure callback, or to the screen's error line. Anything else is a bug: logged
with its traceback and shown in the crash dialog.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from posclient.domain.errors import PosError

log = logging.getLogger("posclient.ui")


class Operation(QObject):
    """One call to a service on a worker; callbacks come back on the GUI thread."""

    done = Signal(object, object)  # (result, exception) — emitted from the worker thread
    finished = Signal()

    def __init__(self, ops: Operations, pool: QThreadPool, fn: Callable[[], Any]) -> None:
        super().__init__(ops)
        self._ops = ops
        self._pool = pool
        self._fn = fn
        self._success: Callable[[Any], None] | None = None
        self._failure: Callable[[PosError], None] | None = None
        self._connect_signals()

    def _connect_signals(self) -> None:
        # The receiver (self) lives in the GUI thread: Qt queues the call across threads.
        self.done.connect(self._on_done)

    def success(self, callback: Callable[[Any], None]) -> Operation:
        self._success = callback
        return self

    def failure(self, callback: Callable[[PosError], None]) -> Operation:
        self._failure = callback
        return self

    def run(self) -> Operation:
        self._ops._started(self)
        self._pool.start(_Task(self._fn, self.done))
        return self

    @Slot(object, object)
    def _on_done(self, result: Any, error: BaseException | None) -> None:
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
        finally:
            self._ops._finished(self)
            self.finished.emit()


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], done: Any) -> None:
        super().__init__()
        self._fn = fn
        self._done = done

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as exc:  # reported on the GUI thread, never lost in the worker
            self._done.emit(None, exc)
        else:
            self._done.emit(result, None)


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
        self._db_pool = QThreadPool(self)
        self._db_pool.setMaxThreadCount(1)  # SQLite work one at a time, in order
        self._db_pool.setExpiryTimeout(-1)  # keep the thread: no start-up cost per operation
        self._net_pool = QThreadPool(self)
        self._net_pool.setMaxThreadCount(2)
        self._running: set[Operation] = set()
        self.bugs: list[str] = []

    def db(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Operation:
        """An operation on the database worker (SQLite: checkout, staff, settings, status)."""
        return Operation(self, self._db_pool, lambda: fn(*args, **kwargs))

    def net(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Operation:
        """An operation on the network worker (HQ calls, printers on the network)."""
        return Operation(self, self._net_pool, lambda: fn(*args, **kwargs))

    @property
    def busy(self) -> int:
        return len(self._running)

    def report_bug(self, error: BaseException) -> None:
        text = "".join(traceback.format_exception(error))
        log.error("unexpected error", exc_info=(type(error), error, error.__traceback__))
        self.bugs.append(text)
        self.bug.emit(text)

    def wait(self, msecs: int = 10_000) -> bool:
        """Block until the workers are idle (shutdown, tests)."""
        return self._db_pool.waitForDone(msecs) and self._net_pool.waitForDone(msecs)

    def _started(self, op: Operation) -> None:
        self._running.add(op)
        self.busyChanged.emit(len(self._running))

    def _finished(self, op: Operation) -> None:
        self._running.discard(op)
        op.deleteLater()
        self.busyChanged.emit(len(self._running))
