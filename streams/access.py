"""Who is watching, as FastAPI dependencies: the credential presented (streams.credentials), then the policy.

The policy answers from the registry (users, farms, claims and their dates).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends
from fastapi.security import APIKeyCookie, APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer

from orchard.auth import AuthError, Forbidden
from orchard.auth.policy import Viewer
from orchard.auth.sessions import SESSION_COOKIE
from orchard.errors import NotFound
from orchard.registry.access import Window
from orchard.topics import ID_PATTERN
from streams.credentials import COOKIE, Caller, ask, identify, identify_caller, presented
from streams.service import RelayDep

_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <camera token or API token>")
_query = APIKeyQuery(name="token", auto_error=False, description="?token=<camera token>, for <img src>")
_cookie = APIKeyCookie(name=COOKIE, auto_error=False, description="a camera token in a cookie")
_session = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="the dashboard's login session")


async def current_caller(
    relay: RelayDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    query: Annotated[str | None, Depends(_query)],
    cookie: Annotated[str | None, Depends(_cookie)],
    session: Annotated[str | None, Depends(_session)],
) -> Caller:
    """Who asks; AuthError (401) when nothing valid was presented."""
    what = presented(bearer.credentials if bearer else None, query, cookie, session)
    return await identify_caller(relay.policy, what)


CurrentCaller = Annotated[Caller, Depends(current_caller)]


async def current_viewer(caller: CurrentCaller) -> Viewer:
    return caller.viewer


CurrentViewer = Annotated[Viewer, Depends(current_viewer)]


async def archive_camera(camera: str, viewer: CurrentViewer, relay: RelayDep) -> str:
    """The camera in the path, for its archive: share links' archive-only tokens too."""
    if not await ask(viewer, relay.policy.may_see_archive, viewer, camera):
        raise Forbidden(f"camera {camera[:80]!r} is not yours to watch")
    if not ID_PATTERN.fullmatch(camera):
        raise NotFound(f"no camera {camera[:80]!r}")
    return camera


async def allowed_camera(camera: Annotated[str, Depends(archive_camera)], viewer: CurrentViewer) -> str:
    """The camera in the path, once the policy lets the viewer watch it live (Forbidden, 403, otherwise)."""
    if viewer.archive is not None:
        raise Forbidden("a share link shows its season's archive, never the live camera")
    return camera


Camera = Annotated[str, Depends(allowed_camera)]
ArchiveCamera = Annotated[str, Depends(archive_camera)]


async def archive_windows(camera: str, viewer: CurrentViewer, relay: RelayDep) -> list[tuple[int, int]]:
    """The spans [start_ms, end_ms) of a camera's archive the viewer may see (a customer: claim dates)."""
    windows: list[Window] = await ask(viewer, relay.policy.camera_windows, viewer, camera)
    return [(_ms(w.start), _ms(w.end)) for w in windows]


Windows = Annotated[list[tuple[int, int]], Depends(archive_windows)]


async def revoked(relay, caller: Caller, camera: str, every_s: float) -> None:
    """Return once `caller` may no longer watch `camera`: asked again every `every_s` and at the credential's expiry."""
    while True:
        wait = every_s
        if caller.expires_at is not None:  # just past exp, as the token's own check counts it
            wait = max(0.05, min(every_s, caller.expires_at - time.time() + 0.05))
        await asyncio.sleep(wait)
        try:
            viewer = await identify(relay.policy, caller.kind, caller.credential)
            if await ask(viewer, relay.policy.may_watch, viewer, camera):
                continue
        except AuthError:
            pass
        return


def clip(start_ms: int, end_ms: int, windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of the archive's range [start_ms, end_ms] (both included) inside the windows, oldest first."""
    parts = [(max(start_ms, a), min(end_ms, b - 1)) for a, b in sorted(windows)]
    return [(a, b) for a, b in parts if a <= b]


def _ms(moment: datetime) -> int:
    return int(moment.replace(tzinfo=moment.tzinfo or UTC).timestamp() * 1000)

