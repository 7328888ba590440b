"""What the API answers besides the auth errors: a request it cannot act on, a missing row, no webhook."""

from __future__ import annotations

from orchard.errors import OrchardError


class Unprocessable(OrchardError):
    """The request is well-formed but a value in it is wrong; the message names the field (HTTP 422)."""

    status_code = 422


class NotFound(OrchardError, LookupError):
    """No such row, or none the asker may see: the two are not told apart (HTTP 404)."""

    status_code = 404


class NotConfigured(OrchardError):
    """A feature this deployment has not set up, e.g. the shop webhook without ORCHARD_SHOP_SECRET (HTTP 503)."""

    status_code = 503
