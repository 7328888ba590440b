"""The cookies and headers of the request being served: a callback's (`dash.ctx`) or a page load's."""

from __future__ import annotations

from collections.abc import Mapping

from dash._callback_context import context_value


def _callback():
    """The callback being run (Dash's context: cookies and headers of its request), or None."""
    return context_value.get(None) or None  # unset outside Dash's own request handling (a thread of the demo)


def _request():
    # Dash's FastAPI backend keeps the request it serves in a context variable (layouts, index, callbacks).
    from dash.backends._fastapi import get_current_request

    try:
        return get_current_request()
    except RuntimeError:
        return None


def cookies() -> Mapping[str, str]:
    callback = _callback()
    if callback is not None:
        return getattr(callback, "cookies", None) or {}
    request = _request()
    return request.cookies if request is not None else {}


def headers() -> Mapping[str, str]:
    callback = _callback()
    if callback is not None:
        return {key.lower(): value for key, value in (getattr(callback, "headers", None) or {}).items()}
    request = _request()
    return request.headers if request is not None else {}


def callback_input(prop_id: str):
    """The value of one input ("component.prop") of the callback being run, or None."""
    callback = _callback()
    return (getattr(callback, "input_values", None) or {}).get(prop_id) if callback is not None else None
