"""Reading and saving the settings the till's screens change (language, printer, scanner)."""

from __future__ import annotations

from posclient.domain.errors import PosError
from posclient.store.db import Database
from posclient.store.uow import UnitOfWork

from . import settings

#: Keys the settings screen may write, and whether the value must be a positive number.
EDITABLE: dict[str, bool] = {
    "lang": False,
    "escpos": False,
    "wedge_prefix": False,
    "wedge_suffix": False,
    "wedge_max_gap_ms": True,
    "wedge_min_length": True,
    # issue 9: set by the first-run wizard, editable by a manager in the settings dialog
    "hq_url": False,
    "store": False,
}


def load(db: Database) -> dict[str, str]:
    with db.read() as session:
        return settings.all_settings(session)


def save(db: Database, values: dict[str, str]) -> dict[str, str]:
    """Validate and write ``values`` in one transaction; return all settings after."""
    for key, value in values.items():
        if key not in EDITABLE:
            raise KeyError(key)
        if EDITABLE[key] and value:
            try:
                ok = float(value) > 0
            except ValueError:
                ok = False
            if not ok:
                raise PosError("settings.bad_number", name=key)
    if values.get("hq_url"):  # issue 9
        from .first_run import normalise_url

        values = {**values, "hq_url": normalise_url(values["hq_url"])}
    if "store" in values:  # issue 9
        from .first_run import normalise_store

        values = {**values, "store": normalise_store(values["store"])}
    with UnitOfWork(db) as uow:
        for key, value in values.items():
            settings.put(uow.session, key, value.strip() if key != "wedge_prefix" else value)
        uow.commit()
    return load(db)
