"""What a refused request is told: the auth names of orchard.errors' vocabulary."""

from orchard.errors import Forbidden, TooMany, Unauthenticated

__all__ = ["AuthError", "Forbidden", "LoginsBusy", "TooManyAttempts"]


class AuthError(Unauthenticated):
    """Who is asking is not known (HTTP 401)."""


class TooManyAttempts(TooMany):
    """Too many failed logins; try again after `retry_after` seconds (HTTP 429)."""

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message or f"too many failed logins; try again in {retry_after} s", retry_after)


class LoginsBusy(TooManyAttempts):
    """Every password-checking slot is taken; try again after `retry_after` seconds (HTTP 429)."""

    def __init__(self, retry_after: int = 1) -> None:
        super().__init__(retry_after, f"too many logins at once; try again in {retry_after} s")
