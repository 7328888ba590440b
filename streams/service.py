"""The relay wired together: intake → hub → archive, live mode on the hub's viewers, retention."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

from fastapi import Depends, Request

from orchard.auth.policy import Policy
from orchard.auth.setup import policy_for, secret_of
from orchard.settings import Settings
from streams.archive import Archive
from streams.hub import Frame, Hub
from streams.intake import Intake
from streams.live import LiveMode, LiveTiming
from streams.stats import StreamsStats
from streams.timelapse import MAX_FRAMES, Timelapses
from streams.video import CODECS

log = logging.getLogger(__name__)

# A frame this many idle intervals old means the camera missed its snapshots: say so.
STALE_AFTER_IDLE_INTERVALS = 2.5


class Relay:
    """Everything one relay runs; the app's lifespan starts and stops it, routes get it by Depends(relay)."""

    def __init__(
        self,
        settings: Settings,
        *,
        live_timing: LiveTiming = LiveTiming(),
        stall_s: float = 60.0,
        cleanup_every_s: float = 3600.0,
        timelapse_max_frames: int = MAX_FRAMES,
        timelapse_fourccs: tuple[str, ...] = CODECS,
        policy: Policy | None = None,
    ) -> None:
        self.secret = secret_of(settings)  # refuse to start rather than serve cameras unsigned
        self.settings = settings
        # Who may watch which camera, and which dates of its archive: the registry's users and claims.
        self.policy = policy or policy_for(settings)
        self.stale_after_s = STALE_AFTER_IDLE_INTERVALS * settings.camera_idle_s
        self.cleanup_every_s = cleanup_every_s
        self.stats = StreamsStats()
        self.hub = Hub(on_viewers_changed=self._viewers_changed, stall_s=stall_s)
        self.intake = Intake(settings.mqtt_url, settings.streams_client_id, self.stats,
                             deliver=self._deliver, learn=self.hub.learn)
        self.live = LiveMode(self.intake.publish, self.hub.address, self.hub.watching, self.stats, live_timing)
        self.archive = Archive(settings.data_dir / "snapshots", settings.archive_every_s,
                               settings.archive_days, self.stats)
        self.timelapses = Timelapses(self.archive, settings.data_dir / "timelapse-cache", self.stats,
                                     max_frames=timelapse_max_frames, fourccs=timelapse_fourccs)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._cleaner: asyncio.Task | None = None

    def _deliver(self, frame: Frame) -> None:
        frame = self.hub.put(frame)
        self.archive.offer(frame)

    def _viewers_changed(self, camera: str) -> None:
        self.stats.viewers.set(self.hub.viewer_count())
        self.live.update(camera)

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        await self.archive.start()
        self.intake.start(self.loop)
        self._cleaner = self.loop.create_task(self._clean_regularly(), name="retention")
        log.info("relaying cameras from %s; archive in %s", self.intake.address, self.archive.root)

    async def _clean_regularly(self) -> None:
        while True:
            try:
                await self.archive.on_disk_thread(self.archive.cleanup)
                await asyncio.to_thread(self.timelapses.cleanup)
            except OSError as exc:
                log.warning("retention cleanup failed: %s", exc)
            await asyncio.sleep(self.cleanup_every_s)

    def close_streams_threadsafe(self) -> None:
        """End every open stream, so the server can stop (callable from a signal handler)."""
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.hub.close)

    async def stop(self) -> None:
        self.hub.close()
        if self._cleaner is not None:
            self._cleaner.cancel()
            await asyncio.gather(self._cleaner, return_exceptions=True)
        await self.live.stop()  # tells devices "idle" while still connected
        await self.intake.stop()
        await self.archive.stop()
        await self.timelapses.stop()


def relay(request: Request) -> Relay:
    """The running relay, put in the request's state by the app's lifespan."""
    return request.state.relay


RelayDep = Annotated[Relay, Depends(relay)]
