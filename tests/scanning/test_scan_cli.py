"""posclient-admin decode / card as an operator runs them: real processes, exit codes, JSON."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from posclient.domain.codes import static_qr_text
from posclient.scanning.render import member_qr_image

CARD = "2990000000019"


@pytest.fixture
def env(tmp_path):
    """No default data dir: XDG_DATA_HOME points at an empty temp dir."""
    values = dict(os.environ)
    values["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    values.pop("POSCLIENT_LANG", None)
    return values


def admin(env, *args, data_dir=None):
    cmd = [sys.executable, "-m", "posclient.cli"]
    if data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]
    return subprocess.run(
        [*cmd, *args], check=False, capture_output=True, text=True, timeout=120, env=env
    )


def qr_png(path: Path, text: str) -> Path:
    canvas = Image.new("L", (400, 400), 255)
    canvas.paste(member_qr_image(text, box_size=6), (40, 40))
    canvas.save(path)
    return path


def test_card_then_decode_without_any_till(tmp_path, env):
    out = admin(
        env,
        "card",
        "--member-card",
        CARD,
        "--name",
        "张伟",
        "--store-name",
        "演示门店",
        "--out",
        str(tmp_path / "card.png"),
        "--json",
    )
    assert out.returncode == 0, out.stderr
    card = json.loads(out.stdout)
    assert card["qr_text"] == f"PCM1:DEMO:{CARD}" and card["format"] == "png"
    assert (card["width_mm"], card["height_mm"], card["dpi"]) == (85.6, 54.0, 300)

    out = admin(env, "decode", str(tmp_path / "card.png"), "--json")
    assert out.returncode == 0, out.stderr
    [entry] = json.loads(out.stdout)
    assert entry["ok"] is True and entry["reason"] is None
    assert {(c["symbology"], c["text"], c["kind"]) for c in entry["codes"]} == {
        ("QR", f"PCM1:DEMO:{CARD}", "member_qr"),
        ("CODE128", CARD, "member_card"),
    }
    assert not (tmp_path / "xdg").exists()  # nothing created where no till lives

    out = admin(env, "--lang", "en", "decode", str(tmp_path / "card.png"))
    assert out.returncode == 0
    assert f"QR PCM1:DEMO:{CARD}  (member QR)" in out.stdout
    assert f"CODE128 {CARD}  (member card)" in out.stdout


def test_card_pdf(tmp_path, env):
    out = admin(env, "card", "--member-card", CARD, "--out", str(tmp_path / "card.pdf"))
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "card.pdf").read_bytes().startswith(b"%PDF-")
    assert "card.pdf" in out.stdout


def test_decode_bad_files_give_reasons_and_exit_1(tmp_path, env):
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    truncated = qr_png(tmp_path / "truncated.png", "PCM1:DEMO:29900000")
    good = qr_png(tmp_path / "good.png", static_qr_text("DEMO", CARD))
    missing = tmp_path / "missing.png"
    out = admin(
        env, "decode", str(empty), str(blank), str(truncated), str(missing), str(good), "--json"
    )
    assert out.returncode == 1
    entries = {Path(e["file"]).name: e for e in json.loads(out.stdout)}
    assert entries["empty.png"]["reason"] == "scan.unreadable_image"
    assert entries["blank.png"]["reason"] == "scan.no_code"
    assert entries["truncated.png"]["reason"] == "qr.bad_card"
    assert entries["missing.png"]["reason"] == "scan.file_not_found"
    assert entries["good.png"]["ok"] is True
    assert all(e["message"] for e in entries.values() if not e["ok"])

    out = admin(env, "--lang", "en", "decode", str(blank))
    assert out.returncode == 1
    assert out.stdout.strip() == f"{blank}: No usable barcode or QR code found in the image"
    assert "Traceback" not in out.stderr


def test_decode_usage_error_exits_2(env):
    assert admin(env, "decode").returncode == 2


def init_till(env, data_dir: Path, chain: str) -> None:
    assert admin(env, "init", data_dir=data_dir).returncode == 0
    conn = sqlite3.connect(data_dir / "posclient.sqlite3")
    with conn:
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('chain', ?)", (chain,))
    conn.close()


def test_with_a_till_foreign_member_codes_are_refused(tmp_path, env):
    data_dir = tmp_path / "till"
    init_till(env, data_dir, "ACME")
    ours = qr_png(tmp_path / "ours.png", static_qr_text("ACME", CARD))
    theirs = qr_png(tmp_path / "theirs.png", static_qr_text("DEMO", CARD))

    out = admin(env, "decode", str(ours), str(theirs), "--json", data_dir=data_dir)
    assert out.returncode == 1
    entries = {Path(e["file"]).name: e for e in json.loads(out.stdout)}
    assert entries["ours.png"]["ok"] is True
    assert entries["theirs.png"]["ok"] is False
    assert entries["theirs.png"]["reason"] == "qr.foreign_chain"
    assert entries["theirs.png"]["codes"][0]["reason"] == "qr.foreign_chain"

    # without the till, the same file is structurally fine
    assert admin(env, "decode", str(theirs)).returncode == 0
    # nor does a data dir that was never initialised get in the way
    assert admin(env, "decode", str(ours), data_dir=tmp_path / "nothing").returncode == 0

    # the till's log has counts, never the decoded codes
    logs = "".join(p.read_text() for p in (data_dir / "logs").glob("*.log*"))
    assert CARD not in logs


def test_card_uses_the_tills_chain_and_store_name(tmp_path, env):
    data_dir = tmp_path / "till"
    init_till(env, data_dir, "ACME")
    out_file = tmp_path / "card.png"
    out = admin(
        env, "card", "--member-card", CARD, "--out", str(out_file), "--json", data_dir=data_dir
    )
    assert out.returncode == 0, out.stderr
    card = json.loads(out.stdout)
    assert card["qr_text"] == f"PCM1:ACME:{CARD}"
    assert card["store_name"] == "演示门店"
    decoded = json.loads(admin(env, "decode", str(out_file), "--json", data_dir=data_dir).stdout)
    assert {c["kind"] for c in decoded[0]["codes"]} == {"member_qr", "member_card"}


def test_card_refuses_bad_numbers_paths_and_tills(tmp_path, env):
    out = admin(
        env,
        "--lang",
        "en",
        "card",
        "--member-card",
        CARD[:-1] + "0",
        "--out",
        str(tmp_path / "c.png"),
    )
    assert out.returncode == 1
    assert (
        out.stderr.strip() == "Member card number check digit is wrong: rescan or check the number"
    )
    assert not (tmp_path / "c.png").exists()
    out = admin(env, "card", "--member-card", CARD, "--out", str(tmp_path / "c.jpg"))
    assert out.returncode == 1 and "c.jpg" in out.stderr
    out = admin(env, "card", "--member-card", CARD, "--out", str(tmp_path / "no" / "dir" / "c.png"))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    out = admin(
        env,
        "card",
        "--member-card",
        CARD,
        "--out",
        str(tmp_path / "c.png"),
        data_dir=tmp_path / "x",
    )
    assert out.returncode == 1  # a --data-dir that is no till: say so rather than guess a chain
