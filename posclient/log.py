"""Logging: named loggers, one JSON object per line, never personal data.

Loggers: ``posclient.store``, ``posclient.checkout``, ``posclient.sync``, ``posclient.ui``,
``posclient.security``, ``posclient.hq``. Only ids, counts and codes go in ``extra``; phone numbers
and names never do (a test greps the log files for them).
"""

from __future__ import annotations

import contextlib
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


class _QuietFileHandler(logging.handlers.RotatingFileHandler):
    """The log file: a record that cannot be written (disk full, the file gone or made
    read-only) is dropped, never a ``--- Logging error ---`` traceback on stderr in the middle of
    a command's one-line output. The log is for afterwards; the sale must not depend on it."""

    def handleError(self, record: logging.LogRecord) -> None:
        return None


def setup(
    log_dir: Path | None,
    *,
    level: int = logging.INFO,
    stderr: bool = False,
    optional: bool = False,
) -> OSError | None:
    """Log to ``log_dir/posclient.log`` (and with ``stderr``, to stderr too).

    ``optional``: a log folder that cannot be made or written (a file in its place, no
    permission, a full disk) is not an error: logging goes on without the file, and the
    OSError is returned for the caller to say so once. Without it, the OSError is raised.
    """
    root = logging.getLogger("posclient")
    root.setLevel(level)
    for handler in list(root.handlers):
        if getattr(handler, "_posclient", False):
            root.removeHandler(handler)
            with contextlib.suppress(OSError, ValueError):
                handler.close()
    handlers: list[logging.Handler] = []
    problem: OSError | None = None
    if log_dir is not None:
        try:
            log_dir.mkdir(parents=True, exist_ok=True)
            handlers.append(
                _QuietFileHandler(
                    log_dir / "posclient.log", maxBytes=5_000_000, backupCount=5, encoding="utf-8"
                )
            )
        except OSError as exc:
            if not optional:
                raise
            problem = exc
    if stderr:
        handlers.append(logging.StreamHandler())
    if problem is not None and not handlers:
        # Somewhere for records to go: with no handler at all, logging's "last resort" would
        # print warnings and tracebacks on stderr instead.
        handlers.append(logging.NullHandler())
    for handler in handlers:
        handler.setFormatter(JsonFormatter())
        handler._posclient = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    return problem
