"""What a caller presents (a camera token, an API token or a session cookie) and who it stands for.

A token comes from `Authorization: Bearer`, `?token=` (for <img src>; short camera
tokens only, as URLs get logged) or the `orchard_camera` cookie; without one, the
dashboard's `orchard_session` cookie is used. orchard.auth's policy answers from the
registry; `Admissions` remembers its yes-answers for as long as the policy caches them.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass

import jwt

from orchard.auth import API_TOKEN_PREFIX, AuthError
from orchard.auth.policy import Viewer

COOKIE = "orchard_camera"
MAX_URL_TOKEN_S = 86400  # camera tokens from the API live at most an hour; `orchard camera-token` can mint longer
NOTHING_PRESENTED = "log in, or bring a camera token (cookie, Authorization: Bearer, or ?token=)"


async def ask(viewer: Viewer | None, func, *args):
    """Run a policy question; those that may touch the registry run off the event loop."""
    if viewer is not None and viewer.user_id is None:
        return func(*args)  # an operator's camera token: answered from the token alone
    return await asyncio.to_thread(func, *args)


@dataclass(frozen=True)
class Presented:
    kind: str  # "api", "camera" or "session"
    credential: str
    in_url: bool = False


def presented(bearer: str | None, query: str | None, cookie: str | None, session: str | None,
              check_url: bool = True) -> Presented:
    """The credential that counts, in order of precedence; AuthError if none, or one a URL must not carry.

    `check_url=False` leaves `refuse_in_url` to the caller (latest.jpg does it only when not admitted already).
    """
    token = bearer or query or cookie
    if token:
        in_url = not bearer and bool(query)
        if in_url and check_url:
            refuse_in_url(token)
        return Presented("api" if token.startswith(API_TOKEN_PREFIX) else "camera", token, in_url)
    if session:
        return Presented("session", session)
    raise AuthError(NOTHING_PRESENTED)


@dataclass(frozen=True)
class Caller:
    """Who asks, and what they presented: enough to ask the policy again while a stream stays open."""

    viewer: Viewer
    kind: str
    credential: str
    expires_at: float | None  # epoch seconds of the credential's own expiry, when it carries one

    @property
    def who(self) -> tuple[str, object]:
        """One key per person (a user, whatever they present), or per operator token: for fair shares."""
        if self.viewer.user_id is not None:
            return ("user", self.viewer.user_id)
        return ("token", hashlib.sha256(self.credential.encode()).hexdigest())


async def identify(policy, kind: str, credential: str) -> Viewer:
    """The viewer a credential stands for now; AuthError when it no longer holds."""
    if kind == "api":
        return await asyncio.to_thread(policy.from_api_token, credential)
    if kind == "camera":
        return await ask(None, policy.from_camera_token, credential)
    return await asyncio.to_thread(policy.from_session, credential)


async def identify_caller(policy, what: Presented) -> Caller:
    viewer = await identify(policy, what.kind, what.credential)
    return Caller(viewer, what.kind, what.credential, None if what.kind == "api" else expiry(what.credential))


def _claims(credential: str) -> dict:
    """A signed token's claims, read after the policy verified its signature ({} if it has none)."""
    try:
        return jwt.decode(credential, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return {}


def expiry(credential: str) -> float | None:
    exp = _claims(credential).get("exp")
    return float(exp) if isinstance(exp, int | float) else None


def refuse_in_url(token: str) -> None:
    """A query string ends up in proxy and browser logs: only a short-lived camera token may travel there."""
    if token.startswith(API_TOKEN_PREFIX):
        raise AuthError("API tokens go in the Authorization: Bearer header, never in a URL")
    claims = _claims(token)
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float):
        return  # not a token at all: the policy refuses it
    lifetime = exp - (iat if isinstance(iat, int | float) else time.time())
    if lifetime > MAX_URL_TOKEN_S:
        raise AuthError(f"a camera token in a URL may live at most {MAX_URL_TOKEN_S // 3600} h; "
                        "send this one in the Authorization: Bearer header or the orchard_camera cookie")


class Admissions:
    """The policy's recent yes-answers, (how presented, credential, camera) -> until when: a poll costs a lookup.

    Kept no longer than the policy keeps its own answers (so a revoked claim is noticed as
    soon as without this), nor past the credential's expiry.
    """

    def __init__(self, ttl_s: float, max_entries: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._until: dict[tuple[bool, str, str], float] = {}

    def admitted(self, what: Presented, camera: str) -> bool:
        until = self._until.get((what.in_url, what.credential, camera))
        return until is not None and until > time.time()

    def remember(self, what: Presented, camera: str) -> None:
        if self.ttl_s <= 0:
            return
        until = time.time() + self.ttl_s
        if what.kind != "api":
            until = min(until, expiry(what.credential) or until)
        if len(self._until) >= self.max_entries:
            self._until.clear()
        self._until[(what.in_url, what.credential, camera)] = until
