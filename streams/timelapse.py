"""Timelapse videos from the archive, the one place frames are re-encoded.

Each snapshot gets its time burned in (on its farm's clock, with the UTC offset), frames
are scaled to at most 1280 pixels wide, and the video is cached on disk by camera, the
span of snapshots it covers, their count, the fps and the time zone: asking again is
instant until a newer snapshot arrives.
Encoding runs on its own thread, one video at a time. To keep that one encoder fair,
the fps is rounded to a few values and the range outward to a step that grows with its
length (so near requests share a video), each viewer may wait for one video being built
at a time, and at most `queue` videos wait in all; beyond either, `Busy` (429).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import cv2
import numpy as np

from orchard.errors import NotFound
from streams.archive import Archive, Snapshot
from streams.errors import Busy
from streams.stats import StreamsStats
from streams.video import CODECS, open_writer, pick_codec

log = logging.getLogger(__name__)

MAX_WIDTH = 1280
MAX_FRAMES = 1800
CACHE_MAX_AGE_S = 86400.0
FPS_STEPS = (1, 2, 5, 10, 15, 30)
RANGE_STEPS_MS = (1_000, 10_000, 60_000, 600_000, 3_600_000)  # the largest ≤ span/50 is used
MAX_QUEUE = 4


def round_fps(fps: int) -> int:
    """The nearest of FPS_STEPS (the lower one on a tie)."""
    return min(FPS_STEPS, key=lambda step: (abs(step - fps), step))


def round_range(start_ms: int, end_ms: int) -> tuple[int, int]:
    """[start, end] widened to a step of about a fiftieth of its length, at most an hour."""
    fitting = [step for step in RANGE_STEPS_MS if step <= (end_ms - start_ms) / 50]
    step = fitting[-1] if fitting else 1
    return start_ms - start_ms % step, -(-end_ms // step) * step


def pick_fourcc(candidates: tuple[str, ...] = CODECS) -> str:
    """The first of `candidates` this machine can encode and OpenCV read back (see streams/video.py)."""
    return pick_codec(candidates)


def evenly(snapshots: list[Snapshot], limit: int) -> list[Snapshot]:
    """At most `limit` snapshots spread evenly over the list, first and last included."""
    if len(snapshots) <= limit:
        return snapshots
    step = (len(snapshots) - 1) / (limit - 1)
    return [snapshots[round(i * step)] for i in range(limit)]


def daily(snapshots: list[Snapshot], hour: int, zone: str = "UTC") -> list[Snapshot]:
    """One snapshot a day on the farm's clock: the one nearest `hour`:00 that day, oldest day first."""
    tz = _zone(zone)
    best: dict[date, tuple[float, Snapshot]] = {}
    for snap in snapshots:
        moment = datetime.fromtimestamp(snap.id / 1000, tz)
        distance = abs((moment - moment.replace(hour=hour, minute=0, second=0, microsecond=0)).total_seconds())
        kept = best.get(moment.date())
        if kept is None or distance < kept[0]:
            best[moment.date()] = (distance, snap)
    return [snap for _, snap in (best[day] for day in sorted(best))]


def _zone(zone: str) -> tzinfo:
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def local_time(ms: int, zone: str = "UTC") -> str:
    """A snapshot's time on its farm's clock, with the offset: 2026-11-30 14:05:00 UTC+0800."""
    return datetime.fromtimestamp(ms / 1000, _zone(zone)).strftime("%Y-%m-%d %H:%M:%S UTC%z")


def stamp(image: np.ndarray, ms: int, zone: str = "UTC") -> None:
    """Burn the snapshot's time into the bottom-left corner, legible on light and dark scenes."""
    text = local_time(ms, zone)
    height, width = image.shape[:2]
    scale = max(0.4, width / 1280)
    origin = (int(12 * scale), height - int(14 * scale))
    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(image, text, origin, font, scale, (0, 0, 0), max(2, int(5 * scale)), cv2.LINE_AA)
    cv2.putText(image, text, origin, font, scale, (255, 255, 255), max(1, int(2 * scale)), cv2.LINE_AA)


def encode(snapshots: list[Snapshot], out: Path, fps: int, fourcc: str, zone: str = "UTC") -> int:
    """Write the video to `out` (via a temporary file) with codec `fourcc`; return the frames written."""
    temp = out.with_name(f".{out.stem}-{secrets.token_hex(4)}.mp4")
    writer, size, written = None, None, 0
    try:
        for snap in snapshots:
            image = cv2.imread(str(snap.path), cv2.IMREAD_COLOR)
            if image is None:  # deleted by retention meanwhile, or unreadable
                continue
            if writer is None:
                height, width = image.shape[:2]
                if width > MAX_WIDTH:
                    width, height = MAX_WIDTH, round(height * MAX_WIDTH / width)
                size = (width - width % 2, height - height % 2)
                writer = open_writer(fourcc, temp, fps, size)
            if (image.shape[1], image.shape[0]) != size:
                image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            stamp(image, snap.id, zone)
            writer.write(image)
            written += 1
        if writer is None:
            raise NotFound("none of the snapshots in that range could be read")
        writer.close()
        os.replace(temp, out)
        return written
    finally:
        temp.unlink(missing_ok=True)


def _cached(path: Path) -> bool:
    try:
        os.utime(path)  # recently used: cache cleanup keeps it
    except FileNotFoundError:
        return False
    return True


class Timelapses:
    def __init__(self, archive: Archive, cache_dir: Path, stats: StreamsStats,
                 max_frames: int = MAX_FRAMES, fourccs: tuple[str, ...] = CODECS, queue: int = MAX_QUEUE) -> None:
        self.archive = archive
        self.cache_dir = cache_dir
        self.stats = stats
        self.max_frames = max_frames
        self.fourccs = fourccs
        self._fourcc: str | None = None
        self._encoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="timelapse")
        self.queue = queue
        self._building: dict[Path, asyncio.Future] = {}
        self._ordered_by: dict[object, Path] = {}  # viewer -> the video they are having built
        self._build_s = 10.0  # a running estimate of one video's encoding time, for Retry-After

    async def video(self, camera: str, start_ms: int, end_ms: int, fps: int, viewer: object = None,
                    zone: str = "UTC", daily_at: int | None = None) -> Path:
        """The cached or freshly built video of `camera`'s snapshots in [start_ms, end_ms].

        `viewer` (any hashable naming who asks) may have one video built at a time; Busy otherwise.
        """
        found = await asyncio.to_thread(self.archive.snapshots, camera, start_ms, end_ms)
        if not found:
            raise NotFound(f"camera {camera!r} has no snapshots in that time range")
        if daily_at is not None:
            found = daily(found, daily_at, zone)
        frames = evenly(found, self.max_frames)
        daily_part = "" if daily_at is None else f"-d{daily_at}"
        name = f"{frames[0].id}-{frames[-1].id}-{len(frames)}-{fps}{daily_part}-{zone.replace('/', '_')}.mp4"
        path = self.cache_dir / camera / name
        if await asyncio.to_thread(_cached, path):
            return path
        build = self._building.get(path)
        if build is None:
            self._admit(viewer)
            build = asyncio.get_running_loop().run_in_executor(self._encoder, self._build, frames, path, fps, zone)
            self._building[path] = build
            self._ordered_by[viewer] = path
            build.add_done_callback(lambda _: self._done(path, viewer))
        # Shielded: a viewer who gives up does not cancel a video others may be waiting for.
        await asyncio.shield(build)
        return path

    def _admit(self, viewer: object) -> None:
        """Refuse a new video to a viewer who already waits for one, or when the queue is full."""
        if viewer in self._ordered_by:
            wait = self._build_s * (len(self._building) or 1)
            raise Busy("your previous timelapse is still being made; ask again when it is ready",
                       max(1, round(wait)))
        if len(self._building) >= self.queue:
            raise Busy("the relay is busy making timelapses; try again shortly",
                       max(1, round(self._build_s * len(self._building))))

    def _done(self, path: Path, viewer: object) -> None:
        self._building.pop(path, None)
        if self._ordered_by.get(viewer) == path:
            del self._ordered_by[viewer]

    def _build(self, frames: list[Snapshot], path: Path, fps: int, zone: str = "UTC") -> None:
        if _cached(path):  # built while this request waited its turn
            return
        if self._fourcc is None:
            self._fourcc = pick_fourcc(self.fourccs)
            log.info("timelapse videos use the %s codec", self._fourcc)
            if self._fourcc == "mp4v":
                log.warning("no H.264 encoder (install PyAV): timelapses will not play in phone browsers")
        path.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        written = encode(frames, path, fps, self._fourcc, zone)
        took = time.perf_counter() - started
        self._build_s = 0.7 * self._build_s + 0.3 * took
        self.stats.timelapses.inc()
        log.info("timelapse %s: %d frames in %.1fs", path.name, written, took)

    def cleanup(self, max_age_s: float = CACHE_MAX_AGE_S, now: float | None = None) -> int:
        """Delete cached videos not used for `max_age_s` (blocking)."""
        cutoff = (time.time() if now is None else now) - max_age_s
        removed = 0
        for video in self.cache_dir.glob("*/*.mp4"):
            try:
                if video.stat().st_mtime < cutoff:
                    video.unlink()
                    removed += 1
            except FileNotFoundError:
                pass
        return removed

    async def stop(self) -> None:
        await asyncio.to_thread(self._encoder.shutdown, wait=True, cancel_futures=True)
