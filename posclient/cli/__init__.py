"""posclient-admin: operator commands. Each module registers its own subcommands.

Every command exits 0 on success, 1 with a one-line reason (in the user's language) on bad input
or a condition a person can act on (nothing changed), 2 on a usage error, 141 when the reader of
its output went away (``| head``: the command's work may be done); ``--json`` output is
documented in the README and stable.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from posclient import __version__
from posclient.domain.errors import PosError
from posclient.i18n import message, normalise_lang, text

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


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line in the user's language (argparse prints its usage block and an
    English sentence); ``--help`` stays argparse's own."""

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
        re.compile(r"argument (?P<what>\S+): invalid \w+ value: (?P<value>'[^']*')"),
        "cli.usage.value",
    ),
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
        type=Path,
        default=None,
        help="the till's data directory (default: the platform data dir)",
    )
    parser.add_argument("--lang", default=None, help="zh_CN (default) or en; also POSCLIENT_LANG")
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    for module in MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.lang = normalise_lang(args.lang)
    data_dir = common.data_dir(args)
    if data_dir.exists() and not data_dir.is_dir():
        print(text("store.data_dir_not_dir", args.lang, path=str(data_dir)), file=sys.stderr)
        return 1
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # here, where a reader that went away is caught below
        return code
    except PosError as exc:
        log.info("command refused", extra={"command": args.command, "code": exc.code})
        print(message(exc, args.lang), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into e.g. `head`, which stopped reading. Not exit 1 ("refused, nothing
        # changed"): the command may have done its work (a sale). 141 is what a shell reports.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # a bug: log the traceback, tell the operator in one line
        log.exception("command failed", extra={"command": args.command})
        print(text("cli.internal_error", args.lang, error=type(exc).__name__), file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
