"""What a refused request is told."""

from orchard.errors import OrchardError


class AuthError(OrchardError):
    """Who is asking is not known (HTTP 401)."""

    status_code = 401


class Forbidden(AuthError):
    """Who is asking is known but may not see this (HTTP 403)."""

    status_code = 403


class TooManyAttempts(AuthError):
    """Too many failed logins; try again after `retry_after` seconds (HTTP 429)."""

    status_code = 429

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message or f"too many failed logins; try again in {retry_after} s")
        self.retry_after = retry_after


class LoginsBusy(TooManyAttempts):
    """Every password-checking slot is taken; try again after `retry_after` seconds (HTTP 429, not logged)."""

    def __init__(self, retry_after: int = 1) -> None:
        super().__init__(retry_after, f"too many logins at once; try again in {retry_after} s")
