"""The FastAPI app: every router under /api, the services' lifespan, and the error handlers every service shares."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, sessionmaker

from api.docs import add_docs
from api.routes import ROUTERS
from api.routes.care_log import PHOTOS_PATH
from api.routes.orders import ORDERS_PATH
from api.routes.trees_import import IMPORT_PATH, MAX_CSV_BYTES
from api.services import Services
from orchard.auth.setup import policy_for
from orchard.care.photos import MAX_BYTES as MAX_PHOTO_BYTES
from orchard.http_errors import install_error_handlers
from orchard.settings import Settings
from orchard.store import TimeSeriesStore, open_store
from orchard.web import BodyLimit, CrossSiteGuard, SecurityHeaders
from orchard.web.bodies import KB
from orchard.web.health import health_router

PREFIX = "/api"
MAX_JSON_BYTES = 64 * KB
# Per path, what a body may weigh; anything else gets MAX_JSON_BYTES. A form adds its boundaries to the CSV.
BODY_LIMITS = {PREFIX + IMPORT_PATH: MAX_CSV_BYTES + 64 * KB, PREFIX + ORDERS_PATH: 16 * KB,
               PREFIX + PHOTOS_PATH: MAX_PHOTO_BYTES}


def create_app(settings: Settings, *, sessions: sessionmaker[Session] | None = None,
               store: TimeSeriesStore | None = None, policy_cache_s: float = 5.0) -> FastAPI:
    """The management API for `settings`; tests may hand in their own registry sessions and store."""
    own_store, own_sessions = store is None, sessions is None
    policy = policy_for(settings, sessions, cache_s=policy_cache_s)  # first: a weak secret stops the start
    services = Services(
        policy, store if store is not None else open_store(settings.store_url, token=_secret(settings.influx_token)),
        _secret(settings.shop_secret), public_url=settings.public_url, data_dir=settings.data_dir,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Services]]:
        try:
            yield {"services": services}  # each request's state: what api.services hands to routes
        finally:
            services.policy.logins.close()
            if own_store:
                services.store.close()
            if own_sessions:
                services.sessions.kw["bind"].dispose()

    app = FastAPI(title="Orchard Live management API", lifespan=lifespan,
                  summary="Farms, plots, trees, devices, cameras, people, claims and readings.",
                  docs_url=None, openapi_url=f"{PREFIX}/openapi.json", redoc_url=None,
                  swagger_ui_oauth2_redirect_url=None)
    add_docs(app, f"{PREFIX}/docs", f"{PREFIX}/openapi.json")
    # Last added runs first: headers on every answer, then the cross-site check, then the body cap.
    app.add_middleware(BodyLimit, default=MAX_JSON_BYTES, limits=BODY_LIMITS)
    app.add_middleware(CrossSiteGuard, exempt=[PREFIX + ORDERS_PATH])
    app.add_middleware(SecurityHeaders)
    api = APIRouter(prefix=PREFIX)
    for router in ROUTERS:
        api.include_router(router)
    app.include_router(api)
    app.include_router(health_router(f"{PREFIX}/healthz", lambda: services.sessions))
    install_error_handlers(app, realm="orchard")
    app.add_exception_handler(RequestValidationError, invalid_request)
    return app


class AsciiJSONResponse(JSONResponse):
    """JSON with every non-ASCII character escaped: a lone surrogate the asker sent cannot break the answer."""

    def render(self, content: object) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode()


async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's own 422 for a request that does not fit its models, without echoing the input (a NaN,
    a lone surrogate or 60 KB of it would break or bloat the answer)."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    errors = [{key: value for key, value in error.items() if key != "input"} for error in errors]
    return AsciiJSONResponse({"detail": jsonable_encoder(errors)}, status_code=422,
                             headers={"Cache-Control": "no-store"})


def _secret(value) -> str | None:
    return value.get_secret_value() if value is not None else None
