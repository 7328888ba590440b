"""Request bodies capped while they stream in: a declared Content-Length over the cap is refused
before the app runs, and a body without one is cut off at the first byte past it (HTTP 413)."""

from __future__ import annotations

import json
from collections.abc import Mapping

import anyio
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

KB = 1024
MB = 1024 * KB
DRAIN_BYTES = 8 * MB  # a declared body up to this is read and dropped before the 413 ...
DRAIN_S = 10.0  # ... for at most this long: closing on unread bytes resets the connection, and a proxy says 502


def size_text(limit: int) -> str:
    return f"{limit // MB} MB" if limit >= MB else f"{limit // KB} KB"


class BodyTooLarge(HTTPException):
    """Raised by the capped `receive`; the app's handler for HTTPException answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {size_text(limit)}, the most this endpoint accepts")
        self.limit = limit


class BodyLimit:
    """Cap each request's body at `limits[path]`, or `default` for paths not named."""

    def __init__(self, app: ASGIApp, default: int = 64 * KB, limits: Mapping[str, int] | None = None,
                 drain: int = DRAIN_BYTES) -> None:
        self.app = app
        self.default = default
        self.limits = dict(limits or {})
        self.drain = drain

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.default)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            if declared <= self.drain:
                await _discard(receive)
            await _refuse(send, BodyTooLarge(limit))  # before routing, auth or any use of the body
            return
        received = 0
        started = refused = False

        async def capped_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if refused:  # an app that swallowed BodyTooLarge (Dash answers 500): the 413 goes out instead
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await _refuse(send, BodyTooLarge(limit))
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, capped_receive, watched_send)
        except BodyTooLarge as exc:  # an app with no handler for HTTPException: answer here
            if started:
                raise
            await _refuse(send, exc)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            if not (text.isascii() and text.isdigit()):
                return None  # malformed: the HTTP server refuses it
            return int(text) if len(text) < 20 else 10 ** 19  # never parse a 4,000-digit number
    return None


async def _discard(receive: Receive) -> None:
    """Read the rest of a body and keep none of it, so the answer is not lost to a reset connection."""
    with anyio.move_on_after(DRAIN_S):
        while True:
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                return


async def _refuse(send: Send, exc: BodyTooLarge) -> None:
    body = json.dumps({"detail": exc.detail}).encode()
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
