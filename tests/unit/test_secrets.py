"""Which keyring backends the till trusts with its device token (issue 4, QA round 6)."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from posclient.domain.errors import PosError
from posclient.security.secrets import SecretStore


class PlainFileKeyring(KeyringBackend):
    """A third-party backend keyring would happily pick: not an OS keyring."""

    priority = 5  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.stored.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.stored[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.stored.pop((service, username), None)


@pytest.fixture
def plain_keyring():  # type: ignore[no-untyped-def]
    before = keyring.get_keyring()
    backend = PlainFileKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


def test_a_backend_that_is_not_an_os_keyring_is_not_trusted(
    plain_keyring: PlainFileKeyring, tmp_path: Path
) -> None:
    store = SecretStore("till", fallback_dir=tmp_path / "secrets", mode="auto")
    assert not store.info.is_os_keyring
    store.set("device-token", "t0ken")
    assert plain_keyring.stored == {}  # went to the protected file instead
    assert (tmp_path / "secrets").stat().st_mode & 0o777 == 0o700
    assert store.get("device-token") == "t0ken"
    with pytest.raises(PosError) as refused:
        SecretStore("till", fallback_dir=tmp_path / "secrets", mode="keyring")
    assert refused.value.code == "secrets.no_keyring"


def test_an_unknown_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PosError) as refused:
        SecretStore("till", fallback_dir=tmp_path, mode="bogus")
    assert refused.value.code == "secrets.bad_mode"


def test_the_default_secrets_folder_is_never_inside_the_default_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """On macOS and Windows platformdirs gives config and data one folder: the secrets would
    sit in the data dir (copied with every backup) and the till would refuse them."""
    import platformdirs

    from posclient.bootstrap import default_data_dir
    from posclient.security import secrets

    monkeypatch.delenv("POSCLIENT_SECRETS_DIR", raising=False)
    shared = tmp_path / "Application Support"

    def config_dir(name: str, appauthor: object = None) -> str:
        return str(shared / name)

    monkeypatch.setattr(platformdirs, "user_config_dir", config_dir)
    monkeypatch.setattr(platformdirs, "user_data_dir", config_dir)
    folder = secrets.default_fallback_dir()
    assert not folder.is_relative_to(default_data_dir())
    assert folder == shared / "posclient-secrets"
    # Linux: ~/.config/posclient/secrets, as before (a till keeps the keys it has).
    monkeypatch.setattr(
        platformdirs, "user_config_dir", lambda name, **kw: f"/home/u/.config/{name}"
    )
    monkeypatch.setattr(
        platformdirs, "user_data_dir", lambda name, **kw: f"/home/u/.local/share/{name}"
    )
    assert secrets.default_fallback_dir() == Path("/home/u/.config/posclient/secrets")
