"""`orchard camera-token` in a demo checkout: the demo's key is found where the demo keeps it."""

import os
import subprocess
import sys

from orchard.auth import read_camera_token
from orchard.demo import demo_secret_path


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
