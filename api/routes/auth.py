"""Logging in and out: the session cookie, and who the cookie (or an API token) says you are."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from api.access import CurrentViewer, signed_in_user
from api.routes.users import UserOut
from api.services import ServicesDep
from orchard.auth.sessions import SESSION_COOKIE, SESSION_TTL_S, mint_session

router = APIRouter(tags=["auth"])


class Login(BaseModel):
    username: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


@router.post("/login", responses={401: {"description": "wrong username or password"},
                                  429: {"description": "too many failed logins; see Retry-After"}})
def login(body: Login, request: Request, response: Response, services: ServicesDep) -> UserOut:
    """Check a password and set the `orchard_session` cookie (HttpOnly, SameSite=Lax, Secure over https)."""
    address = request.client.host if request.client else ""
    viewer, password_hash = services.policy.from_password(body.username, body.password, address)
    assert viewer.user_id is not None  # a password login is always a person's
    response.set_cookie(SESSION_COOKIE, mint_session(services.secret, viewer.user_id, password_hash),
                        max_age=SESSION_TTL_S, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https")
    response.headers["Cache-Control"] = "no-store"
    with services.reading() as session:
        return UserOut.of(signed_in_user(session, viewer))


@router.post("/logout", status_code=204)
def logout(request: Request) -> Response:
    """Delete the session cookie (answers 204 whether or not one was set)."""
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=request.url.scheme == "https")
    return response


@router.get("/me")
def me(viewer: CurrentViewer, services: ServicesDep) -> UserOut:
    """The person the session cookie or API token belongs to."""
    with services.reading() as session:
        return UserOut.of(signed_in_user(session, viewer))
