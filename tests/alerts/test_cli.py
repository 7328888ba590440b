"""`orchard alerts` and `python -m alerts` as an operator meets them."""

from __future__ import annotations

import os
import subprocess
import sys


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("ORCHARD_")}
    return subprocess.run([sys.executable, *args], env={**clean, **(env or {})}, capture_output=True, text=True,
                          timeout=60)


def test_help_names_the_service_and_its_setting():
    for command in (["-m", "alerts", "--help"], ["-m", "orchard.cli", "alerts", "--help"]):
        result = run(*command)
        assert result.returncode == 0, result.stderr
        assert "Usage:" in result.stdout and "ORCHARD_ALERTS_INTERVAL_S" in result.stdout


def test_a_bad_interval_stops_the_service_with_one_line_naming_it(tmp_path):
    result = run("-m", "alerts", env={"ORCHARD_ALERTS_INTERVAL_S": "0", "ORCHARD_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "ORCHARD_ALERTS_INTERVAL_S" in lines[0]
