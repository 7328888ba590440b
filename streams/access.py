"""Who is watching: a camera token, an API token or a session cookie, judged by orchard.auth's policy.

A token comes from `Authorization: Bearer`, `?token=` (for <img src>) or the
`orchard_camera` cookie; without one, the dashboard's `orchard_session` cookie is
used. The policy answers from the registry (users, farms, claims and their dates).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends
from fastapi.security import APIKeyCookie, APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer

from orchard.auth import API_TOKEN_PREFIX, AuthError, Forbidden
from orchard.auth.policy import Viewer
from orchard.auth.sessions import SESSION_COOKIE
from orchard.errors import NotFound
from orchard.registry.access import Window
from orchard.topics import ID_PATTERN
from streams.service import RelayDep

COOKIE = "orchard_camera"

_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <camera token or API token>")
_query = APIKeyQuery(name="token", auto_error=False, description="?token=<camera token>, for <img src>")
_cookie = APIKeyCookie(name=COOKIE, auto_error=False, description="a camera token in a cookie")
_session = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="the dashboard's login session")


async def ask(viewer: Viewer | None, func, *args):
    """Run a policy question; those that may touch the registry run off the event loop."""
    if viewer is not None and viewer.user_id is None:
        return func(*args)  # an operator's camera token: answered from the token alone
    return await asyncio.to_thread(func, *args)


async def current_viewer(
    relay: RelayDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    query: Annotated[str | None, Depends(_query)],
    cookie: Annotated[str | None, Depends(_cookie)],
    session: Annotated[str | None, Depends(_session)],
) -> Viewer:
    """Who asks; AuthError (401) when nothing valid was presented."""
    policy = relay.policy
    token = bearer.credentials if bearer is not None else (query or cookie)
    if token and token.startswith(API_TOKEN_PREFIX):
        return await asyncio.to_thread(policy.from_api_token, token)
    if token:
        return await ask(None, policy.from_camera_token, token)
    if session:
        return await asyncio.to_thread(policy.from_session, session)
    raise AuthError("log in, or bring a camera token (cookie, Authorization: Bearer, or ?token=)")


CurrentViewer = Annotated[Viewer, Depends(current_viewer)]


async def allowed_camera(camera: str, viewer: CurrentViewer, relay: RelayDep) -> str:
    """The camera in the path, once the policy lets the viewer watch it (Forbidden, 403, otherwise)."""
    if not await ask(viewer, relay.policy.may_watch, viewer, camera):
        raise Forbidden(f"camera {camera[:80]!r} is not yours to watch")
    if not ID_PATTERN.fullmatch(camera):
        raise NotFound(f"no camera {camera[:80]!r}")
    return camera


Camera = Annotated[str, Depends(allowed_camera)]


async def archive_windows(camera: str, viewer: CurrentViewer, relay: RelayDep) -> list[tuple[int, int]]:
    """The spans [start_ms, end_ms) of a camera's archive the viewer may see (a customer: claim dates)."""
    windows: list[Window] = await ask(viewer, relay.policy.camera_windows, viewer, camera)
    return [(_ms(w.start), _ms(w.end)) for w in windows]


Windows = Annotated[list[tuple[int, int]], Depends(archive_windows)]


def clip(start_ms: int, end_ms: int, windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of the archive's range [start_ms, end_ms] (both included) inside the windows, oldest first."""
    parts = [(max(start_ms, a), min(end_ms, b - 1)) for a, b in sorted(windows)]
    return [(a, b) for a, b in parts if a <= b]


def _ms(moment: datetime) -> int:
    return int(moment.replace(tzinfo=moment.tzinfo or UTC).timestamp() * 1000)

