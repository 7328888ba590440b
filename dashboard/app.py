"""The dashboard's ASGI app: Dash on its FastAPI backend, pages from dashboard/pages/, one guard.

Dash keeps callbacks and pages in module-level registries, so a process serves one
dashboard: `create_app` may be called once per process (tests and the bench start
the dashboard in a process of its own).
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

import dash
from dash import Dash
from dash._pages import _path_to_page
from dash.backends._fastapi import reset_current_request, set_current_request
from fastapi import FastAPI, Request
from fastapi.responses import Response

from dashboard import door, login, paths, picking_photos, shell
from dashboard import services as dashboard_services
from dashboard.public import account as public_account
from dashboard.public import share as public_share
from dashboard.services import Services
from orchard.http_errors import install_error_handlers
from orchard.settings import Settings
from orchard.web import BodyLimit, CrossSiteGuard, SecurityHeaders
from orchard.web.health import health_router

log = logging.getLogger(__name__)

ASSETS = Path(__file__).parent / "assets"
PAGE_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
_created = False


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    """The dashboard for `settings`; tests may hand in services built on their own registry and store."""
    global _created
    if _created:
        raise RuntimeError("one dashboard per process: Dash keeps its callbacks and pages in global registries")
    _created = True
    svc = dashboard_services.install(services or Services(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc.start()
        try:
            yield
        finally:
            svc.close()

    server = FastAPI(title="Orchard Live dashboard", lifespan=lifespan, docs_url=None, redoc_url=None,
                     openapi_url=None)
    server.include_router(login.router)
    server.include_router(health_router("/healthz", lambda: svc.sessions))
    server.include_router(picking_photos.router)
    server.include_router(public_account.router)  # pages opened with a link, no login: each checks its token
    server.include_router(public_share.router)
    # Dash's annotations predate its FastAPI backend (server=) and update_title=None (no "Updating..." title).
    app = Dash(__name__, server=cast(Any, server), use_pages=True, pages_folder="", assets_folder=str(ASSETS),
               title="Orchard Live", update_title=cast(str, None), suppress_callback_exceptions=True,
               serve_locally=True, compress=True, include_pages_meta=False, on_error=_log_callback_error)
    _register_pages()
    app.layout = shell.layout

    async def page_or_404(path: str, request: Request) -> Response:
        """The app page for a page's path; 404 for anything else (the proxy's /api and /cameras included)."""
        full = "/" + path
        page, variables = ({}, None) if full.startswith(paths.FOREIGN_PREFIXES) \
            else _path_to_page(app.strip_relative_path(full))
        # A path variable is one segment: /tree/x/y/z is no tree's page.
        one_segment = all("/" not in str(value) for value in (variables or {}).values())
        if request.method not in ("GET", "HEAD") or page == {} or not one_segment:
            return Response("not found", status_code=404, media_type="text/plain")
        token = set_current_request(request)
        try:
            # Dash's first-request set-up (pages router, its title script) runs before the first page it serves.
            for setup in getattr(app.backend, "_before_request_funcs", ()):
                setup()
            page_policy = door.policy(settings.cameras_url, app.csp_hashes())  # after set-up: its scripts count
            return Response(app.index(), media_type="text/html",
                            headers={"Cache-Control": "no-store", "Content-Security-Policy": page_policy})
        finally:
            reset_current_request(token)

    # Before Dash's own catch-all (added at start-up), which would answer every path with the app page.
    server.add_api_route("/{path:path}", page_or_404, methods=PAGE_METHODS, include_in_schema=False)

    async def start_page(request: Request) -> Response:
        return await page_or_404("", request)

    # "/" too, ahead of Dash's own index route: every page gets its CSP with the inline scripts' hashes.
    server.add_api_route("/", start_page, methods=PAGE_METHODS, include_in_schema=False)
    server.router.routes.insert(0, server.router.routes.pop())
    # As the API's door (last added runs first): headers on every answer, the cross-site check, the body cap.
    server.add_middleware(BodyLimit, default=door.MAX_BODY_BYTES,
                          limits={paths.PICKING_PHOTO: picking_photos.UPLOAD_LIMIT})
    server.add_middleware(CrossSiteGuard)
    server.add_middleware(SecurityHeaders, headers=door.headers(settings.cameras_url))
    install_error_handlers(server, realm="orchard")  # last: the shared answer to errors wraps Dash's middlewares too
    return server


def _log_callback_error(error: Exception):
    """A callback that fails is a bug: logged once with its traceback; the browser gets Dash's 500."""
    from dash.exceptions import PreventUpdate

    if not isinstance(error, PreventUpdate):
        log.error("callback failed", exc_info=error)
    raise error


def _register_pages() -> None:
    """Import every module of dashboard/pages/: each registers its page (dash.register_page)."""
    from dashboard import pages

    for module in sorted(pkgutil.iter_modules(pages.__path__), key=lambda m: m.name):
        if not module.name.startswith("_"):
            importlib.import_module(f"{pages.__name__}.{module.name}")
    assert dash.page_registry, "no pages registered"
