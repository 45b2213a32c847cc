"""Scanning commands: decode codes in image files, render a printable member card.

Neither needs an initialised till. With ``--data-dir`` of an initialised till, ``decode`` checks
member QR codes against the till's chain and card prefix and ``card`` uses its chain and store
name; without one, member QR codes are checked for structure only and cards use chain ``DEMO``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from posclient.bootstrap import database_path
from posclient.domain.codes import DEFAULT_CARD_PREFIX, parse_card, static_qr_text
from posclient.domain.errors import CodeError, PosError
from posclient.i18n import text
from posclient.services.settings import TillInfo

from .common import add_json, print_json

DEMO_CHAIN = "DEMO"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "decode",
        help="decode member and product codes in image files (no till needed)",
        description="Prints, per file: symbology, text and kind of each code, or the reason "
        "none was found. Exit status 1 if any file had no usable code.",
    )
    p.add_argument("images", nargs="+", metavar="IMAGE", type=Path)
    add_json(p)
    p.set_defaults(func=cmd_decode)

    p = sub.add_parser("card", help="render a printable member card (PNG or PDF)")
    p.add_argument("--member-card", required=True, metavar="CARD_NO", help="13-digit card number")
    p.add_argument("--name", default="", help="member name (printed masked: 张*)")
    p.add_argument("--store-name", default=None, help="default: the till's store name")
    p.add_argument("--out", required=True, type=Path, metavar="FILE.png|FILE.pdf")
    add_json(p)
    p.set_defaults(func=cmd_card)


def till_info(args: argparse.Namespace, *, required: bool = False) -> TillInfo | None:
    """The till's settings when ``--data-dir`` names an initialised till (read only)."""
    if not args.data_dir:
        return None
    path = database_path(Path(args.data_dir))
    if not path.is_file():
        if required:
            raise PosError("store.not_initialised", path=str(args.data_dir))
        return None
    from posclient.store.db import Database

    db = Database(path, migrate=False)
    try:
        with db.read() as session:
            return TillInfo.load(session)
    finally:
        db.close()


# ---------------------------------------------------------------- decode


def _shown(value: str) -> str:
    """Line breaks and separators visible, so one code stays on one line."""
    return (
        value.replace("\\", "\\\\")
        .replace("\r", "\\r")
        .replace("\n", "\\n")
        .replace("\t", "\\t")
        .replace("\x1d", "<GS>")
    )


def decode_one(path: Path, *, chain: str | None, card_prefix: str, lang: str) -> dict[str, Any]:
    """One file's entry of ``decode --json`` (documented in docs/scanning.md)."""
    from posclient.scanning import decode  # Pillow and the decoders load only when needed

    entry: dict[str, Any] = {"file": str(path), "ok": False, "reason": None, "message": None}
    codes: list[dict[str, Any]] = []
    entry["codes"] = codes
    try:
        result = decode.decode_file(path)
    except decode.ScanError as exc:
        entry["reason"], entry["message"] = exc.code, text(exc.code, lang, **exc.params)
        return entry
    for code in result.codes:
        item: dict[str, Any] = {
            "symbology": code.symbology,
            "text": code.text,
            "decoder": code.source_decoder,
            "kind": None,
            "reason": None,
            "message": None,
        }
        try:
            item["kind"] = decode.classify(code.text, chain=chain, card_prefix=card_prefix).kind
        except CodeError as exc:
            item["reason"], item["message"] = exc.code, text(exc.code, lang, **exc.params)
        codes.append(item)
    entry["ok"] = any(item["kind"] for item in codes)
    if not entry["ok"]:
        entry["reason"] = codes[0]["reason"] if codes else result.reason
        entry["message"] = text(entry["reason"], lang)
    return entry


def cmd_decode(args: argparse.Namespace) -> int:
    info = till_info(args)
    chain = info.chain if info else None
    prefix = info.card_prefix if info else DEFAULT_CARD_PREFIX
    entries = [
        decode_one(path, chain=chain, card_prefix=prefix, lang=args.lang) for path in args.images
    ]
    if args.json:
        print_json(entries)
    else:
        for entry in entries:
            if not entry["codes"]:
                print(f"{entry['file']}: {entry['message']}")
            for item in entry["codes"]:
                what = (
                    text(f"scan.kind_{item['kind']}", args.lang)
                    if item["kind"]
                    else item["message"]
                )
                print(f"{entry['file']}: {item['symbology']} {_shown(item['text'])}  ({what})")
    return 0 if all(entry["ok"] for entry in entries) else 1


# ---------------------------------------------------------------- card


def cmd_card(args: argparse.Namespace) -> int:
    from posclient.scanning import render

    out: Path = args.out
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("png", "pdf"):
        raise PosError("cli.card_format", path=str(out))
    info = till_info(args, required=True)
    chain = info.chain if info else DEMO_CHAIN
    prefix = info.card_prefix if info else DEFAULT_CARD_PREFIX
    store_name = (
        args.store_name if args.store_name is not None else (info.store_name if info else "")
    )
    card_no = parse_card(args.member_card.strip(), prefix=prefix).card_no
    image = render.member_card_image(
        card_no=card_no,
        chain=chain,
        store_name=store_name,
        member_name=args.name,
        card_prefix=prefix,
    )
    data = render.card_bytes(image, fmt)
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise PosError("cli.cannot_write", path=str(out)) from exc
    if args.json:
        print_json(
            {
                "file": str(out),
                "format": fmt,
                "card_no": card_no,
                "qr_text": static_qr_text(chain, card_no),
                "chain": chain,
                "store_name": store_name,
                "width_mm": render.CARD_WIDTH_MM,
                "height_mm": render.CARD_HEIGHT_MM,
                "dpi": render.CARD_DPI,
                "bytes": len(data),
            }
        )
    else:
        print(text("cli.card_written", args.lang, path=str(out)))
    return 0
