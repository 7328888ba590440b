"""The relay wired together: intake (registry-assigned cameras) → hub → archive, live mode, retention."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

from fastapi import Depends, Request

from orchard.auth.policy import Policy
from orchard.auth.setup import policy_for, secret_of
from orchard.settings import Settings
from streams.archive import Archive
from streams.assignments import CameraAssignments
from streams.credentials import Admissions
from streams.hub import Frame, Hub
from streams.intake import Intake
from streams.live import LiveMode, LiveTiming
from streams.stats import StreamsStats
from streams.timelapse import MAX_FRAMES, Timelapses
from streams.timelapse import MAX_QUEUE as TIMELAPSE_QUEUE
from streams.video import CODECS

log = logging.getLogger(__name__)

# A frame this many idle intervals old means the camera missed its snapshots: say so.
STALE_AFTER_IDLE_INTERVALS = 2.5
# A page polling latest.jpg?watch=1 counts as a viewer this long after each request.
WATCH_LEASE_S = 10.0
# An open stream asks the policy again this often (and at its token's expiry).
REAUTH_S = 5.0


class Relay:
    """Everything one relay runs; the app's lifespan starts and stops it, routes get it by Depends(relay)."""

    def __init__(
        self,
        settings: Settings,
        *,
        live_timing: LiveTiming = LiveTiming(),
        stall_s: float = 60.0,
        watch_lease_s: float = WATCH_LEASE_S,
        reauth_s: float = REAUTH_S,
        cleanup_every_s: float = 3600.0,
        timelapse_max_frames: int = MAX_FRAMES,
        timelapse_fourccs: tuple[str, ...] = CODECS,
        timelapse_queue: int = TIMELAPSE_QUEUE,
        policy: Policy | None = None,
        assignments_refresh_s: float = 30.0,
        assignments_retry_s: float = 5.0,
    ) -> None:
        self.secret = secret_of(settings)  # refuse to start rather than serve cameras unsigned
        self.settings = settings
        # Who may watch which camera, and which dates of its archive: the registry's users and claims.
        self.policy = policy or policy_for(settings)
        # Which device may send each camera's frames: the same registry, read again now and then.
        self.assignments = CameraAssignments(self.policy.sessions, assignments_refresh_s, assignments_retry_s)
        self._unassigned_seen = False
        self.admissions = Admissions(self.policy.cache_s)  # latest.jpg's memory of the policy's yes-answers
        self.stale_after_s = STALE_AFTER_IDLE_INTERVALS * settings.camera_idle_s
        self.cleanup_every_s = cleanup_every_s
        self.watch_lease_s = watch_lease_s
        self.reauth_s = reauth_s
        self.stats = StreamsStats()
        self.hub = Hub(on_viewers_changed=self._viewers_changed, stall_s=stall_s)
        self.intake = Intake(settings.mqtt_url, settings.streams_client_id, self.stats,
                             deliver=self._deliver, learn=self.hub.learn, assigned=self.assignments.allows,
                             on_unassigned=self._unassigned)
        self.live = LiveMode(self.intake.publish, self.hub.address, self.hub.watching, self.stats, live_timing,
                             instance=self.intake.client_id)
        self.archive = Archive(settings.data_dir / "snapshots", settings.archive_every_s,
                               settings.archive_days, self.stats, zone_of=self.assignments.zone)
        self.timelapses = Timelapses(self.archive, settings.data_dir / "timelapse-cache", self.stats,
                                     max_frames=timelapse_max_frames, fourccs=timelapse_fourccs,
                                     queue=timelapse_queue)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._cleaner: asyncio.Task | None = None
        self._assigner: asyncio.Task | None = None

    def _deliver(self, frame: Frame) -> None:
        frame = self.hub.put(frame)
        self.archive.offer(frame)

    def _unassigned(self) -> None:
        self._unassigned_seen = True  # perhaps a camera just added to the registry: read it again soon

    async def _keep_assignments(self) -> None:
        while True:
            await asyncio.sleep(min(0.5, self.assignments.retry_s))
            if self.assignments.due(self._unassigned_seen):
                self._unassigned_seen = False
                await asyncio.to_thread(self.assignments.refresh)

    def _viewers_changed(self, camera: str) -> None:
        self.stats.viewers.set(self.hub.viewer_count())
        self.live.update(camera)

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        await self.archive.start()
        await asyncio.to_thread(self.assignments.refresh)  # before the first (retained) status is judged
        self.intake.start(self.loop)
        self._cleaner = self.loop.create_task(self._clean_regularly(), name="retention")
        self._assigner = self.loop.create_task(self._keep_assignments(), name="camera-assignments")
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
        tasks = [task for task in (self._cleaner, self._assigner) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.live.stop()  # tells devices "idle" while still connected
        await self.intake.stop()
        await self.archive.stop()
        await self.timelapses.stop()


def relay(request: Request) -> Relay:
    """The running relay, put in the request's state by the app's lifespan."""
    return request.state.relay


RelayDep = Annotated[Relay, Depends(relay)]
