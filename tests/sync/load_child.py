"""Child process for the SIGKILL-during-first-load test: pulls until it is killed.

``python -m tests.sync.load_child DATA_DIR SEED [pool]`` opens an already paired till and runs
sync passes with small pages and the look-up index set aside for its first load (any size),
forever; with ``pool``, its pages are read in two worker processes (any size too), and it says
``workers`` once they are reading.
The parent kills it with SIGKILL at a random moment: mid-page, mid-commit, while the index is
built.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from posclient.bootstrap import open_till
from tests.sync.conftest import small_page_engine


def main(data_dir: str, seed: str, pool: str = "") -> None:
    rng = random.Random(int(seed))
    till = open_till(Path(data_dir))
    limit = rng.choice([2, 3, 5])
    engine = small_page_engine(
        till,
        limit,
        snapshot_commit=rng.choice([1, 10]),
        defer_index_from=1,
        pool_from=1 if pool else 0,
        workers=2,
    )
    if pool:
        told: list[bool] = []

        def tell(report: object) -> None:
            if told:
                return
            while not (engine.reading is not None and engine.reading.workers_ready()):
                time.sleep(0.05)  # the first page waits for them (the parent times out)
            told.append(True)
            print("workers", flush=True)

        engine.on_page = tell
    print("ready", flush=True)
    while True:
        engine.sync_once()


if __name__ == "__main__":
    main(*sys.argv[1:4])
