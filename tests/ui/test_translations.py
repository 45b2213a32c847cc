"""Every tr() string of posclient/ui is translated (zh_CN, en), the .qm files are current, and
the receipt's Chinese and English render."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from posclient.resources import resource

ROOT = Path(__file__).resolve().parents[2]
LANGS = ("zh_CN", "en")


def tool(name: str) -> str:
    local = Path(sys.executable).with_name(name)
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        pytest.skip(f"{name} not installed")
    return found


def messages(path: Path) -> dict[tuple[str, str], ET.Element]:
    tree = ET.parse(path)
    return {
        (context.findtext("name"), message.findtext("source")): message
        for context in tree.iter("context")
        for message in context.iter("message")
    }


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[tuple[str, str], ET.Element]:
    """What pyside6-lupdate finds in the source today."""
    out = tmp_path_factory.mktemp("ts") / "current.ts"
    sources = sorted(str(p) for p in (ROOT / "posclient" / "ui").glob("*.py"))
    subprocess.run(
        [tool("pyside6-lupdate"), "-silent", "-locations", "none", *sources, "-ts", str(out)],
        check=True,
        cwd=ROOT,
    )
    return messages(out)


@pytest.mark.parametrize("lang", LANGS)
def test_ts_files_cover_every_string_and_nothing_is_unfinished(extracted, lang):
    committed = messages(resource("i18n", f"posclient_{lang}.ts"))
    missing = sorted(set(extracted) - set(committed))
    assert not missing, f"run scripts/translations.sh and translate: {missing}"
    unfinished = sorted(
        key
        for key, message in committed.items()
        if key in extracted
        and (
            message.find("translation").get("type") in ("unfinished", "vanished", "obsolete")
            or not (message.findtext("translation") or "").strip()
        )
    )
    assert not unfinished, f"untranslated in {lang}: {unfinished}"


def test_chinese_file_is_really_chinese(extracted):
    committed = messages(resource("i18n", "posclient_zh_CN.ts"))
    same = [key for key in extracted if committed[key].findtext("translation") == key[1]]
    # Only strings that are the same in both languages (codes, "English") may stay as they are.
    assert {source for _, source in same} <= {"English", "#"}


@pytest.mark.parametrize("lang", LANGS)
def test_qm_files_are_compiled_from_the_ts_files(tmp_path, lang):
    ts = resource("i18n", f"posclient_{lang}.ts")
    qm = tmp_path / "fresh.qm"
    subprocess.run([tool("pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True)
    assert qm.read_bytes() == resource("i18n", f"posclient_{lang}.qm").read_bytes()
