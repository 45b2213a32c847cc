"""Housekeeping while the till runs: the automatic daily backup (R16), off the GUI thread.

Taken once at start and then checked every hour (``maybe_daily_backup`` does nothing when
today's backup exists), on the database worker so the GUI never waits for it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from posclient.domain.errors import PosError
from posclient.services import backup
from posclient.ui.operations import Operations

log = logging.getLogger("posclient.ui")

CHECK_EVERY_MS = 60 * 60 * 1000


class DailyBackup(QObject):
    def __init__(self, ops: Operations, data_dir: Path, parent: QObject | None = None):
        super().__init__(parent)
        self._ops = ops
        self._data_dir = Path(data_dir)
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_EVERY_MS)
        self.timer.timeout.connect(self.check)
        self.last: backup.BackupInfo | None = None

    def start(self) -> None:
        self.check()
        self.timer.start()

    def check(self) -> None:
        self._ops.db(backup.maybe_daily_backup, self._data_dir, datetime.now(UTC)).success(
            self._done
        ).failure(self._failed).run()

    def _done(self, info: backup.BackupInfo | None) -> None:
        if info is not None:
            self.last = info
            log.info("daily backup taken", extra={"bytes": info.size})

    def _failed(self, error: PosError) -> None:
        log.warning("daily backup failed", extra={"code": error.code})
