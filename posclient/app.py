"""posclient: the till. Composition root: config → database → services → (window).

The checkout window is not built yet (issue: cashier checkout screen); until it lands,
``posclient --demo`` rings up a demo sale headlessly through the same checkout service and
prints the receipt, and says so.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from posclient import __version__
from posclient import log as logsetup
from posclient.bootstrap import default_data_dir, open_till
from posclient.domain.errors import PosError
from posclient.i18n import message, normalise_lang, text
from posclient.services import demo
from posclient.services.checkout import Cart
from posclient.store.uow import UnitOfWork


def run_headless_demo(data_dir: Path, lang: str) -> int:
    from posclient.cli.till_cmds import print_receipt

    till = open_till(data_dir, create=True)
    with UnitOfWork(till.db) as uow:
        counts = demo.load_all(uow.session, till.cipher, till.clock)
        uow.commit()
    print(text("app.headless_demo", lang, path=data_dir))
    print(text("cli.demo_loaded", lang, **counts))
    service = till.checkout
    cart = Cart(member=service.identify("13800138001"))
    cart.add(service.find_product("6901234000009"), 2)
    cart.add(service.find_product("NUTS-MIX"), 1)
    cart.coupon = service.find_coupon("BD-WANG", cart)
    cart.redeem_points = 2000
    print_receipt(service.complete_sale(cart, staff_id="c01"), lang)
    till.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="posclient", description="posclient till (收银机)")
    parser.add_argument("--version", action="version", version=f"posclient {__version__}")
    parser.add_argument("--demo", action="store_true", help="throwaway data dir with demo data")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--lang", default=None, help="zh_CN (default) or en")
    args = parser.parse_args(argv)
    lang = normalise_lang(args.lang)
    data_dir = args.data_dir or (
        Path(tempfile.mkdtemp(prefix="posclient-demo-")) if args.demo else default_data_dir()
    )
    logsetup.setup(data_dir / "logs")
    try:
        if args.demo:
            return run_headless_demo(data_dir, lang)
        print(text("app.no_window", lang), file=sys.stderr)
        return 2
    except PosError as exc:
        print(message(exc, lang), file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
