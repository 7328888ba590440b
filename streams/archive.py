"""The snapshot archive: at most one frame per camera per interval, thinned to one a day after some days.

Layout: `<data_dir>/snapshots/<camera>/<YYYY-MM-DD>/<epoch_ms>.jpg` (UTC dates). The
file name is the snapshot's id. Files are written to a temporary name and renamed,
so a reader never sees half a JPEG. Every write and deletion runs on one thread,
in order, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from orchard.topics import ID_PATTERN
from streams.daily_frames import one_a_day, zone_named
from streams.hub import Frame
from streams.stats import StreamsStats

log = logging.getLogger(__name__)

TEMP_SUFFIX = ".tmp"


@dataclass(frozen=True, slots=True)
class Snapshot:
    id: int  # epoch ms of the frame's arrival
    size: int
    path: Path


LAST_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z


def day_of(ms: int) -> str:
    """The UTC date of an epoch-ms instant, as the archive names its folders."""
    return time.strftime("%Y-%m-%d", time.gmtime(min(max(ms, 0), LAST_MS) / 1000))


def day_start_ms(day: str) -> int | None:
    try:
        return int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC).timestamp() * 1000)
    except ValueError:
        return None


def snapshot_id(name: str) -> int | None:
    stem, _, ext = name.partition(".")
    return int(stem) if ext == "jpg" and stem.isdigit() and len(stem) <= 15 else None


class Archive:
    def __init__(self, root: Path, every_s: float, keep_days: float, stats: StreamsStats,
                 zone_of: Callable[[str], str] = lambda camera: "UTC") -> None:
        self.root = root
        self.zone_of = zone_of  # camera -> its farm's time zone, whose noon picks the frame kept each day
        self.every_s = every_s
        self.keep_days = keep_days
        self.stats = stats
        self._last_kept: dict[str, float] = {}
        # One thread: writes and retention never race each other.
        self._disk = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive")
        self._failed_once = False

    async def start(self) -> None:
        """Remember each camera's newest snapshot, so a restart does not archive a frame early."""
        self._last_kept = await self.on_disk_thread(self._newest_on_disk)

    def offer(self, frame: Frame) -> bool:
        """Archive `frame` if its camera's interval has passed since the last one kept."""
        last = self._last_kept.get(frame.camera)
        # A clock stepped backwards would otherwise stop the archive until it caught up.
        if last is not None and 0 <= frame.arrived_at - last < self.every_s:
            return False
        self._last_kept[frame.camera] = frame.arrived_at
        write = self._disk.submit(self._write, frame.camera, int(frame.arrived_at * 1000), frame.jpeg)
        write.add_done_callback(self._written)
        return True

    def _written(self, write: Future) -> None:
        exc = write.exception()
        if exc is not None and not self._failed_once:
            self._failed_once = True
            log.error("cannot write snapshots under %s: %s (further failures are not logged)", self.root, exc)

    def write(self, camera: str, ms: int, jpeg: bytes) -> None:
        """Keep `jpeg` as the snapshot of `camera` taken at `ms`, on the calling thread (the demo's history)."""
        self._write(camera, ms, jpeg)

    def _write(self, camera: str, ms: int, jpeg: bytes) -> None:
        folder = self.root / camera / day_of(ms)
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"{ms}.jpg"
        temp = folder / f".{ms}.jpg{TEMP_SUFFIX}"
        temp.write_bytes(jpeg)
        os.replace(temp, final)
        self.stats.archived.inc()

    async def on_disk_thread(self, func, *args):
        """Run `func` on the archive's own thread, after the writes queued before it."""
        return await asyncio.wrap_future(self._disk.submit(func, *args))

    def _newest_on_disk(self) -> dict[str, float]:
        newest: dict[str, float] = {}
        for camera in self._cameras():
            days = sorted(self._days(camera), reverse=True)
            for day in days:
                ids = [s.id for s in self._in_day(camera, day)]
                if ids:
                    newest[camera] = max(ids) / 1000
                    break
        return newest

    def snapshots(self, camera: str, start_ms: int, end_ms: int, limit: int | None = None) -> list[Snapshot]:
        """Snapshots with start_ms <= id <= end_ms, oldest first (blocking: call off the loop)."""
        first, last = day_of(start_ms), day_of(end_ms)
        found: list[Snapshot] = []
        for day in sorted(d for d in self._days(camera) if first <= d <= last):
            found.extend(sorted((s for s in self._in_day(camera, day) if start_ms <= s.id <= end_ms),
                                key=lambda s: s.id))
            if limit is not None and len(found) >= limit:
                return found[:limit]
        return found

    def newest(self, camera: str, start_ms: int, end_ms: int) -> Snapshot | None:
        """The newest snapshot with start_ms <= id <= end_ms (blocking), reading days newest first."""
        first, last = day_of(start_ms), day_of(end_ms)
        for day in sorted((d for d in self._days(camera) if first <= d <= last), reverse=True):
            inside = [s for s in self._in_day(camera, day) if start_ms <= s.id <= end_ms]
            if inside:
                return max(inside, key=lambda s: s.id)
        return None

    def path(self, camera: str, snapshot: int) -> Path:
        return self.root / camera / day_of(snapshot) / f"{snapshot}.jpg"

    def cleanup(self, now: float | None = None) -> int:
        """Past the archive window keep one snapshot a day per camera (nearest the farm's noon); return how many went.

        Blocking: call it on the archive's thread. The survivors make a season's timelapse.
        """
        cutoff = int(((time.time() if now is None else now) - self.keep_days * 86400) * 1000)
        removed = 0
        for camera in self._cameras():
            old_days = [day for day in self._days(camera) if (day_start_ms(day) or 0) < cutoff]  # all dated
            old = [snap for day in old_days for snap in self._in_day(camera, day) if snap.id < cutoff]
            keep = one_a_day((snap.id for snap in old), zone_named(self.zone_of(camera)))
            for snap in old:
                if snap.id not in keep:
                    snap.path.unlink(missing_ok=True)
                    removed += 1
            for day in old_days:
                _remove_if_empty(self.root / camera / day)
            _remove_if_empty(self.root / camera)
        if removed:
            self.stats.archive_deleted.inc(removed)
            log.info("retention: thinned snapshots older than %g days to one a day (%d deleted)",
                     self.keep_days, removed)
        return removed

    def _cameras(self) -> Iterator[str]:
        try:
            names = os.listdir(self.root)
        except FileNotFoundError:
            return
        yield from (n for n in names if ID_PATTERN.fullmatch(n) and (self.root / n).is_dir())

    def _days(self, camera: str) -> list[str]:
        try:
            names = os.listdir(self.root / camera)
        except (FileNotFoundError, NotADirectoryError):
            return []
        return [n for n in names if day_start_ms(n) is not None]

    def _in_day(self, camera: str, day: str) -> Iterator[Snapshot]:
        try:
            entries = list(os.scandir(self.root / camera / day))
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            ident = snapshot_id(entry.name)
            if ident is None:
                continue
            try:
                size = entry.stat().st_size
            except FileNotFoundError:
                continue
            yield Snapshot(ident, size, Path(entry.path))

    async def stop(self) -> None:
        """Finish the writes already queued."""
        await asyncio.to_thread(self._disk.shutdown, wait=True)


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass
