"""Session cookies of logged-in users: signed with ORCHARD_SECRET_KEY, expiring, tied to the password.

The cookie names the user and a fingerprint of their password hash, so changing a
password ends every session made with the old one. Logging out deletes the cookie.
"""

from __future__ import annotations

import hashlib
import time

import jwt

from orchard.auth.camera_tokens import check_secret
from orchard.auth.errors import AuthError

SESSION_COOKIE = "orchard_session"
SESSION_AUDIENCE = "orchard-session"
SESSION_TTL_S = 14 * 86400


def password_fingerprint(password_hash: str | None) -> str:
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def mint_session(secret: str, user_id: int, password_hash: str | None, ttl_s: int = SESSION_TTL_S,
                 now: float | None = None) -> str:
    issued = int(time.time() if now is None else now)
    claims = {"aud": SESSION_AUDIENCE, "sub": str(user_id), "pwf": password_fingerprint(password_hash),
              "iat": issued, "exp": issued + ttl_s}
    return jwt.encode(claims, check_secret(secret), algorithm="HS256")


def read_session(secret: str, cookie: str) -> tuple[int, str]:
    """(user id, password fingerprint) from a session cookie; AuthError if forged or expired."""
    try:
        claims = jwt.decode(cookie, check_secret(secret), algorithms=["HS256"], audience=SESSION_AUDIENCE,
                            options={"require": ["exp", "sub", "aud"]})
        return int(claims["sub"]), str(claims.get("pwf", ""))
    except jwt.ExpiredSignatureError:
        raise AuthError("the session has expired; log in again") from None
    except (jwt.InvalidTokenError, ValueError):
        raise AuthError("the session is not valid; log in again") from None
