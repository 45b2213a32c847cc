"""``posclient --smoke``: prove an installed bundle works, without a screen or a person.

Starts Qt offscreen, loads the translations and the style, opens (creating and migrating) the
database in a throwaway data dir (or ``--data-dir``), loads zbar and zxing-cpp, prints one line
with the version and schema, exits 0. Anything missing from the bundle fails here, loudly.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def run(data_dir: Path | None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from posclient import __version__

    with tempfile.TemporaryDirectory(prefix="posclient-smoke-") as tmp:
        folder = data_dir or Path(tmp) / "till"
        os.environ.setdefault("POSCLIENT_SECRETS", "file")
        os.environ.setdefault("POSCLIENT_SECRETS_DIR", str(Path(tmp) / "secrets"))
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance() or QApplication(sys.argv[:1])
        from posclient.ui import theme
        from posclient.ui.translation import Translations

        theme.apply(app)  # type: ignore[arg-type]
        Translations().switch("zh_CN")
        from posclient.bootstrap import open_till
        from posclient.store.migrate import current_revision

        till = open_till(folder, create=True)
        try:
            schema = current_revision(till.db.engine)
            integrity = till.db.integrity_check()
        finally:
            till.close()
        from pyzbar import zbar_library

        zbar_library.load()
        import zxingcpp  # noqa: F401

        print(f"posclient {__version__} smoke ok: schema {schema}, database {integrity}")
    return 0 if integrity == "ok" else 1
