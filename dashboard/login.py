"""Logging in and out of the dashboard, and the language switch: plain form posts and links, no callbacks.

The cookie is orchard.auth.sessions' (`set_session`/`clear_session`), as api/routes/auth.py
makes it, so one login serves the dashboard, the API and the camera relay on one origin.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from dashboard import i18n, paths, services
from orchard.auth import AuthError
from orchard.auth.sessions import SESSION_COOKIE, clear_session, cookie_is_secure, set_session
from orchard.errors import TooMany
from orchard.registry.models import Role

router = APIRouter()


def _secure(request: Request) -> bool:
    return cookie_is_secure(services.get().public_url, request)


def _see_other(target: str) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post(paths.LOGIN_POST, include_in_schema=False)
async def login(request: Request, username: Annotated[str, Form(max_length=254)] = "",
                password: Annotated[str, Form(max_length=1024)] = "",
                next: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Check the password as POST /api/login does (the policy's throttled login threads), set the cookie, go on."""
    target = paths.local_target(next)
    address = request.client.host if request.client else ""  # the real one: ORCHARD_TRUSTED_PROXIES
    svc = services.get()
    try:
        if not username or not password:
            raise AuthError("wrong username or password")
        viewer, generation = await svc.policy.log_in(username, password, address)
    except TooMany:  # throttled, or too many logins at once
        return _see_other(f"{paths.LOGIN}?error=throttled&next={quote(target)}")
    except AuthError:
        return _see_other(f"{paths.LOGIN}?error=wrong&next={quote(target)}")
    if viewer.user_id is None:  # a password login is always a person's
        return _see_other(f"{paths.LOGIN}?error=wrong&next={quote(target)}")
    if target == paths.HOME:  # straight to the person's own start page, without the home page's hop
        target = paths.MY_TREE if viewer.role == Role.CUSTOMER else paths.FARM
    response = _see_other(target)
    set_session(response, svc.secret, viewer.user_id, generation, secure=_secure(request))
    return response


@router.post(paths.LOGOUT_POST, include_in_schema=False)
def logout(request: Request) -> Response:
    """End the session on every device (as POST /api/logout does) and delete the cookie."""
    services.get().policy.log_out(request.cookies.get(SESSION_COOKIE))
    response = _see_other(paths.LOGIN)
    clear_session(response, secure=_secure(request))
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
                        secure=_secure(request))
    return response
