"""``posclient-admin doctor``: one line per check, ok / warn / fail, in the operator's language."""

from __future__ import annotations

import argparse
import dataclasses
import unicodedata

from posclient.i18n import MESSAGES, text
from posclient.services import doctor

from .common import add_json, data_dir, print_json, seconds

_MARK = {doctor.OK: "OK  ", doctor.WARN: "WARN", doctor.FAIL: "FAIL"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("doctor", help="check keyring, database, HQ, scanner, printer, disk")
    p.add_argument("--timeout", default="5", help="seconds for the HQ check (1–86400)")
    add_json(p)
    p.set_defaults(func=cmd_doctor)


def cmd_doctor(args: argparse.Namespace) -> int:
    checks = [
        _worded(c, args.lang)
        for c in doctor.run(data_dir(args), hq_timeout=seconds(args.timeout, "--timeout"))
    ]
    failed = any(check.status == doctor.FAIL for check in checks)
    if args.json:
        print_json(
            {
                "ok": not failed,
                "checks": [
                    {
                        "name": c.name,
                        "status": c.status,
                        "code": c.code,
                        "message": text(c.code, args.lang, **c.params),
                    }
                    for c in checks
                ],
            }
        )
    else:
        width = max(_width(text(f"doctor.name_{c.name}", args.lang)) for c in checks)
        for c in checks:
            name = text(f"doctor.name_{c.name}", args.lang)
            pad = " " * (width - _width(name))
            print(f"{_MARK[c.status]}  {name}{pad}  {text(c.code, args.lang, **c.params)}")
    return 1 if failed else 0


def _worded(check: doctor.Check, lang: str) -> doctor.Check:
    """A sync error code in a check's params (``code``: why HQ could not be reached) in words."""
    code = check.params.get("code")
    if isinstance(code, str) and code in MESSAGES:
        return dataclasses.replace(check, params={**check.params, "code": text(code, lang)})
    return check


def _width(value: str) -> int:
    """Columns on a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)
