"""What routes are handed: registry sessions, the access policy, the time-series store and the secrets."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from orchard.auth.policy import Policy
from orchard.auth.secret import check_secret
from orchard.registry.db import conflicts
from orchard.store import TimeSeriesStore


class Services:
    """The registry, the policy that guards it, and the store of readings, shared by every request."""

    def __init__(self, policy: Policy, store: TimeSeriesStore, shop_secret: str | None = None,
                 public_url: str | None = None, data_dir: Path = Path("data")) -> None:
        self.policy = policy  # orchard.auth.setup.policy_for: the secret is checked there
        self.secret = check_secret(policy.secret)
        self.shop_secret = shop_secret or None
        self.sessions = policy.sessions
        self.store = store
        self.public_url = public_url  # ORCHARD_PUBLIC_URL: https there makes the session cookie Secure
        self.data_dir = data_dir  # ORCHARD_DATA_DIR: care-log photos

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
