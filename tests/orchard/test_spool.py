import subprocess
import sys

import pytest

from orchard.errors import SpoolFull
from orchard.spool import Spool
from tests.disk import cap_pages, fill, small_disk


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


@pytest.fixture(params=["tmpfs", "page_limit"])
def full_disk(request, tmp_path):
    """make(spool_args) -> a Spool on a disk that is full (a tmpfs filled to the last byte, or a page limit)."""
    with small_disk(tmp_path / "disk") as disk:
        kind = request.param if disk is not None else "page_limit"
        folder = disk if kind == "tmpfs" else tmp_path

        def make(**options) -> Spool:
            spool = Spool(folder / "s.db", reserve_bytes=128 * 1024, **options)
            spool.append([b"warm-up %d" % n + b"." * 400 for n in range(20)])
            spool.delete([row_id for row_id, _ in spool.peek(20)])
            if kind == "tmpfs":
                fill(folder)
            else:
                cap_pages(spool._db)
            return spool

        yield make


def test_a_capped_spool_on_a_full_disk_keeps_the_newest_and_counts_what_it_dropped(full_disk, caplog):
    spool = full_disk(max_items=1_000_000)
    for n in range(1000):  # a device sampling on, long after the disk filled
        spool.append([b"%06d" % n + b"." * 400])
    kept = [int(item[:6]) for _, item in spool.peek(10_000)]
    assert kept and kept[-1] == 999, "the newest reading must be kept"
    assert kept == list(range(kept[0], 1000)), "what is kept is the newest, in order"
    assert spool.dropped == kept[0] > 0 and len(spool) == len(kept)
    fulls = [r for r in caplog.records if "disk is full" in r.getMessage()]
    assert len(fulls) == 1 and "dropping the oldest" in fulls[0].getMessage()


def test_an_uncapped_spool_on_a_full_disk_refuses_clearly_and_takes_items_again_after_a_delivery(full_disk):
    spool = full_disk()
    appended = 0
    with pytest.raises(SpoolFull, match="the disk is full; .* nothing new is taken until there is room"):
        for n in range(3000):
            spool.append([b"%06d" % n + b"." * 400])
            appended += 1
    assert len(spool) == appended and spool.dropped == 0
    assert [int(item[:6]) for _, item in spool.peek(10_000)] == list(range(appended))
    spool.delete([row_id for row_id, _ in spool.peek(max(1, appended // 2))])  # a replay delivered some
    spool.append([b"after"])
    assert spool.peek(10_000)[-1][1] == b"after"
