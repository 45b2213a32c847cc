"""Field encryption in bulk (a new till's first load) is the same sealing as one at a time."""

from __future__ import annotations

import pytest

from posclient.domain.errors import PosError
from posclient.security.fieldcrypt import FieldCipher, FieldKeys

ITEMS = [("row-1", "王芳"), ("row-2", None), ("row-3", ""), ("row-4", "13800138001")]


def test_encrypt_many_opens_with_decrypt_and_keeps_none() -> None:
    cipher = FieldCipher(FieldKeys.generate())
    sealed = cipher.encrypt_many(ITEMS, table="members", column="name")
    assert sealed[1] is None
    for (row_id, value), blob in zip(ITEMS, sealed, strict=True):
        if value is None:
            continue
        assert blob is not None and blob.startswith(f"v1.{cipher.keys.current}.")
        assert cipher.decrypt(blob, table="members", column="name", row_id=row_id) == value
        for column, other_row in (("phone", row_id), ("name", "row-9")):
            with pytest.raises(PosError):
                cipher.decrypt(blob, table="members", column=column, row_id=other_row)


def test_encrypt_many_uses_a_fresh_nonce_for_every_value() -> None:
    cipher = FieldCipher(FieldKeys.generate())
    sealed = cipher.encrypt_many([("same", "same")] * 200, table="t", column="c")
    assert len(set(sealed)) == 200
    again = cipher.encrypt_many([("same", "same")] * 200, table="t", column="c")
    assert not set(sealed) & set(again)


def test_encrypt_many_after_rotation_uses_the_new_key() -> None:
    cipher = FieldCipher(FieldKeys.generate())
    old = cipher.encrypt_many([("r", "v")], table="t", column="c")[0]
    new_key = cipher.keys.rotate()
    new = cipher.encrypt_many([("r", "v")], table="t", column="c")[0]
    assert new is not None and new.startswith(f"v1.{new_key}.")
    assert cipher.decrypt(old, table="t", column="c", row_id="r") == "v"
    assert cipher.decrypt(new, table="t", column="c", row_id="r") == "v"


def test_blind_index_many_is_blind_index() -> None:
    cipher = FieldCipher(FieldKeys.generate())
    values = ["13800138001", None, "", "王芳"]
    assert cipher.blind_index_many("phone", values) == [
        None if v is None else cipher.blind_index("phone", v) for v in values
    ]
    other = FieldCipher(FieldKeys.generate())
    assert other.blind_index_many("phone", values[:1]) != cipher.blind_index_many(
        "phone", values[:1]
    )
