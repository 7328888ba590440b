"""What callbacks use, built once per process: settings, registry, policy, store, camera relay and tokens.

Dash keeps its callbacks in module-level registries, so one dashboard runs per
process; `install` sets its services and `get` hands them to callbacks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from orchard.auth.policy import Viewer
from orchard.auth.setup import policy_for, secret_of
from orchard.registry.db import conflicts, session_factory
from orchard.settings import Settings
from orchard.store import TimeSeriesStore, open_store

if TYPE_CHECKING:
    from dashboard.device_status import StatusBoard

CAMERA_TOKEN_TTL_S = 600  # an <img> on the camera wall gets a fresh token well before this


class Services:
    """The registry, the policy that guards it, the store of readings and the camera relay's address."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session] | None = None,
                 store: TimeSeriesStore | None = None, policy_cache_s: float = 5.0) -> None:
        self.secret = secret_of(settings)  # refuse to start rather than sign sessions with a weak key
        self.settings = settings
        self.public_url = settings.public_url  # ORCHARD_PUBLIC_URL: https there makes the session cookie Secure
        self.own_sessions, self.own_store = sessions is None, store is None
        self.sessions = sessions or session_factory(settings.db_url)
        token = settings.influx_token.get_secret_value() if settings.influx_token else None
        self.store = store if store is not None else open_store(settings.store_url, token=token)
        self.policy = policy_for(settings, self.sessions, cache_s=policy_cache_s)
        self.cameras_url = settings.cameras_url.rstrip("/")
        self.device_status: StatusBoard | None = None  # set by start(): the devices' retained statuses

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A registry session for reads; build answers inside the block, while rows can still load."""
        with self.sessions() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A transaction committed when the block ends (Conflict if the registry refuses it)."""
        with conflicts(), self.sessions.begin() as session:
            yield session
        self.policy.forget()

    def camera_token(self, viewer: Viewer, cameras: Iterable[str], ttl_s: float = CAMERA_TOKEN_TTL_S) -> str:
        """A short-lived token for `cameras` in the viewer's name: the relay re-checks their claims on use,
        and their logout ends it."""
        return self.policy.camera_token(viewer, sorted(cameras), int(ttl_s))

    def camera_url(self, camera: str, what: str = "latest.jpg") -> str:
        return f"{self.cameras_url}/{camera}/{what}"

    def start(self) -> None:
        """Start what runs beside the web app: the device status listener."""
        from dashboard.device_status import StatusBoard

        if self.device_status is None:
            self.device_status = StatusBoard(self.settings.mqtt_url)
            self.device_status.start()

    def close(self) -> None:
        if self.device_status is not None:
            self.device_status.stop()
            self.device_status = None
        if self.own_store:
            self.store.close()
        if self.own_sessions:
            self.sessions.kw["bind"].dispose()


_installed: Services | None = None


def install(services: Services) -> Services:
    global _installed
    _installed = services
    return services


def get() -> Services:
    """The dashboard's services; RuntimeError before `dashboard.app.create_app` built them."""
    if _installed is None:
        raise RuntimeError("the dashboard's services are not set up (dashboard.app.create_app does it)")
    return _installed
