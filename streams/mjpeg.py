"""MJPEG over HTTP: `multipart/x-mixed-replace`, one part per frame, the device's bytes untouched.

Each part is followed at once by the next boundary, so a browser shows a frame as soon
as it has it instead of waiting for the next one to begin. Chromium (and the WebViews
built on it, WeChat's among them) still paints a part only once the next part begins,
so the first frame is sent twice: a viewer of a silent camera sees its last frame, not
a black box.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import aclosing

import anyio
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from streams.hub import Frame, Hub

BOUNDARY = "orchard-frame"
MEDIA_TYPE = f"multipart/x-mixed-replace; boundary={BOUNDARY}"
OPENING = f"--{BOUNDARY}\r\n".encode()
AFTER_PART = f"\r\n--{BOUNDARY}\r\n".encode()


def part_head(frame: Frame) -> bytes:
    return (f"Content-Type: image/jpeg\r\nContent-Length: {len(frame.jpeg)}\r\n"
            f"X-Frame-Time: {frame.arrived_at:.3f}\r\n\r\n").encode()


async def frames(hub: Hub, camera: str, on_sent: Callable[[], None]) -> AsyncIterator[bytes]:
    """The stream's body: the camera's current frame at once if it has one, then each newer one."""
    with hub.viewer(camera) as viewer:
        yield OPENING
        seq = 0
        first = True
        while (frame := await viewer.next_after(seq)) is not None:
            seq = frame.seq
            viewer.sending()
            for _ in range(2 if first else 1):
                yield part_head(frame)
                yield frame.jpeg
                yield AFTER_PART
            first = False
            viewer.sent()
            on_sent()


class MJPEGResponse(StreamingResponse):
    """A stream that ends when the client leaves, even while no frame is coming.

    Starlette watches for the disconnect only on older ASGI servers and otherwise
    notices a departed client at the next write; a camera may send nothing for
    minutes, so this response always watches.
    """

    media_type = MEDIA_TYPE

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with anyio.create_task_group() as group:
            async def pump() -> None:
                try:
                    await self._pump(send)
                except OSError:
                    pass  # the client went away mid-write
                group.cancel_scope.cancel()

            group.start_soon(pump)
            await self.listen_for_disconnect(receive)
            group.cancel_scope.cancel()

    async def _pump(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        # aclosing: the viewer's slot is released the moment the stream ends, not when GC gets to it.
        async with aclosing(self.body_iterator) as chunks:  # type: ignore[type-var]  # an async generator
            async for chunk in chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
