"""Every reason a person can be shown exists in Chinese and English."""

from __future__ import annotations

import re
import string
from pathlib import Path

from posclient.domain.errors import CodeError, PosError
from posclient.i18n import LANGS, MESSAGES, message, text

ROOT = Path(__file__).resolve().parents[2] / "posclient"
RAISED = re.compile(r"""(?:Error|PosError)\(\s*["']([a-z_]+\.[a-z_]+)["']""")


def raised_codes() -> set[str]:
    codes: set[str] = set()
    for path in ROOT.rglob("*.py"):
        if "hq" in path.parts:  # HQ speaks the API's English; its reasons are not shown to cashiers
            continue
        codes.update(RAISED.findall(path.read_text(encoding="utf-8")))
    return codes


def test_every_raised_code_has_both_languages():
    missing = sorted(raised_codes() - set(MESSAGES))
    assert not missing, f"codes without a message: {missing}"


def test_messages_are_one_line_and_use_the_same_fields():
    for code, pair in MESSAGES.items():
        assert len(pair) == len(LANGS)
        fields = [{name for _, name, _, _ in string.Formatter().parse(t) if name} for t in pair]
        assert fields[0] == fields[1], code
        assert all("\n" not in t and t.strip() for t in pair), code


def test_message_in_each_language_with_params():
    err = CodeError("phone.wrong_length", length=10, expected=11)
    assert message(err, "zh_CN") == "手机号应为 11 位，实际 10 位"
    assert message(err, "en") == "A mobile number has 11 digits, not 10"


def test_unknown_code_and_missing_params_never_crash():
    assert text("no.such_code", "en") == "no.such_code"
    assert "{sku}" in message(PosError("cart.unknown_sku"), "en")
