"""Two API processes on one registry count the same failed logins: guesses spread over both
lock the account on both (the throttle lives in the registry, not in a worker's memory)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from orchard.registry.db import session_factory
from orchard.registry.migrate import upgrade
from orchard.registry.models import LoginFailure
from tests.api.conftest import SECRET
from tests.services import REPO, free_port, wait_for_port
from tests.world import PASSWORD, build_world


@pytest.fixture(params=["sqlite", "postgresql"])
def registry(request, sqlite_template, tmp_path) -> str:
    """A registry holding the test world, on SQLite or on the real PostgreSQL."""
    if request.param == "sqlite":
        shutil.copyfile(sqlite_template, tmp_path / "registry.db")
        url = f"sqlite:///{tmp_path / 'registry.db'}"
    else:
        url = request.getfixturevalue("postgres").create_database()
        upgrade(url)
    sessions = session_factory(url)
    build_world(sessions)
    sessions.kw["bind"].dispose()
    return url


@pytest.fixture
def two_workers(registry, tmp_path) -> Iterator[list[str]]:
    """`python -m api` twice on the registry, as `docker compose --scale api=2` or two systemd units run it."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_")},
           "ORCHARD_DATA_DIR": str(tmp_path), "ORCHARD_DB_URL": registry, "ORCHARD_SECRET_KEY": SECRET}
    ports = [free_port(), free_port()]
    processes = [subprocess.Popen([sys.executable, "-m", "api", "--port", str(port)], cwd=REPO, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for port in ports]
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_for_port(port, timeout=60, process=process)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def login(url: str, password: str) -> httpx.Response:
    return httpx.post(f"{url}/api/login", json={"username": "bo", "password": password}, timeout=60)


def test_five_failures_spread_over_two_workers_lock_the_account_on_both(two_workers, registry):
    """Guesses alternate between the workers. One worker alone would have seen five failures only at
    the 9th or 10th guess; counted together, the account is refused (429) from the 6th on. The first
    pause is 1 s and doubles with each failure after it, so a loaded machine may let a guess or two
    through before one lands inside a pause: the refusal must still come before either worker alone
    saw five failures."""
    first, second = two_workers
    statuses = []
    for attempt in range(10):
        response = login((first, second)[attempt % 2], "guess")
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) >= 1
            break
    assert statuses[:5] == [401] * 5, statuses  # three failures on one worker, two on the other
    assert statuses[-1] == 429, f"not refused before either worker alone saw five failures: {statuses}"
    sessions = session_factory(registry)
    with sessions() as session:  # the failures are rows both workers read, not counters in either
        stored = session.scalar(select(func.count()).select_from(LoginFailure).where(LoginFailure.name == "bo"))
    sessions.kw["bind"].dispose()
    assert stored == statuses.count(401)


def test_fewer_failures_than_the_limit_over_two_workers_still_let_the_owner_in(two_workers):
    first, second = two_workers
    for url in (first, second, first, second):
        assert login(url, "guess").status_code == 401
    assert login(second, PASSWORD).status_code == 200
