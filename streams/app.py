"""The FastAPI app: routers, the relay's lifespan, and the error handlers every service shares."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from orchard.http_errors import install_error_handlers
from orchard.settings import Settings
from streams.routes import cameras, health, snapshots, timelapses
from streams.service import Relay


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
    for module in (cameras, snapshots, timelapses, health):
        app.include_router(module.router)
    install_error_handlers(app, realm="orchard-camera")
    return app

