"""The public pages' addresses: invitation, password-reset and share links, on ORCHARD_PUBLIC_URL.

Without ORCHARD_PUBLIC_URL a link is a path (/invite/...), to be put after the dashboard's address.
There is no e-mail in Orchard Live: a link is shown to whoever made it (the admin, the farmer, the
shop's webhook answer) and they pass it on.
"""

from __future__ import annotations

INVITE, RESET, SHARE = "/invite/", "/reset/", "/share/"


def public_link(public_url: str | None, path: str) -> str:
    """`path` on the public address when it is known, else the path alone."""
    return (public_url or "").rstrip("/") + path


def account_path(purpose: str, token: str) -> str:
    """Where the holder of an invitation ("invite") or reset ("reset") link sets their password."""
    return (INVITE if purpose == "invite" else RESET) + token


def share_path(token: str) -> str:
    return SHARE + token
