"""posclient-admin import-members: a legacy list cleaned, de-duplicated, reported, enrolled."""

from __future__ import annotations

import json

import openpyxl
import pytest

from tests.helpers import demo_members, sql

from .test_admin import admin

WANG = demo_members()["王芳"]

LEGACY = [
    ("会员编号", "手机号", "姓名", "积分"),
    ("L001", "13711112222", "周杰", "1200"),
    ("L002", "＋86 137-1111-2222", "", "300"),  # same person, full-width +86: merged
    ("L003", "1234567", "坏号码", "10"),  # invalid phone
    ("L004", WANG["phone"], "王芳", "50"),  # already a member of this till
    ("L001", "13799990000", "重复编号", "0"),  # repeated old id
    ("L005", "15012345678", "吴敏", "0"),
]


def write_csv(path, rows, encoding):
    path.write_bytes("\n".join(",".join(r) for r in rows).encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_dry_run_reports_and_writes_nothing(demo_dir, tmp_path, encoding):
    src = write_csv(tmp_path / "old.csv", LEGACY, encoding)
    before = sql(demo_dir / "posclient.sqlite3", "SELECT count(*) FROM members")
    report = json.loads(admin(demo_dir, "import-members", str(src), "--dry-run", "--json").stdout)
    assert report["rows"] == 6 and report["to_create"] == 2 and report["created"] == 0
    assert report["merged"] == [
        {"phone": "137****2222", "old_ids": ["L001", "L002"], "lines": [2, 3], "points": 1500}
    ]
    assert report["invalid"] == [{"line": 4, "old_id": "L003", "reason": "phone.wrong_length"}]
    assert report["already_members"] == [{"line": 5, "old_id": "L004", "card_no": WANG["card_no"]}]
    assert report["duplicate_old_ids"] == [{"line": 6, "old_id": "L001"}]
    assert report["points_total"] == 1500
    assert sql(demo_dir / "posclient.sqlite3", "SELECT count(*) FROM members") == before
    text = admin(demo_dir, "import-members", str(src), "--dry-run", lang="zh_CN").stdout
    assert "将创建会员：2" in text and "试运行" in text and "13711112222" not in text


def test_import_enrols_seals_and_is_idempotent(demo_dir, tmp_path):
    src = write_csv(tmp_path / "old.csv", LEGACY, "utf-8")
    report = json.loads(admin(demo_dir, "import-members", str(src), "--json").stdout)
    assert report["created"] == 2
    db = demo_dir / "posclient.sqlite3"
    assert sql(db, "SELECT count(*) FROM outbox WHERE type='member.enrolled'") == [(2,)]
    assert sql(db, "SELECT DISTINCT channel, notice_version FROM consents") == [
        ("paper", "legacy-import")
    ]
    assert sql(db, "SELECT count(*) FROM member_identities WHERE kind='legacy'") == [(3,)]
    assert report["opening_balances"] == 1 and report["opening_points"] == 1500
    assert not list(tmp_path.glob("*.opening-points.csv"))
    events = sql(db, "SELECT seq, payload FROM outbox WHERE type='points.opening'")
    assert len(events) == 1
    opening = json.loads(events[0][1])
    assert opening["points"] == 1500 and opening["lot_id"] == f"opening:{opening['member_id']}"
    assert "L001" not in events[0][1]  # no old ids (nor anything personal) in the event
    assert sql(
        db,
        "SELECT kind, points, event_seq FROM points_ledger WHERE member_id = ?",
        opening["member_id"],
    ) == [("earn", 1500, events[0][0])]
    raw = db.read_bytes() + (
        db.with_name(db.name + "-wal").read_bytes()
        if db.with_name(db.name + "-wal").exists()
        else b""
    )
    assert b"13711112222" not in raw and "周杰".encode() not in raw
    found = json.loads(admin(demo_dir, "member", "13711112222", "--json").stdout)
    assert found["member_id"] == opening["member_id"]
    assert found["balance"] == 1500 and found["confirmed_balance"] == 0  # usable at once
    again = json.loads(admin(demo_dir, "import-members", str(src), "--json").stdout)
    assert again["created"] == 0  # L001, L002, L005 imported before; L001 repeated
    assert [d["old_id"] for d in again["duplicate_old_ids"]] == ["L001", "L002", "L001", "L005"]


def test_excel_and_progress(demo_dir, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["old_id", "phone", "name", "points"])
    for i in range(600):
        sheet.append([f"X{i}", 13600000000 + i, f"会员{i}", i])  # phones as Excel numbers
    src = tmp_path / "big.xlsx"
    book.save(src)
    proc = admin(demo_dir, "import-members", str(src), "--json")
    report = json.loads(proc.stdout)
    assert report["created"] == 600 and report["points_total"] == sum(range(600))
    assert "imported 600/600" in proc.stderr and "imported 200/600" in proc.stderr


def test_bad_file_is_one_line_reason(demo_dir, tmp_path):
    proc = admin(demo_dir, "import-members", str(tmp_path / "none.csv"), check=False, lang="en")
    assert proc.returncode == 1 and proc.stderr.strip().startswith("File not found")
    src = write_csv(tmp_path / "x.csv", [("a", "b"), ("1", "2")], "utf-8")
    proc = admin(demo_dir, "import-members", str(src), check=False, lang="en")
    assert (
        proc.returncode == 1
        and "column" in proc.stderr
        and len(proc.stderr.strip().splitlines()) == 1
    )
