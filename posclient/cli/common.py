"""Helpers shared by the command modules: data dir, JSON output, opening the till."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from posclient import log as logsetup
from posclient.bootstrap import Till, default_data_dir, open_till


def data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data_dir) if args.data_dir else default_data_dir()


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
