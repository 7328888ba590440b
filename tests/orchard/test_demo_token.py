"""The demo's banner prints a camera link: its token must be short-lived and name one camera (issue 7, low)."""

from __future__ import annotations

import re

import jwt

from tests.orchard.test_cli import orchard
from tests.services import free_port


def test_the_demo_prints_a_short_lived_token_for_one_camera(tmp_path):
    demo = orchard("demo", "--duration", "3", "--interval", "1", "--backfill-hours", "0",
                   "--mqtt-port", str(free_port()), "--streams-port", str(free_port()),
                   "--api-port", str(free_port()), env={"ORCHARD_DATA_DIR": str(tmp_path)}, timeout=120)
    assert demo.returncode == 0, demo.stderr[-2000:]
    token = re.search(r"stream\.mjpg\?token=(\S+)", demo.stdout).group(1)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["cams"] == ["cam-01"]
    assert claims["exp"] - claims["iat"] <= 3600
