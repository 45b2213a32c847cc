"""posclient-admin: operator commands. Each module registers its own subcommands.

Every command exits 0 on success, 1 with a one-line reason (in the user's language) on bad input
or a condition a person can act on (nothing changed), 2 on a usage error (also a malformed value
such as a quantity that is not plain digits), 141 when its output could not be written (the
reader went away as with ``| head``, stdout full, failing or closed: the command's work may be
done); ``--json`` output is documented in the README and stable.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy.exc import DatabaseError as SqlAlchemyDatabaseError

from posclient import __version__
from posclient.bootstrap import database_path
from posclient.domain.errors import PosError
from posclient.i18n import LANGS, message, normalise_lang, text
from posclient.store.db import classify_db_error, translate_db_error

from . import (
    backup_cmds,
    common,
    doctor_cmds,
    member_cmds,
    scan_cmds,
    sync_cmds,
    till_cmds,
)

log = logging.getLogger("posclient.cli")
#: The reader of our output went away (e.g. ``| head``): 128 + SIGPIPE, as a shell reports it.
EXIT_BROKEN_PIPE = 141

MODULES = [till_cmds, sync_cmds, scan_cmds, member_cmds, doctor_cmds, backup_cmds]


#: The ArgumentError sentences of :class:`_StoreOnce` and :func:`common.not_empty`.
GIVEN_TWICE = "given more than once"


class _StoreOnce(argparse._StoreAction):
    """argparse's "store", but an option given twice is a usage error: ``--member A --member
    B`` would otherwise silently be B (the wrong member earning the points)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        seen: set[str] = namespace.__dict__.setdefault("_given_once", set())
        if self.dest in seen:
            raise argparse.ArgumentError(self, GIVEN_TWICE)
        seen.add(self.dest)
        super().__call__(parser, namespace, values, option_string)


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line in the user's language (argparse prints its usage block and an
    English sentence); ``--help`` stays argparse's own. An option that takes one value may be
    given once (``append`` options, such as ``--item``, as often as needed)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register("action", None, _StoreOnce)
        self.register("action", "store", _StoreOnce)

    def error(self, message: str) -> NoReturn:
        lang = _lang_from(sys.argv[1:])
        print(f"{self.prog}: {usage_error(message, lang)}", file=sys.stderr)
        raise SystemExit(2)


#: argparse's sentences (Python 3.11) → message codes; anything else is shown as argparse says.
_ARGPARSE = (
    (re.compile(r"the following arguments are required: (?P<what>.+)"), "cli.usage.required"),
    (re.compile(r"argument (?P<what>\S+): expected one argument"), "cli.usage.needs_value"),
    (re.compile(r"unrecognized arguments: (?P<what>.+)"), "cli.usage.unknown"),
    (re.compile(r"argument (?P<what>\S+): invalid choice: (?P<value>'[^']*')"), "cli.usage.choice"),
    (
        re.compile(
            r"argument (?P<what>\S+): invalid choice: (?P<value>.+?)"
            r" \(choose from (?P<choices>.*)\)"
        ),
        "cli.usage.choice_from",
    ),
    (
        re.compile(r"argument (?P<what>\S+): invalid \w+ value: (?P<value>'[^']*')"),
        "cli.usage.value",
    ),
    (re.compile(rf"argument (?P<what>\S+): {GIVEN_TWICE}"), "cli.usage.twice"),
    (re.compile(rf"argument (?P<what>\S+): {common.EMPTY_VALUE}"), "cli.usage.empty"),
)


def usage_error(message: str, lang: str | None) -> str:
    for pattern, code in _ARGPARSE:
        found = pattern.fullmatch(message)
        if found:
            return text(code, lang, **found.groupdict())
    return text("cli.usage.other", lang, detail=message)


def _lang_from(argv: Sequence[str]) -> str:
    for n, arg in enumerate(argv):
        if arg == "--lang" and n + 1 < len(argv):
            return normalise_lang(argv[n + 1])
        if arg.startswith("--lang="):
            return normalise_lang(arg.removeprefix("--lang="))
    return normalise_lang(None)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="posclient-admin",
        description="posclient till administration (收银机管理命令)",
    )
    parser.add_argument("--version", action="version", version=f"posclient {__version__}")
    parser.add_argument(
        "--data-dir",
        type=common.non_empty_path,  # '' (an unset $VAR) is not the current folder
        default=None,
        help="the till's data directory (default: the platform data dir)",
    )
    parser.add_argument(
        "--lang",
        default=None,
        choices=LANGS,
        help="zh_CN (default) or en; also POSCLIENT_LANG (an unknown value there: Chinese)",
    )
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    for module in MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    real_stdout = sys.stdout
    sys.stdout = common.GuardedStdout(real_stdout)
    try:
        return _main(argv)
    finally:
        sys.stdout = real_stdout


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except common.OutputLost as exc:  # --help or --version into a closed or full stdout
        return _output_lost(exc, None, None)
    args.lang_given = args.lang is not None
    args.lang = normalise_lang(args.lang)
    data_dir = common.data_dir(args)
    if data_dir.exists() and not data_dir.is_dir():
        _say(text("store.data_dir_not_dir", args.lang, path=str(data_dir)))
        return 1
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # here, where output that cannot be written is caught below
        return code
    except common.UsageError as exc:
        _say(f"{parser.prog}: {text(exc.code, args.lang, **exc.params)}")
        return 2
    except PosError as exc:
        log.info("command refused", extra={"command": args.command, "code": exc.code})
        _say(message(exc, args.lang))
        return 1
    except KeyboardInterrupt:
        return 130
    except common.OutputLost as exc:
        return _output_lost(exc, args, args.lang)
    except BrokenPipeError:
        _stdout_to_devnull()
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # a bug (log the traceback), or the database's state: one line
        reason = _database_reason(exc, data_dir)
        if reason is not None:
            log.warning("database error", extra={"command": args.command, "code": reason.code})
            _say(message(reason, args.lang))
            return 1
        log.exception("command failed", extra={"command": args.command})
        _say(text("cli.internal_error", args.lang, error=type(exc).__name__))
        return 3


def _database_reason(exc: Exception, data_dir: Path) -> PosError | None:
    """A database error no unit of work or read translated (damage found half-way through a
    command, a full disk): the reason and what to do, as when the database is opened; None for
    anything else (a bug). Not the error's text: it may quote a statement's values (a phone)."""
    if not isinstance(exc, sqlite3.DatabaseError | SqlAlchemyDatabaseError):
        return None
    path = database_path(data_dir)
    if classify_db_error(exc, path) == "other":
        return None
    return translate_db_error(exc, path)


def _output_lost(exc: common.OutputLost, args: argparse.Namespace | None, lang: str | None) -> int:
    """The command ran but its output could not be written: not exit 1 ("refused, nothing
    changed") nor 3 ("internal error"), since the work may be done (a sale is committed before
    its receipt is printed). 141 is what a shell reports for a reader that went away (``| head``,
    said nothing about: that reader stopped on purpose); a full disk, an I/O error or a closed
    stdout get one line on stderr, naming the sale or refund when there was one."""
    _stdout_to_devnull()
    if isinstance(exc.__cause__, BrokenPipeError):
        return EXIT_BROKEN_PIPE
    command = getattr(args, "command", None)
    done = getattr(args, "done", None)
    log.info("output lost", extra={"command": command, "error": str(exc)})
    if done:
        _say(text(done[0], lang, **done[1]))
    else:
        _say(text("cli.output_lost", lang))
    return EXIT_BROKEN_PIPE


def _stdout_to_devnull() -> None:
    """Point fd 1 at /dev/null, so the interpreter's last flush of what is still buffered does
    not fail again (a second message, exit 120)."""
    stream = sys.stdout.wrapped() if isinstance(sys.stdout, common.GuardedStdout) else sys.stdout
    if stream is None:
        return
    try:
        fd = stream.fileno()
    except (OSError, ValueError):
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)


_say = common.say


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
