"""The API under a real uvicorn on a free port, over a registry built from tests/world.py."""

from __future__ import annotations

import hashlib
import hmac
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from api.app import create_app
from orchard.auth.setup import proxy_options
from orchard.registry.db import session_factory
from orchard.registry.models import Plot
from orchard.registry.people import find_claim_by_order
from orchard.settings import Settings
from orchard.store import open_store
from tests.authz import login, persona_clients
from tests.orchard.registry.conftest import postgres, sqlite_template  # noqa: F401  (fixtures)
from tests.services import free_port
from tests.world import USERNAMES, World, build_world

SECRET = "api-test-secret-" + "s" * 32
SHOP_SECRET = "shop-test-secret-" + "h" * 16


class RunningApi:
    """The API app under uvicorn in a thread of this process, with the world it serves."""

    def __init__(self, workdir: Path, db_url: str, shop_secret: str | None = SHOP_SECRET,
                 policy_cache_s: float = 0, **settings: str) -> None:
        environ = {
            "ORCHARD_DATA_DIR": str(workdir),
            "ORCHARD_DB_URL": db_url,
            "ORCHARD_STORE_URL": f"sqlite:///{workdir / 'readings.db'}",
            "ORCHARD_SECRET_KEY": SECRET,
        }
        if shop_secret:
            environ["ORCHARD_SHOP_SECRET"] = shop_secret
        environ.update({f"ORCHARD_{name.upper()}": value for name, value in settings.items()})
        self.settings = Settings.load(environ)
        self.sessions = session_factory(db_url)
        self.world: World = build_world(self.sessions)
        self.store = open_store(self.settings.store_url)
        # No policy cache by default: tests change the registry behind the server's back and look at once.
        self.app = create_app(self.settings, sessions=self.sessions, store=self.store,
                              policy_cache_s=policy_cache_s)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # As `orchard api` runs it: forwarded headers count only from ORCHARD_TRUSTED_PROXIES.
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on",
                                **proxy_options(self.settings))
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn-api", daemon=True)
        self.clients: list[httpx.Client] = []

    def start(self) -> RunningApi:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.server.started, "uvicorn did not start"
        return self

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        self.server.should_exit = True
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "uvicorn did not stop"
        self.store.close()
        self.sessions.kw["bind"].dispose()

    def client(self, persona: str | None = None) -> httpx.Client:
        """A client logged in as a persona of tests/world.py (None: nobody)."""
        client = login(self.url, USERNAMES[persona]) if persona else httpx.Client(base_url=self.url, timeout=30)
        self.clients.append(client)
        return client

    def personas(self) -> dict[str, httpx.Client]:
        clients = persona_clients(self.url)
        self.clients.extend(clients.values())
        return clients

    def ids(self) -> dict[str, int]:
        """Ids of the world's rows, by name: trees t17/t18/t5, users, the plot, the three claims."""
        with self.sessions() as session:
            plot = session.scalar(select(Plot).where(Plot.farm_id == "hill", Plot.name == "north"))
            claims = {name: find_claim_by_order(session, ref).id
                      for name, ref in (("claim_ana", "A-1"), ("claim_bo", "B-1"), ("claim_cy", "C-1"))}
        trees = {f"t{label}": tree_id for label, tree_id in self.world.trees.items()}
        return {**trees, **self.world.users, **claims, "plot_north": plot.id}


def signed(body: bytes, secret: str = SHOP_SECRET, at: float | None = None) -> dict[str, str]:
    """The headers the shop sends with an order body: the HMAC of `<timestamp>.<body>` (now, unless `at`)."""
    stamp = str(int(time.time() if at is None else at))
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Orchard-Signature": f"sha256={digest}", "X-Orchard-Timestamp": stamp,
            "Content-Type": "application/json"}


@pytest.fixture
def start_api(sqlite_template, tmp_path_factory) -> Iterator:
    """Start a private API server (for tests that change what others would see); stopped after the test."""
    running: list[RunningApi] = []

    def start(**options) -> RunningApi:
        workdir = tmp_path_factory.mktemp("api")
        shutil.copyfile(sqlite_template, workdir / "registry.db")
        server = RunningApi(workdir, f"sqlite:///{workdir / 'registry.db'}", **options)
        running.append(server)
        return server.start()

    yield start
    for server in running:
        server.stop()


@pytest.fixture(scope="module")
def api(sqlite_template, tmp_path_factory) -> Iterator[RunningApi]:
    """One API server for a test module that only reads, or changes only what it made."""
    workdir = tmp_path_factory.mktemp("api")
    shutil.copyfile(sqlite_template, workdir / "registry.db")
    server = RunningApi(workdir, f"sqlite:///{workdir / 'registry.db'}").start()
    yield server
    server.stop()
