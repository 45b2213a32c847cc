"""Where the till keeps its secrets (device token, field keys): the OS keyring, or a protected file.

keyring silently falls back to a plaintext file when keyrings.alt is installed, and has no backend
at all on a headless Linux till. We never accept either by accident: a backend counts only if it
is a real OS keyring; otherwise secrets go to files readable only by the till's OS user, in a
directory outside the data dir, and ``posclient-admin doctor`` says so plainly.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import platformdirs

from posclient.domain.errors import PosError

log = logging.getLogger("posclient.security")

SERVICE = "posclient"
#: The backends that are an OS keyring (secrets encrypted by the OS, unlocked with the user's
#: session). Anything else keyring may pick (keyrings.alt's plaintext or "encrypted" files,
#: a third-party plugin, fail, null) is not trusted with the device token.
_OS_KEYRING_MODULES = (
    "keyring.backends.SecretService",
    "keyring.backends.libsecret",
    "keyring.backends.kwallet",
    "keyring.backends.macOS",
    "keyring.backends.Windows",
)
#: POSCLIENT_SECRETS values: the OS keyring when there is one (else the protected file), the
#: file always, the keyring or nothing.
MODES = ("auto", "file", "keyring")


def _real_keyring() -> Any | None:
    """The OS keyring backend if there is a trustworthy one, else None."""
    try:
        import keyring
        from keyring.backends import chainer
    except ImportError:  # pragma: no cover - keyring is a dependency
        return None
    backend = keyring.get_keyring()
    candidates = backend.backends if isinstance(backend, chainer.ChainerBackend) else [backend]
    for candidate in candidates:
        module = type(candidate).__module__
        if module.startswith(_OS_KEYRING_MODULES) and getattr(candidate, "priority", 0) > 0:
            return candidate
    return None


def default_fallback_dir() -> Path:
    override = os.environ.get("POSCLIENT_SECRETS_DIR")
    if override:
        return Path(override)
    folder = Path(platformdirs.user_config_dir("posclient")) / "secrets"
    data = Path(platformdirs.user_data_dir("posclient", appauthor=False))
    if folder.is_relative_to(data):  # macOS, Windows: config and data share a folder
        return Path(platformdirs.user_config_dir("posclient-secrets", appauthor=False))
    return folder


@dataclass(frozen=True)
class BackendInfo:
    name: str
    is_os_keyring: bool
    location: str

    def inside(self, folder: Path) -> bool:
        """The secret files are in ``folder`` (the data dir: copied with every backup)."""
        if self.is_os_keyring or not self.location:
            return False
        return Path(self.location).resolve().is_relative_to(Path(folder).resolve())


class SecretStore:
    """get/set/delete named secrets for one till installation (``scope``)."""

    def __init__(self, scope: str, *, fallback_dir: Path | None = None, mode: str | None = None):
        self.scope = scope
        self._dir = fallback_dir or default_fallback_dir()
        mode = mode or os.environ.get("POSCLIENT_SECRETS") or "auto"
        if mode not in MODES:
            raise PosError("secrets.bad_mode", value=mode[:20], modes=", ".join(MODES))
        self._keyring = None if mode == "file" else _real_keyring()
        if mode == "keyring" and self._keyring is None:
            raise PosError("secrets.no_keyring")

    @property
    def info(self) -> BackendInfo:
        if self._keyring is not None:
            name = type(self._keyring).__name__
            return BackendInfo(
                f"keyring:{type(self._keyring).__module__}.{name}", True, "OS keyring"
            )
        return BackendInfo("file (0600, owner only)", False, str(self._dir))

    def _key(self, name: str) -> str:
        return f"{self.scope}:{name}"

    def _path(self, name: str) -> Path:
        safe = self._key(name).replace("/", "_").replace(":", "__")
        return self._dir / safe

    def get(self, name: str) -> str | None:
        if self._keyring is not None:  # this backend, not keyring's choice of the moment
            return cast(str | None, self._keyring.get_password(SERVICE, self._key(name)))
        path = self._path(name)
        try:
            info = path.stat()
        except FileNotFoundError:
            return None
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise PosError("secrets.file_exposed", path=str(path))
        return path.read_text(encoding="utf-8")

    def set(self, name: str, value: str) -> None:
        if self._keyring is not None:
            self._keyring.set_password(SERVICE, self._key(name), value)
            return
        self._dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self._dir, 0o700)
        path = self._path(name)
        tmp = path.with_suffix(".tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, value.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        log.info("secret stored in protected file", extra={"secret": name})

    def delete(self, name: str) -> None:
        if self._keyring is not None:
            from keyring.errors import PasswordDeleteError

            with contextlib.suppress(PasswordDeleteError):
                self._keyring.delete_password(SERVICE, self._key(name))
            return
        with contextlib.suppress(FileNotFoundError):
            self._path(name).unlink()
