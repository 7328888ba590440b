"""Setting a password with an invitation or reset link, throttled like logins against token guessing."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from orchard.auth.throttle import LoginThrottle
from orchard.errors import NotFound
from orchard.registry.db import conflicts
from orchard.registry.invitations import LinkEnded, LinkPurpose, find_link, redeem_link
from orchard.registry.models import User

GUESSER = "account-link@"  # the throttle's name for link guesses, per address: nobody's login waits for them


def set_password_with_link(sessions: sessionmaker[Session], throttle: LoginThrottle, token: str,
                           purpose: LinkPurpose | str, password: str, address: str) -> str:
    """Set the password the link is for, use the link up and end the user's sessions; returns the username.

    An unknown token counts as a failed login from `address`; TooManyAttempts once they are too many.
    """
    name = GUESSER + address
    throttle.check(name, address)
    try:
        with conflicts(), sessions.begin() as session:
            user: User = redeem_link(session, token, purpose, password)
            username = user.username
    except LinkEnded:
        raise
    except NotFound:
        throttle.failed(name, address)
        raise
    return username


def link_holder(sessions: sessionmaker[Session], throttle: LoginThrottle, token: str, purpose: LinkPurpose | str,
                address: str) -> str:
    """The username a usable link sets the password of (for its page); throttled and counted as above."""
    name = GUESSER + address
    throttle.check(name, address)
    try:
        with sessions() as session:
            return find_link(session, token, purpose).user.username
    except LinkEnded:
        raise
    except NotFound:
        throttle.failed(name, address)
        raise
