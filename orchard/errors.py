"""The errors Orchard code raises, so callers catch meaning rather than library internals.

The vocabulary (`DomainError` and its seven kinds) is what the domain decides: each kind
has the one HTTP status every web service answers it with (`orchard.http_errors`). Other
`OrchardError`s (settings, payloads, the store refusing a query) and builtin exceptions
are not answers to a caller: reaching a web service's handler, they are bugs (HTTP 500).
"""

from __future__ import annotations


class OrchardError(Exception):
    """Base of every error Orchard raises on purpose."""


class DomainError(OrchardError):
    """Something the domain refuses or cannot do now; `status_code` is what HTTP answers say."""

    status_code = 500

    @property
    def detail(self) -> str:
        """What the asker is told; the message itself unless it holds what only operators should see."""
        return str(self)

    def headers(self) -> dict[str, str]:
        """Headers an HTTP answer carries besides {"detail"} (Retry-After, say)."""
        return {}

    def extra(self) -> dict[str, object]:
        """JSON fields an HTTP answer carries besides "detail" (a CSV's problems, say)."""
        return {}


class NotFound(DomainError, LookupError):
    """No such thing, or none the asker may see: the two are not told apart (HTTP 404)."""

    status_code = 404


class Invalid(DomainError, ValueError):
    """A value the asker sent is wrong; the message starts with what it names, e.g. "start: ..." (HTTP 422)."""

    status_code = 422


class Conflict(DomainError):
    """The change clashes with what is already there: a duplicate, or rows that still depend on it (HTTP 409)."""

    status_code = 409


class Unauthenticated(DomainError):
    """Who is asking is not known: no login, a bad or expired session or token (HTTP 401)."""

    status_code = 401


class Forbidden(DomainError):
    """Who is asking is known but may not do this (HTTP 403)."""

    status_code = 403


class Unavailable(DomainError):
    """A dependency is down or a feature is not set up: not the asker's fault (HTTP 503)."""

    status_code = 503


class TooMany(DomainError):
    """Too many attempts; try again after `retry_after` seconds (HTTP 429 with Retry-After)."""

    status_code = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


VOCABULARY = (NotFound, Invalid, Conflict, Unauthenticated, Forbidden, Unavailable, TooMany)


class SettingsError(OrchardError):
    """A setting is missing or wrong; the message names the variable."""


class PayloadError(OrchardError):
    """An MQTT topic or payload that cannot be accepted; `reason` is a short stable code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class StoreError(OrchardError):
    """The time-series store refused a request (bad query, bad data): retrying will not help."""


class StoreRejected(StoreError):
    """The store refuses this data itself (bad values, a type conflict): resending it will not help."""


class StoreUnavailable(StoreError, Unavailable):
    """The time-series store cannot be reached right now: retry later, spool meanwhile."""

    @property
    def detail(self) -> str:
        return "the readings store is unavailable; try again shortly"  # the message names hosts and ports


class SensorError(OrchardError):
    """A sensor could not be read, or gave a value known to be a fault."""


class SpoolFull(OrchardError):
    """The disk under a spool is full and the spool may not drop what it holds to make room."""
