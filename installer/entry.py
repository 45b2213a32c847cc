"""The bundle's one executable: ``posclient`` runs the till, ``posclient admin ...`` the
operator commands (posclient-admin: doctor, backup, restore, pair, ...)."""

from __future__ import annotations

import multiprocessing
import sys


def main() -> int:
    # A large first load reads pages in worker processes (posclient.services.pagepool); in the
    # frozen bundle they are this executable started again, and must not open a second till.
    multiprocessing.freeze_support()
    if len(sys.argv) > 1 and sys.argv[1] == "admin":
        from posclient.cli import main as admin_main

        return admin_main(sys.argv[2:])
    from posclient.app import main as till_main

    return till_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
