"""posclient-admin as an operator runs it: real processes, exit codes, JSON on stdout."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers import demo_members, sql

MEMBERS = demo_members()


def admin(data_dir, *args, lang=None, check=True):
    cmd = [sys.executable, "-m", "posclient.cli", "--data-dir", str(data_dir)]
    if lang:
        cmd += ["--lang", lang]
    proc = subprocess.run([*cmd, *args], check=False, capture_output=True, text=True, timeout=60)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} failed ({proc.returncode}): {proc.stderr}")
    return proc


@pytest.fixture
def demo_dir(tmp_path):
    admin(tmp_path / "d", "init", "--demo")
    return tmp_path / "d"


def test_init_demo_then_sale_json(demo_dir):
    wang = MEMBERS["diamond"]
    out = admin(
        demo_dir,
        "sale",
        "--member",
        wang["card_no"],
        "--item",
        "MILK-1L:2",
        "--item",
        "NUTS-MIX",
        "--redeem",
        "2000",
        "--coupon",
        "BD-WANG",
        "--json",
    )
    sale = json.loads(out.stdout)
    assert sale["member"]["tier"] == "diamond"
    assert sale["points_redeemed"] == 2000 and sale["coupon_code"] == "BD-WANG"
    # member prices 2×11.50 + 89.00 = 112.00, 15 % coupon −16.80, 2,000 points −20.00
    assert sale["amount_due"] == "75.20"
    assert sale["points_earned"] == 150  # diamond ×2
    assert [line["sku"] for line in sale["lines"]] == ["MILK-1L", "NUTS-MIX"]
    status = json.loads(admin(demo_dir, "status", "--json").stdout)
    assert status["pending"] == 1 and status["rejected"] == 0 and status["paired"] is False
    queue = json.loads(admin(demo_dir, "queue", "--json").stdout)
    assert [(e["seq"], e["type"], e["status"]) for e in queue] == [(1, "sale.completed", "pending")]
    member = json.loads(admin(demo_dir, "member", wang["phone"], "--json").stdout)
    assert member["balance"] == 26800 - 2000 + sale["points_earned"]
    assert member["phone"] == "138****8001" and wang["phone"] not in out.stdout
    products = json.loads(admin(demo_dir, "products", "--json").stdout)
    assert (
        len(products) == 30
        and products[0]["sku"] == "APPLE-1KG"
        and products[0]["price"] == "19.80"
    )


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (["sale", "--item", "NOPE9"], "未知商品", "Unknown product"),
        (["sale", "--item", "CHIPS:0"], "数量必须大于 0", "at least 1"),
        (["sale", "--item", "CHIPS:x"], "整数", "whole number"),
        (["sale", "--member", "2990000000018", "--item", "CHIPS"], "校验位", "check digit"),
        (
            ["sale", "--member", "18600186004", "--item", "NUTS-MIX", "--redeem", "999900"],
            "积分不足",
            "Not enough points",
        ),
        (["sale", "--item", "NUTS-MIX", "--coupon", "FP-CHEN"], "仅限会员", "for members"),
        (["member", "PCM1:ACME:2990000000019"], "其他商家", "another retailer"),
        (["refund", "S001-0000-0009999"], "找不到小票", "No sale with receipt"),
    ],
)
def test_bad_input_one_line_reason_in_both_languages(demo_dir, args, zh, en):
    before = sql(demo_dir / "posclient.sqlite3", "SELECT count(*) FROM outbox")
    for lang, expected in (("zh_CN", zh), ("en", en)):
        proc = admin(demo_dir, *args, lang=lang, check=False)
        assert proc.returncode == 1
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], proc.stderr
        assert "Traceback" not in proc.stderr
    assert sql(demo_dir / "posclient.sqlite3", "SELECT count(*) FROM outbox") == before


def test_uninitialised_and_corrupt_data_dirs(tmp_path):
    proc = admin(tmp_path / "none", "status", check=False)
    assert proc.returncode == 1 and "init" in proc.stderr
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "posclient.sqlite3").write_bytes(b"garbage" * 1000)
    proc = admin(tmp_path / "bad", "--lang", "en", "status", check=False)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "corrupt" in proc.stderr


def test_refund_by_receipt(demo_dir):
    sale = json.loads(
        admin(
            demo_dir, "sale", "--member", MEMBERS["gold"]["phone"], "--item", "MILK-1L:2", "--json"
        ).stdout
    )
    out = json.loads(
        admin(demo_dir, "refund", sale["receipt_no"], "--line", "1:1", "--json").stdout
    )
    assert out["lines"][0]["qty"] == 1
    rest = json.loads(admin(demo_dir, "refund", sale["receipt_no"], "--json").stdout)
    from decimal import Decimal

    assert Decimal(out["amount"]) + Decimal(rest["amount"]) == Decimal(sale["amount_due"])
