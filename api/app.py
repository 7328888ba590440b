"""The FastAPI app: every router under /api, the services' lifespan, and the one error handler."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from orchard.auth import TooManyAttempts
from orchard.errors import OrchardError, StoreUnavailable
from orchard.registry.db import session_factory
from orchard.settings import Settings
from orchard.store import TimeSeriesStore, open_store
from orchard.web import BodyLimit, CrossSiteGuard, SecurityHeaders
from orchard.web.bodies import KB, MB
from api.docs import add_docs
from api.routes import ROUTERS
from api.routes.orders import ORDERS_PATH
from api.routes.trees_import import IMPORT_PATH, MAX_CSV_BYTES
from api.services import Services

log = logging.getLogger(__name__)

PREFIX = "/api"
MAX_JSON_BYTES = 64 * KB
# Per path, what a body may weigh; anything else gets MAX_JSON_BYTES. A form adds its boundaries to the CSV.
BODY_LIMITS = {PREFIX + IMPORT_PATH: MAX_CSV_BYTES + 64 * KB, PREFIX + ORDERS_PATH: 16 * KB}


def create_app(settings: Settings, *, sessions: sessionmaker[Session] | None = None,
               store: TimeSeriesStore | None = None, policy_cache_s: float = 5.0) -> FastAPI:
    """The management API for `settings`; tests may hand in their own registry sessions and store."""
    own_store, own_sessions = store is None, sessions is None
    services = Services(
        sessions or session_factory(settings.db_url),
        store if store is not None else open_store(settings.store_url, token=_secret(settings.influx_token)),
        _secret(settings.secret_key), _secret(settings.shop_secret), policy_cache_s=policy_cache_s,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Services]]:
        try:
            yield {"services": services}  # each request's state: what api.services hands to routes
        finally:
            if own_store:
                services.store.close()
            if own_sessions:
                services.sessions.kw["bind"].dispose()

    app = FastAPI(title="Orchard Live management API", lifespan=lifespan,
                  summary="Farms, plots, trees, devices, cameras, people, claims and readings.",
                  docs_url=None, openapi_url=f"{PREFIX}/openapi.json", redoc_url=None,
                  swagger_ui_oauth2_redirect_url=None)
    add_docs(app, f"{PREFIX}/docs", app.openapi_url)
    # Last added runs first: headers on every answer, then the cross-site check, then the body cap.
    app.add_middleware(BodyLimit, default=MAX_JSON_BYTES, limits=BODY_LIMITS)
    app.add_middleware(CrossSiteGuard, exempt=[PREFIX + ORDERS_PATH])
    app.add_middleware(SecurityHeaders)
    for kind in (OrchardError, LookupError, ValueError, IntegrityError):
        app.add_exception_handler(kind, refuse)
    api = APIRouter(prefix=PREFIX)
    for router in ROUTERS:
        api.include_router(router)
    app.include_router(api)
    return app


def status_of(exc: Exception) -> int:
    """The HTTP status an error means: its own status_code, else by kind; unknown is 500."""
    if isinstance(exc, IntegrityError):
        return 409
    if isinstance(exc, ValidationError):
        return 500  # an answer that does not fit its own model is our bug, not the asker's
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return status
    if isinstance(exc, LookupError):
        return 404
    if isinstance(exc, StoreUnavailable):
        return 503
    if getattr(exc, "problems", None) is not None or isinstance(exc, ValueError):
        return 422  # a bad value: the registry's validators, a CSV's cells
    return 500


def conflict(exc: IntegrityError) -> str:
    """A short reason for a constraint the registry refused, without its SQL."""
    code = getattr(exc.orig, "sqlstate", None)
    text = str(exc.orig).lower()
    if code == "23505" or "unique" in text:
        return "that already exists (a duplicate id, username, label, name or order)"
    if code == "23503" or "foreign key" in text:
        return "other records still depend on it (claims, trees, devices), or it names one that does not exist"
    if code == "23514" or "check" in text:
        return "a value breaks a rule of the registry (end after start, coordinates in range)"
    return "the change conflicts with what the registry holds"


async def refuse(request: Request, exc: Exception) -> JSONResponse:
    """Every refusal as JSON {"detail"}: 401/403/429 from orchard.auth, 404, 409, 422, 503, else 500."""
    status = status_of(exc)
    body: dict[str, object] = {"detail": conflict(exc) if isinstance(exc, IntegrityError) else str(exc)}
    problems = getattr(exc, "problems", None)
    if problems:
        body["problems"] = [{"line": p.line, "column": p.column, "message": p.message} for p in problems]
    headers = {"Cache-Control": "no-store"}
    if isinstance(exc, TooManyAttempts):
        headers["Retry-After"] = str(exc.retry_after)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="orchard"'
    if status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc)
        if status == 500:
            body["detail"] = "internal error"
    return JSONResponse(body, status_code=status, headers=headers)


def _secret(value) -> str | None:
    return value.get_secret_value() if value is not None else None
