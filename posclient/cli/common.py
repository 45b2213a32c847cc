"""Helpers shared by the command modules: data dir, JSON output, opening the till, usage errors
found after parsing, and the guard that tells a lost output apart from a failed command."""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from posclient import log as logsetup
from posclient.bootstrap import Till, default_data_dir, open_till
from posclient.i18n import os_reason, text


def data_dir(args: argparse.Namespace) -> Path:
    """The data dir as an absolute path (``status --json`` and ``init --json`` report it)."""
    return (Path(args.data_dir) if args.data_dir else default_data_dir()).resolve()


#: The ArgumentError sentence for an empty value (``main`` words it in the user's language).
EMPTY_VALUE = "must not be empty"


def not_empty(value: str) -> str:
    """An option value that must say something: ``--coupon ''`` (often an unset shell
    variable) is a usage error, never the option left out."""
    if not value.strip():
        raise argparse.ArgumentTypeError(EMPTY_VALUE)
    return value


def non_empty_path(value: str) -> Path:
    return Path(not_empty(value))


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


_SECONDS = re.compile(r"[0-9]{1,5}(\.[0-9]{1,3})?")


def seconds(value: str, what: str) -> float:
    """A duration typed on the command line: ASCII digits with an optional decimal part, from 1
    to 86400 (``float()`` would also take ``nan``, ``inf``, ``-5`` and other scripts' digits)."""
    if _SECONDS.fullmatch(value) and 1 <= float(value) <= 86_400:
        return float(value)
    raise UsageError("cli.usage.seconds", what=what, value=repr(value[:40]))


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
    directory, or another program's database, gets nothing written into it). A log folder that
    cannot be written (a file in its place, no permission, a full disk) does not stop the
    command: one line on stderr says so, and the command goes on without a log file."""
    opened = open_till(data_dir(args), create=create)
    logs = opened.data_dir / "logs"
    problem = logsetup.setup(logs, optional=True)
    if problem is not None:
        say(text("cli.log_unavailable", args.lang, path=str(logs), reason=os_reason(problem)))
    return opened


def say(line: str) -> None:
    """One line on stderr, when stderr can be written at all."""
    if sys.stderr is None:  # closed (2>&-): print(file=None) would write to stdout
        return
    with contextlib.suppress(OSError, ValueError, AttributeError):
        print(line, file=sys.stderr, flush=True)


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
