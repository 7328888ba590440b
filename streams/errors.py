"""The relay's own errors; each carries the HTTP status the app's one exception handler answers with."""

from __future__ import annotations

from orchard.errors import OrchardError


class NotFound(OrchardError):
    """No such camera, frame, snapshot or video (HTTP 404)."""

    status_code = 404


class BadRequest(OrchardError):
    """A parameter that cannot be understood (HTTP 400)."""

    status_code = 400
