"""Helpers shared by the command modules: data dir, JSON output, opening the till, usage errors
found after parsing, and the guard that tells a lost output apart from a failed command."""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from posclient import log as logsetup
from posclient.bootstrap import Till, default_data_dir, open_till


def data_dir(args: argparse.Namespace) -> Path:
    """The data dir as an absolute path (``status --json`` and ``init --json`` report it)."""
    return (Path(args.data_dir) if args.data_dir else default_data_dir()).resolve()


class UsageError(Exception):
    """A malformed argument that argparse cannot check by itself: exit 2 with one line."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


_DIGITS = re.compile(r"[0-9]+")


def digits(value: str, what: str) -> int:
    """A count typed on the command line: plain ASCII digits only (no sign, space, ``_`` or
    other scripts' digits, all of which ``int()`` would take)."""
    if _DIGITS.fullmatch(value):
        try:
            return int(value)
        except ValueError:  # more digits than int() converts from text
            pass
    raise UsageError("cli.usage.digits", what=what, value=repr(value[:40]))


class OutputLost(Exception):
    """Writing the command's output to stdout failed (closed, disk full, reader gone)."""


class GuardedStdout:
    """``sys.stdout`` while a command runs: a failed write or flush raises :class:`OutputLost`
    (its cause the original error), so ``main`` can tell "the work is done but its output is
    lost" apart from a failed command. A closed stdout (``>&-``: ``sys.stdout`` is None) fails
    at the first write."""

    def __init__(self, stream: Any):
        self._stream = stream

    def wrapped(self) -> Any:
        """The stream written to (None when stdout was closed)."""
        return self._stream

    def _target(self) -> Any:
        if self._stream is None:
            raise OutputLost("stdout is closed")
        return self._stream

    def write(self, data: str) -> int:
        try:
            return int(self._target().write(data))
        except (OSError, ValueError) as exc:
            raise OutputLost(str(exc)) from exc

    def flush(self) -> None:
        try:
            self._target().flush()
        except (OSError, ValueError) as exc:
            raise OutputLost(str(exc)) from exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)


def till(args: argparse.Namespace, *, create: bool = False) -> Till:
    """The till in the data dir; its log file starts once it is known to be a till's (a refused
    directory, or another program's database, gets nothing written into it)."""
    opened = open_till(data_dir(args), create=create)
    logsetup.setup(opened.data_dir / "logs")
    return opened


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=_default)
    sys.stdout.write("\n")


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")
