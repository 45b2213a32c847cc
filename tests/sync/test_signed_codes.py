"""Signed dynamic member codes end to end: HQ signs (``posclient-hq dynamic-code``), the till
gets HQ's public key when it pairs and verifies codes offline; expired, tampered and foreign
codes are refused with a reason in words and identify nobody; printed cards still work."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from posclient.domain.errors import PosError
from posclient.i18n import message
from posclient.services.clock import FixedClock

from .conftest import HqProcess, free_port, hq_cli, paired_till


def dynamic_code(hq: HqProcess, member_id: str) -> str:
    return hq_cli("dynamic-code", "--db", hq.db_url, "--member", member_id).strip()


def refused(till, text: str) -> PosError:
    with pytest.raises(PosError) as caught:
        till.checkout.identify(text)
    reason = message(caught.value, "zh_CN")
    assert reason and reason != caught.value.code and "\n" not in reason
    return caught.value


def test_dynamic_codes_verified_offline_and_bad_ones_refused(tmp_path: Path, hq_process):
    paired = paired_till(tmp_path / "till", hq_process)
    try:
        assert paired.engine.sync_once().error is None
        member = next(iter(hq_process.members().values()))
        code = dynamic_code(hq_process, member["member_id"])
        assert code.startswith("PCD1:DEMO:")
        hq_process.stop()  # offline from here: the till verifies with the key it holds
        till = paired.till
        assert till.checkout.identify(code).member_id == member["member_id"]
        # A printed card (static code) works offline as before.
        assert till.checkout.identify(member["codes"]["card"]).member_id == member["member_id"]
        assert (
            till.checkout.identify(member["codes"]["static_qr"]).member_id == (member["member_id"])
        )

        # Tampered: one character of the signed payload changed.
        body, signature = code.rsplit(".", 1)
        flipped = body[:-3] + ("A" if body[-3] != "A" else "B") + body[-2:]
        assert refused(till, f"{flipped}.{signature}").code in ("qr.bad_signature", "qr.malformed")
        # Truncated QR text.
        assert refused(till, code[: len(code) // 2]).code in ("qr.malformed", "qr.bad_signature")

        # Expired: the same code read ten minutes later.
        later = FixedClock(till.clock.now() + timedelta(minutes=10))
        till.checkout.clock = later
        assert refused(till, code).code == "qr.expired"
    finally:
        paired.close()


def test_codes_from_another_hq_are_refused(tmp_path: Path, hq_process):
    paired = paired_till(tmp_path / "till", hq_process)
    other_chain = HqProcess(tmp_path / "other.sqlite3", free_port())
    hq_cli("demo-data", "--db", other_chain.db_url, "--members", "6", "--chain", "OTHER")
    same_chain_other_key = HqProcess(tmp_path / "impostor.sqlite3", free_port())
    hq_cli("demo-data", "--db", same_chain_other_key.db_url, "--members", "6")
    try:
        assert paired.engine.sync_once().error is None
        till = paired.till
        member_id = next(iter(other_chain.members()))
        assert refused(till, dynamic_code(other_chain, member_id)).code == "qr.foreign_chain"
        # Same chain code, but signed with a key this till never received: a forgery.
        member_id = next(iter(same_chain_other_key.members()))
        assert refused(till, dynamic_code(same_chain_other_key, member_id)).code == (
            "qr.bad_signature"
        )
    finally:
        paired.close()
