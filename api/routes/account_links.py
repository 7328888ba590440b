"""Invitation and password-reset links: staff make them for people they manage; the link's holder sets a password.

No e-mail: the link is in the answer, for whoever asked to pass it on.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.access import CurrentViewer, load
from api.fields import Int64
from api.services import ServicesDep
from api.times import UTCTime
from orchard.auth.account_links import set_password_with_link
from orchard.errors import Forbidden
from orchard.public_links import account_path, public_link
from orchard.registry.invitations import PASSWORD_MAX, PASSWORD_MIN, LinkPurpose, issue_link
from orchard.registry.models import Role, User

router = APIRouter(tags=["users"])


class PasswordLinkOut(BaseModel):
    purpose: LinkPurpose = Field(description="invite: the account has no password yet; reset: it has one")
    url: str = Field(description="on ORCHARD_PUBLIC_URL; a path when that is not set")
    expires_at: UTCTime


class PasswordWithLink(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=200, description="the last part of the link")
    purpose: LinkPurpose
    password: str = Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)


@router.post("/users/{user_id}/password-link", status_code=201)
def make_password_link(user_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> PasswordLinkOut:
    """A single-use link that sets the user's password: an invitation if they have none, else a reset.

    Admins, for anyone; farmers, for the customers of their farms' trees.
    """
    with services.writing() as session:
        user = load(session, User, user_id, viewer, services.policy)
        if viewer.role != Role.ADMIN and not (viewer.role == Role.FARMER and user.role == Role.CUSTOMER):
            raise Forbidden("only admins, and farmers for their customers, make password links")
        purpose = LinkPurpose.RESET if user.password_hash else LinkPurpose.INVITE
        link, token = issue_link(session, user, purpose)
        return PasswordLinkOut(purpose=purpose, url=public_link(services.public_url, account_path(purpose, token)),
                               expires_at=link.expires_at)


@router.post("/password-links", status_code=204, responses={
    404: {"description": "no such link"}, 410: {"description": "the link was used or has expired"},
    422: {"description": "a password shorter than 8 characters"},
    429: {"description": "too many wrong links from this address; see Retry-After"}})
async def use_password_link(body: PasswordWithLink, request: Request, services: ServicesDep) -> Response:
    """Set a password with an invitation or reset link; it ends the user's sessions and API tokens."""
    address = request.client.host if request.client else ""
    await run_in_threadpool(set_password_with_link, services.sessions, services.policy.throttle, body.token,
                            body.purpose, body.password, address)
    services.policy.forget()
    return Response(status_code=204)
