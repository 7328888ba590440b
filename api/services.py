"""What routes are handed: registry sessions, the access policy, the time-series store and the secrets."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from orchard.auth import check_secret
from orchard.auth.policy import Policy
from orchard.registry.db import conflicts
from orchard.store import TimeSeriesStore


class Services:
    """The registry, the policy that guards it, and the store of readings, shared by every request."""

    def __init__(self, sessions: sessionmaker[Session], store: TimeSeriesStore, secret: str | None,
                 shop_secret: str | None = None, policy_cache_s: float = 5.0) -> None:
        self.secret = check_secret(secret)  # refuse to start rather than sign sessions with nothing
        self.shop_secret = shop_secret or None
        self.sessions = sessions
        self.store = store
        self.policy = Policy(sessions, self.secret, cache_s=policy_cache_s)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads; build responses inside the block, while rows can still load."""
        with self.sessions() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A transaction committed when the block ends (Conflict if the registry refuses it); the policy then
        forgets its cached answers."""
        with conflicts(), self.sessions.begin() as session:
            yield session
        self.policy.forget()


def services(request: Request) -> Services:
    """The app's services, put in each request's state by the app's lifespan."""
    return request.state.services


def store(request: Request) -> TimeSeriesStore:
    """The readings store (ORCHARD_STORE_URL)."""
    return request.state.services.store


ServicesDep = Annotated[Services, Depends(services)]
StoreDep = Annotated[TimeSeriesStore, Depends(store)]
