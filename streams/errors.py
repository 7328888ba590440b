"""Old names of the relay's errors, kept only so branches written against them merge; use orchard.errors."""

from orchard.errors import Invalid as BadRequest, NotFound

__all__ = ["BadRequest", "NotFound"]
