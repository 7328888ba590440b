"""The snapshot archive on disk: one per interval, restart-safe, ranges across days, retention."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from streams.archive import Archive, day_of
from streams.hub import Frame
from streams.stats import StreamsStats
from tests.streams.conftest import make_jpeg

DAY_S = 86400
T0 = 1_780_000_000.0  # 2026-05-28 UTC


def frame(at: float, camera: str = "cam-1", n: int = 0) -> Frame:
    return Frame(camera, "farm1", "dev-a", make_jpeg(n), at, f"etag{n}", 320, 240)


@pytest.fixture
def archive(tmp_path):
    made = []

    def make(every_s: float = 300, keep_days: float = 30) -> Archive:
        archive = Archive(tmp_path / "snapshots", every_s, keep_days, StreamsStats())
        asyncio.run(archive.start())
        made.append(archive)
        return archive

    yield make
    for archive in made:
        archive._disk.shutdown(wait=True)


def test_at_most_one_snapshot_per_interval_the_first_after_it_is_kept(archive):
    store = archive(every_s=60)
    kept = [store.offer(frame(T0 + s, n=s)) for s in range(0, 200, 10)]
    store._disk.shutdown(wait=True)
    assert [s for s, k in zip(range(0, 200, 10), kept, strict=False) if k] == [0, 60, 120, 180]
    ids = [s.id for s in store.snapshots("cam-1", 0, 2**62)]
    assert ids == [int((T0 + s) * 1000) for s in (0, 60, 120, 180)]
    assert store.path("cam-1", ids[1]).read_bytes() == make_jpeg(60)
    assert store.stats.value("orchard_streams_archive_writes_total") == 4
    assert not list((store.root / "cam-1").glob("*/.*"))  # no temporary files left


def test_each_camera_has_its_own_interval(archive):
    store = archive(every_s=60)
    assert store.offer(frame(T0, "cam-1")) and store.offer(frame(T0 + 1, "cam-2"))
    assert not store.offer(frame(T0 + 2, "cam-1"))


def test_a_restart_remembers_the_newest_snapshot(archive):
    first = archive(every_s=60)
    first.offer(frame(T0))
    first._disk.shutdown(wait=True)
    again = archive(every_s=60)
    assert not again.offer(frame(T0 + 30))
    assert again.offer(frame(T0 + 61))


def test_ranges_span_days_and_come_oldest_first(archive):
    store = archive(every_s=1)
    times = [T0 + d * DAY_S + h * 3600 for d in range(3) for h in (1, 23)]
    for at in reversed(times):
        store.offer(frame(at))  # offered newest first: the order on disk must not matter
        store._last_kept.clear()
    store._disk.shutdown(wait=True)
    assert len({day_of(int(t * 1000)) for t in times}) >= 3
    everything = store.snapshots("cam-1", 0, 2**62)
    assert [s.id for s in everything] == [int(t * 1000) for t in times]
    middle = store.snapshots("cam-1", int(times[1] * 1000), int(times[4] * 1000))
    assert [s.id for s in middle] == [int(t * 1000) for t in times[1:5]]
    assert len(store.snapshots("cam-1", 0, 2**62, limit=2)) == 2
    assert store.snapshots("cam-unknown", 0, 2**62) == []


def test_retention_deletes_older_snapshots_and_empty_days(archive):
    store = archive(every_s=1, keep_days=2)
    now = time.time()
    ages_h = [100, 60, 49, 47, 1]
    for age in ages_h:
        store.offer(frame(now - age * 3600))
    store._disk.shutdown(wait=True)
    removed = store.cleanup(now)
    assert removed == 3
    left = [round((now - s.id / 1000) / 3600) for s in store.snapshots("cam-1", 0, 2**62)]
    assert left == [47, 1]
    days = sorted(os.listdir(store.root / "cam-1"))
    assert days[0] >= day_of(int((now - 47 * 3600) * 1000))  # days left empty are gone
    assert store.stats.value("orchard_streams_archive_deleted_total") == 3
