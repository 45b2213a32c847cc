"""Runs the sync engine in the background for one window: never on the GUI thread.

A pass (push everything pending, then pull to HQ's write checkpoint) runs on the operations'
sync worker. When it ends, ``SyncSchedule`` says when the next one runs: at once while a queue is
draining, after the idle interval for the periodic pull, after a backoff when HQ could not be
reached, never after a 401 until the till is paired again. A committed sale ``nudge``\\ s the
controller so it reaches HQ within a second when online; while a failed pass's backoff (or HQ's
Retry-After) runs, it waits for the pass already scheduled, which sends it. "Sync now"
(``start``) does not wait. First-load pages report progress through ``Operations.post`` (the
GUI thread), so the status bar can show a progress bar while the till already sells with what
has arrived.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from posclient.domain.errors import PosError
from posclient.services.sync import SyncEngine, SyncReport
from posclient.services.sync_schedule import SyncSchedule

from .operations import Operations

log = logging.getLogger("posclient.sync")


class SyncController(QObject):
    #: A pass ended (SyncReport), on the GUI thread.
    passFinished = Signal(object)
    #: First-load progress: members/changes received so far, expected total (0 = unknown).
    progress = Signal(int, int)
    #: After a first load: the card and phone look-up index is being built (True), or done.
    indexing = Signal(bool)

    def __init__(
        self,
        engine: SyncEngine,
        ops: Operations,
        *,
        schedule: SyncSchedule | None = None,
        after_pull: Callable[[], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.ops = ops
        self.schedule = schedule or SyncSchedule()
        #: Runs on the database worker after a pass that pulled changes (reload cached settings).
        self.after_pull = after_pull
        self.running = False
        self.last_report: SyncReport | None = None
        self._again = False
        self._active = False
        #: The last pass failed: the next one waits for the backoff (or HQ's Retry-After).
        self._backing_off = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._run)
        engine.on_page = self._on_page_from_worker
        engine.on_indexing = self._on_indexing_from_worker

    # ------------------------------------------------------------------ control

    def start(self) -> None:
        """Begin syncing now (after pairing, or at start-up when the till is paired)."""
        self._active = True
        self.schedule.resume()
        self._backing_off = False
        self.nudge()

    def nudge(self) -> None:
        """Something to send (a sale committed): a pass as soon as possible — unless the last
        one failed, when the pass its backoff scheduled sends it (HQ's Retry-After holds)."""
        if not self._active or self.schedule.stopped:
            return
        if self.running:
            self._again = True
            return
        if self._backing_off:
            return
        self._timer.start(0)

    def stop(self) -> None:
        self._active = False
        self._timer.stop()

    def close(self) -> None:
        """Stop scheduling and release the HTTP client (on the sync worker, after any pass)."""
        self.stop()
        self.ops.sync(self.engine.close).run()

    # ------------------------------------------------------------------ passes

    def _run(self) -> None:
        if not self._active or self.running:
            return
        self.running = True
        self._again = False
        self.ops.sync(self.engine.sync_once).success(self._finished).failure(self._failed).run()

    def _finished(self, report: SyncReport) -> None:
        self.running = False
        self.last_report = report
        delay = self.schedule.after(report)
        if self.after_pull is not None and report.pulled:
            self.ops.db(self.after_pull).run()
        self.passFinished.emit(report)
        self._backing_off = report.error is not None
        if not self._active or delay is None:
            return
        if self._again and not self._backing_off:
            delay = 0.0
        self._timer.start(int(delay * 1000))

    def _failed(self, error: PosError) -> None:
        report = SyncReport(error=error.code)
        self._finished(report)

    def _on_indexing_from_worker(self, busy: bool) -> None:
        """On the sync worker: hand it to the GUI thread."""
        self.ops.post(lambda: self.indexing.emit(busy))

    def _on_page_from_worker(self, report: SyncReport) -> None:
        """On the sync worker: hand the numbers to the GUI thread."""
        done, total = report.snapshot_done, report.snapshot_total
        if done is None:
            return
        self.ops.post(lambda: self.progress.emit(int(done), int(total or 0)))
