"""Sync commands: pair, sync."""

from __future__ import annotations

import argparse
import sys

from posclient.bootstrap import Till
from posclient.i18n import text
from posclient.services import pairing
from posclient.services.sync import SyncEngine

from .common import UsageError, add_json, print_json, seconds, till


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("pair", help="pair this till with HQ using a one-time pairing code")
    p.add_argument("code", help="the pairing code from posclient-hq pairing-code")
    p.add_argument("--hq", default=None, help="HQ URL (default: the one given to init)")
    p.add_argument("--name", default=None, help="device name shown at HQ")
    add_json(p)
    p.set_defaults(func=cmd_pair)

    p = sub.add_parser("sync", help="push the outbox to HQ and pull changes")
    p.add_argument(
        "--until-idle",
        action="store_true",
        help="keep retrying until the queue is empty and the feed drained",
    )
    p.add_argument(
        "--timeout", default=None, help="seconds, with --until-idle (1–86400, default 120)"
    )
    add_json(p)
    p.set_defaults(func=cmd_sync)


def cmd_pair(args: argparse.Namespace) -> int:
    if not args.code.strip():  # an unset shell variable: a usage error, not a refused code
        raise UsageError("cli.usage.value", what="CODE", value="''")
    t = till(args)
    paired = pairing.pair(t.db, t.secrets, code=args.code, hq_url=args.hq, device_name=args.name)
    result = {
        "device_id": paired.device_id,
        "device_no": paired.device_no,
        "store": paired.store,
        "chain": paired.chain,
        "hq_url": paired.hq_url,
        "token_stored_in": paired.secrets_backend,
        "previous_store": paired.previous_store or None,
        "moved_pending": paired.moved_pending,
        "resent": paired.resent,
    }
    if args.json:
        print_json(result)
    else:
        print(
            text(
                "cli.paired",
                args.lang,
                device=paired.device_id,
                store=paired.store,
                backend=_where(t, args.lang),
            )
        )
    if paired.moved_pending:
        # Said on stderr too with --json: an operator must see it.
        print(
            text(
                "cli.pair_moved_pending",
                args.lang,
                count=paired.moved_pending,
                before=paired.previous_store,
                store=paired.store,
            ),
            file=sys.stderr,
        )
    if paired.resent:  # HQ restored from a backup lost events: they go again
        print(text("cli.sync_resent", args.lang, count=paired.resent), file=sys.stderr)
    return 0


def _where(t: Till, lang: str) -> str:
    """Where the device token went, in words: the OS keyring, or the protected file's folder."""
    info = t.secrets.info
    if info.is_os_keyring:
        return text("cli.token_in_keyring", lang, backend=info.name)
    return text("cli.token_in_file", lang, path=info.location)


#: Seconds ``sync --until-idle`` keeps trying by default.
UNTIL_IDLE_TIMEOUT_S = 120.0


def cmd_sync(args: argparse.Namespace) -> int:
    if args.timeout is not None and not args.until_idle:
        raise UsageError("cli.usage.timeout_needs_until_idle")
    timeout = UNTIL_IDLE_TIMEOUT_S if args.timeout is None else seconds(args.timeout, "--timeout")
    t = till(args)
    engine = SyncEngine(t.db, cipher=t.cipher, secrets=t.secrets, now=t.clock.now)
    try:
        if args.until_idle:
            report = engine.run_until_idle(deadline_s=timeout)
        else:
            report = engine.sync_once()
    finally:
        engine.close()
    if args.json:
        print_json(report.as_dict())
    elif report.error is None or report.pushed or report.pulled:  # what was done, if anything
        print(
            text(
                "cli.sync_report",
                args.lang,
                pushed=report.pushed,
                applied=report.applied,
                duplicates=report.duplicates,
                conflicts=report.conflicts,
                rejected=report.rejected,
                pulled=report.pulled,
                pending=report.pending,
            )
        )
    if report.resent and not args.json:
        print(text("cli.sync_resent", args.lang, count=report.resent))
    if report.error:
        # Why it stopped: one line on stderr, as every refusal (exit 1; nothing is lost).
        print(text(report.error, args.lang), file=sys.stderr)
    return 0 if report.error is None else 1
