"""The FastAPI app: every router under /api, the services' lifespan, and the error handlers every service shares."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from sqlalchemy.orm import Session, sessionmaker

from api.routes import ROUTERS
from api.services import Services
from orchard.http_errors import install_error_handlers
from orchard.registry.db import session_factory
from orchard.settings import Settings
from orchard.store import TimeSeriesStore, open_store

PREFIX = "/api"


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
                  docs_url=f"{PREFIX}/docs", openapi_url=f"{PREFIX}/openapi.json", redoc_url=None,
                  swagger_ui_oauth2_redirect_url=None)
    api = APIRouter(prefix=PREFIX)
    for router in ROUTERS:
        api.include_router(router)
    app.include_router(api)
    install_error_handlers(app, realm="orchard")
    return app


def _secret(value) -> str | None:
    return value.get_secret_value() if value is not None else None
