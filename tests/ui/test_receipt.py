"""Receipt rendering: masked member data only, widths for 58 mm thermal paper, escaping."""

from __future__ import annotations

import pytest

from posclient.domain.errors import PosError
from posclient.services.checkout import Cart
from posclient.ui import escpos_printer
from posclient.ui import receipt as receipt_doc
from tests.helpers import demo_members

GOLD = demo_members()["gold"]  # 李强 139****9002, card 2990000000026, 12,300 points


@pytest.fixture
def receipt(till):
    cart = Cart(member=till.checkout.identify(GOLD["phone"]))
    cart.add(till.checkout.find_product("MILK-1L"), 3)  # member price 3 × ¥11.50 = ¥34.50
    cart.add(till.checkout.find_product("OIL-5L"), 1)  # ¥89.90, gold 5 % off: −¥4.50
    cart.coupon = till.checkout.find_coupon("SPRING9", cart)  # 10 % off ≥ ¥100: −¥11.99
    cart.redeem_points = 3000
    return till.checkout.complete_sale(cart, staff_id="c01")


def test_text_receipt_fits_the_paper_and_masks_the_member(qapp, receipt, till):
    doc = receipt_doc.build(receipt, lang="zh_CN", clock=till.clock)
    lines = receipt_doc.to_text(doc, width=32)
    assert all(receipt_doc.text_width(line) <= 32 for line in lines)
    assert "￥" in lines[-12] or any("￥" in line for line in lines)  # GB2312 yen for the printer
    text = "\n".join(lines)
    assert GOLD["phone"] not in text and GOLD["name"] not in text
    assert "139****9002" in text and "29*******0026" in text
    assert receipt.receipt_no in text and "SPRING9" in text
    assert "￥77.91" in text  # due: ¥119.90 − ¥11.99 coupon − ¥30.00 in points


def test_html_escapes_names(qapp, receipt, till):
    doc = receipt_doc.build(receipt, lang="en", clock=till.clock)
    doc = receipt_doc.ReceiptDoc("<b>Shop & Co</b>", doc.header, doc.items, doc.totals, doc.footer)
    html = receipt_doc.to_html(doc)
    assert "&lt;b&gt;Shop &amp; Co&lt;/b&gt;" in html
    assert "Gold" in receipt_doc.to_html(receipt_doc.build(receipt, lang="en", clock=till.clock))


@pytest.mark.parametrize("spec", ["", "usb:zz:01", "serial:/dev/ttyS0", "network:", "file:"])
def test_bad_printer_settings_are_a_reason_not_a_crash(spec):
    with pytest.raises(PosError) as err:
        escpos_printer.open_printer(spec)
    assert err.value.code == "print.escpos_config"


def test_a_failing_printer_is_a_reason(tmp_path):
    with pytest.raises(PosError) as err:
        escpos_printer.print_receipt(f"file:{tmp_path}/missing/lp0", ["hello"])
    assert err.value.code == "print.escpos_failed"


def test_receipt_names_products_in_its_language(qapp, receipt, till):
    """An English receipt names the products in English where the catalogue has the name."""

    def text(lang: str) -> str:
        return "\n".join(
            receipt_doc.to_text(receipt_doc.build(receipt, lang=lang, clock=till.clock))
        )

    english, chinese = text("en"), text("zh_CN")
    assert "Whole milk 1 L" in english and "纯牛奶 1L" not in english
    assert "纯牛奶 1L" in chinese and "Whole milk" not in chinese
