"""Child process for the SIGKILL-during-first-load test: pulls until it is killed.

``python -m tests.sync.load_child DATA_DIR SEED`` opens an already paired till and runs sync
passes with small pages and the look-up index set aside for its first load (any size), forever.
The parent kills it with SIGKILL at a random moment: mid-page, mid-commit, while the index is
built.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from posclient.bootstrap import open_till
from posclient.services.sync import SyncEngine
from tests.sync.conftest import fast_client


def main(data_dir: str, seed: str) -> None:
    rng = random.Random(int(seed))
    till = open_till(Path(data_dir))
    limit = rng.choice([2, 3, 5])
    engine = SyncEngine(
        till.db,
        cipher=till.cipher,
        secrets=till.secrets,
        client_factory=fast_client,
        pull_limit=limit,
        snapshot_limit=limit,
        snapshot_commit=rng.choice([1, 10]),
        defer_index_from=1,
    )
    print("ready", flush=True)
    while True:
        engine.sync_once()


if __name__ == "__main__":
    main(*sys.argv[1:3])
