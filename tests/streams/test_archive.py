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


def test_retention_keeps_one_snapshot_a_day_past_the_window_and_removes_empty_days(archive):
    store = archive(every_s=1, keep_days=2)
    now = time.time()
    ages_h = [100, 99, 98, 60, 49, 47, 1]
    for age in ages_h:
        store.offer(frame(now - age * 3600))
    store._disk.shutdown(wait=True)
    removed = store.cleanup(now)
    left = [round((now - s.id / 1000) / 3600) for s in store.snapshots("cam-1", 0, 2**62)]
    old_days = {day_of(int((now - age * 3600) * 1000)) for age in ages_h if age > 48}
    assert [age for age in left if age > 48] and len([age for age in left if age > 48]) == len(old_days)
    assert left[-2:] == [47, 1]  # inside the window: untouched
    assert removed == len(ages_h) - len(left) == store.stats.value("orchard_streams_archive_deleted_total")
    days = sorted(os.listdir(store.root / "cam-1"))
    assert len(days) == len({day_of(s.id) for s in store.snapshots("cam-1", 0, 2**62)})  # no empty day left


def hours_of_day(store, camera="cam-1") -> list[str]:
    return [time.strftime("%Y-%m-%d %H:%M", time.gmtime(s.id / 1000)) for s in store.snapshots(camera, 0, 2**62)]


def test_the_frame_kept_each_day_is_the_one_nearest_noon_on_the_farms_clock(tmp_path):
    midnight = 1_780_012_800.0  # 2026-05-29 00:00 UTC
    zones = {"cam-1": "Asia/Shanghai", "cam-2": "UTC", "cam-3": "Not/AZone"}
    store = Archive(tmp_path / "zoned", 1, 1, StreamsStats(), zone_of=zones.__getitem__)
    for camera in zones:
        for minutes in range(0, 3 * 24 * 60, 25):  # a frame every 25 minutes for three days
            store.write(camera, int((midnight + minutes * 60) * 1000), make_jpeg(0))
    store.cleanup(midnight + 3 * DAY_S + 2 * 86400)  # everything is past the one-day window
    # Shanghai's noon is 04:00 UTC; its fourth local day (1 June) holds only the morning, up to 23:40 UTC.
    assert hours_of_day(store, "cam-1") == ["2026-05-29 04:10", "2026-05-30 03:55", "2026-05-31 04:05",
                                            "2026-05-31 23:40"]
    assert hours_of_day(store, "cam-2") == ["2026-05-29 12:05", "2026-05-30 11:50", "2026-05-31 12:00"]
    assert hours_of_day(store, "cam-3") == hours_of_day(store, "cam-2")  # an unknown zone counts as UTC


def test_thinning_a_day_as_it_ages_piece_by_piece_ends_with_its_frame_nearest_noon(tmp_path):
    midnight = 1_780_012_800.0
    whole = Archive(tmp_path / "whole", 1, 1, StreamsStats())
    pieces = Archive(tmp_path / "pieces", 1, 1, StreamsStats())
    for minutes in range(0, 24 * 60, 10):
        for store in (whole, pieces):
            store.write("cam-1", int((midnight + minutes * 60 + 7) * 1000), make_jpeg(0))
    for hour in range(1, 26):  # cleaned every hour while the day crosses the window
        pieces.cleanup(midnight + DAY_S + hour * 3600)
    whole.cleanup(midnight + 3 * DAY_S)
    assert hours_of_day(pieces) == hours_of_day(whole) == ["2026-05-29 12:00"]
