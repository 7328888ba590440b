"""Logging in and out of the dashboard, and the language switch: plain form posts and links, no callbacks.

`set_session`/`clear_session` make exactly the cookie api/routes/auth.py makes, so one
login serves the dashboard, the API and the camera relay on one origin.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from dashboard import i18n, paths, services
from orchard.auth import AuthError, TooManyAttempts
from orchard.auth.policy import Viewer
from orchard.auth.sessions import SESSION_COOKIE, SESSION_TTL_S, mint_session
from orchard.registry.models import Role

router = APIRouter()


def set_session(response: Response, request: Request, viewer: Viewer, password_hash: str | None) -> None:
    """The `orchard_session` cookie, as POST /api/login sets it."""
    if viewer.user_id is None:
        raise AuthError("only a person logs in")
    response.set_cookie(SESSION_COOKIE, mint_session(services.get().secret, viewer.user_id, password_hash),
                        max_age=SESSION_TTL_S, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https")


def clear_session(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=request.url.scheme == "https")


def _see_other(target: str) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post(paths.LOGIN_POST, include_in_schema=False)
def login(request: Request, username: Annotated[str, Form(max_length=254)] = "",
          password: Annotated[str, Form(max_length=1024)] = "", next: Annotated[str, Form()] = "") -> Response:
    """Check the password with the policy (throttled like the API's login), set the cookie, go on."""
    target = paths.local_target(next)
    address = request.client.host if request.client else ""
    try:
        if not username or not password:
            raise AuthError("wrong username or password")
        viewer, password_hash = services.get().policy.from_password(username, password, address)
    except TooManyAttempts:
        return _see_other(f"{paths.LOGIN}?error=throttled&next={quote(target)}")
    except AuthError:
        return _see_other(f"{paths.LOGIN}?error=wrong&next={quote(target)}")
    if target == paths.HOME:  # straight to the person's own start page, without the home page's hop
        target = paths.MY_TREE if viewer.role == Role.CUSTOMER else paths.FARM
    response = _see_other(target)
    set_session(response, request, viewer, password_hash)
    return response


@router.post(paths.LOGOUT_POST, include_in_schema=False)
def logout(request: Request) -> Response:
    response = _see_other(paths.LOGIN)
    clear_session(response, request)
    return response


@router.get(paths.LANGUAGE + "/{code}", include_in_schema=False)
def language(code: str, request: Request) -> Response:
    """Remember a language in the `orchard_lang` cookie and return to the page the switch was on."""
    lang = i18n.supported(code)
    if lang is None:
        return Response("unknown language", status_code=404, media_type="text/plain")
    referer = urlsplit(request.headers.get("referer", ""))
    same_site = referer.netloc == request.url.netloc
    back = referer.path + (f"?{referer.query}" if referer.query else "")
    target = paths.local_target(back) if same_site else paths.HOME
    response = _see_other(target)
    response.set_cookie(i18n.LANG_COOKIE, lang, max_age=i18n.LANG_COOKIE_MAX_AGE_S, samesite="lax", path="/",
                        secure=request.url.scheme == "https")
    return response
