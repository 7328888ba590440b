"""The relay's own errors; each carries the HTTP status the app's one exception handler answers with."""

from __future__ import annotations

from orchard.errors import OrchardError


class NotFound(OrchardError):
    """No such camera, frame, snapshot or video (HTTP 404)."""

    status_code = 404


class BadRequest(OrchardError):
    """A parameter that cannot be understood (HTTP 400)."""

    status_code = 400


class Busy(OrchardError):
    """Too much work queued, for this viewer or for everyone; try again after `retry_after` seconds (HTTP 429)."""

    status_code = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
