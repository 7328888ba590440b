"""Old names of the relay's errors, kept only so branches written against them merge; use orchard.errors."""

from orchard.errors import Invalid as BadRequest
from orchard.errors import NotFound, TooMany

__all__ = ["BadRequest", "Busy", "NotFound"]


class Busy(TooMany):
    """Too much work queued, for this viewer or for everyone; try again after `retry_after` seconds (HTTP 429)."""
