"""Old names of the API's errors, kept only so branches written against them merge; use orchard.errors."""

from orchard.errors import Invalid as Unprocessable
from orchard.errors import NotFound
from orchard.errors import Unavailable as NotConfigured

__all__ = ["NotConfigured", "NotFound", "Unprocessable"]
