"""Logging: named loggers, one JSON object per line, never personal data.

Loggers: ``posclient.store``, ``posclient.checkout``, ``posclient.sync``, ``posclient.ui``,
``posclient.security``, ``posclient.hq``. Only ids, counts and codes go in ``extra``; phone numbers
and names never do (a test greps the log files for them).
"""

from __future__ import annotations

import json
import logging
import logging.handlers
from datetime import UTC, datetime
from pathlib import Path

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup(log_dir: Path | None, *, level: int = logging.INFO, stderr: bool = False) -> None:
    root = logging.getLogger("posclient")
    root.setLevel(level)
    for handler in list(root.handlers):
        if getattr(handler, "_posclient", False):
            root.removeHandler(handler)
            handler.close()
    handlers: list[logging.Handler] = []
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        handlers.append(
            logging.handlers.RotatingFileHandler(
                log_dir / "posclient.log", maxBytes=5_000_000, backupCount=5, encoding="utf-8"
            )
        )
    if stderr:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        handler.setFormatter(JsonFormatter())
        handler._posclient = True  # type: ignore[attr-defined]
        root.addHandler(handler)
