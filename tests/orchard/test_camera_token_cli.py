"""`orchard camera-token` (orchard/camera_token_cli.py): operators' tokens, and users' tokens the policy accepts."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from orchard.auth import read_camera_token
from orchard.auth.policy import Policy
from orchard.cli import main
from tests.orchard.auth.conftest import SECRET, registry  # noqa: F401  (fixture)


@pytest.fixture
def run(registry, tmp_path):
    sessions, _ = registry
    env = {"ORCHARD_SECRET_KEY": SECRET, "ORCHARD_DB_URL": str(sessions.kw["bind"].url),
           "ORCHARD_DATA_DIR": str(tmp_path)}
    return lambda *args: CliRunner().invoke(main, ["camera-token", *args], env=env)


def test_an_operator_token_names_its_cameras(run):
    result = run("cam-17", "cam-v", "--ttl", "60")
    assert result.exit_code == 0, result.output
    grant = read_camera_token(SECRET, result.output.strip())
    assert grant.cameras == {"cam-17", "cam-v"} and grant.subject is None


def test_a_users_token_is_accepted_by_the_policy_and_ends_with_their_logout(run, registry):
    sessions, world = registry
    result = run("cam-17", "--user", "ＡＮＡ ")  # any spelling of the name
    assert result.exit_code == 0, result.output
    policy = Policy(sessions, SECRET, cache_s=0)
    bearer = policy.from_camera_token(result.output.strip())
    assert bearer.user_id == world.users["customer_active"]
    policy.require_camera(bearer, "cam-17")


@pytest.mark.parametrize("args, complaint", [
    (("cam-17", "--user", "cy"), "may not watch cam-17"),
    (("cam-17", "--user", "nobody"), "no active user"),
    (("cam-17", "--subject", "someone"), "no such option"),  # it made tokens every service refused
])
def test_a_token_the_policy_would_refuse_is_not_made(run, args, complaint):
    result = run(*args)
    assert result.exit_code == 2 and complaint in result.output.lower(), result.output
