"""The FastAPI app: routers, the relay's lifespan, and the error handlers every service shares."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.routing import Route

from orchard.http_errors import install_error_handlers
from orchard.settings import Settings
from streams.headers import SecurityHeaders
from streams.routes import cameras, health, snapshots, timelapses
from streams.routes.latest import CROSS_ORIGIN_HEADERS, HotPath, LatestFrame
from streams.service import Relay

REALM = "orchard-camera"


def create_app(settings: Settings, *, relay: Relay | None = None, **relay_options: Any) -> FastAPI:
    """The relay's web app. `relay_options` go to Relay (live-mode timing, stall limit, ...) for tests."""
    relay = relay if relay is not None else Relay(settings, **relay_options)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Relay]]:
        await relay.start()
        try:
            yield {"relay": relay}  # each request's state: what streams.service.relay hands to routes
        finally:
            await relay.stop()

    app = FastAPI(title="Orchard Live camera relay", lifespan=lifespan,
                  summary="Camera frames in over MQTT; latest JPEG, MJPEG, archive and timelapses out.")
    app.add_middleware(SecurityHeaders)
    for module in (cameras, snapshots, timelapses, health):
        app.include_router(module.router)
    # The hot path, first and without dependency injection (streams/routes/latest.py); not in /docs.
    latest = LatestFrame(relay)
    app.router.routes.insert(0, Route("/cameras/{camera}/latest.jpg", latest, methods=["GET", "OPTIONS"]))
    app.add_middleware(HotPath, endpoint=latest)  # a served latest.jpg skips the layers inside it
    install_error_handlers(app, realm=REALM, path_headers=path_headers)  # last: its guard wraps them all
    return app


def path_headers(path: str) -> dict[str, str]:
    """A script polling latest.jpg or listing snapshots from another origin must be able to read why it was refused."""
    return CROSS_ORIGIN_HEADERS if path.endswith(("/latest.jpg", "/snapshots")) else {}

