"""Backup and restore of the till's database (R16): backup FILE | --auto, restore FILE."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from posclient.domain.errors import PosError
from posclient.i18n import text
from posclient.services import backup

from .common import add_json, data_dir, print_json


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("backup", help="copy the database to FILE (.gz compresses), verified")
    p.add_argument("file", nargs="?", type=Path, help="the backup file to write")
    p.add_argument(
        "--auto",
        action="store_true",
        help=f"today's daily backup in <data dir>/backups if not taken yet; keeps "
        f"{backup.DAILY_KEEP}",
    )
    add_json(p)
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="replace the database with a backup (till must be closed)")
    p.add_argument("file", type=Path, help="a file written by posclient-admin backup")
    add_json(p)
    p.set_defaults(func=cmd_restore)


def cmd_backup(args: argparse.Namespace) -> int:
    if args.auto == (args.file is not None):
        raise PosError("backup.file_or_auto")
    if args.auto:
        info = backup.maybe_daily_backup(data_dir(args), datetime.now(UTC))
        if info is None:
            if args.json:
                print_json({"written": False})
            else:
                print(text("backup.daily_exists", args.lang))
            return 0
    else:
        info = backup.backup(data_dir(args), args.file)
    if args.json:
        print_json({"written": True, **info.as_dict()})
    else:
        print(
            text(
                "backup.written",
                args.lang,
                path=str(info.path),
                sales=info.counts.get("sales", 0),
                events=info.counts.get("outbox", 0),
            )
        )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    restored = backup.restore(data_dir(args), args.file)
    previous = str(restored.previous) if restored.previous else ""
    if args.json:
        print_json({**restored.info.as_dict(), "previous": previous or None})
    else:
        print(
            text(
                "backup.restored",
                args.lang,
                path=str(args.file),
                sales=restored.info.counts.get("sales", 0),
            )
        )
        if previous:
            print(text("backup.previous_kept", args.lang, path=previous))
    return 0
