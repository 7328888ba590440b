"""The FastAPI app: routers, the relay's lifespan, and the one error handler."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.routing import Route

from orchard.errors import OrchardError
from orchard.settings import Settings
from streams.headers import SecurityHeaders
from streams.routes import cameras, health, snapshots, timelapses
from streams.routes.latest import LatestFrame
from streams.service import Relay

log = logging.getLogger(__name__)


def create_app(settings: Settings, *, relay: Relay | None = None, **relay_options: object) -> FastAPI:
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
    app.add_exception_handler(OrchardError, refuse)
    app.add_middleware(SecurityHeaders)
    for module in (cameras, snapshots, timelapses, health):
        app.include_router(module.router)
    # The hot path, first and without dependency injection (streams/routes/latest.py); not in /docs.
    app.router.routes.insert(0, Route("/cameras/{camera}/latest.jpg", LatestFrame(relay, refuse),
                                      methods=["GET", "OPTIONS"]))
    return app


async def refuse(request: Request, exc: OrchardError) -> JSONResponse:
    """Every refusal as JSON {"detail"}: 401 unknown caller, 403 not theirs, 404, 400, else 500."""
    status = getattr(exc, "status_code", 500)
    headers = {"Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="orchard-camera"'
    if getattr(exc, "retry_after", None) is not None:
        headers["Retry-After"] = str(exc.retry_after)
    if status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc)
    return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)
