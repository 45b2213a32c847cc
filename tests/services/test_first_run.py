"""HQ addresses as typed in the wizard, the pairing dialog, settings and ``init --hq``: each
refusal names what is wrong, in both languages."""

from __future__ import annotations

import pytest

from posclient.domain.errors import PosError
from posclient.i18n import message
from posclient.services.first_run import normalise_url


@pytest.mark.parametrize(
    ("url", "zh", "en"),
    [
        ("http://127.0.0.1:99999", "端口无效", "invalid port"),
        ("http://127.0.0.1:0", "端口无效", "invalid port"),
        ("https://hq.example.com:http", "端口无效", "invalid port"),
        ("http://", "缺少主机名", "no host name: http:"),
        ("https://:8765", "缺少主机名", "no host name"),
        ("http://[::1", "格式错误", "malformed"),
        ("http://hq example.com", "格式错误", "malformed"),
        ("http://hq\x01:8765", "格式错误", "malformed"),
        ("http://hq:8765/?x=1", "格式错误", "malformed"),
        ("http://hq:8765#top", "格式错误", "malformed"),
        ("http://admin:secret@hq:8765", "格式错误", "malformed"),
        ("hq.example.com", "应以 http:// 或 https:// 开头", "must start with http://"),
        ("ftp://hq.example.com", "应以 http:// 或 https:// 开头", "must start with http://"),
    ],
)
def test_a_bad_address_says_what_is_wrong(url: str, zh: str, en: str) -> None:
    with pytest.raises(PosError) as info:
        normalise_url(url)
    assert zh in message(info.value, "zh_CN") and en in message(info.value, "en")
    assert "secret" not in message(info.value, "en")  # a password is never shown


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        (" http://127.0.0.1:8765/ ", "http://127.0.0.1:8765"),
        ("HTTPS://hq.example.com", "HTTPS://hq.example.com"),
        ("http://[::1]:8765", "http://[::1]:8765"),
        ("http://hq", "http://hq"),
    ],
)
def test_a_good_address_is_kept_trimmed(typed: str, kept: str) -> None:
    assert normalise_url(typed) == kept
