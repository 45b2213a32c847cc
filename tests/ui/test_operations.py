"""The window's worker threads: closing waits for queued work and delivers its results."""

from __future__ import annotations

import threading

from posclient.ui.operations import Operations


def test_close_delivers_queued_results_instead_of_sitting_out_its_timeout(qtbot) -> None:
    """Closing the window queues the sync client's release and then waits on the GUI thread,
    the thread that delivers results: the wait used to end only at its 10 s timeout."""
    ops = Operations()
    release = threading.Event()
    delivered: list[str] = []
    ops.sync(release.wait, 5).success(lambda _: delivered.append("sync")).run()
    ops.db(lambda: "db").success(delivered.append).run()
    release.set()
    assert ops.wait(msecs=5_000) is True
    assert sorted(delivered) == ["db", "sync"]
    ops.close()
