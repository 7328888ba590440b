"""ORCHARD_SECRET_KEY: what signs sessions and camera tokens, and the check that it is strong enough."""

from __future__ import annotations

from orchard.errors import OrchardError

MIN_SECRET_LENGTH = 32


def check_secret(secret: str | None) -> str:
    """The secret itself; OrchardError naming the setting if it is missing or short."""
    if not secret or len(secret) < MIN_SECRET_LENGTH:
        raise OrchardError(
            f"ORCHARD_SECRET_KEY must be set to a random string of at least {MIN_SECRET_LENGTH} characters "
            "(for example: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return secret
