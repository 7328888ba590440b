"""Who may watch: the camera token from a cookie, an Authorization header or ?token=, checked by orchard.auth."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import APIKeyCookie, APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer

from orchard.auth import CameraGrant, authorize_camera, read_camera_token
from orchard.topics import ID_PATTERN
from streams.errors import NotFound
from streams.service import RelayDep

COOKIE = "orchard_camera"

_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <camera token>")
_query = APIKeyQuery(name="token", auto_error=False, description="?token=<camera token>, for <img src>")
_cookie = APIKeyCookie(name=COOKIE, auto_error=False, description="the dashboard's camera cookie")


async def camera_grant(
    relay: RelayDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    query: Annotated[str | None, Depends(_query)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> CameraGrant:
    """The caller's grant; AuthError (401) when the token is missing, forged or expired."""
    token = bearer.credentials if bearer is not None else (query or cookie)
    return read_camera_token(relay.secret, token)


Grant = Annotated[CameraGrant, Depends(camera_grant)]


async def allowed_camera(camera: str, grant: Grant) -> str:
    """The camera in the path, once the caller's grant covers it (Forbidden, 403, otherwise)."""
    authorize_camera(grant, camera)
    if not ID_PATTERN.fullmatch(camera):
        raise NotFound(f"no camera {camera[:80]!r}")
    return camera


Camera = Annotated[str, Depends(allowed_camera)]
