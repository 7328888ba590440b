"""How every web service (api/, streams/, dashboard/) answers an error: one function installs it.

    app = FastAPI(...)              # or any Starlette app
    app.add_middleware(...)         # the service's own middlewares first
    install_error_handlers(app, realm="orchard")   # last, so its guard wraps those middlewares too

`path_headers(path)`, if given, adds headers to every error answer on that path (CORS headers
on an endpoint a page on another origin polls, say).

What a caller then gets, the same from every service:
- a `DomainError` of `orchard.errors` — NotFound 404, Invalid 422, Conflict 409, Unauthenticated
  401 (with `WWW-Authenticate: Bearer realm="<realm>"`), Forbidden 403, Unavailable 503,
  TooMany 429 (with `Retry-After`) — its status and `{"detail": exc.detail, **exc.extra()}`;
  a 5xx one is logged as a warning without traceback (the domain expected it);
- FastAPI's RequestValidationError and HTTPException: FastAPI's own answers (422 with its list of
  errors, 404 for an unknown path, 405, ...);
- anything else, a builtin or any other OrchardError, is a bug: 500 `{"detail": "internal error",
  "request_id": "<id>"}` (the id also in `X-Request-ID`), logged once at ERROR with its traceback
  and the same id. The id is the proxy's `X-Request-ID` when it sends a sane one.
Every error answer carries `Cache-Control: no-store`.

Code outside a request (a Dash callback's own error path, say) can build the same answer with
`error_response(exc, realm=..., method=..., path=...)`.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Mapping

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orchard.errors import DomainError

log = logging.getLogger(__name__)

INTERNAL_ERROR = "internal error"
REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
PathHeaders = Callable[[str], Mapping[str, str]]


def install_error_handlers(app: Starlette, *, realm: str = "orchard", path_headers: PathHeaders | None = None) -> None:
    """Answer the vocabulary with its status and any other exception with a logged, generic 500."""

    async def answer(request: Request, exc: Exception) -> JSONResponse:
        return error_response(exc, realm=realm, method=request.method, path=request.url.path,
                              request_id=request_id(request.scope), path_headers=path_headers)

    async def last_resort(request: Request, exc: Exception) -> JSONResponse:
        # Only bugs in middlewares added after install_error_handlers get here; the server logs their traceback.
        rid = request_id(request.scope)
        log.error("request %s: %s %s failed: %s (traceback below, from the server)",
                  rid, request.method, request.url.path, type(exc).__name__)
        return internal_error(rid, path_headers(request.url.path) if path_headers else {})

    app.add_exception_handler(DomainError, answer)
    app.add_exception_handler(Exception, last_resort)
    app.add_middleware(BugGuard, path_headers=path_headers)


def error_response(exc: Exception, *, realm: str = "orchard", method: str = "-", path: str = "-",
                   request_id: str | None = None, path_headers: PathHeaders | None = None) -> JSONResponse:
    """The answer to `exc`: the vocabulary's status and detail, else a 500 logged here with its traceback."""
    extra = path_headers(path) if path_headers else {}
    if not isinstance(exc, DomainError):
        request_id = request_id or new_request_id()
        log.error("request %s: %s %s failed", request_id, method, path, exc_info=exc)
        return internal_error(request_id, extra)
    headers = {**extra, "Cache-Control": "no-store", **exc.headers()}
    if exc.status_code == 401:
        headers["WWW-Authenticate"] = f'Bearer realm="{realm}"'
    if exc.status_code >= 500:
        log.warning("%s %s answered %d: %s", method, path, exc.status_code, exc)
    return JSONResponse({"detail": exc.detail, **exc.extra()}, status_code=exc.status_code, headers=headers)


def internal_error(request_id: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """The generic 500: nothing of the bug's message or traceback reaches the client."""
    return JSONResponse({"detail": INTERNAL_ERROR, "request_id": request_id}, status_code=500,
                        headers={**(headers or {}), "Cache-Control": "no-store", REQUEST_ID_HEADER: request_id})


def request_id(scope: Scope) -> str:
    """The proxy's X-Request-ID if it is sane, else a new one."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _SANE_ID.fullmatch(text):
                return text
    return new_request_id()


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


class BugGuard:
    """Catches what no handler answered: logs it once with its traceback, answers the generic 500.

    Unlike Starlette's ServerErrorMiddleware it does not re-raise, so the server does not log
    the same traceback a second time. If the answer had already begun (a stream), the
    connection is cut and the server notes that in one line.
    """

    def __init__(self, app: ASGIApp, path_headers: PathHeaders | None = None) -> None:
        self.app = app
        self.path_headers = path_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            rid = request_id(scope)
            response = error_response(exc, method=scope.get("method", "-"), path=scope.get("path", "-"),
                                      request_id=rid, path_headers=self.path_headers)
            if not started:
                await response(scope, receive, send)
