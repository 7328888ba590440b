"""Who is asking (the session cookie or an `Authorization: Bearer orl_...` API token, checked by
orchard.auth), and the one way a route loads a row that asker may see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.services import ServicesDep
from orchard.auth.policy import Policy, Viewer
from orchard.auth.sessions import SESSION_COOKIE
from orchard.errors import NotFound, Unauthenticated
from orchard.registry import people
from orchard.registry.alerting import AlertIncident
from orchard.registry.models import ApiToken, Camera, Claim, Device, Farm, Plot, Tree, User

Row = TypeVar("Row")

# What a row is called in a 404, and the policy's question whether the asker may see it.
_SEEN: dict[type, tuple[str, Callable[[Policy, Viewer, Any], bool]]] = {
    Farm: ("farm", lambda policy, viewer, farm: policy.sees_farm(viewer, farm.id)),
    Plot: ("plot", lambda policy, viewer, plot: policy.sees_farm(viewer, plot.farm_id)),
    Tree: ("tree", lambda policy, viewer, tree: policy.sees_tree(viewer, tree.id)),
    Device: ("device", lambda policy, viewer, device: policy.sees_farm(viewer, device.farm_id)),
    Camera: ("camera", lambda policy, viewer, camera: policy.may_watch(viewer, camera.id)),
    Claim: ("claim", lambda policy, viewer, claim: policy.sees_claim(viewer, claim.user_id, claim.tree.farm_id)),
    User: ("user", lambda policy, viewer, user: policy.sees_user(viewer, user.id)),
    ApiToken: ("API token", lambda policy, viewer, token: policy.owns(viewer, token.user_id)),
    AlertIncident: ("alert", lambda policy, viewer, incident: policy.sees_farm(viewer, incident.farm_id)),
}

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
    """The asker's own registry row; Unauthenticated (401) if the account no longer exists."""
    user = people.get_user(session, viewer.user_id) if viewer.user_id is not None else None
    if user is None:
        raise Unauthenticated("this account no longer exists; sign in again")
    return user


def load(session: Session, model: type[Row], key: object, viewer: Viewer, policy: Policy) -> Row:
    """The row of `model` with primary key `key` if it exists and the asker may see it; NotFound alike for both."""
    what, may_see = _SEEN[model]
    row = session.get(model, key)
    if row is None or not may_see(policy, viewer, row):
        raise NotFound(f"no {what} {key!r}")
    return row
