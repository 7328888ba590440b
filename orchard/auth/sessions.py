"""The session cookie, in one place: its name, lifetime, flags, content, and setting and clearing it.

The cookie names the user and their credential generation, signed with ORCHARD_SECRET_KEY
and expiring after SESSION_TTL_S. Logout, a new password and deactivation move the
generation on, so every cookie made before stops working, on every device. `api/` and
the dashboard set and clear it with `set_session` and `clear_session`; `streams/`
only reads it.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import jwt
from starlette.requests import HTTPConnection
from starlette.responses import Response

from orchard.auth.errors import AuthError
from orchard.auth.secret import check_secret

SESSION_COOKIE = "orchard_session"
SESSION_AUDIENCE = "orchard-session"
SESSION_TTL_S = 14 * 86400


def mint_session(secret: str, user_id: int, generation: int, ttl_s: int = SESSION_TTL_S,
                 now: float | None = None) -> str:
    """The signed cookie value for a user at their current credential generation."""
    issued = int(time.time() if now is None else now)
    claims = {"aud": SESSION_AUDIENCE, "sub": str(user_id), "gen": generation, "iat": issued, "exp": issued + ttl_s}
    return jwt.encode(claims, check_secret(secret), algorithm="HS256")


def read_session(secret: str, cookie: str) -> tuple[int, int]:
    """(user id, credential generation) from a session cookie; AuthError if forged, expired or from before 0002."""
    try:
        claims = jwt.decode(cookie, check_secret(secret), algorithms=["HS256"], audience=SESSION_AUDIENCE,
                            options={"require": ["exp", "sub", "aud", "gen"]})
        generation = claims["gen"]
        if type(generation) is not int:
            raise ValueError("generation")
        return int(claims["sub"]), generation
    except jwt.ExpiredSignatureError:
        raise AuthError("the session has expired; log in again") from None
    except (jwt.InvalidTokenError, ValueError):
        raise AuthError("the session is not valid; log in again") from None


def cookie_is_secure(public_url: str | None, request: HTTPConnection) -> bool:
    """Secure when the public origin is https (ORCHARD_PUBLIC_URL), else when this request came over https.

    Without ORCHARD_PUBLIC_URL a TLS proxy counts only if it is trusted (ORCHARD_TRUSTED_PROXIES)
    to say X-Forwarded-Proto: https.
    """
    if public_url:
        return urlsplit(public_url).scheme == "https"
    return request.url.scheme == "https"


def set_session(response: Response, secret: str, user_id: int, generation: int, *, secure: bool) -> None:
    """Log a user in on this response: the cookie, and no caching of the answer that carries it."""
    # Lax: sent on top-level navigation from a customer's WeChat link, never on cross-site POSTs.
    response.set_cookie(SESSION_COOKIE, mint_session(secret, user_id, generation), max_age=SESSION_TTL_S,
                        path="/", secure=secure, httponly=True, samesite="lax")
    response.headers["Cache-Control"] = "no-store"


def clear_session(response: Response, *, secure: bool) -> None:
    """Delete the cookie in the browser (the generation, moved on by the caller, ends copies of it)."""
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")
    response.headers["Cache-Control"] = "no-store"
