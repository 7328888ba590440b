"""The relay's uvicorn: request heads must arrive in time, and a stop ends open streams at once, quietly.

The head timeout and the abort are orchard.web.server's `TimelyHttpToolsProtocol`, which
every web service runs. Request bodies need no timeout here: the relay serves only GET.

At a stop, uvicorn waits for every response to finish, then cancels the rest with a
traceback each; an MJPEG stream to a phone that stopped reading never finishes. So a
stop signal first ends the hub's streams (`RelayServer`), and a response still running
`STOP_GRACE_S` later has its connection aborted, which uvicorn takes as a client that
left: no traceback. The same abort is offered to the app as the ASGI extension
`orchard.abort` (a stream whose viewer lost access uses it).
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn

from orchard.web.server import ABORT, HEADER_TIMEOUT_S, STOP_GRACE_S, TESTED_UVICORN, TimelyHttpToolsProtocol, protocol


class RelayServer(uvicorn.Server):
    """uvicorn, but a stop signal first ends the open MJPEG streams (they would hold shutdown up)."""

    def __init__(self, config: uvicorn.Config, on_stop: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_stop = on_stop

    def handle_exit(self, sig: int, frame) -> None:
        self._on_stop()
        super().handle_exit(sig, frame)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn re-raises the signal after its shutdown; a clean stop should exit with status 0.
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def server_config(app, host: str, port: int, header_timeout_s: float = HEADER_TIMEOUT_S,
                  **options: Any) -> uvicorn.Config:
    """How the relay runs under uvicorn, in production and in tests alike (`options`: the proxy's, say)."""
    return uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, lifespan="on",
                          timeout_graceful_shutdown=5, http=protocol(header_timeout_s), **options)


__all__ = ["ABORT", "HEADER_TIMEOUT_S", "STOP_GRACE_S", "TESTED_UVICORN", "RelayServer", "TimelyHttpToolsProtocol",
           "protocol", "server_config"]
