"""posclient-admin as an operator runs it: real processes, exit codes, JSON on stdout."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys

import pytest

from tests.helpers import demo_members, init_demo, sql

MEMBERS = demo_members()


def admin(data_dir, *args, lang=None, check=True):
    cmd = [sys.executable, "-m", "posclient.cli", "--data-dir", str(data_dir)]
    if lang:
        cmd += ["--lang", lang]
    proc = subprocess.run([*cmd, *args], check=False, capture_output=True, text=True, timeout=60)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} failed ({proc.returncode}): {proc.stderr}")
    return proc


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
        (["sale", "--item", "CHIPS:1000"], "数量过大", "Quantity too large"),
        (["sale", "--member", "2990000000018", "--item", "CHIPS"], "校验位", "check digit"),
        (
            ["sale", "--member", "18600186004", "--item", "NUTS-MIX", "--redeem", "999900"],
            "积分不足",
            "Not enough points",
        ),
        (["sale", "--item", "NUTS-MIX", "--coupon", "FP-CHEN"], "仅限会员", "for members"),
        (["member", "PCM1:ACME:2990000000019"], "其他商家", "another retailer"),
        (["refund", "S001-0000-0009999"], "找不到小票", "No sale with receipt"),
        # A provisional member (valid card, not cached yet) cannot pay with points at all.
        (
            [
                *("sale", "--member", "2990000000095", "--item", "TOTE-BAG"),
                *("--points-price", "TOTE-BAG"),
            ],
            "不能用积分抵扣",
            "cannot redeem",
        ),
        # A coupon that takes nothing off is not used up.
        (
            ["sale", "--member", "13800138001", "--item", "FORMULA-900", "--coupon", "BD-WANG"],
            "不适用于本单商品",
            "does not apply",
        ),
        (["member", " "], "未读取到任何内容", "Nothing was scanned"),
        (["sale", "--member", "13800138", "--item", "MILK-1L"], "手机号应为 11 位", "11 digits"),
        (["sale", "--member", "299000000003", "--item", "MILK-1L"], "卡号应为 13 位", "13 digits"),
        (
            ["sale", "--member", "15000150003", "--item", "CHIPS", "--points-price", "TOTE-BAG"],
            "不在本单中",
            "not in this sale",
        ),
        (["init", "--store", "a b/c"], "门店编码", "store code"),
        (
            ["sale", "--item", "MILK-1L", "--staff", "nobody"],
            "员工编号不存在",
            "Unknown or inactive",
        ),
        (["init", "--hq", "notaurl"], "总部地址", "HQ address"),
        (["init", "--hq", "http://127.0.0.1:99999"], "总部地址", "HQ address"),
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


def test_damage_found_half_way_through_a_command_is_one_line_not_an_internal_error(
    tmp_path, demo_dir
):
    """The file opens and its schema reads, but the products table's pages are garbage: the
    command says the database is damaged and what to do (exit 1), in the user's language."""
    data = tmp_path / "damaged"
    shutil.copytree(demo_dir, data)
    db = data / "posclient.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'products'").fetchone()[0]
    conn.close()
    with db.open("r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\xde\xad\xbe\xef" * (page_size // 4))
    for lang, expected in (("en", "corrupt"), ("zh_CN", "损坏")):
        proc = admin(data, "products", lang=lang, check=False)
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.count("\n") == 1 and expected in proc.stderr, proc.stderr
        assert "restore" in proc.stderr and "internal" not in proc.stderr.lower()


def test_usage_errors_are_one_line_in_the_users_language(demo_dir):
    for lang, expected in (("zh_CN", "缺少必需的参数"), ("en", "Missing required arguments")):
        proc = admin(demo_dir, "sale", lang=lang, check=False)
        assert proc.returncode == 2
        assert proc.stderr.count("\n") == 1 and expected in proc.stderr, proc.stderr
    proc = admin(demo_dir, "nonsense", check=False)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "nonsense" in proc.stderr


def test_data_dirs_that_are_not_a_tills_are_refused_untouched(tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    proc = admin(not_a_dir, "status", check=False)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    # Another program's SQLite database (or an empty file) is neither taken over nor changed.
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    db = foreign / "posclient.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    for command in ("status", "init"):
        proc = admin(foreign, command, check=False)
        assert proc.returncode == 1 and "不是本系统的数据库" in proc.stderr, proc.stderr
    assert db.read_bytes() == before and not (foreign / "logs").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "posclient.sqlite3").write_bytes(b"")
    proc = admin(empty, "status", check=False)
    assert proc.returncode == 1 and "init" in proc.stderr
    assert (empty / "posclient.sqlite3").read_bytes() == b""
    assert sorted(p.name for p in empty.iterdir()) == ["posclient.sqlite3"]


def test_a_database_from_a_newer_version_is_refused(demo_dir):
    db = demo_dir / "posclient.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    for lang, expected in (("zh_CN", "更新版本"), ("en", "newer posclient")):
        proc = admin(demo_dir, "status", lang=lang, check=False)
        assert proc.returncode == 1 and expected in proc.stderr and "9999" in proc.stderr
    assert sql(db, "SELECT version_num FROM alembic_version") == [("9999",)]


def test_sale_text_names_products_in_the_chosen_language(demo_dir):
    english = admin(demo_dir, "sale", "--item", "MILK-1L", lang="en").stdout
    chinese = admin(demo_dir, "sale", "--item", "MILK-1L").stdout
    assert "Whole milk 1 L" in english and "纯牛奶" not in english
    assert "纯牛奶 1L" in chinese


def test_output_piped_into_head_is_not_an_error(demo_dir):
    cmd = [sys.executable, "-m", "posclient.cli", "--data-dir", str(demo_dir), "products"]
    proc = subprocess.run(
        f"{shlex.join(cmd)} | head -1",
        shell=True,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.stdout.count("\n") == 1
    assert "error" not in proc.stderr and "错误" not in proc.stderr, proc.stderr


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
    # The name as sold and the catalogue's English name, whatever the language.
    assert sale["lines"][0]["name"] == out["lines"][0]["name"] == "纯牛奶 1L"
    assert sale["lines"][0]["name_en"] == out["lines"][0]["name_en"] == "Whole milk 1 L"
    rest = json.loads(admin(demo_dir, "refund", sale["receipt_no"], "--json").stdout)
    from decimal import Decimal

    assert Decimal(out["amount"]) + Decimal(rest["amount"]) == Decimal(sale["amount_due"])


# ---------------------------------------------------------------- QA round 3: CLI edges


def _dump(data_dir):
    conn = sqlite3.connect(data_dir / "posclient.sqlite3")
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def _run(cmd, *, shell_redirect="", env=None, cwd=None, stdout=subprocess.PIPE):
    """The admin command through a shell, for redirections such as ``>&-``."""
    full = shlex.join([sys.executable, "-m", "posclient.cli", *map(str, cmd)])
    return subprocess.run(
        f"{full} {shell_redirect}",
        shell=True,
        check=False,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        env=env,
        cwd=cwd,
    )


def test_init_demo_on_a_till_with_data_is_refused_and_changes_nothing(demo_dir):
    sun = "17600176007"  # enrolled today: her first purchase makes FP-SUN unusable
    admin(demo_dir, "sale", "--member", sun, "--item", "CHIPS")
    before = _dump(demo_dir)
    for lang, expected in (("zh_CN", "已有数据"), ("en", "already has data")):
        for extra in ([], ["--store", "S009", "--hq", "http://127.0.0.1:8765"]):
            proc = admin(demo_dir, "init", "--demo", *extra, lang=lang, check=False)
            assert proc.returncode == 1, proc.stderr
            lines = proc.stderr.strip().splitlines()
            assert len(lines) == 1 and expected in lines[0], proc.stderr
            assert proc.stdout == ""
    assert _dump(demo_dir) == before
    proc = admin(
        demo_dir, "sale", "--member", sun, "--item", "CHIPS:5", "--coupon", "FP-SUN", check=False
    )
    assert proc.returncode == 1 and "首次" in proc.stderr, proc.stderr


def test_init_on_an_existing_till_keeps_its_data_and_language(tmp_path):
    d = tmp_path / "d"
    admin(d, "init", lang="en")  # a new till without data: the demo may still be loaded
    out = json.loads(admin(d, "init", "--demo", "--json").stdout)
    assert out["demo"]["members"] == 8
    admin(d, "sale", "--member", "17600176007", "--item", "CHIPS")
    members = sql(d / "posclient.sqlite3", "SELECT member_id, purchase_count FROM members")
    # init without --demo on a till with data: nothing of its data changes, nor its language
    again = json.loads(admin(d, "init", "--json").stdout)
    assert again["demo"] is None
    assert sql(d / "posclient.sqlite3", "SELECT member_id, purchase_count FROM members") == members
    assert sql(d / "posclient.sqlite3", "SELECT value FROM meta WHERE key = 'lang'") == [("en",)]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_committed_sale_whose_output_cannot_be_written_exits_141(demo_dir):
    db = demo_dir / "posclient.sqlite3"
    with open("/dev/full", "w") as full:
        proc = _run(
            ["--data-dir", demo_dir, "--lang", "en", "sale", "--item", "MILK-1L", "--json"],
            stdout=full,
        )
    assert proc.returncode == 141, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "S001-0000-0000001" in lines[0] and "done" in lines[0], lines
    assert sql(db, "SELECT receipt_no FROM sales") == [("S001-0000-0000001",)]
    # Text receipt, Chinese, into a full disk: the same.
    with open("/dev/full", "w") as full:
        proc = _run(["--data-dir", demo_dir, "sale", "--item", "MILK-1L"], stdout=full)
    assert proc.returncode == 141 and "S001-0000-0000002" in proc.stderr, proc.stderr
    assert proc.stderr.count("\n") == 1 and "已完成" in proc.stderr


def test_closed_stdout_is_output_lost_not_an_internal_error(demo_dir):
    for args in (["status", "--json"], ["status"], ["products", "--json"]):
        proc = _run(["--data-dir", demo_dir, *args], shell_redirect=">&-")
        assert proc.returncode == 141, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "无法写出" in lines[0], proc.stderr
        assert "AttributeError" not in proc.stderr and "内部错误" not in proc.stderr
    proc = _run(
        ["--data-dir", demo_dir, "--lang", "en", "refund", "S001-0000-0000001"],
        shell_redirect=">&-",
    )
    assert proc.returncode == 1  # a refusal still says why, stdout or not
    admin(demo_dir, "sale", "--item", "CHIPS")
    proc = _run(
        ["--data-dir", demo_dir, "--lang", "en", "refund", "S001-0000-0000001"],
        shell_redirect=">&- 2>&-",  # nothing can be said: the exit status alone
    )
    assert proc.returncode == 141 and proc.stderr == ""
    assert sql(demo_dir / "posclient.sqlite3", "SELECT count(*) FROM refunds") == [(1,)]


@pytest.mark.parametrize(
    "args",
    [
        ["sale", "--item", "MILK-1L:1_0"],
        ["sale", "--item", "MILK-1L:+3"],
        ["sale", "--item", "MILK-1L: 2"],
        ["sale", "--item", "MILK-1L:2 "],
        ["sale", "--item", "MILK-1L:\u0663"],  # Arabic-Indic 3
        ["sale", "--item", "MILK-1L:\uff12"],  # full-width 2
        ["sale", "--item", "MILK-1L:-1"],
        ["sale", "--item", "MILK-1L:x"],
        ["sale", "--item", "MILK-1L:"],
        ["sale", "--item", ":2"],
        ["sale", "--member", "13800138001", "--item", "NUTS-MIX", "--redeem", "1_000"],
        ["sale", "--member", "13800138001", "--item", "NUTS-MIX", "--redeem", "+100"],
        ["sale", "--member", "13800138001", "--item", "NUTS-MIX", "--redeem", "-100"],
        ["sale", "--member", "13800138001", "--item", "NUTS-MIX", "--redeem", "\u0661\u0660\u0660"],
        ["refund", "S001-0000-0000001", "--line", "1:1_0"],
        ["refund", "S001-0000-0000001", "--line", "+1"],
        ["refund", "S001-0000-0000001", "--line", "1: 1"],
        ["refund", "S001-0000-0000001", "--line", "1:"],
        ["refund", "S001-0000-0000001", "--line", "1:1", "--line", "1:1"],
        ["refund", "S001-0000-0000001", "--line", "1", "--line", "01:2"],
        ["--lang", "fr", "status"],
        ["--lang", "english", "status"],
    ],
)
def test_malformed_arguments_are_one_line_usage_errors(demo_dir, args):
    admin(demo_dir, "sale", "--item", "MILK-1L:5")
    before = _dump(demo_dir)
    proc = admin(demo_dir, *args, check=False)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout == ""
    assert _dump(demo_dir) == before


def test_usage_error_wording_in_both_languages(demo_dir):
    proc = admin(demo_dir, "sale", "--item", "MILK-1L:1_0", lang="en", check=False)
    assert proc.stderr == "posclient-admin: --item takes plain digits 0-9, not '1_0'\n"
    proc = admin(demo_dir, "refund", "S1", "--line", "2:1", "--line", "2", check=False)
    assert "第 2 行" in proc.stderr and proc.returncode == 2
    proc = admin(demo_dir, "refund", "S1", "--line", "2:1", "--line", "2", lang="en", check=False)
    assert "line 2 twice" in proc.stderr
    # argparse's own choice errors: in the user's language, with the choices, no English mixed in
    proc = admin(demo_dir, "--lang", "fr", "status", check=False)
    assert "--lang 的取值无效：'fr'（可选：'zh_CN', 'en'）" in proc.stderr, proc.stderr
    proc = admin(demo_dir, "bogus", check=False)
    assert (
        proc.returncode == 2 and "取值无效" in proc.stderr and "invalid choice" not in proc.stderr
    )


def test_refund_of_a_line_with_digits_only_still_works(demo_dir):
    sale = json.loads(admin(demo_dir, "sale", "--item", "MILK-1L:3", "--json").stdout)
    out = json.loads(
        admin(demo_dir, "refund", sale["receipt_no"], "--line", "01:002", "--json").stdout
    )
    assert out["lines"][0]["line_no"] == 1 and out["lines"][0]["qty"] == 2
    rest = json.loads(admin(demo_dir, "refund", sale["receipt_no"], "--line", "1", "--json").stdout)
    assert rest["lines"][0]["qty"] == 1


def test_an_unknown_posclient_lang_falls_back_to_chinese(demo_dir):
    env = {**os.environ, "POSCLIENT_LANG": "xx"}
    proc = _run(["--data-dir", demo_dir, "sale", "--item", "NOPE"], env=env)
    assert proc.returncode == 1 and "未知商品" in proc.stderr
    env["POSCLIENT_LANG"] = "en_US.UTF-8"
    proc = _run(["--data-dir", demo_dir, "sale", "--item", "NOPE"], env=env)
    assert proc.returncode == 1 and "Unknown product" in proc.stderr


def test_sale_json_adds_up_with_item_points_value(demo_dir):
    from decimal import Decimal

    sale = json.loads(
        admin(
            demo_dir,
            *("sale", "--member", MEMBERS["silver"]["phone"]),
            *("--item", "TOTE-BAG:2", "--item", "CHIPS:4"),
            *("--points-price", "TOTE-BAG", "--redeem", "1000", "--json"),
        ).stdout
    )
    assert sale["item_points"] == 1000 and sale["item_points_value"] == "10.00"
    total = (
        Decimal(sale["subtotal"])
        - Decimal(sale["member_savings"])
        - Decimal(sale["tier_discount"])
        - Decimal(sale["coupon_discount"])
        - Decimal(sale["points_value"])
        - Decimal(sale["item_points_value"])
    )
    assert total == Decimal(sale["amount_due"])
    for line in sale["lines"]:
        assert isinstance(line["item_points_value"], str)
        paid = (
            Decimal(line["gross"])
            - Decimal(line["member_saving"])
            - Decimal(line["tier_discount"])
            - Decimal(line["coupon_discount"])
            - Decimal(line["points_redeemed"]) / 100
            - Decimal(line["item_points_value"])
        )
        assert paid == Decimal(line["amount_due"]), line
    assert sum(Decimal(line["item_points_value"]) for line in sale["lines"]) == Decimal("10.00")


def test_data_dir_in_json_is_absolute(tmp_path):
    out = json.loads(_run(["--data-dir", "rel", "init", "--json"], cwd=tmp_path).stdout)
    assert out["data_dir"] == str((tmp_path / "rel").resolve())
    assert out["database"] == str((tmp_path / "rel" / "posclient.sqlite3").resolve())
    status = json.loads(_run(["--data-dir", "./rel/", "status", "--json"], cwd=tmp_path).stdout)
    assert status["data_dir"] == str((tmp_path / "rel").resolve())


# ---------------------------------------------------------------- QA round 4: CLI edges


def _lines(proc):
    return proc.stderr.strip().splitlines()


def test_init_says_what_it_did_in_both_languages(tmp_path):
    """The messages of init: words in the user's language, never a bare message key."""
    out = admin(tmp_path / "a", "init").stdout
    assert out.splitlines() == [f"已初始化收银机数据库：{tmp_path / 'a' / 'posclient.sqlite3'}"]
    out = admin(tmp_path / "b", "init", "--demo", lang="en").stdout
    assert out.splitlines() == [
        f"Till database initialised: {tmp_path / 'b' / 'posclient.sqlite3'}",
        "Demo data loaded: 30 products, 8 members, 8 coupons, 3 staff",
    ]
    out = admin(tmp_path / "c", "init", "--demo").stdout
    assert "已载入演示数据：商品 30 种、会员 8 位、优惠券 8 张、员工 3 人" in out
    assert not re.search(r"\bcli\.[a-z_.]+", out + admin(tmp_path / "a", "init").stdout)


def test_a_log_folder_that_cannot_be_written_does_not_stop_a_command(demo_dir):
    """Logging is not needed to sell: one warning line, and the command does its work."""
    logs = demo_dir / "logs"
    admin(demo_dir, "status")  # the till has run a command: its log folder exists
    shutil.rmtree(logs)
    logs.write_text("not a folder")  # e.g. left behind by a copy gone wrong
    for lang, expected in (("zh_CN", "无法写入日志文件夹"), ("en", "Cannot write the log folder")):
        proc = admin(demo_dir, "status", lang=lang, check=False)
        assert proc.returncode == 0, proc.stderr
        assert _lines(proc) == [_lines(proc)[0]] and expected in proc.stderr, proc.stderr
        assert str(logs) in proc.stderr and "Traceback" not in proc.stderr
    assert "a file is in the way" in admin(demo_dir, "status", lang="en").stderr
    sale = json.loads(admin(demo_dir, "sale", "--item", "CHIPS", "--json").stdout)
    assert sql(demo_dir / "posclient.sqlite3", "SELECT receipt_no FROM sales") == [
        (sale["receipt_no"],)
    ]
    # A refusal still says why: the warning, then its one-line reason, exit 1.
    proc = admin(demo_dir, "sale", "--item", "NOPE", lang="en", check=False)
    assert proc.returncode == 1 and len(_lines(proc)) == 2, proc.stderr
    assert _lines(proc)[1] == "Unknown product: NOPE"
    # The log file's place taken by a folder: the same.
    logs.unlink()
    (logs / "posclient.log").mkdir(parents=True)
    proc = admin(demo_dir, "sale", "--item", "CHIPS", lang="en", check=False)
    assert proc.returncode == 0 and len(_lines(proc)) == 1, proc.stderr
    assert "a folder is in the way" in proc.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_log_file_on_a_full_disk_adds_no_logging_traceback(demo_dir):
    """Every write to the log fails with ENOSPC (/dev/full): the command's one line only."""
    log_file = demo_dir / "logs" / "posclient.log"
    admin(demo_dir, "status")  # the till has run a command: its log file exists
    log_file.unlink()
    log_file.symlink_to("/dev/full")
    proc = admin(demo_dir, "sale", "--item", "NOPE", lang="en", check=False)
    assert proc.returncode == 1 and proc.stderr == "Unknown product: NOPE\n", proc.stderr
    proc = admin(demo_dir, "sale", "--item", "CHIPS", "--json", check=False)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert json.loads(proc.stdout)["receipt_no"] == "S001-0000-0000001"


def test_init_where_the_data_dir_cannot_be_created_says_why_in_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for lang, expected in (
        ("zh_CN", f"无法创建数据目录 {blocker / 'sub'}：路径上有同名的文件，不是文件夹"),
        ("en", f"Cannot create the data directory {blocker / 'sub'}: a file is in the way"),
    ):
        proc = admin(blocker / "sub", "init", lang=lang, check=False)
        assert proc.returncode == 1, proc.stderr
        assert len(_lines(proc)) == 1 and expected in proc.stderr, proc.stderr
    assert blocker.read_text() == "x"


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (
            ["sale", "--member", "13800138001", "--member", "13900139002", "--item", "CHIPS"],
            "参数 --member 只能给一次",
            "--member can be given only once",
        ),
        (
            [
                *("sale", "--member", "13800138001", "--item", "CHIPS"),
                *("--coupon", "BD-WANG", "--coupon", "WELCOME10"),
            ],
            "参数 --coupon 只能给一次",
            "--coupon can be given only once",
        ),
        (
            ["sale", "--item", "CHIPS", "--redeem", "0", "--redeem", "0"],
            "参数 --redeem 只能给一次",
            "--redeem can be given only once",
        ),
        (
            ["refund", "S001-0000-0000001", "--reason", "a", "--reason", "b"],
            "参数 --reason 只能给一次",
            "--reason can be given only once",
        ),
        (["sale", "--item", "CHIPS:7", "--coupon", ""], "--coupon 的值不能为空", "--coupon needs"),
        (["sale", "--item", "CHIPS:7", "--coupon", "  "], "--coupon 的值不能为空", "--coupon"),
        (["sale", "--member", "", "--item", "MILK-1L"], "--member 的值不能为空", "--member needs"),
    ],
)
def test_repeated_or_empty_options_are_usage_errors(demo_dir, args, zh, en):
    admin(demo_dir, "sale", "--item", "MILK-1L")
    before = _dump(demo_dir)
    for lang, expected in (("zh_CN", zh), ("en", en)):
        proc = admin(demo_dir, *args, lang=lang, check=False)
        assert proc.returncode == 2, (proc.returncode, proc.stderr)
        assert len(_lines(proc)) == 1 and expected in proc.stderr, proc.stderr
        assert proc.stdout == ""
    assert _dump(demo_dir) == before


def test_an_empty_or_repeated_data_dir_is_a_usage_error(tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    proc = _run(["--data-dir", "", "init"], cwd=cwd)
    assert proc.returncode == 2 and "--data-dir 的值不能为空" in proc.stderr, proc.stderr
    assert proc.stderr.count("\n") == 1
    proc = _run(["--data-dir", "a", "--data-dir", "b", "--lang", "en", "init"], cwd=cwd)
    assert proc.returncode == 2 and "--data-dir can be given only once" in proc.stderr
    assert list(cwd.iterdir()) == []  # no till made in the current folder, nor in a or b


@pytest.mark.parametrize(
    "code",
    ["8613800138001", "86 13800138001", "86-138-0013-8001", "pcm1:demo:2990000000019"],
)
def test_member_codes_as_people_type_and_scanners_send_them(demo_dir, code):
    member = json.loads(admin(demo_dir, "member", code, "--json").stdout)
    assert member["card_no"] == "2990000000019" and not member["provisional"]


def test_a_lowercased_signed_member_code_says_why(demo_dir):
    code = "pcd1:demo:" + "a" * 10 + "." + "a" * 86
    for lang, expected in (("zh_CN", "大写锁定"), ("en", "Caps Lock")):
        proc = admin(demo_dir, "member", code, lang=lang, check=False)
        assert proc.returncode == 1 and len(_lines(proc)) == 1, proc.stderr
        assert expected in proc.stderr


def test_init_hq_says_what_is_wrong_with_the_address(tmp_path):
    # Every reason is tested on normalise_url (tests/services/test_first_run.py); here, that
    # init says it in one line and makes nothing.
    for lang, expected in (("zh_CN", "端口无效"), ("en", "invalid port")):
        proc = admin(
            tmp_path / "t", "init", "--hq", "http://127.0.0.1:99999", lang=lang, check=False
        )
        assert proc.returncode == 1 and len(_lines(proc)) == 1, proc.stderr
        assert expected in proc.stderr, proc.stderr
    assert not (tmp_path / "t").exists()


def test_refund_finds_a_receipt_typed_in_lower_case(demo_dir):
    sale = json.loads(admin(demo_dir, "sale", "--item", "MILK-1L:2", "--json").stdout)
    typed = sale["receipt_no"].lower()
    out = json.loads(admin(demo_dir, "refund", typed, "--line", "1:1", "--json").stdout)
    assert out["receipt_no"] == sale["receipt_no"] and out["lines"][0]["qty"] == 1
    out = json.loads(admin(demo_dir, "refund", f" {typed} ", "--json").stdout)
    assert out["lines"][0]["qty"] == 1
    proc = admin(demo_dir, "refund", "s001-0000-0009999", lang="en", check=False)
    assert proc.returncode == 1 and "No sale with receipt s001-0000-0009999" in proc.stderr


def test_a_till_opened_without_its_keys_refuses_instead_of_making_new_ones(
    demo_dir, tmp_path, monkeypatch
):
    """QA round 4: opened as another user (or with a lost secrets folder), the till made new
    field keys without a word; a phone search then found nobody and invited a duplicate."""
    monkeypatch.setenv("POSCLIENT_SECRETS_DIR", str(tmp_path / "elsewhere"))
    before = _dump(demo_dir)
    for args in (("status",), ("member", MEMBERS["gold"]["phone"])):
        proc = admin(demo_dir, *args, lang="en", check=False)
        assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
        assert "encryption keys are not in its key store" in proc.stderr
        assert str(tmp_path / "elsewhere") in proc.stderr
    assert not any((tmp_path / "elsewhere").glob("*field-keys*"))
    assert _dump(demo_dir) == before


def test_text_receipt_has_time_cashier_masked_card_coupon_and_points_apart(demo_dir):
    wang = MEMBERS["diamond"]
    args = (
        *("sale", "--member", wang["card_no"], "--staff", "c01"),
        *("--item", "TOTE-BAG", "--item", "NUTS-MIX", "--points-price", "TOTE-BAG"),
        *("--redeem", "1000", "--coupon", "BD-WANG"),
    )
    out = admin(demo_dir, *args, lang="en").stdout
    card = wang["card_no"]
    assert re.search(r"time \d{4}-\d\d-\d\d \d\d:\d\d:\d\d  cashier c01", out), out
    assert f"Member: {card[:2]}{'*' * (len(card) - 6)}{card[-4:]}  Diamond" in out
    assert card not in out and wang["phone"] not in out
    assert "Coupon: BD-WANG -¥" in out
    # The points+cash item's points and the redeemed points are on lines of their own.
    assert re.search(r"Items paid in points: \d+ → -¥", out), out
    assert "Paid with points: 1000 → -¥10.00" in out
    zh = admin(demo_dir, "sale", "--member", wang["phone"], "--item", "MILK-1L").stdout
    assert "收银员 -" in zh and "会员: " in zh and "钻石" in zh
    # The demo till was never paired: the receipt says so, not "back online".
    assert "尚未与总部配对" in zh and "联网后上传" not in zh
    assert "not paired with HQ yet" in out


def test_init_demo_makes_the_till_the_other_tests_start_from(tmp_path):
    """tests/cli's ``demo_dir`` is made in-process (``init_demo``): it must be init's till."""
    admin(tmp_path / "cli", "init", "--demo")
    init_demo(tmp_path / "here")

    def contents(data_dir):
        path = data_dir / "posclient.sqlite3"
        tables = [
            name for (name,) in sql(path, "SELECT name FROM sqlite_master WHERE type='table'")
        ]
        counts = {name: sql(path, f"SELECT count(*) FROM {name}")[0][0] for name in tables}
        meta = dict(sql(path, "SELECT key, value FROM meta"))
        return counts, sorted(meta), meta["lang"], sql(path, "SELECT sku, price FROM products")

    assert contents(tmp_path / "cli") == contents(tmp_path / "here")


def test_status_of_a_till_never_paired_says_to_pair_it(tmp_path):
    """QA 6: it said HQ had refused the till's token, though HQ was never asked."""
    data_dir = tmp_path / "till"
    admin(data_dir, "init", "--hq", "http://127.0.0.1:9")  # nothing listens on port 9
    shown = admin(data_dir, "status", lang="zh_CN").stdout
    assert "本机尚未与总部配对" in shown and "拒绝" not in shown
    assert json.loads(admin(data_dir, "status", "--json").stdout)["needs_pairing"] is True
