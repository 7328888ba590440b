"""The `orchard` command as an operator meets it: help everywhere, one-line configuration errors."""

import os
import subprocess
import sys

import pytest

from tests.services import free_port

COMMANDS = ["demo", "ingest", "device", "simulate", "readings", "dashboard", "alerts"]


def orchard(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_")}
    return subprocess.run([sys.executable, "-m", "orchard.cli", *args], env={**clean, **(env or {})},
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = orchard(command, "--help")
    assert result.returncode == 0 and "Usage:" in result.stdout


def test_a_bad_setting_stops_a_service_with_one_line_naming_it():
    result = orchard("ingest", env={"ORCHARD_STORE_URL": "mysql://db/orchard"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "ORCHARD_STORE_URL" in lines[0]


def test_a_typo_in_a_variable_name_is_caught():
    result = orchard("readings", env={"ORCHARD_STORE_ULR": "sqlite:///x.db"})
    assert result.returncode == 2 and "did you mean ORCHARD_STORE_URL" in result.stderr


def test_the_demo_runs_and_readings_shows_every_device(tmp_path):
    env = {"ORCHARD_DATA_DIR": str(tmp_path)}
    demo = orchard("demo", "--duration", "6", "--interval", "1", "--backfill-hours", "1",
                   "--mqtt-port", str(free_port()), "--streams-port", str(free_port()),
                   "--api-port", str(free_port()), "--dashboard-port", str(free_port()), env=env, timeout=120)
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert "demo stopped" in demo.stdout
    assert "dashboard    http://127.0.0.1:" in demo.stdout
    assert "alerts.service: connected to mqtt://orchard-alerts@" in demo.stderr  # the alerts service runs too
    table = orchard("readings", env=env).stdout.splitlines()
    devices = [line.split()[1] for line in table[1:]]
    assert devices == [f"node-{i:02d}" for i in range(1, 9)]
