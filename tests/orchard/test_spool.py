import subprocess
import sys

from orchard.spool import Spool


def test_fifo_order_and_delete(tmp_path):
    spool = Spool(tmp_path / "s.db")
    spool.append([b"a", b"b", b"c"])
    rows = spool.peek(2)
    assert [item for _, item in rows] == [b"a", b"b"]
    spool.delete([rows[0][0]])
    assert [item for _, item in spool.peek(10)] == [b"b", b"c"]
    assert len(spool) == 2


def test_what_append_returned_from_survives_a_killed_process(tmp_path):
    path = tmp_path / "s.db"
    # The writer dies with SIGKILL right after append returns: no close, no clean shutdown.
    code = (
        "import os, signal; from orchard.spool import Spool; "
        f"s = Spool({str(path)!r}); s.append([b'r%d' % i for i in range(100)]); "
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    subprocess.run([sys.executable, "-c", code])
    reopened = Spool(path)
    assert len(reopened) == 100
    assert reopened.peek(1)[0][1] == b"r0"


def test_a_capped_spool_drops_the_oldest(tmp_path):
    spool = Spool(tmp_path / "s.db", max_items=3)
    spool.append([b"1", b"2"])
    spool.append([b"3", b"4", b"5"])
    assert [item for _, item in spool.peek(10)] == [b"3", b"4", b"5"]
