"""The frame hub: the latest frame of each camera, and a latest-frame slot per viewer.

A new frame replaces the camera's latest and is offered to every viewer's slot; a
viewer still busy sending an older frame simply finds the newest one when it is
ready and skips what it missed. Nothing is queued per viewer, so a slow phone costs
one frame reference, never the intake's or other viewers' time.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Frame:
    """A validated JPEG exactly as the device published it."""

    camera: str
    farm: str
    device: str
    jpeg: bytes
    arrived_at: float  # epoch seconds, when the broker delivered it
    etag: str
    width: int
    height: int
    seq: int = 0  # set by the hub; larger is newer


class FrameSlot:
    """One open stream's slot: the newest frame it has not sent yet, and whether it is stuck sending."""

    __slots__ = ("camera", "frame", "closed", "sending_since", "_ready", "_on_resume", "_stall_s")

    def __init__(self, camera: str, frame: Frame | None, stall_s: float, on_resume: Callable[[], None]) -> None:
        self.camera = camera
        self.frame = frame
        self.closed = False
        self.sending_since: float | None = None
        self._ready = asyncio.Event()
        self._stall_s = stall_s
        self._on_resume = on_resume

    def offer(self, frame: Frame) -> None:
        self.frame = frame
        self._ready.set()

    def close(self) -> None:
        self.closed = True
        self._ready.set()

    async def next_after(self, seq: int) -> Frame | None:
        """The newest frame with a sequence number above `seq`, waiting for one; None once closed."""
        while not self.closed:
            frame = self.frame
            if frame is not None and frame.seq > seq:
                return frame
            self._ready.clear()
            await self._ready.wait()
        return None

    def sending(self) -> None:
        self.sending_since = time.monotonic()

    def sent(self) -> None:
        was_stalled = self.stalled()
        self.sending_since = None
        if was_stalled:
            self._on_resume()

    def stalled(self, now: float | None = None) -> bool:
        """True while one frame has taken longer than the stall limit to send (a backgrounded phone)."""
        since = self.sending_since
        return since is not None and (time.monotonic() if now is None else now) - since > self._stall_s


class Hub:
    def __init__(self, on_viewers_changed: Callable[[str], None] = lambda camera: None,
                 stall_s: float = 60.0) -> None:
        self._latest: dict[str, Frame] = {}
        self._addresses: dict[str, tuple[str, str]] = {}
        self._slots: dict[str, set[FrameSlot]] = {}
        self._leases: dict[str, float] = {}  # camera -> monotonic end of the last polling page's lease
        self._seq = itertools.count(1)
        self._changed = on_viewers_changed
        self._stall_s = stall_s
        self._closed = False

    def put(self, frame: Frame) -> Frame:
        """Make `frame` its camera's latest and offer it to the camera's viewers."""
        frame = replace(frame, seq=next(self._seq))
        self._latest[frame.camera] = frame
        self.learn(frame.camera, frame.farm, frame.device)
        for slot in self._slots.get(frame.camera, ()):
            slot.offer(frame)
        return frame

    def learn(self, camera: str, farm: str, device: str) -> bool:
        """Record which device a camera hangs on; True if that is news (so commands can now reach it)."""
        address = (farm, device)
        if self._addresses.get(camera) == address:
            return False
        self._addresses[camera] = address
        self._changed(camera)
        return True

    def latest(self, camera: str) -> Frame | None:
        return self._latest.get(camera)

    def address(self, camera: str) -> tuple[str, str] | None:
        """(farm, device) of a camera, once a frame or a status message has named it."""
        return self._addresses.get(camera)

    def cameras(self) -> list[str]:
        return sorted(self._addresses)

    @contextmanager
    def open_slot(self, camera: str) -> Iterator[FrameSlot]:
        """A slot that receives the camera's frames while the block runs, starting with the latest."""
        slot = FrameSlot(camera, self._latest.get(camera), self._stall_s, lambda: self._changed(camera))
        if self._closed:
            slot.close()
        self._slots.setdefault(camera, set()).add(slot)
        self._changed(camera)
        try:
            yield slot
        finally:
            slots = self._slots[camera]
            slots.discard(slot)
            if not slots:
                del self._slots[camera]
            self._changed(camera)

    def lease(self, camera: str, seconds: float) -> None:
        """Count a page polling latest.jpg?watch=1 as one viewer of `camera` for `seconds` more."""
        if self._closed:
            return
        now = time.monotonic()
        previous = self._leases.get(camera)
        self._leases[camera] = now + seconds
        if previous is None:  # no timer runs for this camera yet
            asyncio.get_running_loop().call_later(seconds, self._lease_check, camera)
        if previous is None or previous <= now:
            self._changed(camera)

    def _lease_check(self, camera: str) -> None:
        until = self._leases.get(camera)
        if until is None:
            return
        left = until - time.monotonic()
        if left > 0:  # renewed meanwhile: look again when the renewal runs out
            asyncio.get_running_loop().call_later(left, self._lease_check, camera)
            return
        del self._leases[camera]
        self._changed(camera)

    def watching(self, camera: str) -> int:
        """Viewers of a camera that are really receiving (stalled ones do not keep a camera live)."""
        now = time.monotonic()
        polling = 1 if self._leases.get(camera, 0.0) > now else 0
        return polling + sum(1 for slot in self._slots.get(camera, ()) if not slot.stalled(now))

    def viewer_count(self, camera: str | None = None) -> int:
        if camera is not None:
            return len(self._slots.get(camera, ()))
        return sum(map(len, self._slots.values()))

    def close(self) -> None:
        """End every stream (at shutdown) and any opened later."""
        self._closed = True
        self._leases.clear()
        for slots in self._slots.values():
            for slot in slots:
                slot.close()
