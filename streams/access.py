"""Who is watching: a camera token, an API token or a session cookie, judged by orchard.auth's policy.

A token comes from `Authorization: Bearer`, `?token=` (for <img src>; short camera
tokens only, as URLs get logged) or the `orchard_camera` cookie; without one, the
dashboard's `orchard_session` cookie is used. The policy answers from the registry (users, farms, claims and their dates).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated

import jwt
from fastapi import Depends
from fastapi.security import APIKeyCookie, APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer

from orchard.auth import AuthError, Forbidden
from orchard.auth.policy import Viewer
from orchard.auth.sessions import SESSION_COOKIE
from orchard.registry.access import Window
from orchard.topics import ID_PATTERN
from streams.errors import NotFound
from streams.service import RelayDep

COOKIE = "orchard_camera"
API_TOKEN_PREFIX = "orl_"
MAX_URL_TOKEN_S = 86400  # camera tokens from the API live at most an hour; `orchard camera-token` can mint longer

_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <camera token or API token>")
_query = APIKeyQuery(name="token", auto_error=False, description="?token=<camera token>, for <img src>")
_cookie = APIKeyCookie(name=COOKIE, auto_error=False, description="a camera token in a cookie")
_session = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="the dashboard's login session")


async def ask(viewer: Viewer | None, func, *args):
    """Run a policy question; those that may touch the registry run off the event loop."""
    if viewer is not None and viewer.user_id is None:
        return func(*args)  # an operator's camera token: answered from the token alone
    return await asyncio.to_thread(func, *args)


@dataclass(frozen=True)
class Caller:
    """Who asks, and what they presented: enough to ask the policy again while a stream stays open."""

    viewer: Viewer
    kind: str  # "api", "camera" or "session"
    credential: str
    expires_at: float | None  # epoch seconds of the credential's own expiry, when it carries one

    @property
    def who(self) -> tuple[str, object]:
        """One key per person (a user, whatever they present), or per operator token: for fair shares."""
        if self.viewer.user_id is not None:
            return ("user", self.viewer.user_id)
        return ("token", hashlib.sha256(self.credential.encode()).hexdigest())


async def identify(relay, kind: str, credential: str) -> Viewer:
    """The viewer a credential stands for now; AuthError when it no longer holds."""
    policy = relay.policy
    if kind == "api":
        return await asyncio.to_thread(policy.from_api_token, credential)
    if kind == "camera":
        return await ask(None, policy.from_camera_token, credential)
    return await asyncio.to_thread(policy.from_session, credential)


def _claims(credential: str) -> dict:
    """A signed token's claims, read after the policy verified its signature ({} if it has none)."""
    try:
        return jwt.decode(credential, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return {}


def _expiry(claims: dict) -> float | None:
    exp = claims.get("exp")
    return float(exp) if isinstance(exp, int | float) else None


def _in_url_refused(token: str) -> None:
    """A query string ends up in proxy and browser logs: only a short-lived camera token may travel there."""
    if token.startswith(API_TOKEN_PREFIX):
        raise AuthError("API tokens go in the Authorization: Bearer header, never in a URL")
    claims = _claims(token)
    exp, iat = _expiry(claims), claims.get("iat")
    lifetime = exp - (iat if isinstance(iat, int | float) else time.time()) if exp is not None else None
    if lifetime is not None and lifetime > MAX_URL_TOKEN_S:
        raise AuthError(f"a camera token in a URL may live at most {MAX_URL_TOKEN_S // 3600} h; "
                        "send this one in the Authorization: Bearer header or the orchard_camera cookie")


async def current_caller(
    relay: RelayDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    query: Annotated[str | None, Depends(_query)],
    cookie: Annotated[str | None, Depends(_cookie)],
    session: Annotated[str | None, Depends(_session)],
) -> Caller:
    """Who asks; AuthError (401) when nothing valid was presented."""
    token = bearer.credentials if bearer is not None else (query or cookie)
    if token and bearer is None and query:
        _in_url_refused(token)
    if token:
        kind, credential = ("api" if token.startswith(API_TOKEN_PREFIX) else "camera"), token
    elif session:
        kind, credential = "session", session
    else:
        raise AuthError("log in, or bring a camera token (cookie, Authorization: Bearer, or ?token=)")
    viewer = await identify(relay, kind, credential)
    return Caller(viewer, kind, credential, None if kind == "api" else _expiry(_claims(credential)))


CurrentCaller = Annotated[Caller, Depends(current_caller)]


async def current_viewer(caller: CurrentCaller) -> Viewer:
    return caller.viewer


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


async def revoked(relay, caller: Caller, camera: str, every_s: float) -> None:
    """Return once `caller` may no longer watch `camera`: asked again every `every_s` and at the credential's expiry."""
    while True:
        wait = every_s
        if caller.expires_at is not None:  # just past exp, as the token's own check counts it
            wait = max(0.05, min(every_s, caller.expires_at - time.time() + 0.05))
        await asyncio.sleep(wait)
        try:
            viewer = await identify(relay, caller.kind, caller.credential)
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
    return int(moment.replace(tzinfo=moment.tzinfo or timezone.utc).timestamp() * 1000)

