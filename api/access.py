"""Who is asking: the session cookie or an `Authorization: Bearer orl_...` API token, checked by orchard.auth."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.errors import NotFound
from api.services import ServicesDep
from orchard.auth import AuthError
from orchard.auth.policy import Viewer
from orchard.auth.sessions import SESSION_COOKIE
from orchard.registry import people
from orchard.registry.models import User

Row = TypeVar("Row")

_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False,
                       description="the session cookie POST /api/login sets")
_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <API token, orl_...>")


def current_viewer(
    services: ServicesDep,
    cookie: Annotated[str | None, Depends(_cookie)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Viewer:
    """The asker; AuthError (401) when there is neither a valid API token nor a valid session."""
    if bearer is not None:
        return services.policy.from_api_token(bearer.credentials)
    return services.policy.from_session(cookie)


CurrentViewer = Annotated[Viewer, Depends(current_viewer)]


def signed_in_user(session: Session, viewer: Viewer) -> User:
    """The asker's own registry row; AuthError (401) if the account no longer exists or is no person's."""
    user = people.get_user(session, viewer.user_id) if viewer.user_id is not None else None
    if user is None:
        raise AuthError("this account no longer exists; sign in again")
    return user


def visible(row: Row | None, what: str, may_see: Callable[[Row], bool]) -> Row:
    """The row if it exists and the asker may see it; NotFound (404) alike for both refusals."""
    if row is None or not may_see(row):
        raise NotFound(f"no {what}")
    return row
