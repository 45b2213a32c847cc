"""Opening a till's data directory: database, secrets, field keys, services (no Qt).

``posclient-admin`` and the GUI's composition root (app.py) both start here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from sqlalchemy import text as sql_text

from posclient.domain.errors import PosError
from posclient.i18n import os_reason
from posclient.security.fieldcrypt import KEYRING_NAME, FieldCipher, FieldKeys
from posclient.security.secrets import BackendInfo, SecretStore
from posclient.services import settings
from posclient.services.checkout import CheckoutService
from posclient.services.clock import Clock
from posclient.store.db import Database
from posclient.store.uow import UnitOfWork

log = logging.getLogger("posclient")

DB_NAME = "posclient.sqlite3"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("posclient", appauthor=False))


@dataclass
class Till:
    data_dir: Path
    db: Database
    secrets: SecretStore
    cipher: FieldCipher
    clock: Clock
    checkout: CheckoutService

    def close(self) -> None:
        self.db.close()


def database_path(data_dir: Path) -> Path:
    return Path(data_dir) / DB_NAME


#: A row if the database holds data sealed with the till's field keys (members' personal
#: fields, outbox payloads); also asked by ``doctor``.
SEALED_DATA_SQL = (
    "SELECT 1 FROM members WHERE name_enc IS NOT NULL OR phone_enc IS NOT NULL "
    "UNION ALL SELECT 1 FROM outbox WHERE payload LIKE 'v1.%' LIMIT 1"
)


def _holds_sealed_data(db: Database) -> bool:
    """Whether the database holds data sealed with the till's field keys."""
    with db.read() as session:
        return session.execute(sql_text(SEALED_DATA_SQL)).first() is not None


def _keys_outside(info: BackendInfo, data_dir: Path) -> None:
    """New field keys beside the data they open would be copied with every backup of it."""
    if info.inside(data_dir):
        raise PosError("doctor.secrets_in_data_dir", path=info.location)


def open_till(data_dir: Path, *, create: bool = False, clock: Clock | None = None) -> Till:
    """Open (and with ``create``, initialise) the till in ``data_dir``. Migrates on open."""
    data_dir = Path(data_dir)
    path = database_path(data_dir)
    if data_dir.exists() and not data_dir.is_dir():
        raise PosError("store.data_dir_not_dir", path=str(data_dir))
    if not create and not path.exists():
        raise PosError("store.not_initialised", path=str(data_dir))
    if not path.exists():  # a new till: its field keys must not be made inside the data dir
        _keys_outside(SecretStore("new-till").info, data_dir)
    if create:
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file on the way, no permission, read-only or full disk
            raise PosError(
                "store.cannot_create", path=str(data_dir), reason=os_reason(exc)
            ) from exc
    db = Database(path, create=create)
    with UnitOfWork(db) as uow:
        settings.ensure_identity(uow.session)
        install_id = settings.get(uow.session, "install_id")
        uow.commit()
    assert install_id
    secrets = SecretStore(install_id)
    stored_keys = secrets.get(KEYRING_NAME)
    if stored_keys is None and _holds_sealed_data(db):
        # Made afresh, new keys would open none of the till's personal data: a phone search
        # would find nobody and invite a duplicate enrolment. Another OS user, a lost secrets
        # folder or a keyring not unlocked look like this.
        db.close()
        info = secrets.info
        raise PosError("secrets.keys_missing", where=info.location or info.name)
    if stored_keys is None:
        try:
            _keys_outside(secrets.info, data_dir)
        except PosError:
            db.close()
            raise
    # One read of the key store (an OS keyring may be slow or ask to be unlocked).
    cipher = (
        FieldCipher(FieldKeys.loads(stored_keys))
        if stored_keys is not None
        else FieldCipher.from_store(secrets)
    )
    clock = clock or Clock()
    checkout = CheckoutService(db, cipher=cipher, clock=clock)
    return Till(data_dir, db, secrets, cipher, clock, checkout)
