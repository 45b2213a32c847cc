"""``posclient-hq``: serve the reference HQ and run its operator commands."""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, NoReturn

from posclient.domain.codes import static_qr_text

from .context import DEFAULT_CHAIN, DEFAULT_HOLD, Hq, check_chain

log = logging.getLogger("posclient.hq")


class Refused(Exception):
    """A command that cannot do what was asked; nothing was changed (one line, exit 2)."""


def _hq(args: argparse.Namespace, *, serving: bool = False, create: bool = False) -> Hq:
    """The HQ at ``--db``. Only ``serve`` and ``demo-data`` (``create``) may start a new one:
    any other command on a mistyped path says so instead of leaving an empty HQ behind."""
    from .db import Database, missing_database

    if not create and (reason := missing_database(args.db)):
        raise Refused(f"{reason} (start `serve` or run `demo-data` first)")
    retention = timedelta(days=getattr(args, "retention_days", 90))
    # A server copies its WAL into the database file from a thread of its own (db.Checkpointer).
    database = Database(args.db, background_checkpoint=serving)
    _opened.append(database)
    return Hq(database, retention=retention, chain=getattr(args, "chain", DEFAULT_CHAIN))


#: Databases a command opened: closed when it ends (``main`` may run in a longer process).
_opened: list[Any] = []


def cmd_serve(args: argparse.Namespace) -> int:
    from .app import create_app
    from .server import check_listen, serve

    try:
        check_listen(args.host, args.port)  # before a database is created
    except OSError as exc:
        raise Refused(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    app = create_app(hq=_hq(args, serving=True, create=True))
    if args.exit_with_parent:
        _watch_parent(args.exit_with_parent)
    _fewer_collections()
    serve(app, host=args.host, port=args.port, head_timeout=args.head_timeout)
    return 0


#: Allocations between young-generation collections (Python's default: 700).
GC_THRESHOLD = (50_000, 20, 100)


def _fewer_collections() -> None:
    """Rarer cyclic garbage collections in the serving process.

    A push batch allocates tens of thousands of short-lived containers (request models,
    answers, rows), all freed by reference counting; with the default thresholds they set off
    collections that also walk the long-lived heap (the lot cache holds up to 300,000 lots):
    2-4 % of push time. Objects alive at start-up are frozen out of collection altogether.
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def _watch_parent(pid: int) -> None:
    """Stop (SIGTERM to ourselves: uvicorn shuts down cleanly) when process ``pid`` is gone."""
    import os
    import signal
    import threading
    import time

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os.kill(os.getpid(), signal.SIGTERM)
                return
            except PermissionError:  # alive, someone else's
                continue

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def cmd_demo_data(args: argparse.Namespace) -> int:
    from .demo import load_demo

    counts = load_demo(_hq(args, create=True), members=args.members)
    print(
        f"products {counts['products']}, coupons {counts['coupons']}, members {counts['members']}"
    )
    return 0


def cmd_pairing_code(args: argparse.Namespace) -> int:
    from .pairing import new_pairing_code

    print(new_pairing_code(_hq(args), args.store))
    return 0


def cmd_members(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from . import models as m

    hq = _hq(args)
    query = select(
        m.members.c.member_id,
        m.members.c.card_no,
        m.members.c.tier_code,
        m.members.c.status,
        m.members.c.version,
        m.members.c.doc,
        m.members.c.points_debt,
        m.members.c.overdrafts,
        m.members.c.segment,
        m.members.c.merged_into,
    ).order_by(m.members.c.card_no)
    if args.limit:
        query = query.limit(args.limit)
    out = sys.stdout
    with hq.db.read() as conn:
        if not args.json:
            head = f"{'member_id':36}  {'card_no':13}  {'tier':8}  {'points':>8}  {'debt':>6}"
            out.write(head + "  ver  status\n")
        first = True
        if args.json:
            out.write("[")
        for row in conn.execute(query):
            doc = json.loads(row.doc)
            balance = doc.get("points_balance", 0) if row.status == "active" else 0
            item: dict[str, Any] = {
                "member_id": row.member_id,
                "card_no": row.card_no,
                "codes": {"card": row.card_no, "static_qr": static_qr_text(hq.chain, row.card_no)},
                "tier": row.tier_code,
                "points_balance": balance,
                "points_debt": row.points_debt,
                "flagged_overdraft": row.points_debt > 0,
                "overdrafts": row.overdrafts,
                "segment": row.segment,
                "status": row.status,
                "merged_into": row.merged_into,
                "version": row.version,
            }
            if args.json:
                out.write(("" if first else ",") + "\n " + json.dumps(item, ensure_ascii=False))
                first = False
            else:
                flag = " OVERDRAFT" if row.points_debt > 0 else ""
                out.write(
                    f"{row.member_id:36}  {row.card_no:13}  {row.tier_code:8}  {balance:>8}  "
                    f"{row.points_debt:>6}  {row.version:>3}  {row.status}{flag}\n"
                )
        if args.json:
            out.write("\n]\n")
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    from .pairing import device_report

    report = device_report(_hq(args))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return 0
    for d in report:
        state = "revoked" if d["revoked"] else "active"
        print(
            f"{d['device_id']:24} no {d['device_no']:>4}  {d['store']:8} {state:8} "
            f"seq {d['last_seq']:>6}  events {d['events']:>6}  "
            f"chain issues {len(d['chain_issues'])}"
        )
        for issue in d["chain_issues"]:
            print(f"    seq {issue['seq']}: {issue['kind']} ({issue['detail']})")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from .pairing import revoke

    if not revoke(_hq(args), args.device):
        raise Refused(f"no active device {args.device}")
    print(f"revoked {args.device}")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    from .merge import MergeError, merge, merge_by_phone

    hq = _hq(args)
    try:
        if args.phone and (args.from_id or args.into_id):
            raise Refused("merge takes --phone, or --from and --into, not both")
        if args.phone:
            done = merge_by_phone(hq, args.phone)
        elif args.from_id and args.into_id:
            merge(hq, args.from_id, args.into_id)
            done = [(args.from_id, args.into_id)]
        else:
            raise Refused("merge needs --phone, or --from and --into")
    except MergeError as exc:
        raise Refused(f"{exc}") from exc
    for src, dst in done:
        print(f"merged {src} into {dst}")
    if not done:
        print("nothing to merge")
    return 0


def cmd_merge_candidates(args: argparse.Namespace) -> int:
    from .merge import merge_candidates

    items = merge_candidates(_hq(args))
    if args.json:
        print(json.dumps(items, indent=1))
    else:
        for item in items:
            print(f"{item['member_a']}  {item['member_b']}  {item['reason']}  {item['created_at']}")
    return 0


def cmd_credit(args: argparse.Namespace) -> int:
    from .activities import ActivityError, credit_activity

    try:
        credited, doc = credit_activity(
            _hq(args), args.member, args.kind, points=args.points, activity_id=args.ref
        )
    except ActivityError as exc:
        raise Refused(f"{exc}") from exc
    print(("credited" if credited else "already credited") + f"; balance {doc['points_balance']}")
    return 0


def cmd_maintain(args: argparse.Namespace) -> int:
    from .maintenance import maintain

    print(json.dumps(maintain(_hq(args), hold=timedelta(days=args.held_days))))
    return 0


def cmd_dynamic_code(args: argparse.Namespace) -> int:
    from .codes import dynamic_code

    code = dynamic_code(_hq(args), args.member)
    if code is None:
        raise Refused(f"no active member {args.member}")
    print(code.code)
    return 0


def cmd_openapi(_: argparse.Namespace) -> int:
    print(openapi_text())
    return 0


def openapi_text() -> str:
    """The OpenAPI document, byte-identical to resources/hq-openapi.json."""
    import tempfile
    from pathlib import Path

    from .app import create_app

    with tempfile.TemporaryDirectory() as tmp, _quiet(log):
        # The app is built over a throwaway database: setting it up is no news to log.
        hq_app = create_app(f"sqlite:///{Path(tmp) / 'openapi.db'}")
        text = json.dumps(hq_app.openapi(), indent=2, ensure_ascii=False, sort_keys=True)
        hq_app.state.hq.db.dispose()
    return text


@contextmanager
def _quiet(logger: logging.Logger) -> Iterator[None]:
    """Only warnings and errors from ``logger`` while the block runs."""
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _bounded(low: int, high: int, what: str = "a whole number") -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` (else a one-line refusal)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what} ({low}-{high})")
        return value

    return parse


def _chain_code(text: str) -> str:
    """An argparse type: a chain code (it is stored for good with a new database)."""
    try:
        return check_chain(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line, exit 2, like every other refusal (argparse prints its usage
    block first); ``--help`` stays argparse's own."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="posclient-hq", description="posclient reference HQ")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_db(name: str, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_)
        p.add_argument("--db", required=True, help="sqlite:///path or postgresql+psycopg://...")
        p.add_argument(
            "--chain",
            type=_chain_code,
            default=DEFAULT_CHAIN,
            help="chain code, 2-16 capital letters or digits (first start only)",
        )
        p.add_argument(
            "--retention-days", type=_bounded(0, 36_500), default=90, help="feed retention"
        )
        return p

    p = with_db("serve", "run the HQ service")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=_bounded(0, 65535, "a TCP port"), default=8765)
    p.add_argument(
        "--head-timeout",
        type=_bounded(1, 3600, "seconds"),
        default=None,
        metavar="SECONDS",
        help="close a connection that has not sent a whole request head by then (default 20)",
    )
    p.add_argument(
        "--exit-with-parent",
        type=int,
        metavar="PID",
        default=0,
        help="stop when process PID exits (the demo till starts its HQ this way)",
    )
    p.set_defaults(func=cmd_serve)
    p = with_db("demo-data", "load tiers, products, members and coupons")
    p.add_argument("--members", type=_bounded(0, 100_000_000), default=200)
    p.set_defaults(func=cmd_demo_data)
    p = with_db("pairing-code", "print a one-time pairing code for a store")
    p.add_argument("--store", required=True)
    p.set_defaults(func=cmd_pairing_code)
    p = with_db("members", "members with codes, tier, points balance, version")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=_bounded(0, 1_000_000_000), default=0, help="0: all")
    p.set_defaults(func=cmd_members)
    p = with_db("devices", "paired devices and their hash-chain issues")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_devices)
    p = with_db("revoke", "revoke a device token")
    p.add_argument("--device", required=True)
    p.set_defaults(func=cmd_revoke)
    p = with_db("merge", "merge duplicate members")
    p.add_argument("--phone")
    p.add_argument("--from", dest="from_id")
    p.add_argument("--into", dest="into_id")
    p.set_defaults(func=cmd_merge)
    p = with_db("merge-candidates", "members that share a phone number")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_merge_candidates)
    p = with_db("credit", "credit activity points (sign-in, referral)")
    p.add_argument("--member", required=True)
    p.add_argument("--kind", required=True, choices=["sign_in", "referral"])
    p.add_argument("--points", type=_bounded(1, 1_000_000_000))
    p.add_argument("--ref", help="the referred member's id (required for a referral)")
    p.set_defaults(func=cmd_credit)
    p = with_db(
        "maintain",
        "expire points, refresh ageing tiers/segments, prune the feed, release long-held sales",
    )
    p.add_argument(
        "--held-days",
        type=_bounded(1, 36_500),
        default=DEFAULT_HOLD.days,
        help="how long a sale waits for a member HQ has not heard of (default: the points' "
        f"validity, {DEFAULT_HOLD.days} days)",
    )
    p.set_defaults(func=cmd_maintain)
    p = with_db("dynamic-code", "print a signed member code (member app stand-in)")
    p.add_argument("--member", required=True)
    p.set_defaults(func=cmd_dynamic_code)
    p = sub.add_parser("openapi", help="print the OpenAPI document")
    p.set_defaults(func=cmd_openapi)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    args = build_parser().parse_args(argv)
    from sqlalchemy.exc import SQLAlchemyError

    try:
        code = int(args.func(args))
        sys.stdout.flush()  # here, where a reader that went away is caught below
        return code
    except (Refused, ValueError) as exc:
        print(f"posclient-hq: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"posclient-hq: cannot use the database: {_reason(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # Output piped into e.g. `head`, which stopped reading: 141, as a shell reports it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:
        if exc.filename is not None or exc.errno not in _OUTPUT_ERRORS:
            raise
        # Writing the output failed (a full disk, /dev/full): say so, once, not a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print(f"posclient-hq: cannot write the output: {exc.strerror}", file=sys.stderr)
        return 1
    finally:
        while _opened:
            _opened.pop().dispose()


#: How writing to standard output fails when its disk is full or gone.
_OUTPUT_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EIO)


def _reason(exc: Exception) -> str:
    """The driver's own first line (no SQL, no parameters, no URL with its password)."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


if __name__ == "__main__":
    raise SystemExit(main())
