import pytest

from orchard.auth.policy import Policy
from orchard.registry.db import session_factory
from orchard.registry.migrate import upgrade
from tests.orchard.registry.conftest import db_url, postgres, postgres_registry, sqlite_template  # noqa: F401
from tests.world import build_world

SECRET = "policy-test-secret-" + "s" * 32


@pytest.fixture
def registry(tmp_path):
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    upgrade(url)
    sessions = session_factory(url)
    return sessions, build_world(sessions)


@pytest.fixture
def policy(registry):
    sessions, _ = registry
    return Policy(sessions, SECRET, cache_s=0)
