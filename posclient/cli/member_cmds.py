"""``posclient-admin import-members FILE [--dry-run] [--json]`` (issue 7, R12)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from posclient.i18n import normalise_lang
from posclient.services import member_import

from .common import add_json, print_json, till

PROGRESS_FROM = 500


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "import-members",
        help="legacy member list (CSV UTF-8/GBK or .xlsx): clean, de-duplicate, report, enrol",
    )
    p.add_argument("file", type=Path)
    p.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    add_json(p)
    p.set_defaults(func=cmd_import)


def _progress(done: int, total: int) -> None:
    """Progress to stderr for large files (stdout stays the report)."""
    if total >= PROGRESS_FROM:
        print(f"imported {done}/{total}", file=sys.stderr, flush=True)


def cmd_import(args: argparse.Namespace) -> int:
    t = till(args)
    try:
        report = member_import.run_import(
            t.db,
            t.cipher,
            args.file,
            now=t.clock.now(),
            dry=args.dry_run,
            progress=_progress,
        )
    finally:
        t.close()
    if args.json:
        print_json(report.as_dict())
        return 0
    en = normalise_lang(args.lang) == "en"
    lines = [
        (f"rows read: {report.rows}" if en else f"读取行数：{report.rows}"),
        (f"members to create: {report.to_create}" if en else f"将创建会员：{report.to_create}"),
        (
            f"merged (same phone): {len(report.merged)}"
            if en
            else f"合并（同一手机号）：{len(report.merged)}"
        ),
        (f"invalid rows: {len(report.invalid)}" if en else f"无效行：{len(report.invalid)}"),
        (
            f"already members: {len(report.already_members)}"
            if en
            else f"已是会员：{len(report.already_members)}"
        ),
        (
            f"repeated old ids: {len(report.duplicate_old_ids)}"
            if en
            else f"重复的原会员编号：{len(report.duplicate_old_ids)}"
        ),
        (
            f"opening points: {report.points_total}"
            if en
            else f"期初积分合计：{report.points_total}"
        ),
    ]
    for item in report.invalid:
        lines.append(f"  line {item['line']} {item['old_id']}: {item['reason']}")
    for item in report.merged:
        lines.append(f"  merge {item['phone']}: {', '.join(item['old_ids'])} ({item['points']})")
    if args.dry_run:
        lines.append("dry run: nothing written" if en else "试运行：未写入任何数据")
    else:
        lines.append(f"created: {report.created}" if en else f"已创建：{report.created}")
        if report.opening_balances:
            lines.append(
                f"opening balances booked: {report.opening_balances} members, "
                f"{report.opening_points} points (sent to HQ with the next sync)"
                if en
                else f"已入账期初积分：{report.opening_balances} 位会员，"
                f"共 {report.opening_points} 积分（下次同步发送至总部）"
            )
    print("\n".join(lines))
    return 0
