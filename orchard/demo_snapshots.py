"""The demo's camera history: days of archived snapshots drawn at start, so a timelapse has a past.

Frames are drawn by each simulated camera's own scene at the instants the relay would have
archived them, and written straight through the archive's writer (not over MQTT), newest
first and on a background thread, so the demo is usable at once and the last day fills first.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from devices.camera import encode_jpeg
from devices.camera_unit import CameraConfig
from devices.frames import SyntheticSource, scene
from streams.archive import Archive
from streams.stats import StreamsStats

log = logging.getLogger(__name__)


def instants(hours: float, every_s: float, now_ms: int) -> list[int]:
    """Epoch-ms instants on the archive's grid over the past `hours`, newest first (a restart finds the same)."""
    step = int(every_s * 1000)
    newest = now_ms - now_ms % step
    return list(range(newest, now_ms - int(hours * 3_600_000), -step))


def backfill(sources: dict[str, SyntheticSource], archive: Archive, hours: float, config: CameraConfig,
             stop: threading.Event, now_ms: int | None = None) -> int:
    """Write each camera's missing snapshots over the past `hours`; return how many were written."""
    written = 0
    for ms in instants(hours, archive.every_s, time.time_ns() // 1_000_000 if now_ms is None else now_ms):
        for camera, source in sources.items():
            if stop.is_set():
                return written
            if archive.path(camera, ms).exists():
                continue
            image = scene(source.seed, *source.size).draw(ms, source.weather, source.label)
            archive.write(camera, ms, encode_jpeg(image, config.width, config.height, config.quality))
            written += 1
    return written


def start_backfill(sources: dict[str, SyntheticSource], root: Path, every_s: float, hours: float,
                   config: CameraConfig, stop: threading.Event) -> threading.Thread:
    """Run `backfill` on a daemon thread writing under `root` (the relay's snapshot folder)."""
    archive = Archive(root, every_s, keep_days=hours / 24 + 1, stats=StreamsStats())

    def run() -> None:
        started = time.monotonic()
        count = backfill(sources, archive, hours, config, stop)
        log.info("camera history: %d past snapshots drawn in %.0fs", count, time.monotonic() - started)

    thread = threading.Thread(target=run, name="snapshot-history", daemon=True)
    thread.start()
    return thread
