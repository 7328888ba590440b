"""The uvicorn protocol every web service runs: request heads must arrive in time; a stop may abort a stuck answer.

uvicorn (0.54) has a keep-alive timeout but none for a request's head: a client that
connects and sends nothing, or sends its headers a byte a minute (slow-loris), is held
forever. `TimelyHttpToolsProtocol` closes such a connection `header_timeout_s` after
its first byte (or after it opened). Bodies are capped by `BodyLimit` and read by the app.

At a stop, uvicorn waits for every response to finish, then cancels the rest with a
traceback each; a response still running `STOP_GRACE_S` after the stop has its
connection aborted, which uvicorn takes as a client that left: no traceback. The same
abort is offered to the app as the ASGI extension `orchard.abort` (the relay's streams use it).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, cast

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

if TYPE_CHECKING:
    from orchard.settings import Settings

# TimelyHttpToolsProtocol extends uvicorn's HttpToolsProtocol (its cycle, scope, loop, transport and
# callbacks): pinned in pyproject.toml, checked by tests/streams/test_framework_internals.py.
TESTED_UVICORN = ("0.54",)
HEADER_TIMEOUT_S = 10.0
STOP_GRACE_S = 0.5
ABORT = "orchard.abort"


class TimelyHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing connections whose request head takes too long."""

    header_timeout_s = HEADER_TIMEOUT_S

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm_head_timer()

    def _arm_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.header_timeout_s, self._head_too_slow)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_head_timer()  # the next request on a kept-alive connection has begun
        extensions = cast(dict[str, Any], self.scope.setdefault("extensions", {}))
        extensions[ABORT] = self._abort

    def _abort(self) -> None:
        """Drop the connection now, unsent bytes and all: uvicorn then treats the client as gone."""
        if not self.transport.is_closing():
            self.transport.abort()

    def shutdown(self) -> None:
        super().shutdown()
        if self.cycle is not None and not self.cycle.response_complete:
            self.loop.call_later(STOP_GRACE_S, self._abort_if_busy)

    def _abort_if_busy(self) -> None:
        if self.cycle is not None and not self.cycle.response_complete:
            self._abort()

    def on_headers_complete(self) -> None:
        self._disarm_head_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)


def protocol(header_timeout_s: float = HEADER_TIMEOUT_S) -> type[TimelyHttpToolsProtocol]:
    """The protocol class for uvicorn's `http=` with its own head timeout."""
    return type("TimelyHttpToolsProtocol", (TimelyHttpToolsProtocol,), {"header_timeout_s": header_timeout_s})


def serve(app: Any, settings: Settings, host: str, port: int, header_timeout_s: float = HEADER_TIMEOUT_S,
          log: logging.Logger | None = None) -> None:
    """Run a logged-in web service (api, dashboard) under uvicorn, as every such service runs."""
    from orchard.auth.setup import proxy_options  # orchard.auth imports orchard.web

    if host not in ("127.0.0.1", "::1", "localhost") and not settings.public_url:
        (log or logging.getLogger(__name__)).warning(
            "listening on %s without ORCHARD_PUBLIC_URL: the session cookie is Secure only for "
            "requests that arrive over https (directly or from ORCHARD_TRUSTED_PROXIES)", host)
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False, lifespan="on",
                timeout_graceful_shutdown=5, http=protocol(header_timeout_s), **proxy_options(settings))
