"""Child process for the SIGKILL-during-sync test: sells and syncs until it is killed.

``python -m tests.sync.kill_child DATA_DIR SEED`` opens an already paired till and loops:
sell (random member, items, redemption), then a sync pass after most sales, forever. The parent
kills it with SIGKILL at a random moment: in the middle of a sale, a push, a pull page.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from posclient.bootstrap import open_till
from posclient.services.sync import SyncEngine
from tests.sync.conftest import PairedTill, fast_client
from tests.sync.test_flapping import MEMBERS, sell


def main(data_dir: str, seed: str) -> None:
    rng = random.Random(int(seed))
    till = open_till(Path(data_dir))
    limit = rng.choice([2, 50])  # snapshot pages too: many points to be killed between pages
    engine = SyncEngine(
        till.db,
        cipher=till.cipher,
        secrets=till.secrets,
        client_factory=fast_client,
        batch_size=rng.choice([1, 3, 50]),
        pull_limit=limit,
        snapshot_limit=limit,
    )
    paired = PairedTill(till, engine)
    print("ready", flush=True)
    while True:
        sell(paired, rng, rng.randrange(-1, len(MEMBERS)), rng.choice([0, 50, 100]), 1)
        if rng.random() < 0.7:
            engine.sync_once()


if __name__ == "__main__":
    main(*sys.argv[1:3])
