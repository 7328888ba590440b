"""Login throttling: slows a guesser down without letting them lock the real owner out.

Failures live in the registry (`login_failures`), so every API worker and the dashboard
count the same guesses. Three counts, each over `window_s`, keyed on the normalized
username (orchard.registry.usernames) and the client's real address (ORCHARD_TRUSTED_PROXIES):
- per name and address: `free` failures, then a pause that doubles with each further one;
- per address, whatever the names: `per_address` failures, then that address waits;
- per name, from anywhere: `per_name` failures, then the name waits, except at addresses
  where it logged in before (`known_logins`), so the owner still gets in from home.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from orchard.auth.errors import TooManyAttempts
from orchard.registry.models import KnownLogin, LoginFailure, utcnow

NAME_LENGTH, ADDRESS_LENGTH = 254, 64  # the columns' sizes: a longer key is cut, never refused with a 500
PRUNE_EVERY = 500  # failures written between deletions of those the window no longer counts


class LoginThrottle:
    def __init__(self, sessions: sessionmaker[Session], free: int = 5, base_pause_s: float = 1.0,
                 per_address: int = 50, per_name: int = 20, window_s: float = 900.0,
                 known_for_s: float = 90 * 86400, clock: Callable[[], datetime] = utcnow) -> None:
        self.sessions = sessions
        self.free, self.base_pause_s = free, base_pause_s
        self.per_address, self.per_name = per_address, per_name
        self.window = timedelta(seconds=window_s)
        self.known_for = timedelta(seconds=known_for_s)
        self.clock = clock
        self._written = itertools.count(1)

    def check(self, name: str, address: str) -> None:
        """Raise TooManyAttempts while a login of `name` from `address` must wait."""
        name, address = _key(name, address)
        now = self.clock()
        since = now - self.window
        failures = select(LoginFailure.at).where(LoginFailure.at > since).order_by(LoginFailure.at.desc())
        with self.sessions() as session:
            here = list(session.scalars(failures.where(LoginFailure.name == name, LoginFailure.address == address)
                                        .limit(self.free + 16)))
            waits = [self._backoff(here, now)]
            from_address = list(session.scalars(failures.where(LoginFailure.address == address)
                                                .limit(self.per_address)))
            waits.append(self._limit(from_address, self.per_address, now))
            known = session.scalar(select(KnownLogin.last_at).where(KnownLogin.name == name,
                                                                     KnownLogin.address == address))
            if known is None or now - known >= self.known_for:
                of_name = list(session.scalars(failures.where(LoginFailure.name == name).limit(self.per_name)))
                waits.append(self._limit(of_name, self.per_name, now))
        wait = max(waits)
        if wait > 0:
            raise TooManyAttempts(max(1, int(wait + 0.999)))

    def failed(self, name: str, address: str) -> None:
        name, address = _key(name, address)
        now = self.clock()
        with self.sessions.begin() as session:
            session.add(LoginFailure(name=name, address=address, at=now))
            if next(self._written) % PRUNE_EVERY == 0:
                session.execute(delete(LoginFailure).where(LoginFailure.at <= now - self.window))
                session.execute(delete(KnownLogin).where(KnownLogin.last_at <= now - self.known_for))

    def succeeded(self, name: str, address: str) -> None:
        """Forget this address's failures for the name, and remember the address as the name's."""
        name, address = _key(name, address)
        try:
            with self.sessions.begin() as session:
                session.execute(delete(LoginFailure).where(LoginFailure.name == name,
                                                           LoginFailure.address == address))
                session.merge(KnownLogin(name=name, address=address, last_at=self.clock()))
        except IntegrityError:  # a double-clicked login: the other request remembered the address
            pass

    def _backoff(self, failures: list[datetime], now: datetime) -> float:
        """Seconds left of the pause after the newest failure: 0 for the first `free`, then 1, 2, 4... s."""
        beyond = len(failures) - self.free
        if beyond < 0:
            return 0.0
        pause = min(self.base_pause_s * 2 ** beyond, self.window.total_seconds())
        return (failures[0] - now).total_seconds() + pause

    def _limit(self, failures: list[datetime], limit: int, now: datetime) -> float:
        """Seconds until the oldest of the `limit` newest failures leaves the window (0 below the limit)."""
        if len(failures) < limit:
            return 0.0
        return (failures[limit - 1] + self.window - now).total_seconds()


def _key(name: str, address: str) -> tuple[str, str]:
    return name[:NAME_LENGTH], address[:ADDRESS_LENGTH]
