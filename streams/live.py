"""Demand-driven live mode: a camera streams only while someone watches it.

When a camera gets its first viewer, its device is told on `orchard/{farm}/{device}/cmd`:

    {"camera": "<cam>", "mode": "live", "ttl_s": 30, "fps": 2, "relay": "<this relay>"}

and told again every `renew_s` while anyone watches; the device falls back to idle
snapshots by itself when `ttl_s` passes without a renewal (so a relay that dies never
leaves a camera live). `grace_s` after the last viewer leaves, the relay sends

    {"camera": "<cam>", "mode": "idle", "relay": "<this relay>"}

so a page reload does not flap the camera. Several relays may serve one camera (viewers
behind one proxy land on different instances); each keeps its own viewers and names itself
in its commands, and the device stays live while any relay renews: one relay's "idle" ends
only its own lease (devices/camera_unit.py). Nothing is shared between relays. A device is known from its camera's
frames (or a retained status listing its cameras); until then there is no topic to
send to, and the live command goes out as soon as the camera's first frame arrives.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from orchard import topics
from streams.stats import StreamsStats

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveTiming:
    ttl_s: float = 30.0  # how long the device stays live without hearing from us
    renew_s: float = 10.0  # how often we say "still live" while someone watches
    grace_s: float = 5.0  # how long after the last viewer before we say "idle"
    fps: float = 2.0  # frames per second asked of the device while live


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


class LiveMode:
    def __init__(
        self,
        publish: Callable[[str, bytes], None],
        address: Callable[[str], tuple[str, str] | None],
        watching: Callable[[str], int],
        stats: StreamsStats,
        timing: LiveTiming = LiveTiming(),
        instance: str = "",
    ) -> None:
        self.instance = instance  # this relay's name in its commands; empty: say nothing
        self._publish = publish
        self._address = address
        self._watching = watching
        self.stats = stats
        self.timing = timing
        self._tasks: dict[str, asyncio.Task] = {}
        self._wake: dict[str, asyncio.Event] = {}
        self._stopped = False

    def update(self, camera: str) -> None:
        """Something changed for `camera` (a viewer came, left or resumed; its device became known)."""
        wake = self._wake.get(camera)
        if wake is not None:
            wake.set()
        elif self._watching(camera) and not self._stopped:
            self._wake[camera] = asyncio.Event()
            self._tasks[camera] = asyncio.get_running_loop().create_task(self._keep_live(camera),
                                                                         name=f"live:{camera}")

    def mode(self, camera: str) -> str:
        return "live" if camera in self._tasks else "idle"

    async def _keep_live(self, camera: str) -> None:
        """Live commands for one camera from its first viewer until `grace_s` after its last."""
        timing, wake = self.timing, self._wake[camera]
        sent_to: tuple[str, str] | None = None
        sent_at = 0.0
        unwatched_since: float | None = None
        try:
            while True:
                now = time.monotonic()
                if self._watching(camera):
                    unwatched_since = None
                    address = self._address(camera)
                    if address is not None and (address != sent_to or now - sent_at >= timing.renew_s):
                        if sent_to is not None and address != sent_to:
                            self._send(sent_to, camera, "idle")  # the camera moved to another device
                        self._send(address, camera, "live")
                        sent_to, sent_at = address, now
                    timeout = sent_at + timing.renew_s - now if sent_to is not None else None
                else:
                    if unwatched_since is None:
                        unwatched_since = now
                    if now - unwatched_since >= timing.grace_s:
                        return
                    timeout = unwatched_since + timing.grace_s - now
                wake.clear()
                try:
                    await asyncio.wait_for(wake.wait(), timeout)
                except TimeoutError:
                    pass
        finally:
            del self._tasks[camera], self._wake[camera]
            if sent_to is not None:
                self._send(sent_to, camera, "idle")

    def _send(self, address: tuple[str, str], camera: str, mode: str) -> None:
        command: dict[str, object] = {"camera": camera, "mode": mode}
        if mode == "live":
            command.update(ttl_s=_number(self.timing.ttl_s), fps=_number(self.timing.fps))
        if self.instance:
            command["relay"] = self.instance
        farm, device = address
        self._publish(topics.command(farm, device), orjson.dumps(command))
        self.stats.commands.labels(mode).inc()
        log.debug("camera %s on %s/%s: %s", camera, farm, device, mode)

    async def stop(self) -> None:
        """Send idle for every live camera (the devices would time out anyway) and end the tasks."""
        self._stopped = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
