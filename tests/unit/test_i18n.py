"""Every reason a person can be shown exists in Chinese and English."""

from __future__ import annotations

import ast
import errno
import re
import string
from pathlib import Path

import pytest

from posclient.domain.errors import CodeError, PosError
from posclient.i18n import LANGS, MESSAGES, message, os_reason, text

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


#: A string that looks like a message code: ``cli.init_done``, ``doctor.db_ok``.
CODE_LIKE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+")


def _literals(tree: ast.AST) -> set[str]:
    """String constants outside f-strings (``f"doctor.name_{name}"`` is built, not a code)."""
    inside_fstrings = {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for part in ast.walk(node)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in inside_fstrings
    }


def _text_calls(tree: ast.AST) -> set[str]:
    """First arguments of ``text("...")`` calls given as a literal."""
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        first = node.args[0]
        if name == "text" and isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.add(first.value)
    return found


def used_text_codes() -> dict[str, set[str]]:
    """Message codes the till shows through ``text()`` (anywhere but HQ), and every
    message-code-like literal in posclient-admin (printed codes, tuples of codes), by file.
    ``text()`` of an unknown code prints the bare code: a regression once (``cli.init_done``)."""
    namespaces = {code.split(".")[0] for code in MESSAGES}
    used: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        if "hq" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        candidates = {c for c in _text_calls(tree) if CODE_LIKE.fullmatch(c)}
        if path.parent.name == "cli":
            candidates |= {c for c in _literals(tree) if CODE_LIKE.fullmatch(c)}
        codes = {c for c in candidates if c.split(".")[0] in namespaces}
        if codes:
            used[path.relative_to(ROOT).as_posix()] = codes
    return used


def test_every_text_code_the_till_prints_has_both_languages():
    used = used_text_codes()
    assert "cli.init_done" in used["cli/till_cmds.py"]  # the scan finds what it is meant to
    assert "cli.subtotal" in used["cli/till_cmds.py"]  # codes in a table of rows, too
    missing = {path: sorted(codes - set(MESSAGES)) for path, codes in used.items()}
    missing = {path: codes for path, codes in missing.items() if codes}
    assert not missing, f"codes printed as bare keys: {missing}"


@pytest.mark.parametrize(
    ("number", "zh", "en"),
    [
        (errno.EACCES, "没有权限", "permission denied"),
        (errno.ENOTDIR, "不是文件夹", "a file is in the way"),
        (errno.EISDIR, "不是文件", "a folder is in the way"),
        (errno.ENOSPC, "磁盘已满", "the disk is full"),
        (errno.EROFS, "只读", "read-only"),
        (errno.ELOOP, "系统错误 ELOOP", "system error ELOOP"),
    ],
)
def test_an_os_error_as_a_reason_in_the_users_language(number, zh, en):
    err = PosError("store.cannot_create", path="/x", reason=os_reason(OSError(number, "English")))
    assert message(err, "zh_CN").startswith("无法创建数据目录 /x：")
    assert zh in message(err, "zh_CN") and "English" not in message(err, "zh_CN")
    assert en in message(err, "en") and message(err, "en").startswith("Cannot create")
