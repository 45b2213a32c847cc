"""The bundle's one executable: ``posclient`` runs the till, ``posclient admin ...`` the
operator commands (posclient-admin: doctor, backup, restore, pair, ...)."""

from __future__ import annotations

import sys


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "admin":
        from posclient.cli import main as admin_main

        return admin_main(sys.argv[2:])
    from posclient.app import main as till_main

    return till_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
