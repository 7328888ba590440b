"""MJPEG over HTTP: `multipart/x-mixed-replace`, one part per frame, the device's bytes untouched.

Each part is followed at once by the next boundary, so a browser shows a frame as soon
as it has it instead of waiting for the next one to begin. Chromium (and the WebViews
built on it, WeChat's among them) still paints a part only once the next part begins,
so the first frame is sent twice: a viewer of a silent camera sees its last frame, not
a black box.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import aclosing

import anyio
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from streams.hub import Frame, FrameSlot, Hub
from streams.server import ABORT

# MJPEGResponse replaces StreamingResponse.__call__ and uses its body_iterator, raw_headers and
# listen_for_disconnect: pinned in pyproject.toml, checked by tests/streams/test_framework_internals.py.
TESTED_STARLETTE = ("1.10",)
BOUNDARY = "orchard-frame"
MEDIA_TYPE = f"multipart/x-mixed-replace; boundary={BOUNDARY}"
OPENING = f"--{BOUNDARY}\r\n".encode()
AFTER_PART = f"\r\n--{BOUNDARY}\r\n".encode()
END_GRACE_S = 2.0  # a stream whose access ended gets this long to take its last part, then is cut


def part_head(frame: Frame) -> bytes:
    return (f"Content-Type: image/jpeg\r\nContent-Length: {len(frame.jpeg)}\r\n"
            f"X-Frame-Time: {frame.arrived_at:.3f}\r\n\r\n").encode()


class FrameStream:
    """The stream's body: the camera's current frame at once if it has one, then each newer one, until ended."""

    def __init__(self, hub: Hub, camera: str, on_sent: Callable[[], None]) -> None:
        self.hub, self.camera, self.on_sent = hub, camera, on_sent
        self.slot: FrameSlot | None = None
        self.ended = False

    def end(self) -> None:
        """Finish after the part being sent (the viewer lost access, or the relay stops)."""
        self.ended = True
        if self.slot is not None:
            self.slot.close()

    async def parts(self) -> AsyncIterator[bytes]:
        with self.hub.open_slot(self.camera) as slot:
            self.slot = slot
            if self.ended:
                slot.close()
            yield OPENING
            seq = 0
            first = True
            while (frame := await slot.next_after(seq)) is not None:
                seq = frame.seq
                slot.sending()
                for _ in range(2 if first else 1):
                    yield part_head(frame)
                    yield frame.jpeg
                    yield AFTER_PART
                first = False
                slot.sent()
                self.on_sent()


class MJPEGResponse(StreamingResponse):
    """A stream that ends when the client leaves, even while no frame is coming, or when `until` returns.

    Starlette watches for the disconnect only on older ASGI servers and otherwise
    notices a departed client at the next write; a camera may send nothing for
    minutes, so this response always watches. `until` (access revoked) ends the
    stream after the part in flight; a client that does not take it within
    `END_GRACE_S` is cut off.
    """

    media_type = MEDIA_TYPE

    def __init__(self, stream: FrameStream, until: Callable[[], Awaitable[None]] | None = None,
                 headers: Mapping[str, str] | None = None, status_code: int = 200) -> None:
        # FastAPI's OpenAPI reads the default status from this signature.
        super().__init__(stream.parts(), status_code=status_code, headers=headers)
        self.stream = stream
        self.until = until

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with anyio.create_task_group() as group:
            async def pump() -> None:
                try:
                    await self._pump(send)
                except OSError:
                    pass  # the client went away mid-write
                group.cancel_scope.cancel()

            async def guard(until: Callable[[], Awaitable[None]]) -> None:
                await until()
                self.stream.end()
                await anyio.sleep(END_GRACE_S)
                abort = scope.get("extensions", {}).get(ABORT)
                if abort is not None:
                    abort()  # the server then reports the client gone, and the pump ends quietly
                else:
                    group.cancel_scope.cancel()

            group.start_soon(pump)
            if self.until is not None:
                group.start_soon(guard, self.until)
            await self.listen_for_disconnect(receive)
            group.cancel_scope.cancel()
    async def _pump(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        # aclosing: the viewer's slot is released the moment the stream ends, not when GC gets to it.
        async with aclosing(self.body_iterator) as chunks:  # type: ignore[type-var]  # an async generator
            async for chunk in chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
