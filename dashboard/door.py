"""What the dashboard's door lets in (orchard/web's middleware, as the API's): body caps and its pages' CSP.

Dash posts each callback's inputs as JSON to /_dash-update-component; the largest the
browser tests send (tests/dashboard/test_door.py prints it) is far under MAX_CALLBACK_BYTES.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from orchard.web.bodies import KB
from orchard.web.headers import DEFAULTS

MAX_BODY_BYTES = 64 * KB  # the login form, the logout, and every callback


def relay_origin(cameras_url: str) -> str | None:
    """The camera relay's origin when ORCHARD_CAMERAS_URL names another one (the demo's port), else None."""
    parts = urlsplit(cameras_url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def policy(cameras_url: str, script_hashes: Iterable[str] = ()) -> str:
    """The CSP of the dashboard's answers: Dash's scripts from here plus its inline ones by hash;
    inline styles (Dash, Plotly and Mantine set them); images and streams from the relay too."""
    relay = relay_origin(cameras_url)
    media = " ".join(filter(None, ("'self'", relay)))
    scripts = " ".join(("'self'", *script_hashes))
    return "; ".join((
        "default-src 'self'", f"script-src {scripts}", "style-src 'self' 'unsafe-inline'",
        f"img-src {media} data: blob:", f"media-src {media} blob:", f"connect-src {media}",
        "font-src 'self' data:", "object-src 'none'", "base-uri 'self'", "form-action 'self'",
        "frame-ancestors 'none'",
    ))


def headers(cameras_url: str) -> dict[str, str]:
    """orchard/web's security headers with the dashboard's CSP (a page adds its inline scripts' hashes).

    Referrer same-origin, not none: under no-referrer a browser's form post says `Origin: null`
    (CrossSiteGuard refuses it), and the language switch goes back by its Referer."""
    return {**DEFAULTS, "content-security-policy": policy(cameras_url), "referrer-policy": "same-origin"}
