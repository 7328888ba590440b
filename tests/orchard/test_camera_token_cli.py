"""`orchard camera-token` (orchard/camera_token_cli.py): operators' tokens, users' tokens the policy accepts,
and the demo's key found where the demo keeps it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from orchard.auth import read_camera_token
from orchard.auth.policy import Policy
from orchard.cli import main
from orchard.demo import demo_secret_path
from orchard.registry.db import session_factory
from orchard.registry.migrate import upgrade
from tests.orchard.auth.conftest import SECRET
from tests.world import build_world


def camera_token(*args, cwd, env=None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_")}
    return subprocess.run([sys.executable, "-m", "orchard.cli", "camera-token", *args], cwd=cwd,
                          env={**clean, **(env or {})}, capture_output=True, text=True, timeout=60)


def test_in_a_demo_checkout_the_token_is_signed_with_the_demo_key(tmp_path):
    (tmp_path / "data").mkdir()
    key = "k" * 43
    demo_secret_path(tmp_path / "data").write_text(key + "\n")
    result = camera_token("cam-01", "--ttl", "60", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert read_camera_token(key, token).allows("cam-01")
    assert "demo-secret-key" in result.stderr  # it says which key it used


def test_without_any_key_it_says_what_to_set(tmp_path):
    result = camera_token("cam-01", cwd=tmp_path)
    assert result.returncode == 2 and "ORCHARD_SECRET_KEY" in result.stderr


@pytest.fixture
def registry(tmp_path):
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    upgrade(url)
    sessions = session_factory(url)
    return sessions, build_world(sessions)


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
