"""ASGI middleware every web service shares: body caps, the cross-site check, security headers.

Pure ASGI (no framework), so the API, the camera relay and the dashboard wrap their apps alike.
"""

from orchard.web.bodies import BodyLimit
from orchard.web.cross_site import CrossSiteGuard
from orchard.web.headers import SecurityHeaders

__all__ = ["BodyLimit", "CrossSiteGuard", "SecurityHeaders"]
