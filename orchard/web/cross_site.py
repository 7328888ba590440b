"""Unsafe requests a browser sends from another site are refused unless a Bearer token authenticates them.

A cookie rides along with any cross-site form post; SameSite=Lax stops most, not all (a
same-site subdomain, old browsers). Browsers say where a request comes from in
`Sec-Fetch-Site` and `Origin`; scripts and the shop send neither, or a Bearer token.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_PORTS = {"http": 80, "https": 443}


class CrossSiteGuard:
    """403 for a POST/PUT/PATCH/DELETE a browser marks as cross-site (or same-site from another origin).

    `exempt` paths authenticate by other means (the shop webhook's HMAC); `trusted_origins`
    are other origins allowed to post (e.g. `https://shop.example`).
    """

    def __init__(self, app: ASGIApp, exempt: Iterable[str] = (), trusted_origins: Iterable[str] = ()) -> None:
        self.app = app
        self.exempt = frozenset(exempt)
        self.trusted = frozenset(_origin_key(origin) for origin in trusted_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE and scope["path"] not in self.exempt:
            reason = self.refusal(_headers(scope))
            if reason:
                await _forbid(send, reason)
                return
        await self.app(scope, receive, send)

    def refusal(self, headers: dict[str, str]) -> str | None:
        """Why this unsafe request is refused, or None to let it through."""
        if headers.get("authorization", "").lower().startswith("bearer "):
            return None  # a browser never adds a token to a cross-site request by itself
        origin = headers.get("origin")
        if origin is not None and origin != "null" and _origin_key(origin) in self.trusted:
            return None
        fetch_site = headers.get("sec-fetch-site")
        if fetch_site is not None and fetch_site not in ("same-origin", "none"):
            return f"a {fetch_site} request may not change anything here; use an API token"
        if origin is None:
            return None  # not from a browser's page (curl, scripts, the shop), or a browser that says nothing
        if origin == "null" or _origin_key(origin)[1:] != _host_key(headers.get("host", "")):
            return "a request from another site may not change anything here; use an API token"
        return None


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope.get("headers", ())}


def _origin_key(origin: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of an origin, the scheme's default port written as None."""
    try:
        parts = urlsplit(origin.strip().lower())
        port = parts.port
    except ValueError:
        return ("", "", None)
    return (parts.scheme, parts.hostname or "", None if port == DEFAULT_PORTS.get(parts.scheme) else port)


def _host_key(host: str) -> tuple[str, int | None]:
    """(host, port) of a Host header; ports 80 and 443 count as none (a TLS proxy may sit in front)."""
    try:
        parts = urlsplit("//" + host.strip().lower())
        port = parts.port
    except ValueError:
        return ("?", None)
    return (parts.hostname or "", None if port in DEFAULT_PORTS.values() else port)


async def _forbid(send: Send, reason: str) -> None:
    body = json.dumps({"detail": reason}).encode()
    await send({"type": "http.response.start", "status": 403, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})
