"""The demo's camera history: past snapshots in the relay's archive, so the first timelapse has days in it."""

import threading

import cv2
import numpy as np

from devices.camera_unit import CameraConfig
from devices.frames import SyntheticSource
from orchard.demo_snapshots import backfill, instants
from streams.archive import Archive
from streams.stats import StreamsStats

NOW_MS = 1_790_000_123_456
CONFIG = CameraConfig(width=320, height=180, quality=70)


def sources() -> dict[str, SyntheticSource]:
    return {f"cam-0{i}": SyntheticSource(f"cam-0{i}", i, CONFIG.width, CONFIG.height) for i in (1, 2)}


def test_instants_lie_on_the_archive_grid_newest_first():
    found = instants(hours=1, every_s=300, now_ms=NOW_MS)
    assert len(found) == 12 and found == sorted(found, reverse=True)
    assert all(ms % 300_000 == 0 for ms in found) and NOW_MS - 3_600_000 < found[-1] <= found[0] <= NOW_MS


def test_backfill_fills_the_archive_once_with_pictures_of_each_instant(tmp_path):
    archive = Archive(tmp_path / "snapshots", 300, 30, StreamsStats())
    assert backfill(sources(), archive, 2, CONFIG, threading.Event(), now_ms=NOW_MS) == 2 * 24
    assert backfill(sources(), archive, 2, CONFIG, threading.Event(), now_ms=NOW_MS) == 0  # a restart redraws none
    snaps = archive.snapshots("cam-01", NOW_MS - 3 * 3_600_000, NOW_MS)
    assert [s.id for s in snaps] == sorted(instants(2, 300, NOW_MS))
    first, last = (cv2.imdecode(np.frombuffer(s.path.read_bytes(), np.uint8), cv2.IMREAD_COLOR) for s in
                   (snaps[0], snaps[-1]))
    assert first.shape == (180, 320, 3) and not np.array_equal(first, last)  # two hours apart, not one frame


def test_backfill_stops_when_the_demo_stops(tmp_path):
    archive = Archive(tmp_path / "snapshots", 300, 30, StreamsStats())
    stop = threading.Event()
    stop.set()
    assert backfill(sources(), archive, 24, CONFIG, stop, now_ms=NOW_MS) == 0
