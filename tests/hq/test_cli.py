"""posclient-hq commands: demo-data, members, pairing-code, devices, merge, credit, openapi."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path

import pytest

from posclient.domain.codes import gs1_check_digit
from posclient.hq.cli import main
from posclient.hq.context import Hq
from posclient.hq.db import Database
from posclient.hq.demo import resource_dir
from posclient.sync.protocol import MemberData, ProductData


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(list(args)) == 0
    return capsys.readouterr().out


def test_demo_data_members_and_pairing_code(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(capsys, "demo-data", "--db", db_url, "--members", "60")
    assert "members 60" in out
    # Running it again leaves existing members alone.
    assert "members 0" in run(capsys, "demo-data", "--db", db_url, "--members", "60")
    members = json.loads(run(capsys, "members", "--db", db_url, "--json"))
    assert len(members) == 60
    assert {m["tier"] for m in members} == {"normal", "silver", "gold", "diamond"}
    first = members[0]
    assert set(first) >= {"member_id", "codes", "tier", "points_balance", "version"}
    assert first["codes"]["static_qr"].startswith("PCM1:")
    table = run(capsys, "members", "--db", db_url)
    assert first["member_id"] in table
    assert "13800138001" not in table and "王芳" not in table  # no personal data
    code = run(capsys, "pairing-code", "--db", db_url, "--store", "S001").strip()
    assert len(code) == 10 and code.isalnum()
    assert run(capsys, "devices", "--db", db_url, "--json").strip() == "[]"
    credit = run(
        capsys, "credit", "--db", db_url, "--member", first["member_id"], "--kind", "sign_in"
    )
    assert credit.startswith("credited")
    assert "nothing to merge" in run(capsys, "merge", "--db", db_url, "--phone", "13900000000")
    maintained = json.loads(run(capsys, "maintain", "--db", db_url))
    assert maintained["pruned_changes"] == 0 and maintained["released_held_sales"] == 0
    assert json.loads(run(capsys, "maintain", "--db", db_url, "--held-days", "30"))
    assert run(capsys, "dynamic-code", "--db", db_url, "--member", first["member_id"]).startswith(
        "PCD1:DEMO:"
    )


def test_bad_input_exits_non_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    run(capsys, "demo-data", "--db", db, "--members", "0")
    # Refusals are one line and exit 2, as docs/hq.md says.
    for args, words in (
        (["revoke", "--db", db, "--device", "nope"], "no active device"),
        (["merge", "--db", db, "--phone", "abc"], "not a mainland mobile number"),
        (["merge", "--db", db], "merge needs --phone"),
        (["merge", "--db", db, "--phone", "13900139002", "--from", "a"], "not both"),
        (
            ["credit", "--db", db, "--member", "x", "--kind", "referral", "--ref", "r" * 72],
            "activity id is 1 to 71",
        ),
        (["dynamic-code", "--db", db, "--member", "nobody"], "no active member"),
    ):
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert err.startswith("posclient-hq: ") and words in err and err.count("\n") == 1
    assert main(["members", "--db", "sqlite://"]) == 2
    # A store code no till could pair with is refused before a code is issued.
    for store in ("", "s 1/x", "S" * 33):
        assert main(["pairing-code", "--db", db, "--store", store]) == 2
        assert "store code" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["serve", "--db", db, "--port", "99999"])
    assert "not a TCP port" in capsys.readouterr().err
    # Numbers a database cannot hold are refused by the parser, not by a traceback.
    for args in (
        ["members", "--db", db, "--limit", "99999999999999999999"],
        ["members", "--db", db, "--limit", "-5"],
        ["credit", "--db", db, "--member", "x", "--kind", "sign_in", "--points", str(10**23)],
        ["maintain", "--db", db, "--retention-days", str(10**20)],
        ["maintain", "--db", db, "--held-days", "0"],
        ["maintain", "--db", db, "--held-days", "-3"],
    ):
        with pytest.raises(SystemExit) as caught:
            main(args)
        assert caught.value.code == 2
        assert "is not a whole number" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["members", "pairing-code", "devices", "maintain"])
def test_a_mistyped_database_path_is_refused_not_created(
    tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "typo.db"
    extra = ["--store", "S001"] if command == "pairing-code" else []
    assert main([command, "--db", f"sqlite:///{path}", *extra]) == 2
    assert capsys.readouterr().err.startswith(f"posclient-hq: no HQ database at {path}")
    assert not path.exists()


def test_a_file_that_is_not_a_database_gets_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database")
    assert main(["members", "--db", f"sqlite:///{path}"]) == 2
    err = capsys.readouterr().err
    assert err == "posclient-hq: cannot use the database: file is not a database\n"


def test_demo_resources_are_valid() -> None:
    products = [
        ProductData.model_validate(p)
        for p in json.loads((resource_dir() / "products.json").read_text())
    ]
    assert len(products) >= 30
    assert all(p.barcode and p.barcode[:3] in {f"69{d}" for d in range(10)} for p in products)
    assert all(
        p.barcode and gs1_check_digit(p.barcode[:-1]) == int(p.barcode[-1]) for p in products
    )
    assert sum(1 for p in products if p.points_price) == 2
    assert any(not p.discountable for p in products) and any(p.member_price_fen for p in products)


def test_demo_member_docs_match_the_wire_model(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from posclient.hq.context import Hq
    from posclient.hq.db import Database
    from posclient.hq.members import load_member, member_doc

    run(capsys, "demo-data", "--db", db_url, "--members", "25")
    hq = Hq(Database(db_url))
    from sqlalchemy import select

    from posclient.hq import models as m

    with hq.db.read() as conn:
        for member_id, doc in conn.execute(select(m.members.c.member_id, m.members.c.doc)).all():
            MemberData.model_validate_json(doc)
            state = load_member(conn, member_id, lock=False)
            assert state is not None
            assert member_doc(state, hq.today()) == json.loads(doc)
    hq.db.dispose()


def test_a_chain_code_tills_cannot_pair_with_is_refused_before_anything_is_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "chain.db"
    for command in ("demo-data", "serve"):
        for chain in ("bad chain!", "demo", "X", "A" * 17):
            with pytest.raises(SystemExit) as caught:
                main([command, "--db", f"sqlite:///{path}", "--chain", chain])
            assert caught.value.code == 2
            err = capsys.readouterr().err
            assert err.count("\n") == 1 and "is not a chain code" in err, err
    assert not path.exists()
    # Nor can a program create an HQ with one (it would be stored for good).
    database = Database(f"sqlite:///{path}")
    with pytest.raises(ValueError, match="is not a chain code"):
        Hq(database, chain="bad chain!")
    database.dispose()
    # A valid one is kept and signs the member codes.
    members = tmp_path / "pc.db"
    run(capsys, "demo-data", "--db", f"sqlite:///{members}", "--members", "1", "--chain", "PC01")
    first = json.loads(run(capsys, "members", "--db", f"sqlite:///{members}", "--json"))[0]
    assert first["codes"]["static_qr"].startswith("PCM1:PC01:")
    # A database that stored a bad one (before codes were checked) is refused in one line,
    # instead of answering every pairing with a 500.
    import sqlite3

    with sqlite3.connect(members) as conn:
        conn.execute("UPDATE hq_meta SET value = 'bad chain!' WHERE key = 'chain'")
    conn.close()
    assert main(["pairing-code", "--db", f"sqlite:///{members}", "--store", "S001"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the database's chain code is not valid" in err, err


def test_serve_on_a_port_in_use_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "serve.db"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--db", f"sqlite:///{path}", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err == f"posclient-hq: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    assert not path.exists()


def test_openapi_logs_nothing(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="posclient.hq")
    out = run(capsys, "openapi")
    committed = resource_dir().parent / "hq-openapi.json"
    assert out == committed.read_text(encoding="utf-8")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("posclient")] == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_output_to_a_full_disk_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    """QA 6: `members > /dev/full` printed a Python traceback."""
    import subprocess
    import sys

    db = f"sqlite:///{tmp_path / 'hq.db'}"
    assert main(["demo-data", "--db", db, "--members", "3"]) == 0
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "posclient.hq.cli", "members", "--db", db],
            check=False,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "posclient-hq: cannot write the output: No space left on device"
    )
    assert "Traceback" not in done.stderr
