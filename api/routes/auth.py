"""Logging in and out: the session cookie, and who the cookie (or an API token) says you are."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import APIKeyCookie
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.access import CurrentViewer, signed_in_user
from api.routes.users import UserOut
from api.services import Services, ServicesDep
from orchard.auth.policy import Viewer
from orchard.auth.sessions import SESSION_COOKIE, clear_session, cookie_is_secure, set_session

router = APIRouter(tags=["auth"])
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="the session cookie POST /api/login sets")


class Login(BaseModel):
    username: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


@router.post("/login", responses={401: {"description": "wrong username or password"},
                                  429: {"description": "too many failed logins, or logins at once; see Retry-After"}})
async def login(body: Login, request: Request, response: Response, services: ServicesDep) -> UserOut:
    """Check a password and set the `orchard_session` cookie (HttpOnly, SameSite=Lax, Secure over https).

    The password is checked on a few threads of its own, never the pool other requests use.
    """
    address = request.client.host if request.client else ""  # the real one: ORCHARD_TRUSTED_PROXIES
    viewer, generation = await services.policy.log_in(body.username, body.password, address)
    assert viewer.user_id is not None  # a password login is always a person's
    set_session(response, services.secret, viewer.user_id, generation,
                secure=cookie_is_secure(services.public_url, request))
    return await run_in_threadpool(_user_out, services, viewer)


def _user_out(services: Services, viewer: Viewer) -> UserOut:
    with services.reading() as session:
        return UserOut.of(signed_in_user(session, viewer))


@router.post("/logout", status_code=204)
def logout(request: Request, services: ServicesDep,
           cookie: Annotated[str | None, Depends(_cookie)]) -> Response:
    """End the session on every device (copies of the cookie, the user's camera tokens) and delete the cookie.

    Answers 204 whether or not a valid session was presented.
    """
    services.policy.log_out(cookie)
    response = Response(status_code=204)
    clear_session(response, secure=cookie_is_secure(services.public_url, request))
    return response


@router.get("/me")
def me(viewer: CurrentViewer, services: ServicesDep) -> UserOut:
    """The person the session cookie or API token belongs to."""
    with services.reading() as session:
        return UserOut.of(signed_in_user(session, viewer))
