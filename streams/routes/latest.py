"""`GET /cameras/{cam}/latest.jpg`: the hot path (phones poll it), a plain ASGI route.

Phones in WebKit poll this instead of MJPEG, and a camera wall asks for every camera
at once, so it skips FastAPI's dependency injection: the credential is read from the
raw headers, a recent yes from the policy is remembered (`Admissions`), and each
frame's headers are built once. `?watch=1` makes the request count as a viewer for
a lease (see streams/README.md). Any origin may fetch() it: the token is in the URL.
"""

from __future__ import annotations

import re
import time
from email.utils import formatdate
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from orchard.auth import Forbidden
from orchard.auth.sessions import SESSION_COOKIE
from orchard.errors import NotFound
from orchard.topics import ID_PATTERN
from streams.credentials import COOKIE, Presented, ask, identify, presented, refuse_in_url
from streams.headers import SECURITY_HEADERS
from streams.hub import Frame
from streams.service import Relay

CROSS_ORIGIN_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, X-Frame-Age, X-Frame-Stale",
}
CROSS_ORIGIN = [(name.lower().encode(), value.encode()) for name, value in CROSS_ORIGIN_HEADERS.items()]
LATEST_PATH = re.compile(r"/cameras/([^/]+)/latest\.jpg")
PREFLIGHT = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"GET"),
    (b"access-control-allow-headers", b"If-None-Match, Authorization"),
    (b"access-control-max-age", b"600"),
]


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    tags = {tag.strip().removeprefix(b"W/").strip(b'"') for tag in if_none_match.split(b",")}
    return etag in tags or b"*" in tags


class LatestFrame:
    """The ASGI endpoint."""

    def __init__(self, relay: Relay) -> None:
        self.relay = relay
        self._headers: dict[str, tuple[int, list[tuple[bytes, bytes]], bytes]] = {}  # camera -> (seq, headers, etag)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] == "OPTIONS":  # a browser's CORS preflight: no token needed to ask
            await send({"type": "http.response.start", "status": 204, "headers": PREFLIGHT})
            await send({"type": "http.response.body", "body": b""})
            return
        # A refusal raises: the shared handler answers it (with CORS headers on this path, see app.py).
        await self.send_frame(scope, await self.frame_for(scope), send)

    async def frame_for(self, scope: Scope) -> Frame:
        """The frame this request may have (leasing the camera for `watch=1`); raises a DomainError if none."""
        camera = scope["path_params"]["camera"]
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"))) if scope["query_string"] else {}
        await self._admit(self._presented(scope, query), camera)
        if query.get("watch") in ("1", "true", "yes", "on"):
            self.relay.hub.lease(camera, self.relay.watch_lease_s)
        frame = self.relay.hub.latest(camera)
        if frame is None:
            raise NotFound(f"camera {camera!r} has not sent a frame since the relay started")
        return frame

    async def send_frame(self, scope: Scope, frame: Frame, send: Send,
                         extra: list[tuple[bytes, bytes]] | None = None) -> None:
        """200 with the frame, or 304 if the caller has it (If-None-Match)."""
        if_none_match = None
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                if_none_match = value
        headers, etag = self._frame_headers(frame)
        age = max(0.0, time.time() - frame.arrived_at)
        headers = [*headers, *(extra or ()), (b"x-frame-age", b"%.1f" % age)]
        if age > self.relay.stale_after_s:
            headers.append((b"x-frame-stale", b"1"))
        if if_none_match is not None and _matches(if_none_match, etag):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        self.relay.stats.sent.inc()
        headers += [(b"content-type", b"image/jpeg"), (b"content-length", b"%d" % len(frame.jpeg))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": frame.jpeg})

    @staticmethod
    def _presented(scope: Scope, query: dict[str, str]) -> Presented:
        bearer = cookies = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, credentials = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and credentials.strip():
                    bearer = credentials.strip()
            elif name == b"cookie":
                cookies = SimpleCookie(value.decode("latin-1"))
        cookie = cookies[COOKIE].value if cookies and COOKIE in cookies else None
        session = cookies[SESSION_COOKIE].value if cookies and SESSION_COOKIE in cookies else None
        return presented(bearer, query.get("token"), cookie, session, check_url=False)

    async def _admit(self, what: Presented, camera: str) -> None:
        """Return if `what` may watch `camera` (remembered yes-answers first); AuthError or NotFound otherwise."""
        admissions = self.relay.admissions
        if admissions.admitted(what, camera):
            return
        if what.in_url:
            refuse_in_url(what.credential)
        policy = self.relay.policy
        viewer = await identify(policy, what.kind, what.credential)
        if not await ask(viewer, policy.may_watch, viewer, camera):
            raise Forbidden(f"camera {camera[:80]!r} is not yours to watch")
        if not ID_PATTERN.fullmatch(camera):
            raise NotFound(f"no camera {camera[:80]!r}")
        admissions.remember(what, camera)

    def _frame_headers(self, frame: Frame) -> tuple[list[tuple[bytes, bytes]], bytes]:
        """The headers that stay the same for as long as `frame` is the camera's latest, built once."""
        known = self._headers.get(frame.camera)
        if known is not None and known[0] == frame.seq:
            return known[1], known[2]
        etag = frame.etag.encode()
        headers = [(b"etag", b'"%s"' % etag),
                   (b"last-modified", formatdate(frame.arrived_at, usegmt=True).encode()),
                   (b"cache-control", b"no-store"), *CROSS_ORIGIN]
        self._headers[frame.camera] = (frame.seq, headers, etag)
        return headers, etag


class HotPath:
    """Middleware just inside the shared error guard: a latest.jpg that can be served goes straight out.

    Anything else, a refusal or a bug included, takes the app's ordinary path (the route above,
    the shared error handler, every middleware), which asks again and answers it as always.
    """

    def __init__(self, app: ASGIApp, endpoint: LatestFrame) -> None:
        self.app = app
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            matched = LATEST_PATH.fullmatch(scope["path"])
            if matched is not None:
                direct = {**scope, "path_params": {"camera": matched[1]}}
                try:
                    frame = await self.endpoint.frame_for(direct)
                except Exception:  # noqa: BLE001 - answered below by the ordinary path, which raises it again
                    frame = None
                if frame is not None:
                    await self.endpoint.send_frame(direct, frame, send, SECURITY_HEADERS)
                    return
        await self.app(scope, receive, send)
