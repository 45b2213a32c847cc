"""Personal fields encrypted at rest (AES-GCM) and found by a keyed hash (blind index).

Each value gets a fresh 96-bit nonce; table, column and row id are bound as associated data so a
ciphertext copied to another row or column does not decrypt. The key id travels in the value
(``v1.<key id>.<base64>``) so keys can rotate: new values use the current key, old ones still
open with theirs. Keys live in the SecretStore (OS keyring), never in the database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets as pysecrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from posclient.domain.errors import PosError

from .secrets import SecretStore

KEYRING_NAME = "field-keys"


@dataclass
class FieldKeys:
    current: str
    keys: dict[str, bytes]
    index_key: bytes
    _ciphers: dict[str, AESGCM] = field(default_factory=dict, repr=False)

    @classmethod
    def generate(cls) -> FieldKeys:
        key_id = pysecrets.token_hex(4)
        return cls(key_id, {key_id: AESGCM.generate_key(bit_length=256)}, os.urandom(32))

    def dumps(self) -> str:
        return json.dumps(
            {
                "current": self.current,
                "keys": {k: base64.b64encode(v).decode() for k, v in self.keys.items()},
                "index_key": base64.b64encode(self.index_key).decode(),
            }
        )

    @classmethod
    def loads(cls, text: str) -> FieldKeys:
        data = json.loads(text)
        return cls(
            data["current"],
            {k: base64.b64decode(v) for k, v in data["keys"].items()},
            base64.b64decode(data["index_key"]),
        )

    def rotate(self) -> str:
        key_id = pysecrets.token_hex(4)
        self.keys[key_id] = AESGCM.generate_key(bit_length=256)
        self.current = key_id
        return key_id

    def _cipher(self, key_id: str) -> AESGCM:
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            if key_id not in self.keys:
                raise PosError("crypto.unknown_key", key_id=key_id)
            cipher = self._ciphers[key_id] = AESGCM(self.keys[key_id])
        return cipher


class FieldCipher:
    """Encrypts and decrypts personal field values for one till."""

    def __init__(self, keys: FieldKeys):
        self.keys = keys

    @classmethod
    def from_store(cls, store: SecretStore) -> FieldCipher:
        text = store.get(KEYRING_NAME)
        if text is None:
            keys = FieldKeys.generate()
            store.set(KEYRING_NAME, keys.dumps())
        else:
            keys = FieldKeys.loads(text)
        return cls(keys)

    @staticmethod
    def _aad(table: str, column: str, row_id: str) -> bytes:
        return f"{table}.{column}.{row_id}".encode()

    def encrypt(self, value: str | None, *, table: str, column: str, row_id: str) -> str | None:
        if value is None:
            return None
        nonce = os.urandom(12)
        key_id = self.keys.current
        sealed = self.keys._cipher(key_id).encrypt(
            nonce, value.encode("utf-8"), self._aad(table, column, row_id)
        )
        return f"v1.{key_id}.{base64.b64encode(nonce + sealed).decode()}"

    def encrypt_many(
        self, items: Sequence[tuple[str, str | None]], *, table: str, column: str
    ) -> list[str | None]:
        """``encrypt`` for (row id, value) pairs of one column: same format, same binding.

        For bulk loads (a new till's first snapshot): one ``os.urandom`` call for all the
        nonces (each used once) and no per-value set-up. None stays None.
        """
        key_id = self.keys.current
        seal = self.keys._cipher(key_id).encrypt
        head = f"v1.{key_id}."
        aad_head = f"{table}.{column}."
        nonces = os.urandom(12 * len(items))
        b64 = binascii.b2a_base64
        out: list[str | None] = []
        append = out.append
        for i, (row_id, value) in enumerate(items):
            if value is None:
                append(None)
                continue
            nonce = nonces[12 * i : 12 * i + 12]
            sealed = seal(nonce, value.encode("utf-8"), (aad_head + row_id).encode())
            append(head + b64(nonce + sealed, newline=False).decode())
        return out

    def decrypt(self, blob: str | None, *, table: str, column: str, row_id: str) -> str | None:
        if blob is None:
            return None
        try:
            version, key_id, body = blob.split(".", 2)
            if version != "v1":
                raise ValueError(version)
            raw = base64.b64decode(body)
            plain = self.keys._cipher(key_id).decrypt(
                raw[:12], raw[12:], self._aad(table, column, row_id)
            )
        except (ValueError, InvalidTag) as exc:
            raise PosError("crypto.undecryptable", table=table, column=column) from exc
        return plain.decode("utf-8")

    def blind_index(self, kind: str, value: str) -> str:
        """Keyed hash for lookups (e.g. by phone) without a plaintext column."""
        mac = hmac.new(self.keys.index_key, f"{kind}:{value}".encode(), hashlib.sha256)
        return mac.hexdigest()[:40]

    def blind_index_many(self, kind: str, values: Sequence[str | None]) -> list[str | None]:
        """``blind_index`` for many values (None stays None), for bulk loads."""
        keyed = hmac.new(self.keys.index_key, f"{kind}:".encode(), hashlib.sha256)
        out: list[str | None] = []
        for value in values:
            if value is None:
                out.append(None)
                continue
            mac = keyed.copy()
            mac.update(value.encode())
            out.append(mac.hexdigest()[:40])
        return out
