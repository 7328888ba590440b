"""The one door to what the dashboard shows: who is asking, from the `orchard_session` cookie.

Dash callback inputs come from the browser and anyone can POST any of them to
`/_dash-update-component`, so every callback goes through `guarded`: it resolves the
viewer first (orchard/auth's Policy, the same as api/ and streams/), hands it to the
callback, and answers an anonymous request with nothing (or a redirect to the login
page). The callback then asks the policy about every id it was handed (sees_tree,
readings_window, camera_ids, sees_farm). Page layouts go through `guarded_page`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Collection
from typing import Any

from dash import dcc, hooks, html
from dash.exceptions import PreventUpdate
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.websockets import WebSocket

from dashboard import paths, request_context, services
from orchard.auth import AuthError
from orchard.auth.policy import Viewer
from orchard.auth.sessions import SESSION_COOKIE
from orchard.registry.models import Role

log = logging.getLogger(__name__)

STAFF = (Role.ADMIN.value, Role.FARMER.value)
CUSTOMERS = (Role.CUSTOMER.value,)
ANYONE = (Role.ADMIN.value, Role.FARMER.value, Role.CUSTOMER.value)


def current_viewer(request: Request | WebSocket | None = None) -> Viewer | None:
    """Who sent the request (a route's, else the callback's or page load's); None if nobody valid."""
    jar = request.cookies if request is not None else request_context.cookies()
    cookie = jar.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        return services.get().policy.from_session(cookie)
    except AuthError:
        return None


def guarded(func: Callable[..., Any] | None = None, *, roles: Collection[str] = ANYONE,
            anonymous: Callable[..., Any] | None = None):
    """Run a callback as `func(viewer, *inputs)` for a logged-in viewer with one of `roles`.

    Nobody gets `anonymous(*inputs)` if given (e.g. a redirect to the login page), else no
    update at all. The work runs in a worker thread: store and registry calls block.
    """
    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        async def callback(*args: Any, **kwargs: Any) -> Any:
            viewer = await run_in_threadpool(current_viewer)
            if viewer is None or viewer.role not in roles:
                if anonymous is not None and viewer is None:
                    return anonymous(*args, **kwargs)
                raise PreventUpdate
            return await run_in_threadpool(func, viewer, *args, **kwargs)

        marked: Any = callback
        marked.__signature__ = _without_viewer(func)  # Dash maps inputs by the callback's own arguments
        marked.orchard_guarded = True  # tests/dashboard/test_callback_sweep.py looks for it on every callback
        return marked

    return decorate(func) if func is not None else decorate


def guarded_page(func: Callable[..., Any] | None = None, *, roles: Collection[str] = ANYONE):
    """A layout built as `func(viewer, **path_and_query)`: the login page for nobody, a refusal for the wrong role."""
    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def layout(**kwargs: Any) -> Any:
            viewer = current_viewer()
            if viewer is None:
                return login_redirect()
            if viewer.role not in roles:
                from dashboard.i18n import t

                return html.Div(t("common.errors.not_for_you"), className="orchard-refusal")
            return func(viewer, **kwargs)

        marked: Any = layout
        marked.__signature__ = _without_viewer(func)
        marked.orchard_guarded = True
        return marked

    return decorate(func) if func is not None else decorate


def login_redirect() -> Any:
    """What a page shows someone not logged in: a jump to the login page, and back here after it."""
    from urllib.parse import quote

    here = paths.local_target(request_context.callback_input("_pages_location.pathname"), "")
    target = f"{paths.LOGIN}?next={quote(here)}" if here and here != paths.LOGIN else paths.LOGIN
    return dcc.Location(id="guard-login-redirect", href=target, refresh=True)


def _without_viewer(func: Callable[..., Any]):
    import inspect

    signature = inspect.signature(func)
    return signature.replace(parameters=list(signature.parameters.values())[1:])


@hooks.websocket_connect()
def _websocket_viewer(websocket) -> bool | tuple[int, str]:
    """Dash's websocket transport asks the same door on connect: no valid session, no socket."""
    if current_viewer(websocket) is None:
        return 4001, "log in first"
    return True
