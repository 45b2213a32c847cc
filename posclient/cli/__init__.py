"""posclient-admin: operator commands. Each module registers its own subcommands.

Every command exits 0 on success, 1 with a one-line reason (in the user's language) on bad input
or a condition a person can act on, 2 on a usage error; ``--json`` output is documented in the
README and stable.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from posclient import __version__
from posclient import log as logsetup
from posclient.domain.errors import PosError
from posclient.i18n import message, normalise_lang

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

MODULES = [till_cmds, sync_cmds, scan_cmds, member_cmds, doctor_cmds, backup_cmds]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.lang = normalise_lang(args.lang)
    data_dir = common.data_dir(args)
    if data_dir.exists():
        logsetup.setup(data_dir / "logs")
    try:
        return int(args.func(args) or 0)
    except PosError as exc:
        log.info("command refused", extra={"command": args.command, "code": exc.code})
        print(message(exc, args.lang), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: log the traceback, tell the operator in one line
        log.exception("command failed", extra={"command": args.command})
        print(f"internal error: {type(exc).__name__} (details in the log)", file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
